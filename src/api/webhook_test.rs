//! `POST /v2/webhooks/{id}/test`: one signed test message to an endpoint, sent
//! now, outside the outbox, with the endpoint's format headers and every secret
//! that signs at the moment; the answer says what the receiver replied.

use super::AppState;
use crate::core::settings::WebhookDest;
use crate::notify::destination::{check_url, GuardedResolver};
use crate::notify::outcome::Sent;
use crate::notify::webhook::headers_for;
use serde_json::{json, Value};
use std::sync::Arc;

/// Sends the test message to `dest` (endpoint `id`).
pub async fn send(state: &AppState, id: &str, dest: &WebhookDest) -> Value {
    let cfg = &state.cfg;
    if let Err(why) = check_url(&dest.url, cfg.allow_private_destinations) {
        return json!({"delivered": false, "code": null, "error": why});
    }
    let now = state.clock.now();
    let mut raw = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut raw);
    let msg_id = format!("test_{}", hex::encode(raw));
    let body = json!({
        "event": {"id": msg_id, "type": "webhook.test", "at": crate::core::time::rfc3339(now)},
        "endpoint": id,
        "format": dest.format.as_str(),
    })
    .to_string();
    let secrets = dest.signing_secrets(now);
    let client = reqwest::Client::builder()
        .timeout(cfg.delivery.timeout.0)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(GuardedResolver::new(
            cfg.delivery.nameserver,
            cfg.allow_private_destinations,
        )))
        .user_agent(concat!("trackgate/", env!("CARGO_PKG_VERSION")))
        .build();
    let Ok(client) = client else {
        return json!({"delivered": false, "code": null, "error": "no HTTP client"});
    };
    let mut req = client.post(&dest.url);
    for (k, v) in headers_for(dest.format, &secrets, &msg_id, now, body.as_bytes()) {
        req = req.header(k, v);
    }
    let sent = match req.body(body).send().await {
        Ok(r) => crate::notify::outcome::classify(&r),
        Err(e) => crate::notify::outcome::transport_error(&e),
    };
    match sent {
        Sent::Delivered { code } => {
            json!({"delivered": true, "code": code, "error": null, "webhook_id": msg_id})
        }
        Sent::Retry { code, error, .. } | Sent::Permanent { code, error, .. } => {
            json!({"delivered": false, "code": code, "error": error, "webhook_id": msg_id})
        }
    }
}
