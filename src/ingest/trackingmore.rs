//! `/hooks/trackingmore`: TrackingMore v2's webhook, `{meta, data: <tracking object>,
//! verifyInfo: {timeStr, signature}}`, signed with the configured account email.
//!
//! TrackingMore's signature covers `timeStr` only, never the body. So `timeStr` must
//! be a unix time within ±5 min, and `push.trackingmore.path_token` moves the
//! receiver to an unguessable `/hooks/trackingmore/{token}` that only TrackingMore
//! is told. Without a token each (timeStr, signature) pair is accepted for one body
//! only (so of the pushes TrackingMore signs in one second, the first); with one,
//! every distinct body is accepted once.

use super::openapi::{PushAnswers, TrackingMorePush};
use super::{accept, parse_json, signature, PushError, RawBody};
use crate::core::number::TrackingNumber;
use crate::core::tmwire;
use crate::core::writes::Incoming;
use crate::state::AppState;
use crate::store::PushKey;
use axum::extract::{Path, State};
use serde_json::Value;

/// `/hooks/trackingmore`: only while no path token is configured.
#[utoipa::path(post, path = "/hooks/trackingmore", tag = "receivers",
    summary = "TrackingMore's v2 webhook",
    request_body = TrackingMorePush,
    responses(PushAnswers))]
pub(super) async fn receive(
    State(state): State<AppState>,
    RawBody(body): RawBody,
) -> Result<axum::Json<Value>, PushError> {
    receive_at(state, None, body).await
}

/// `/hooks/trackingmore/{token}`.
#[utoipa::path(post, path = "/hooks/trackingmore/{token}", tag = "receivers",
    summary = "TrackingMore's v2 webhook",
    params(("token" = String, Path, description = "push.trackingmore.path_token")),
    request_body = TrackingMorePush,
    responses(PushAnswers))]
pub(super) async fn receive_token(
    State(state): State<AppState>,
    token: Result<Path<String>, axum::extract::rejection::PathRejection>,
    RawBody(body): RawBody,
) -> Result<axum::Json<Value>, PushError> {
    // A token that does not even decode is not ours.
    let Ok(Path(token)) = token else {
        return Err(PushError::NotHere);
    };
    receive_at(state, Some(token), body).await
}

async fn receive_at(
    state: AppState,
    token: Option<String>,
    body: axum::body::Bytes,
) -> Result<axum::Json<Value>, PushError> {
    let email = state
        .cfg
        .push
        .trackingmore
        .as_ref()
        .filter(|t| !t.email.is_empty())
        .ok_or(PushError::Disabled("trackingmore"))?;
    let wanted = email.path_token.as_ref().filter(|t| !t.is_empty());
    let path_ok = match (wanted, &token) {
        (None, None) => true,
        (Some(w), Some(t)) => crate::signing::same(w.expose().as_bytes(), t.as_bytes()),
        _ => false,
    };
    if !path_ok {
        return Err(PushError::NotHere);
    }
    let v = parse_json(&body)?;
    let verify = v
        .get("verifyInfo")
        .ok_or(signature::SigError::Missing("verifyInfo"))?;
    let field = |k: &'static str| {
        verify
            .get(k)
            .and_then(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .ok_or(signature::SigError::Missing(k))
    };
    let (time_str, sig) = (field("timeStr")?, field("signature")?);
    signature::verify_trackingmore(email.email.expose(), &time_str, &sig, state.clock.now())?;
    let data = v
        .get("data")
        .ok_or_else(|| PushError::Malformed("data is missing".into()))?;
    let (carrier, number) =
        tmwire::identity(data).map_err(|e| PushError::Malformed(e.to_string()))?;
    let carrier = state
        .carriers
        .resolve(&carrier)
        .ok_or_else(|| {
            PushError::Malformed(format!(
                "data.carrier_code {carrier:?} is not a known carrier"
            ))
        })?
        .code
        .clone();
    let number =
        TrackingNumber::parse(&number).map_err(|e| PushError::Malformed(format!("data.{e}")))?;
    let update = tmwire::update(data, "push:trackingmore")
        .map_err(|e| PushError::Malformed(e.to_string()))?;
    let incoming = Incoming {
        carrier: Some(carrier),
        number: number.as_str().to_string(),
        update,
    };
    // Without a path token the signed pair is the push's id: a resend of the same
    // body is a duplicate, the same pair on another body a replay. With one the
    // path authenticates the sender, and TrackingMore signs every push of one
    // second alike: each body is a push of its own.
    let body_hash = signature::body_id(&body);
    let pair = format!("{}.{}", time_str.trim(), sig.trim().to_ascii_lowercase());
    let id = match wanted {
        Some(_) => format!("{pair}.{body_hash}"),
        None => pair,
    };
    let key = PushKey {
        source: "trackingmore",
        id: &id,
        body: Some(&body_hash),
    };
    accept(&state, vec![incoming], key).await
}
