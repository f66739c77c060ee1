//! `POST /connect/woocommerce`: WooCommerce's order webhooks
//! (`research/today-apis.md` §3.2). The store is `X-WC-Webhook-Source`;
//! `X-WC-Webhook-Signature` is base64 HMAC-SHA256 of the raw body keyed by the
//! secret as WooCommerce uses it (HTML entities decoded). The unsigned ping sent
//! when a webhook is saved (`webhook_id=N`) is answered 200 and writes nothing.

use super::{header, register, signed_by_any, ConnectError};
use crate::core::connect::settings::domain_key;
use crate::core::connect::woocommerce::{read, TOPICS};
use crate::ingest::RawBody;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

/// WooCommerce keys its HMAC with `wp_specialchars_decode($secret, ENT_QUOTES)`.
fn wp_specialchars_decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The ping WooCommerce sends when a webhook is saved: a form body, no signature.
fn is_ping(headers: &HeaderMap, body: &[u8]) -> bool {
    header(headers, "x-wc-webhook-signature").is_none()
        && body.starts_with(b"webhook_id=")
        && body[11..].iter().all(u8::is_ascii_digit)
}

#[utoipa::path(post, path = "/connect/woocommerce", tag = "connectors",
    summary = "WooCommerce's order webhooks: each order's shipment-tracking numbers registered",
    request_body(content = Object, description = "The REST v3 order (order.created, order.updated), signed in X-WC-Webhook-Signature; or the unsigned ping webhook_id=N"),
    responses(super::ConnectAnswers))]
pub(super) async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<RawBody, crate::ingest::PushError>,
) -> Result<Json<Value>, ConnectError> {
    let body = super::body(body)?;
    if is_ping(&headers, &body) {
        return Ok(Json(json!({"ping": true})));
    }
    let source = header(&headers, "x-wc-webhook-source")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ConnectError::Malformed("the X-WC-Webhook-Source header is missing".into())
        })?;
    let sig = header(&headers, "x-wc-webhook-signature").ok_or(ConnectError::Unauthorized(
        "the X-WC-Webhook-Signature header is missing",
    ))?;
    let signed =
        |(_, secret): &(u64, String)| signed_by_any(&[&wp_specialchars_decode(secret)], sig, &body);
    let key = domain_key(source);
    let account = state
        .connectors
        .account(
            &state.store,
            source,
            |m| m.woocommerce.get(&key).cloned(),
            signed,
            "X-WC-Webhook-Signature does not match the store's secret",
        )
        .await?;
    let topic = header(&headers, "x-wc-webhook-topic").ok_or_else(|| {
        ConnectError::Malformed("the X-WC-Webhook-Topic header is missing".into())
    })?;
    if !TOPICS.contains(&topic) {
        return Ok(Json(json!({"ignored": topic})));
    }
    let v: Value = serde_json::from_slice(&body)
        .map_err(|e| ConnectError::Malformed(format!("the body is not JSON: {e}")))?;
    let order = read(&v).map_err(|e| ConnectError::Malformed(e.0))?;
    // WooCommerce's delivery id is not stable (a hash of the webhook and the
    // second): the body itself identifies a resend.
    let id = crate::ingest::signature::body_id(&body);
    register::delivery(&state, account, "woocommerce", Some(&id), &order).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_decoded_as_wordpress_does() {
        assert_eq!(wp_specialchars_decode("a&amp;b&quot;c&#039;d"), "a&b\"c'd");
    }

    #[test]
    fn only_the_bare_form_body_is_a_ping() {
        let none = HeaderMap::new();
        assert!(is_ping(&none, b"webhook_id=12"));
        assert!(!is_ping(&none, b"webhook_id=12&x=1"));
        assert!(!is_ping(&none, b"{\"id\":1}"));
    }
}
