//! The shop's webhook: TrackingMore v2 webhook body plus an `event` object, signed
//! with Standard Webhooks headers by every secret of the account (rotation), and
//! its sender.

use super::context::TransitionView;
use super::outcome::{classify, transport_error, Sent};
use crate::core::view::TrackingView;
use crate::signing::{hmac, standard_sign};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

/// The body: `{meta, data: <tracking object>, verifyInfo, event}`. `verifyInfo` has
/// TrackingMore v2's form, hex HMAC-SHA256 of `timeStr`, but keyed by the account's
/// webhook secret: keyed by the account email (TrackingMore's key) anyone who
/// knows the address could forge it, and a receiver could replay it to a gateway.
/// It does not cover the body; the Standard Webhooks headers do.
#[derive(Serialize)]
struct Body<'a, T: Serialize + ?Sized> {
    meta: Value,
    data: &'a T,
    #[serde(rename = "verifyInfo")]
    verify_info: Value,
    /// Absent in the `trackingmore-v2` format.
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<Value>,
}

fn typed<'a, T: Serialize + ?Sized>(
    tracking: &'a T,
    transition: &TransitionView,
    job_id: &str,
    secret: &str,
    tracking_url: Option<&str>,
    now: i64,
) -> Body<'a, T> {
    let time_str = now.to_string();
    Body {
        meta: json!({"code": 200, "type": "Success", "message": "Success"}),
        data: tracking,
        verify_info: json!({
            "timeStr": time_str,
            "signature": hex::encode(hmac(secret.as_bytes(), &[time_str.as_bytes()])),
        }),
        event: tracking_url.map(|url| event(transition, job_id, url)),
    }
}

/// The `event` of a body: `type` per CONTRACT.md; an alert adds `since` (stalled:
/// when the status began) or `estimated_delivery` (the estimate missed, or the
/// new one).
fn event(transition: &TransitionView, job_id: &str, tracking_url: &str) -> Value {
    let mut e = json!({
        "id": job_id,
        "type": transition.alert.as_ref().map_or("tracking.status_changed", |a| a.alert.event_type()),
        "from": transition.from,
        "to": transition.to,
        "at": transition.at,
        "tracking_url": tracking_url,
    });
    if let Some(a) = &transition.alert {
        let (key, value) = match a.alert {
            crate::core::alerts::Alert::Stalled => ("since", a.since.clone()),
            _ => ("estimated_delivery", a.date.clone()),
        };
        e[key] = Value::String(value);
    }
    e
}

/// The body as JSON (previews, tests).
pub fn body(
    tracking: &TrackingView,
    transition: &TransitionView,
    job_id: &str,
    secret: &str,
    tracking_url: &str,
    now: i64,
) -> Value {
    serde_json::to_value(typed(
        tracking,
        transition,
        job_id,
        secret,
        Some(tracking_url),
        now,
    ))
    .unwrap_or(Value::Null)
}

/// The body as sent: the tracking object, serialised once for all its
/// notifications, is written into it as is. Without `tracking_url`, the body has
/// no `event`: TrackingMore v2's own form.
pub fn body_text(
    tracking: &RawValue,
    transition: &TransitionView,
    job_id: &str,
    secret: &str,
    tracking_url: Option<&str>,
    now: i64,
) -> String {
    let body = typed(tracking, transition, job_id, secret, tracking_url, now);
    serde_json::to_string(&body).unwrap_or_default()
}

/// Standard Webhooks headers: `webhook-id` is the notification id (the same on
/// every retry), `webhook-signature` carries one `v1,` signature per secret.
pub fn headers(
    secrets: &[String],
    job_id: &str,
    now: i64,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    headers_for(
        crate::core::endpoints::Format::Trackgate,
        secrets,
        job_id,
        now,
        body,
    )
}

/// The same, with the headers `format` adds (AfterShip's signature).
pub fn headers_for(
    format: crate::core::endpoints::Format,
    secrets: &[String],
    job_id: &str,
    now: i64,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let sigs: Vec<String> = secrets
        .iter()
        .map(|s| standard_sign(s, job_id, now, body))
        .collect();
    let mut h = vec![
        ("webhook-id", job_id.to_string()),
        ("webhook-timestamp", now.to_string()),
        ("webhook-signature", sigs.join(" ")),
        ("content-type", "application/json".to_string()),
    ];
    if let Some(first) = secrets.first() {
        h.extend(super::webhook_formats::extra_headers(format, first, body));
    }
    h
}

/// Where and how a signed body is posted.
pub struct Post<'a> {
    pub url: &'a str,
    pub format: crate::core::endpoints::Format,
    pub secrets: &'a [String],
    pub job_id: &'a str,
    pub now: i64,
}

/// Posts a signed body to the shop's webhook URL.
pub async fn send(http: &reqwest::Client, to: Post<'_>, body: String) -> Sent {
    let mut req = http.post(to.url);
    for (k, v) in headers_for(to.format, to.secrets, to.job_id, to.now, body.as_bytes()) {
        req = req.header(k, v);
    }
    match req.body(body).send().await {
        Ok(r) => classify(&r),
        Err(e) => transport_error(&e),
    }
}
