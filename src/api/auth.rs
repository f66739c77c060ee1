//! The caller's account, from the `Trackingmore-Api-Key` (or `Tracking-Api-Key`) header.

use super::error::ApiError;
use super::AppState;
use crate::store::Account;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

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
        // A hash and one point read (~1 µs): cheaper inline than a thread hop.
        let account = state.store.account_by_key(key).await?;
        account.map(Caller).ok_or(ApiError::InvalidKey)
    }
}
