//! `POST /connect/shopify`: Shopify's order and fulfillment webhooks
//! (`research/today-apis.md` §3.1). The store is `X-Shopify-Shop-Domain`;
//! `X-Shopify-Hmac-Sha256` is checked on the raw bytes against each of its secrets;
//! a delivery whose `X-Shopify-Webhook-Id` was taken before has no second effect.

use super::{header, register, signed_by_any, ConnectError};
use crate::core::connect::settings::domain_key;
use crate::core::connect::shopify::{read, TOPICS};
use crate::ingest::RawBody;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

#[utoipa::path(post, path = "/connect/shopify", tag = "connectors",
    summary = "Shopify's order webhooks: each shipped order's trackings registered",
    request_body(content = Object, description = "A Fulfillment (fulfillments/create, fulfillments/update) or an Order (orders/fulfilled, orders/updated), signed in X-Shopify-Hmac-Sha256"),
    responses(super::ConnectAnswers))]
pub(super) async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<RawBody, crate::ingest::PushError>,
) -> Result<Json<Value>, ConnectError> {
    let body = super::body(body)?;
    let domain = header(&headers, "x-shopify-shop-domain")
        .filter(|d| !d.is_empty())
        .ok_or_else(|| {
            ConnectError::Malformed("the X-Shopify-Shop-Domain header is missing".into())
        })?;
    let sig = header(&headers, "x-shopify-hmac-sha256").ok_or(ConnectError::Unauthorized(
        "the X-Shopify-Hmac-Sha256 header is missing",
    ))?;
    let signed = |(_, secrets): &(u64, Vec<String>)| {
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        signed_by_any(&secrets, sig, &body)
    };
    let key = domain_key(domain);
    let account = state
        .connectors
        .account(
            &state.store,
            domain,
            |m| m.shopify.get(&key).cloned(),
            signed,
            "X-Shopify-Hmac-Sha256 matches none of the store's secrets",
        )
        .await?;
    let topic = header(&headers, "x-shopify-topic")
        .ok_or_else(|| ConnectError::Malformed("the X-Shopify-Topic header is missing".into()))?;
    if !TOPICS.contains(&topic) {
        return Ok(Json(json!({"ignored": topic})));
    }
    let id = header(&headers, "x-shopify-webhook-id").filter(|i| !i.is_empty());
    let v: Value = serde_json::from_slice(&body)
        .map_err(|e| ConnectError::Malformed(format!("the body is not JSON: {e}")))?;
    let order = read(topic, &v).map_err(|e| ConnectError::Malformed(e.0))?;
    register::delivery(&state, account, "shopify", id, &order).await
}
