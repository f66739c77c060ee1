//! `/hooks/native`: our own format, signed as Standard Webhooks.
//! One update or an array of up to 1000; `status` and `events` each optional, not both absent.

use super::openapi::PushAnswers;
use super::{accept, header, parse_json, signature, PushError, RawBody};
use crate::core::apply::Update;
use crate::core::model::Checkpoint;
use crate::core::number::TrackingNumber;
use crate::core::status::{substatus_is_valid, Status};
use crate::core::time;
use crate::core::writes::Incoming;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{Map, Value};

/// Most updates in one push.
pub const MAX_UPDATES: usize = 1000;

#[utoipa::path(post, path = "/hooks/native", tag = "receivers",
    summary = "Status updates in our native format, signed as Standard Webhooks",
    params(
        ("webhook-id" = String, Header, description = "Unique per push; a repeat has no second effect"),
        ("webhook-timestamp" = String, Header, description = "Unix seconds, within 5 minutes"),
        ("webhook-signature" = String, Header, description = "v1,<base64 HMAC-SHA256 of {id}.{timestamp}.{body}>, space-separated"),
    ),
    request_body(content = Vec<super::openapi::NativeUpdate>, description = "One update or an array of up to 1000"),
    responses(PushAnswers))]
pub(super) async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<axum::Json<Value>, PushError> {
    let secret = super::secret(&state.cfg.push.native, "native")?;
    let id = header(&headers, "webhook-id");
    if id.is_some_and(|id| id.trim().is_empty()) {
        // The id is the dedupe key: an empty one could never be deduplicated.
        return Err(PushError::Malformed(
            "webhook-id header is empty: it must identify the message".into(),
        ));
    }
    signature::verify_standard(
        secret,
        id,
        header(&headers, "webhook-timestamp"),
        header(&headers, "webhook-signature"),
        &body,
        state.clock.now(),
    )?;
    let updates = parse(&state, &parse_json(&body)?)?;
    accept(
        &state,
        updates,
        super::push_key("native", id.unwrap_or_default()),
    )
    .await
}

fn parse(state: &AppState, v: &Value) -> Result<Vec<Incoming>, PushError> {
    let items: Vec<(String, &Map<String, Value>)> = match v {
        Value::Object(m) => vec![(String::new(), m)],
        Value::Array(a) if a.is_empty() => return Err(PushError::Malformed("empty array".into())),
        Value::Array(a) if a.len() > MAX_UPDATES => {
            return Err(PushError::Malformed(format!(
                "{} updates; at most {MAX_UPDATES} per push",
                a.len()
            )))
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_object()
                    .map(|m| (format!("[{i}]."), m))
                    .ok_or_else(|| PushError::Malformed(format!("[{i}] must be an object")))
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(PushError::Malformed(
                "body must be an update object or an array of them".into(),
            ))
        }
    };
    items
        .into_iter()
        .map(|(at, m)| item(state, &at, m))
        .collect()
}

fn text<'a>(m: &'a Map<String, Value>, key: &str, at: &str) -> Result<Option<&'a str>, PushError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim()).filter(|s| !s.is_empty())),
        Some(_) => Err(PushError::Malformed(format!("{at}{key} must be a string"))),
    }
}

fn status(m: &Map<String, Value>, at: &str) -> Result<(Option<Status>, Option<String>), PushError> {
    let st = match text(m, "status", at)? {
        None => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            PushError::Malformed(format!("{at}status {s:?} is not one of pending, notfound, transit, pickup, delivered, undelivered, exception, expired"))
        })?),
    };
    let sub = match text(m, "substatus", at)? {
        None => None,
        Some(s) if substatus_is_valid(s) => Some(s.to_string()),
        Some(s) => {
            return Err(PushError::Malformed(format!(
                "{at}substatus {s:?} is not a substatus code like transit002"
            )))
        }
    };
    Ok((st, sub))
}

fn item(state: &AppState, at: &str, m: &Map<String, Value>) -> Result<Incoming, PushError> {
    let carrier = text(m, "carrier_code", at)?
        .ok_or_else(|| PushError::Malformed(format!("{at}carrier_code is required")))?;
    let carrier = state
        .carriers
        .resolve(carrier)
        .ok_or_else(|| {
            PushError::Malformed(format!(
                "{at}carrier_code {carrier:?} is not a known carrier"
            ))
        })?
        .code
        .clone();
    let number = TrackingNumber::parse(text(m, "tracking_number", at)?.unwrap_or_default())
        .map_err(|e| PushError::Malformed(format!("{at}{e}")))?;
    let (st, sub) = status(m, at)?;
    let events = match m.get("events") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, e)| event(&format!("{at}events[{i}]."), e))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(PushError::Malformed(format!("{at}events must be an array"))),
    };
    let estimated_delivery = match text(m, "estimated_delivery", at)? {
        None => None,
        Some(raw) => Some(time::parse_loose(raw).ok_or_else(|| {
            PushError::Malformed(format!(
                "{at}estimated_delivery {raw:?} is not a date like 2026-11-24 or 2026-11-24T18:00:00Z"
            ))
        })?),
    };
    if st.is_none() && events.is_empty() {
        return Err(PushError::Malformed(format!(
            "{at}status and events are both absent"
        )));
    }
    Ok(Incoming {
        carrier: Some(carrier),
        number: number.as_str().to_string(),
        update: Update {
            status: st,
            substatus: sub,
            as_of: None,
            events,
            origin_country: None,
            destination_country: None,
            status_text: None,
            estimated_delivery,
            source: "push:native".into(),
            expire_after_quiet: None,
        },
    })
}

fn event(at: &str, v: &Value) -> Result<Checkpoint, PushError> {
    let m = v
        .as_object()
        .ok_or_else(|| PushError::Malformed(format!("{at} must be an object")))?;
    let raw_time = text(m, "time", at)?
        .ok_or_else(|| PushError::Malformed(format!("{at}time is required")))?;
    let t = time::parse_loose(raw_time).ok_or_else(|| {
        PushError::Malformed(format!(
            "{at}time {raw_time:?} is not a time like 2026-11-20T10:00:00Z"
        ))
    })?;
    let description = text(m, "description", at)?
        .ok_or_else(|| PushError::Malformed(format!("{at}description is required")))?;
    let (st, sub) = status(m, at)?;
    Ok(Checkpoint {
        time: t,
        description: description.into(),
        location: text(m, "location", at)?.unwrap_or_default().into(),
        status: st,
        substatus: sub,
    })
}
