//! Real peers for notification tests: an HTTP receiver that records what it gets and
//! answers from a script, and and (from smtp.rs) an in-process SMTP server.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One answer of the script: status, Retry-After, delay before answering.
#[derive(Clone, Copy)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<u32>,
    pub delay: Duration,
}

pub fn answer(status: u16) -> Answer {
    Answer {
        status,
        retry_after: None,
        delay: Duration::ZERO,
    }
}

/// A request the receiver got.
#[derive(Clone, Debug)]
pub struct Got {
    pub headers: HeaderMap,
    pub body: String,
    pub at: Instant,
}

impl Got {
    pub fn header(&self, k: &str) -> String {
        self.headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Inner {
    script: VecDeque<Answer>,
    default: Option<Answer>,
    got: Vec<Got>,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

async fn hook(State(inner): State<Arc<Mutex<Inner>>>, headers: HeaderMap, body: Bytes) -> Response {
    let a = {
        let mut i = inner.lock().unwrap();
        i.got.push(Got {
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
        });
        i.script.pop_front().or(i.default).unwrap_or(answer(200))
    };
    tokio::time::sleep(a.delay).await;
    let mut resp = (StatusCode::from_u16(a.status).unwrap(), "ok").into_response();
    if let Some(s) = a.retry_after {
        resp.headers_mut()
            .insert("retry-after", s.to_string().parse().unwrap());
    }
    resp
}

impl Receiver {
    /// A receiver answering each request from `script`, then 200.
    pub fn start(script: Vec<Answer>) -> Receiver {
        let inner = Arc::new(Mutex::new(Inner {
            script: script.into(),
            ..Inner::default()
        }));
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(inner.clone());
        let addr = crate::helpers::serve(app);
        Receiver {
            url: format!("http://{addr}/hook"),
            inner,
        }
    }

    /// Answers every later request with `a`.
    pub fn always(&self, a: Answer) {
        self.inner.lock().unwrap().default = Some(a);
    }

    pub fn got(&self) -> Vec<Got> {
        self.inner.lock().unwrap().got.clone()
    }

    /// Waits until at least `n` requests came in.
    pub fn wait_for(&self, n: usize, secs: u64) -> Vec<Got> {
        let end = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < end {
            let g = self.got();
            if g.len() >= n {
                return g;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "receiver got {} requests, expected {n} within {secs} s",
            self.got().len()
        );
    }
}

/// A free TCP port on loopback (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub use crate::smtp::Smtp;
