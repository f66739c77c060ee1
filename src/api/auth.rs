//! The caller's account, from the `Trackingmore-Api-Key` (or `Tracking-Api-Key`)
//! header; wrong keys are throttled per client address ([`crate::throttle::guesses`]).

use super::error::ApiError;
use super::AppState;
use crate::store::Account;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::net::SocketAddr;

/// The authenticated account. Every handler that touches trackings takes one, and
/// every store call is scoped by its id.
pub struct Caller(pub Account);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let key = ["trackingmore-api-key", "tracking-api-key"]
            .iter()
            .find_map(|h| parts.headers.get(*h))
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or(ApiError::InvalidKey)?;
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        if let Some(ip) = client {
            state
                .guesses
                .check(ip)
                .map_err(|wait| ApiError::KeysThrottled(wait.as_secs_f64().ceil() as u64))?;
        }
        // A hash and one point read (~1 µs): cheaper inline than a thread hop.
        let account = state.store.account_by_key(key).await?;
        match account {
            Some(a) => Ok(Caller(a)),
            None => {
                if let Some(ip) = client {
                    state.guesses.failed(ip);
                }
                Err(ApiError::InvalidKey)
            }
        }
    }
}
