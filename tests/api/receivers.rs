//! Real peers for notification tests: an HTTP receiver that records what it gets and
//! answers from a script, and an SMTP server (mailin, in process) that keeps each message.

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

/// One message the SMTP server accepted.
#[derive(Clone, Default)]
struct Mail {
    rcpt: Vec<String>,
    data: Vec<u8>,
}

/// mailin's per-connection handler: collects the envelope and data of each message.
#[derive(Clone)]
struct Sink {
    current: Mail,
    done: Arc<Mutex<Vec<Mail>>>,
}

impl mailin::Handler for Sink {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin::Response {
        self.current = Mail {
            rcpt: to.to_vec(),
            data: Vec::new(),
        };
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin::Response {
        let mail = std::mem::take(&mut self.current);
        self.done.lock().unwrap().push(mail);
        mailin::response::OK
    }
}

/// A real SMTP server in this test process, speaking SMTP over TCP to the gateway's
/// lettre transport: mailin's session (the SMTP protocol, a maintained crate) behind
/// a thread per connection. It keeps each message.
pub struct Smtp {
    done: Arc<Mutex<Vec<Mail>>>,
}

/// Serves one SMTP connection until the client quits or hangs up.
fn smtp_session(stream: std::net::TcpStream, done: Arc<Mutex<Vec<Mail>>>) -> std::io::Result<()> {
    use std::io::{BufRead, BufReader, Write};
    let peer = stream.peer_addr()?.ip();
    let mut out = stream.try_clone()?;
    let mut session = mailin::SessionBuilder::new("smtp.test").build(
        peer,
        Sink {
            current: Mail::default(),
            done,
        },
    );
    session.greeting().write_to(&mut out)?;
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let res = session.process(&line);
        match res.action {
            mailin::Action::NoReply => {}
            mailin::Action::Close => {
                res.write_to(&mut out)?;
                return out.flush();
            }
            _ => res.write_to(&mut out)?,
        }
        out.flush()?;
    }
}

impl Smtp {
    pub fn start(port: u16) -> Smtp {
        let done = Arc::new(Mutex::new(Vec::new()));
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("SMTP port free");
        let d = done.clone();
        // The accept loop ends with the test process.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let d = d.clone();
                std::thread::spawn(move || smtp_session(stream, d));
            }
        });
        Smtp { done }
    }

    /// Messages received so far, as raw text, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let done = self.done.lock().unwrap();
        done.iter()
            .map(|m| String::from_utf8_lossy(&m.data).into_owned())
            .collect()
    }

    /// Envelope recipients of each message, oldest first.
    pub fn recipients(&self) -> Vec<Vec<String>> {
        self.done
            .lock()
            .unwrap()
            .iter()
            .map(|m| m.rcpt.clone())
            .collect()
    }

    pub fn wait_for(&self, n: usize, secs: u64) -> Vec<String> {
        let end = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < end {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "SMTP server got {} messages, expected {n} within {secs} s",
            self.messages().len()
        );
    }
}
