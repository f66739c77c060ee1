//! Shop connectors: `POST /connect/shopify` and `POST /connect/woocommerce` take the
//! platforms' signed order webhooks and register each shipped order's trackings,
//! so a shop connects with no code. Reading the bodies is `core::connect`; the
//! trackings go through the same create and update calls as the API's.

mod register;
mod shopify;
mod woocommerce;

use crate::config::{domain_key, Config};
use crate::state::AppState;
use crate::store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::collections::HashMap;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(shopify::receive))
        .routes(routes!(woocommerce::receive))
}

/// Which account each connected store belongs to, with its secrets; built from
/// the configuration at start.
#[derive(Debug, Default)]
pub struct Connectors {
    shopify: HashMap<String, (u64, Vec<String>)>,
    woocommerce: HashMap<String, (u64, String)>,
}

impl Connectors {
    /// The connectors of `cfg`'s accounts; `ids` gives each account's id by email.
    pub fn new(cfg: &Config, ids: &HashMap<String, u64>) -> Connectors {
        let mut c = Connectors::default();
        for a in &cfg.accounts {
            let Some(&id) = ids.get(&a.email) else {
                continue;
            };
            if let Some(s) = &a.connect.shopify {
                let secrets = s.all_secrets().into_iter().map(String::from).collect();
                c.shopify.insert(s.domain_key(), (id, secrets));
            }
            if let Some(w) = &a.connect.woocommerce {
                c.woocommerce
                    .insert(w.source_key(), (id, w.secret.expose().to_string()));
            }
        }
        c
    }

    /// The account and secrets of a Shopify store, by `X-Shopify-Shop-Domain`.
    fn shopify(&self, domain: &str) -> Option<&(u64, Vec<String>)> {
        self.shopify.get(&domain_key(domain))
    }

    /// The account and secret of a WooCommerce store, by `X-WC-Webhook-Source`.
    fn woocommerce(&self, source: &str) -> Option<&(u64, String)> {
        self.woocommerce.get(&domain_key(source))
    }
}

/// Why a delivery was refused. Each writes nothing.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// 404: no account has this store.
    #[error("no account is connected to {0}")]
    UnknownShop(String),
    /// 401: unsigned or badly signed.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 400: a header or field is missing or wrong; the message names it.
    #[error("{0}")]
    Malformed(String),
    /// 413: over `limits.max_body_bytes`.
    #[error("body larger than {0} bytes")]
    TooLarge(usize),
    /// 503 / 500: the store.
    #[error("the store failed")]
    Store(#[from] StoreError),
}

impl IntoResponse for ConnectError {
    fn into_response(self) -> Response {
        let status = match &self {
            ConnectError::UnknownShop(_) => StatusCode::NOT_FOUND,
            ConnectError::Unauthorized(why) => {
                tracing::warn!(reason = why, "connector delivery refused");
                StatusCode::UNAUTHORIZED
            }
            ConnectError::Malformed(_) => StatusCode::BAD_REQUEST,
            ConnectError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ConnectError::Store(StoreError::Unavailable(_) | StoreError::OutcomeUnknown(_)) => {
                tracing::warn!(error = %self, "connector delivery not taken: store unavailable");
                StatusCode::SERVICE_UNAVAILABLE
            }
            ConnectError::Store(e) => {
                tracing::error!(error = %e, "connector delivery failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        (status, Json(json!({"error": self.to_string()}))).into_response()
    }
}

/// A header as text, if present.
fn header<'a>(h: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// base64 HMAC-SHA256 of `body` under any of `secrets`, compared in constant time.
fn signed_by_any(secrets: &[&str], sig: &str, body: &[u8]) -> bool {
    use base64::engine::general_purpose::STANDARD as B64;
    use base64::Engine;
    secrets.iter().any(|s| {
        let mac = B64.encode(crate::signing::hmac(s.as_bytes(), &[body]));
        crate::signing::same(mac.as_bytes(), sig.as_bytes())
    })
}

/// The raw body, or why it could not be read.
fn body(
    read: Result<crate::ingest::RawBody, crate::ingest::PushError>,
) -> Result<axum::body::Bytes, ConnectError> {
    match read {
        Ok(b) => Ok(b.0),
        Err(crate::ingest::PushError::TooLarge(n)) => Err(ConnectError::TooLarge(n)),
        Err(e) => Err(ConnectError::Malformed(e.to_string())),
    }
}
