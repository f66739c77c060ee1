//! Which shop stores register an account's trackings: `GET` / `PUT
//! /v2/connect/settings`. Taken at once (no restart); secrets are taken, never
//! shown back. An account whose connectors the config names gets them back from
//! the config at the next start, and a PUT says so.

use super::auth::Caller;
use super::error::{ApiError, ApiResult, Success};
use super::input::{object, text, JsonBody};
use super::openapi::schemas as doc;
use super::AppState;
use crate::core::account::email_key;
use crate::core::connect::settings::{
    domain_key, problems, ConnectSettings, ShopifyStore, WooStore,
};
use axum::extract::State;
use serde_json::{json, Map, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_connect, put_connect))
}

/// Whether the config names this account's connectors (and so decides them at
/// every start).
fn config_managed(state: &AppState, email: &str) -> bool {
    let key = email_key(email);
    state
        .cfg
        .accounts
        .iter()
        .any(|a| email_key(&a.email) == key && a.connect.is_set())
}

/// The settings as shown: where each platform posts, never a secret.
fn view(state: &AppState, c: &ConnectSettings, managed_by_config: bool) -> Value {
    let base = state.cfg.public_url.trim_end_matches('/');
    json!({
        "shopify": c.shopify.as_ref().map(|s| json!({
            "shop_domain": s.shop_domain, "secrets": s.secrets.len(),
            "webhook_url": format!("{base}/connect/shopify"),
        })),
        "woocommerce": c.woocommerce.as_ref().map(|w| json!({
            "store_url": w.store_url, "webhook_url": format!("{base}/connect/woocommerce"),
        })),
        "managed_by": if managed_by_config { "config" } else { "api" },
    })
}

#[utoipa::path(get, path = "/connect/settings", tag = "connectors",
    summary = "Which Shopify and WooCommerce stores register this account's trackings",
    responses((status = 200, description = "The stores, secrets counted not shown", body = doc::Envelope<doc::ConnectView>)))]
async fn get_connect(State(state): State<AppState>, Caller(acct): Caller) -> ApiResult<Value> {
    let a = state
        .store
        .account(acct.id)
        .await?
        .ok_or(ApiError::InvalidKey)?;
    let managed = config_managed(&state, &a.email);
    Ok(Success(view(&state, &a.connect, managed)))
}

/// The secrets a `shopify` object gives (`secret`, `secrets`), if any.
fn secrets(m: &Map<String, Value>, at: &str) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = text(m, "secret", at)?.into_iter().collect();
    match m.get("secrets") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (i, s) in list.iter().enumerate() {
                match s.as_str().map(str::trim) {
                    Some(s) if !s.is_empty() => out.push(s.to_string()),
                    _ => {
                        return Err(ApiError::BadRequest(format!(
                            "{at}secrets[{i}] must be a non-empty string"
                        )))
                    }
                }
            }
        }
        Some(_) => {
            return Err(ApiError::BadRequest(format!(
                "{at}secrets must be an array of strings"
            )))
        }
    }
    Ok(out)
}

/// The change a PUT asks for: each platform named is replaced (`null` removes it;
/// a secret left out keeps the one stored), the others kept.
fn change(body: &Map<String, Value>, now: &ConnectSettings) -> Result<ConnectSettings, ApiError> {
    if let Some(k) = body
        .keys()
        .find(|k| !matches!(k.as_str(), "shopify" | "woocommerce"))
    {
        return Err(ApiError::BadRequest(format!(
            "{k} is not a connector: use shopify or woocommerce"
        )));
    }
    let mut next = now.clone();
    match body.get("shopify") {
        None => {}
        Some(Value::Null) => next.shopify = None,
        Some(v) => {
            let m = object(v, "shopify")?;
            let domain = text(&m, "shop_domain", "shopify.")?.unwrap_or_default();
            let mut given = secrets(&m, "shopify.")?;
            if given.is_empty() {
                given = now
                    .shopify
                    .as_ref()
                    .map(|s| s.secrets.clone())
                    .unwrap_or_default();
            }
            next.shopify = Some(ShopifyStore {
                shop_domain: domain_key(&domain),
                secrets: given,
            });
        }
    }
    match body.get("woocommerce") {
        None => {}
        Some(Value::Null) => next.woocommerce = None,
        Some(v) => {
            let m = object(v, "woocommerce")?;
            let url = text(&m, "store_url", "woocommerce.")?.unwrap_or_default();
            let secret = match text(&m, "secret", "woocommerce.")? {
                Some(s) => s,
                None => now
                    .woocommerce
                    .as_ref()
                    .map(|w| w.secret.clone())
                    .unwrap_or_default(),
            };
            next.woocommerce = Some(WooStore {
                store_url: url,
                secret,
            });
        }
    }
    if let Some(p) = problems(&next, "").into_iter().next() {
        return Err(ApiError::BadRequest(p));
    }
    Ok(next)
}

#[utoipa::path(put, path = "/connect/settings", tag = "connectors",
    summary = "Connect or disconnect this account's Shopify and WooCommerce stores",
    request_body(content = Object, description = "`{shopify: {shop_domain, secret | secrets} | null, woocommerce: {store_url, secret} | null}`; a platform left out is kept, a secret left out is kept"),
    responses((status = 200, description = "The stores now, and a warning when the config will replace them at the next start", body = doc::Envelope<doc::ConnectView>)))]
async fn put_connect(
    State(state): State<AppState>,
    Caller(acct): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    // Read here, not from the key look-up, which a node may have cached.
    let now = state
        .store
        .account(acct.id)
        .await?
        .ok_or(ApiError::InvalidKey)?;
    let next = change(&object(&body, "request body")?, &now.connect)?;
    for other in state.store.connected_accounts().await? {
        if other.id == acct.id {
            continue;
        }
        let taken = |a: Option<&String>, b: Option<&String>| matches!((a, b), (Some(a), Some(b)) if domain_key(a) == domain_key(b));
        if taken(
            next.shopify.as_ref().map(|s| &s.shop_domain),
            other.connect.shopify.as_ref().map(|s| &s.shop_domain),
        ) {
            return Err(ApiError::BadRequest(
                "shopify.shop_domain: another account is connected to this store".into(),
            ));
        }
        if taken(
            next.woocommerce.as_ref().map(|w| &w.store_url),
            other.connect.woocommerce.as_ref().map(|w| &w.store_url),
        ) {
            return Err(ApiError::BadRequest(
                "woocommerce.store_url: another account is connected to this store".into(),
            ));
        }
    }
    let saved = state
        .store
        .set_connect(acct.id, next)
        .await?
        .ok_or(ApiError::InvalidKey)?;
    state.connectors.reload(&state.store).await?;
    let managed = config_managed(&state, &acct.email);
    let mut v = view(&state, &saved.connect, managed);
    if managed {
        v["warning"] = json!(
            "the config names this account's connectors: at the next start they replace these; change accounts[].connect to keep them"
        );
    }
    Ok(Success(v))
}
