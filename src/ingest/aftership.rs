//! `/hooks/aftership`: AfterShip's tracking webhook, `{event, event_id, ts, msg:
//! <tracking>}`, signed in `aftership-hmac-sha256` (base64 HMAC-SHA256 of the raw body).
//!
//! Tags map to our statuses as below; an unknown tag is kept as text and changes
//! no status. `event`s other than `tracking_update` carry no status and are accepted
//! and ignored. A push whose `ts` is older than the dedupe memory (2 days) is refused
//! as stale, so a replay is caught either way.

use super::openapi::PushAnswers;
use super::{accept, header, parse_json, signature, str_field as s, PushError, RawBody};
use crate::core::apply::Update;
use crate::core::model::Checkpoint;
use crate::core::number::TrackingNumber;
use crate::core::plan::PUSH_ID_RETENTION;
use crate::core::status::Status;
use crate::core::time;
use crate::core::writes::Incoming;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::Value;

/// AfterShip tag → our status and substatus.
pub fn map_tag(tag: &str) -> Option<(Status, Option<&'static str>)> {
    Some(match tag {
        "Pending" => (Status::Pending, None),
        "InfoReceived" => (Status::Notfound, Some("notfound001")),
        "InTransit" => (Status::Transit, Some("transit001")),
        "OutForDelivery" => (Status::Pickup, Some("pickup001")),
        "AvailableForPickup" => (Status::Pickup, Some("pickup002")),
        "AttemptFail" => (Status::Undelivered, Some("undelivered001")),
        "Delivered" => (Status::Delivered, Some("delivered001")),
        "Exception" => (Status::Exception, Some("exception005")),
        "Expired" => (Status::Expired, None),
        _ => return None,
    })
}

#[utoipa::path(post, path = "/hooks/aftership", tag = "receivers",
    summary = "AfterShip's tracking webhook",
    params(("aftership-hmac-sha256" = String, Header, description = "base64 HMAC-SHA256 of the body")),
    request_body(content = Object, description = "AfterShip's webhook body: {ts, event, msg}"),
    responses(PushAnswers))]
pub(super) async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<axum::Json<Value>, PushError> {
    let secret = super::secret(&state.cfg.push.aftership, "aftership")?;
    signature::verify_aftership(secret, header(&headers, "aftership-hmac-sha256"), &body)?;
    let v = parse_json(&body)?;
    let now = state.clock.now();
    // AfterShip always sends `ts` as an integer; anything else would skip the
    // staleness check and let an old push be replayed once its id is forgotten.
    let ts = match v.get("ts") {
        None => return Err(signature::SigError::Missing("ts").into()),
        Some(ts) => ts.as_i64().ok_or(signature::SigError::BadTimestamp("ts"))?,
    };
    if now - ts > PUSH_ID_RETENTION || ts - now > signature::TOLERANCE_SECS {
        return Err(signature::SigError::Stale.into());
    }
    let id = match s(&v, "event_id") {
        "" => signature::body_id(&body),
        id => id.to_string(),
    };
    let event = s(&v, "event");
    let updates = if event.is_empty() || event == "tracking_update" {
        vec![parse(&state, &v)?]
    } else {
        Vec::new()
    };
    accept(&state, updates, super::push_key("aftership", &id)).await
}

fn parse(state: &AppState, v: &Value) -> Result<Incoming, PushError> {
    let msg = v
        .get("msg")
        .filter(|m| m.is_object())
        .ok_or_else(|| PushError::Malformed("msg is missing".into()))?;
    let number = TrackingNumber::parse(s(msg, "tracking_number"))
        .map_err(|e| PushError::Malformed(format!("msg.{e}")))?;
    // AfterShip's slugs equal TrackingMore's codes for the big carriers; otherwise
    // the push is matched by number alone.
    let carrier = state
        .carriers
        .resolve(s(msg, "slug"))
        .map(|c| c.code.clone());
    let tag = s(msg, "tag");
    let mapped = map_tag(tag);
    let mut events = Vec::new();
    if let Some(list) = msg.get("checkpoints").and_then(Value::as_array) {
        for (i, c) in list.iter().enumerate() {
            let raw = s(c, "checkpoint_time");
            let t = time::parse_loose(raw).ok_or_else(|| {
                PushError::Malformed(format!(
                    "msg.checkpoints[{i}].checkpoint_time {raw:?} is not a time"
                ))
            })?;
            let location = match s(c, "location") {
                "" => [s(c, "city"), s(c, "state"), s(c, "country_name")]
                    .iter()
                    .filter(|x| !x.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
                l => l.to_string(),
            };
            let m = map_tag(s(c, "tag"));
            events.push(Checkpoint {
                time: t,
                description: s(c, "message").to_string(),
                location,
                status: m.map(|x| x.0),
                substatus: m.and_then(|x| x.1).map(String::from),
            });
        }
    }
    Ok(Incoming {
        carrier,
        number: number.as_str().to_string(),
        update: Update {
            status: mapped.map(|m| m.0),
            substatus: mapped.and_then(|m| m.1).map(String::from),
            as_of: None,
            events,
            origin_country: None,
            destination_country: None,
            status_text: (mapped.is_none() && !tag.is_empty()).then(|| tag.to_string()),
            // AfterShip's tracking object: `latest_estimated_delivery` (the
            // current EDD, 2024+ API versions), else the legacy `expected_delivery`.
            estimated_delivery: super::estimated_delivery(
                msg,
                &[
                    "/latest_estimated_delivery/datetime",
                    "/latest_estimated_delivery/datetime_max",
                    "/expected_delivery",
                ],
            ),
            source: "push:aftership".into(),
            expire_after_quiet: None,
        },
    })
}
