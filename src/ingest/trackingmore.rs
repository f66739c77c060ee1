//! `/hooks/trackingmore`: TrackingMore v2's webhook, `{meta, data: <tracking object>,
//! verifyInfo: {timeStr, signature}}`, signed with the configured account email.

use super::{accept, parse_json, signature, PushError};
use crate::api::AppState;
use crate::core::number::TrackingNumber;
use crate::core::{time, tmwire};
use crate::store::Incoming;
use axum::body::Bytes;
use axum::extract::State;
use serde_json::Value;

pub(super) async fn receive(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<axum::Json<Value>, PushError> {
    let email = state
        .cfg
        .push
        .trackingmore
        .as_ref()
        .filter(|t| !t.email.is_empty())
        .ok_or(PushError::Disabled("trackingmore"))?;
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
    signature::verify_trackingmore(
        email.email.expose(),
        &field("timeStr")?,
        &field("signature")?,
        time::now(),
    )?;
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
    let id = signature::body_id(&body);
    let incoming = Incoming {
        carrier: Some(carrier),
        number: number.as_str().to_string(),
        update,
    };
    accept(&state, vec![incoming], ("trackingmore", &id)).await
}
