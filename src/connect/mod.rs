//! Shop connectors: `POST /connect/shopify` and `POST /connect/woocommerce` take the
//! platforms' signed order webhooks and register each shipped order's trackings,
//! so a shop connects with no code. Reading the bodies is `core::connect`; the
//! trackings go through the same create and update calls as the API's.

mod register;
mod shopify;
mod woocommerce;

use crate::core::account::Account;
use crate::core::connect::settings::domain_key;
use crate::state::AppState;
use crate::store::{Store, StoreError};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(shopify::receive))
        .routes(routes!(woocommerce::receive))
}

/// Which account each connected store belongs to, with its secrets: read from
/// the store at start and after every change made here, and again when a delivery
/// names a store it does not know or a secret it does not take (at most once a
/// second), or when it is a minute old — so a change made on another node is seen.
pub struct Connectors {
    maps: RwLock<Maps>,
    read_at: Mutex<Instant>,
}

#[derive(Default)]
struct Maps {
    shopify: HashMap<String, (u64, Vec<String>)>,
    woocommerce: HashMap<String, (u64, String)>,
}

/// Longest a node serves the stores as it last read them.
const MAX_AGE: Duration = Duration::from_secs(60);
/// Shortest time between two reads forced by unknown stores or bad signatures.
const MIN_GAP: Duration = Duration::from_secs(1);

impl Maps {
    fn of(accounts: &[Account]) -> Maps {
        let mut m = Maps::default();
        for a in accounts.iter().filter(|a| a.disabled_at.is_none()) {
            if let Some(s) = &a.connect.shopify {
                m.shopify
                    .insert(domain_key(&s.shop_domain), (a.id, s.secrets.clone()));
            }
            if let Some(w) = &a.connect.woocommerce {
                m.woocommerce
                    .insert(domain_key(&w.store_url), (a.id, w.secret.clone()));
            }
        }
        m
    }
}

impl Connectors {
    /// The connectors of `accounts` (the store's, with a connected store).
    pub fn new(accounts: &[Account]) -> Connectors {
        Connectors {
            maps: RwLock::new(Maps::of(accounts)),
            read_at: Mutex::new(Instant::now()),
        }
    }

    /// Reads the stores again from `store`.
    pub async fn reload(&self, store: &Store) -> Result<(), StoreError> {
        let accounts = store.connected_accounts().await?;
        *self.maps.write().expect("connector lock") = Maps::of(&accounts);
        *self.read_at.lock().expect("connector lock") = Instant::now();
        Ok(())
    }

    /// Reads again if the last read is older than `age`.
    async fn reload_if_older(&self, store: &Store, age: Duration) -> Result<(), StoreError> {
        let stale = self.read_at.lock().expect("connector lock").elapsed() >= age;
        if stale {
            self.reload(store).await?;
        }
        Ok(())
    }

    /// What `look` finds, read again first when stale, and again (rate-limited)
    /// when it finds nothing or nothing `accepted` takes.
    async fn find<T>(
        &self,
        store: &Store,
        look: impl Fn(&Maps) -> Option<T>,
        accepted: impl Fn(&T) -> bool,
    ) -> Result<Option<T>, StoreError> {
        self.reload_if_older(store, MAX_AGE).await?;
        let first = look(&self.maps.read().expect("connector lock"));
        if first.as_ref().is_some_and(&accepted) {
            return Ok(first);
        }
        self.reload_if_older(store, MIN_GAP).await?;
        Ok(look(&self.maps.read().expect("connector lock")))
    }

    /// The account of the store `look` finds for `source` (as the platform named
    /// it), if the delivery is `signed` by it: 404 for an unknown store, 401 with
    /// `mismatch` for a signature it does not take.
    async fn account<T>(
        &self,
        store: &Store,
        source: &str,
        look: impl Fn(&Maps) -> Option<(u64, T)>,
        signed: impl Fn(&(u64, T)) -> bool,
        mismatch: &'static str,
    ) -> Result<u64, ConnectError> {
        let found = self
            .find(store, look, &signed)
            .await?
            .ok_or_else(|| ConnectError::UnknownShop(source.to_string()))?;
        if !signed(&found) {
            return Err(ConnectError::Unauthorized(mismatch));
        }
        Ok(found.0)
    }
}

/// What a connector answers. 200 `{created, updated, refused: [{tracking_number,
/// reason}]}` once the trackings are durable, `{ignored: topic}` for a topic it
/// does not take, `{duplicate: true}` for a delivery taken before, WooCommerce's
/// ping `{ping: true}`; refusals `{error}` (for `responses(ConnectAnswers)`).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // describes the answers; never built
pub enum ConnectAnswers {
    #[response(
        status = 200,
        description = "Taken (or ignored, a duplicate, the ping)"
    )]
    Taken(serde_json::Value),
    #[response(
        status = 400,
        description = "A header or field is missing or wrong; the message names it"
    )]
    Malformed(serde_json::Value),
    #[response(
        status = 401,
        description = "Unsigned, or signed with none of the store's secrets"
    )]
    Unauthorized(serde_json::Value),
    #[response(status = 404, description = "No account is connected to this store")]
    UnknownShop(serde_json::Value),
    #[response(
        status = 413,
        description = "The body is larger than limits.max_body_bytes"
    )]
    TooLarge(serde_json::Value),
    #[response(
        status = 503,
        description = "The store is unavailable: the platform sends again"
    )]
    Unavailable(serde_json::Value),
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
