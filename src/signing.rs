//! HMAC-SHA256 signing, shared by what checks incoming signatures (`ingest`) and
//! what signs outgoing webhooks (`notify`): one implementation of each scheme.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 of `msg` under `key`.
pub fn hmac(key: &[u8], msg: &[&[u8]]) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    for part in msg {
        m.update(part);
    }
    m.finalize().into_bytes().to_vec()
}

/// Constant-time equality of two byte strings.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The Standard Webhooks key: the base64 after `whsec_`, else the secret's bytes.
pub fn standard_key(secret: &str) -> Vec<u8> {
    secret
        .strip_prefix("whsec_")
        .and_then(|b| B64.decode(b).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

/// The `v1,<base64>` signature Standard Webhooks defines for one secret.
pub fn standard_sign(secret: &str, id: &str, ts: i64, body: &[u8]) -> String {
    let mac = hmac(
        &standard_key(secret),
        &[id.as_bytes(), b".", ts.to_string().as_bytes(), b".", body],
    );
    format!("v1,{}", B64.encode(mac))
}
