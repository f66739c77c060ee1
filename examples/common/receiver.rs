//! A webhook receiver for the load tools that checks every signature (Standard
//! Webhooks: `webhook-*` headers, or Svix's `svix-*` spelling of the same scheme)
//! and records each delivery: first arrival per change, copies per message id.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What the receiver saw.
#[derive(Default)]
pub struct Seen {
    /// First arrival per change key (what `key_of` names in the body).
    pub first: HashMap<String, Instant>,
    /// Copies received per message id (`webhook-id`).
    pub copies: HashMap<String, u32>,
    /// Deliveries whose signature did not verify.
    pub bad_signatures: u64,
}

impl Seen {
    /// Message ids received more than once.
    pub fn duplicates(&self) -> u64 {
        self.copies.values().filter(|n| **n > 1).count() as u64
    }
}

/// Where the receiver listens, and what it saw.
pub struct Receiver {
    pub url: String,
    pub seen: Arc<Mutex<Seen>>,
}

struct Shared {
    key: Vec<u8>,
    seen: Arc<Mutex<Seen>>,
    key_of: fn(&serde_json::Value) -> Option<String>,
}

/// The HMAC key of a `whsec_` secret.
pub fn secret_key(secret: &str) -> Vec<u8> {
    B64.decode(secret.trim_start_matches("whsec_")).unwrap()
}

/// `v1,<base64>` of `id.ts.body` under `key`.
pub fn sign(key: &[u8], id: &str, ts: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
}

fn header<'a>(h: &'a HeaderMap, names: [&str; 2]) -> &'a str {
    names
        .iter()
        .find_map(|n| h.get(*n).and_then(|v| v.to_str().ok()))
        .unwrap_or("")
}

async fn receive(State(s): State<Arc<Shared>>, h: HeaderMap, body: Bytes) -> StatusCode {
    let at = Instant::now();
    let id = header(&h, ["webhook-id", "svix-id"]);
    let ts = header(&h, ["webhook-timestamp", "svix-timestamp"]);
    let sigs = header(&h, ["webhook-signature", "svix-signature"]);
    let expected = sign(&s.key, id, ts, &body);
    let ok = sigs.split(' ').any(|sig| sig == expected);
    let key = serde_json::from_slice(&body)
        .ok()
        .and_then(|v| (s.key_of)(&v));
    let mut seen = s.seen.lock().unwrap();
    if !ok {
        seen.bad_signatures += 1;
        return StatusCode::UNAUTHORIZED;
    }
    *seen.copies.entry(id.to_string()).or_default() += 1;
    if let Some(k) = key {
        seen.first.entry(k).or_insert(at);
    }
    StatusCode::NO_CONTENT
}

impl Receiver {
    /// Starts a receiver on a free loopback port; `key_of` names the change a body
    /// is about.
    pub async fn start(secret: &str, key_of: fn(&serde_json::Value) -> Option<String>) -> Receiver {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let shared = Arc::new(Shared {
            key: secret_key(secret),
            seen: seen.clone(),
            key_of,
        });
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, seen }
    }
}
