//! Push receivers: `/hooks/native`, `/hooks/trackingmore`, `/hooks/aftership`,
//! `/hooks/17track`. Each checks its signature on the raw bytes, reads its provider's
//! body into updates, and hands them to the one write path. Plain HTTP statuses:
//! 200 accepted, 400 malformed, 401 unauthenticated, 404 receiver not enabled,
//! 413 too large, 503 store unavailable (send again later). A refused push writes
//! nothing.

mod aftership;
mod native;
pub mod openapi;
mod seventeentrack;
pub mod signature;
mod trackingmore;

use crate::core::plan::Origin;
use crate::core::time;
use crate::core::writes::Incoming;
use crate::server::{read_body, BodyError};
use crate::state::AppState;
use crate::store::PushKey;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use signature::SigError;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Why a push was refused.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The receiver has no secret configured.
    #[error("this receiver is not enabled: set push.{0} in the config")]
    Disabled(&'static str),
    /// The receiver listens on another path (its path token).
    #[error("no receiver at this path")]
    NotHere,
    /// Signature missing, wrong or stale.
    #[error("unauthenticated push: {0}")]
    Unauthorized(#[from] SigError),
    /// The body cannot be read; the message names the field.
    #[error("malformed push: {0}")]
    Malformed(String),
    /// The body is over `limits.max_body_bytes`.
    #[error("push body is larger than {0} bytes")]
    TooLarge(usize),
    /// Storage failed.
    #[error("internal error")]
    Internal(#[from] crate::store::StoreError),
}

impl IntoResponse for PushError {
    fn into_response(self) -> Response {
        let status = match &self {
            PushError::Disabled(_) | PushError::NotHere => StatusCode::NOT_FOUND,
            PushError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            PushError::Malformed(_) => StatusCode::BAD_REQUEST,
            PushError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            PushError::Internal(crate::store::StoreError::Unavailable(why)) => {
                tracing::warn!(reason = %why, "push refused: store unavailable");
                StatusCode::SERVICE_UNAVAILABLE
            }
            // A resend is safe: the push's id makes a kept one a duplicate.
            PushError::Internal(crate::store::StoreError::OutcomeUnknown(why)) => {
                tracing::error!(reason = %why, "push may not be durable");
                StatusCode::SERVICE_UNAVAILABLE
            }
            PushError::Internal(e) => {
                tracing::error!(error = %e, "push failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        if let PushError::Unauthorized(e) = &self {
            tracing::warn!(reason = %e, "push refused");
        }
        (status, Json(json!({"error": self.to_string()}))).into_response()
    }
}

/// A push's raw body, read within the server's limits; refusals are in the
/// receivers' own form.
pub struct RawBody(pub Bytes);

impl FromRequest<AppState> for RawBody {
    type Rejection = PushError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PushError> {
        match read_body(req, &state.cfg.read_limits()).await {
            Ok(b) => Ok(RawBody(b)),
            Err(BodyError::TooLarge(n)) => Err(PushError::TooLarge(n)),
            Err(e) => Err(PushError::Malformed(e.to_string())),
        }
    }
}

/// The receivers' routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(native::receive))
        .routes(routes!(trackingmore::receive))
        .routes(routes!(trackingmore::receive_token))
        .routes(routes!(aftership::receive))
        .routes(routes!(seventeentrack::receive))
}

/// Applies a verified push through the one write path, durably, and answers.
async fn accept(
    state: &AppState,
    updates: Vec<Incoming>,
    push_id: PushKey<'_>,
) -> Result<Json<serde_json::Value>, PushError> {
    let received = updates.len();
    crate::core::plan::check_push_id(push_id.id).map_err(PushError::Malformed)?;
    let report = state
        .store
        .apply_updates(&updates, Origin::Push, Some(push_id), state.clock.now())
        .await?;
    if report.replayed {
        return Err(SigError::Replayed.into());
    }
    crate::telemetry::transitions(&report);
    tracing::info!(
        source = push_id.source,
        received,
        matched = report.matched,
        ignored = report.ignored,
        transitions = report.transitions,
        duplicate = report.duplicate,
        ignored_events = report.ignored_events,
        "push accepted"
    );
    Ok(Json(json!({
        "accepted": received,
        "matched": report.matched,
        "ignored": report.ignored,
        "transitions": report.transitions,
        "duplicate": report.duplicate,
        "ignored_events": report.ignored_events,
    })))
}

/// The first of `candidates` (JSON pointers into `v`) that holds a readable date or
/// time: a provider's estimated delivery. An unreadable one is skipped, not refused:
/// it is a hint, and the push's status news must not be lost over it.
fn estimated_delivery(v: &serde_json::Value, candidates: &[&str]) -> Option<i64> {
    candidates
        .iter()
        .filter_map(|p| v.pointer(p).and_then(serde_json::Value::as_str))
        .find_map(time::parse_loose)
}

/// The dedupe key of a push identified by `id` alone.
fn push_key<'a>(source: &'a str, id: &'a str) -> PushKey<'a> {
    PushKey {
        source,
        id,
        body: None,
    }
}

/// The secret of an enabled receiver; a receiver without one is not enabled.
fn secret<'a>(
    cfg: &'a Option<crate::config::SecretOnly>,
    name: &'static str,
) -> Result<&'a str, PushError> {
    cfg.as_ref()
        .map(|s| s.secret.expose())
        .filter(|s| !s.is_empty())
        .ok_or(PushError::Disabled(name))
}

fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A string field of a JSON object, trimmed; `""` when absent or not a string.
fn str_field<'a>(v: &'a serde_json::Value, k: &str) -> &'a str {
    v.get(k)
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .trim()
}

fn parse_json(body: &[u8]) -> Result<serde_json::Value, PushError> {
    serde_json::from_slice(body)
        .map_err(|e| PushError::Malformed(format!("body is not valid JSON: {e}")))
}
