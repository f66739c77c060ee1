//! Slack out: one incoming-webhook `POST {text, blocks}` per message.

use super::outcome::{classify, transport_error, Sent};
use super::templates::Slack;
use serde_json::{json, Value};

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

/// Slack's control characters escaped in every string of `v`, as Slack documents
/// (`&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`): a carrier's event text or an order id
/// such as `<!channel>` or `<http://evil|click>` then shows as typed instead of
/// pinging a channel or making a link. Template text itself is not touched.
pub fn slack_escape(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        ),
        Value::Array(a) => Value::Array(a.iter().map(slack_escape).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), slack_escape(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}
