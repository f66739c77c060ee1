//! `/hooks/trackingmore`: TrackingMore v2's webhook, `{meta, data: <tracking object>,
//! verifyInfo: {timeStr, signature}}`, signed with the configured account email;
//! and v4's, `{code, message, data: <v4 tracking object>}` with the signature in a
//! header ([`receive_v4`]). A body with `verifyInfo` is v2's.
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
use crate::core::writes::Incoming;
use crate::core::{tmwire, tmwire4};
use crate::state::AppState;
use crate::store::PushKey;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::Value;

/// `/hooks/trackingmore`: only while no path token is configured.
#[utoipa::path(post, path = "/hooks/trackingmore", tag = "receivers",
    summary = "TrackingMore's webhook (v2 or v4)",
    request_body = TrackingMorePush,
    responses(PushAnswers))]
pub(super) async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<axum::Json<Value>, PushError> {
    receive_at(state, None, &headers, body).await
}

/// `/hooks/trackingmore/{token}`.
#[utoipa::path(post, path = "/hooks/trackingmore/{token}", tag = "receivers",
    summary = "TrackingMore's webhook (v2 or v4)",
    params(("token" = String, Path, description = "push.trackingmore.path_token")),
    request_body = TrackingMorePush,
    responses(PushAnswers))]
pub(super) async fn receive_token(
    State(state): State<AppState>,
    token: Result<Path<String>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<axum::Json<Value>, PushError> {
    // A token that does not even decode is not ours.
    let Ok(Path(token)) = token else {
        return Err(PushError::NotHere);
    };
    receive_at(state, Some(token), &headers, body).await
}

async fn receive_at(
    state: AppState,
    token: Option<String>,
    headers: &HeaderMap,
    body: axum::body::Bytes,
) -> Result<axum::Json<Value>, PushError> {
    let cfg = state
        .cfg
        .push
        .trackingmore
        .as_ref()
        .filter(|t| t.v2_on() || t.v4_on())
        .ok_or(PushError::Disabled("trackingmore"))?;
    let wanted = cfg.path_token.as_ref().filter(|t| !t.is_empty());
    let path_ok = match (wanted, &token) {
        (None, None) => true,
        (Some(w), Some(t)) => crate::signing::same(w.expose().as_bytes(), t.as_bytes()),
        _ => false,
    };
    if !path_ok {
        return Err(PushError::NotHere);
    }
    let v = parse_json(&body)?;
    if v.get("verifyInfo").is_none() && cfg.v4_on() {
        return receive_v4(&state, cfg, wanted.is_some(), headers, &v, &body).await;
    }
    if !cfg.v2_on() {
        return Err(PushError::Disabled(
            "trackingmore (v2: set push.trackingmore.email)",
        ));
    }
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
    signature::verify_trackingmore(cfg.email.expose(), &time_str, &sig, state.clock.now())?;
    let data = v
        .get("data")
        .ok_or_else(|| PushError::Malformed("data is missing".into()))?;
    let (carrier, number) =
        tmwire::identity(data).map_err(|e| PushError::Malformed(e.to_string()))?;
    let update = tmwire::update(data, "push:trackingmore")
        .map_err(|e| PushError::Malformed(e.to_string()))?;
    let incoming = incoming(&state, &carrier, "carrier_code", &number, update)?;
    accept_signed(&state, &time_str, &sig, wanted.is_some(), &body, incoming).await
}

/// Accepts news signed over a time only: without a path token the signed pair is
/// the push's id (a resend of the same body is a duplicate, the same pair on
/// another body a replay); with one, the path authenticates the sender and every
/// distinct body is a push of its own (TrackingMore signs every push of one second
/// alike).
async fn accept_signed(
    state: &AppState,
    time: &str,
    sig: &str,
    path_token: bool,
    body: &[u8],
    incoming: Incoming,
) -> Result<axum::Json<Value>, PushError> {
    let body_hash = signature::body_id(body);
    let pair = format!("{}.{}", time.trim(), sig.trim().to_ascii_lowercase());
    let id = if path_token {
        format!("{pair}.{body_hash}")
    } else {
        pair
    };
    let key = PushKey {
        source: "trackingmore",
        id: &id,
        body: Some(&body_hash),
    };
    accept(state, vec![incoming], key).await
}

/// The parcel a tracking object names, with the news it brings.
fn incoming(
    state: &AppState,
    carrier: &str,
    carrier_field: &str,
    number: &str,
    update: crate::core::apply::Update,
) -> Result<Incoming, PushError> {
    let carrier = state
        .carriers
        .resolve(carrier)
        .ok_or_else(|| {
            PushError::Malformed(format!(
                "data.{carrier_field} {carrier:?} is not a known carrier"
            ))
        })?
        .code
        .clone();
    let number =
        TrackingNumber::parse(number).map_err(|e| PushError::Malformed(format!("data.{e}")))?;
    Ok(Incoming {
        carrier: Some(carrier),
        number: number.as_str().to_string(),
        update,
    })
}

/// A v4 webhook: the signature in `push.trackingmore.signature_header`, over the
/// body or over the time in `timestamp_header` ([`signature::verify_trackingmore_v4`]).
async fn receive_v4(
    state: &AppState,
    cfg: &crate::config::TrackingMorePush,
    path_token: bool,
    headers: &HeaderMap,
    v: &Value,
    body: &[u8],
) -> Result<axum::Json<Value>, PushError> {
    let header = |name: &str| headers.get(name).and_then(|h| h.to_str().ok());
    let sig = header(&cfg.signature_header);
    let time = header(&cfg.timestamp_header);
    let signed = signature::verify_trackingmore_v4(
        cfg.webhook_secret.expose(),
        sig,
        time,
        body,
        state.clock.now(),
    )?;
    let data = v
        .get("data")
        .filter(|d| d.is_object())
        .ok_or_else(|| PushError::Malformed("data must be a v4 tracking object".into()))?;
    let (carrier, number) =
        tmwire4::identity(data).map_err(|e| PushError::Malformed(e.to_string()))?;
    let update = tmwire4::update(data, "push:trackingmore")
        .map_err(|e| PushError::Malformed(e.to_string()))?;
    let incoming = incoming(state, &carrier, "courier_code", &number, update)?;
    match signed {
        // The body is authentic as it stands: a resend of it is a duplicate.
        signature::V4Signed::Body => {
            let id = signature::body_id(body);
            let key = PushKey {
                source: "trackingmore",
                id: &id,
                body: None,
            };
            accept(state, vec![incoming], key).await
        }
        signature::V4Signed::Timestamp => {
            let (time, sig) = (time.unwrap_or(""), sig.unwrap_or(""));
            accept_signed(state, time, sig, path_token, body, incoming).await
        }
    }
}
