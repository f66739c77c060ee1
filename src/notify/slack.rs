//! Slack out: one incoming-webhook `POST {text, blocks}` per message.

use super::outcome::{classify, transport_error, Sent};
use super::templates::Slack;
use serde_json::json;

/// Posts a rendered message to an incoming-webhook URL.
pub async fn send(http: &reqwest::Client, url: &str, msg: &Slack) -> Sent {
    match http
        .post(url)
        .json(&json!({"text": msg.text, "blocks": msg.blocks}))
        .send()
        .await
    {
        Ok(r) => classify(&r),
        Err(e) => transport_error(&e),
    }
}
