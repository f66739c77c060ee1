//! Test-side signing, written from each provider's documentation, independent of the
//! gateway's own code.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const NATIVE_SECRET: &str = "whsec_dGVzdC1zZWNyZXQtZm9yLXRyYWNrZ2F0ZQ==";
pub const TM_EMAIL: &str = "pusher@example.com";
/// A TrackingMore v4 webhook secret (UUID-like, as TrackingMore issues them).
pub const TM_WEBHOOK_SECRET: &str = "2e55b9a3-4dd1-4416-9897-c4bd1e3d738f";
pub const AFTERSHIP_SECRET: &str = "aftership-test-secret";
pub const SEVENTEEN_KEY: &str = "17track-test-key";

/// Config enabling every receiver.
pub fn push_config() -> String {
    format!(
        "limits:\n  list_per_second: 10000\npoll:\n  enabled: false\npush:\n  native: {{ secret: \"{NATIVE_SECRET}\" }}\n  trackingmore: {{ email: \"{TM_EMAIL}\", webhook_secret: \"{TM_WEBHOOK_SECRET}\" }}\n  aftership: {{ secret: \"{AFTERSHIP_SECRET}\" }}\n  seventeentrack: {{ secret: \"{SEVENTEEN_KEY}\" }}\n"
    )
}

fn hmac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(msg);
    m.finalize().into_bytes().to_vec()
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Standard Webhooks headers for `body`.
/// Request headers as (name, value) pairs.
pub type Headers = Vec<(String, String)>;

/// Standard Webhooks headers.
pub fn native_headers(id: &str, ts: i64, body: &str) -> Headers {
    let key = B64
        .decode(NATIVE_SECRET.trim_start_matches("whsec_"))
        .unwrap();
    let sig = B64.encode(hmac(&key, format!("{id}.{ts}.{body}").as_bytes()));
    vec![
        ("webhook-id".into(), id.into()),
        ("webhook-timestamp".into(), ts.to_string()),
        ("webhook-signature".into(), format!("v1,{sig}")),
    ]
}

/// TrackingMore's verifyInfo for a time string.
pub fn tm_verify(email: &str, time_str: &str) -> serde_json::Value {
    serde_json::json!({"timeStr": time_str, "signature": hex::encode(hmac(email.as_bytes(), time_str.as_bytes()))})
}

/// A TrackingMore v4 signature as its webhook page's text describes it: base64
/// HMAC-SHA256 of the body, keyed by the webhook secret.
pub fn tm_v4_body_signature(body: &str) -> String {
    B64.encode(hmac(TM_WEBHOOK_SECRET.as_bytes(), body.as_bytes()))
}

/// A TrackingMore v4 signature as its webhook page's example computes it: hex
/// HMAC-SHA256 of the timestamp.
pub fn tm_v4_time_signature(ts: &str) -> String {
    hex::encode(hmac(TM_WEBHOOK_SECRET.as_bytes(), ts.as_bytes()))
}

pub fn aftership_header(body: &str) -> Vec<(String, String)> {
    vec![(
        "aftership-hmac-sha256".into(),
        B64.encode(hmac(AFTERSHIP_SECRET.as_bytes(), body.as_bytes())),
    )]
}

pub fn seventeen_header(body: &str) -> Vec<(String, String)> {
    let mut h = Sha256::new();
    h.update(format!("{body}/{SEVENTEEN_KEY}"));
    vec![("sign".into(), hex::encode(h.finalize()))]
}
