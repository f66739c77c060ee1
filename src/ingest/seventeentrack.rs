//! `/hooks/17track`: 17TRACK v2's push, `{event, data: {number, carrier,
//! track_info}}`, signed in `sign` = hex SHA-256 of `body + "/" + key`.
//!
//! 17TRACK numbers its carriers in its own scheme, so a push is matched to every
//! tracked parcel with that number. `TRACKING_STOPPED` is accepted and changes
//! nothing (polling remains the fallback). 17TRACK signs no timestamp: a replayed
//! body is caught by remembering each body's hash for 2 days, and applying the same
//! news twice changes nothing anyway.

use super::openapi::PushAnswers;
use super::{accept, header, parse_json, signature, str_field as s, PushError, RawBody};
use crate::core::apply::Update;
use crate::core::model::Checkpoint;
use crate::core::number::TrackingNumber;
use crate::core::status::Status;
use crate::core::time;
use crate::core::writes::Incoming;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::Value;

/// 17TRACK main status → our status and substatus.
pub fn map_status(status: &str) -> Option<(Status, Option<&'static str>)> {
    Some(match status {
        "NotFound" => (Status::Notfound, Some("notfound002")),
        "InfoReceived" => (Status::Notfound, Some("notfound001")),
        "InTransit" => (Status::Transit, Some("transit001")),
        "Expired" => (Status::Expired, None),
        "AvailableForPickup" => (Status::Pickup, Some("pickup002")),
        "OutForDelivery" => (Status::Pickup, Some("pickup001")),
        "DeliveryFailure" => (Status::Undelivered, Some("undelivered001")),
        "Delivered" => (Status::Delivered, Some("delivered001")),
        "Exception" => (Status::Exception, Some("exception005")),
        _ => return None,
    })
}

#[utoipa::path(post, path = "/hooks/17track", tag = "receivers",
    summary = "17TRACK's v2 push",
    params(("sign" = String, Header, description = "hex SHA-256 of body/key")),
    request_body(content = Object, description = "17TRACK's push body: {event, data}"),
    responses(PushAnswers))]
pub(super) async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<axum::Json<Value>, PushError> {
    let key = super::secret(&state.cfg.push.seventeentrack, "seventeentrack")?;
    signature::verify_17track(key, header(&headers, "sign"), &body)?;
    let v = parse_json(&body)?;
    let id = signature::body_id(&body);
    let updates = match s(&v, "event") {
        "TRACKING_UPDATED" => vec![parse(&v)?],
        "TRACKING_STOPPED" => Vec::new(),
        other => {
            return Err(PushError::Malformed(format!(
                "event {other:?} is not TRACKING_UPDATED or TRACKING_STOPPED"
            )))
        }
    };
    accept(&state, updates, super::push_key("17track", &id)).await
}

fn parse(v: &Value) -> Result<Incoming, PushError> {
    let data = v
        .get("data")
        .ok_or_else(|| PushError::Malformed("data is missing".into()))?;
    let number = TrackingNumber::parse(s(data, "number"))
        .map_err(|e| PushError::Malformed(format!("data.{e}")))?;
    let info = data.get("track_info").cloned().unwrap_or(Value::Null);
    let latest = info.get("latest_status").cloned().unwrap_or(Value::Null);
    let main = s(&latest, "status");
    let mapped = map_status(main);
    let mut events = Vec::new();
    let providers = info
        .get("tracking")
        .and_then(|t| t.get("providers"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (p, provider) in providers.iter().enumerate() {
        for (i, e) in provider
            .get("events")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let raw = match s(e, "time_utc") {
                "" => s(e, "time_iso"),
                t => t,
            };
            let t = time::parse_loose(raw).ok_or_else(|| {
                PushError::Malformed(format!("data.track_info.tracking.providers[{p}].events[{i}].time_utc {raw:?} is not a time"))
            })?;
            // A sub-status like "InTransit_PickedUp" names its main status first.
            let m = map_status(s(e, "sub_status").split('_').next().unwrap_or(""));
            events.push(Checkpoint {
                time: t,
                description: s(e, "description").to_string(),
                location: s(e, "location").to_string(),
                status: m.map(|x| x.0),
                substatus: m.and_then(|x| x.1).map(String::from),
            });
        }
    }
    Ok(Incoming {
        carrier: None,
        number: number.as_str().to_string(),
        update: Update {
            status: mapped.map(|m| m.0),
            substatus: mapped.and_then(|m| m.1).map(String::from),
            as_of: None,
            events,
            origin_country: None,
            destination_country: None,
            status_text: (mapped.is_none() && !main.is_empty()).then(|| main.to_string()),
            // 17TRACK v2.2: `track_info.time_metrics.estimated_delivery_date`
            // `{source, from, to}`; the end of the window is the promise to show.
            estimated_delivery: super::estimated_delivery(
                &info,
                &[
                    "/time_metrics/estimated_delivery_date/to",
                    "/time_metrics/estimated_delivery_date/from",
                ],
            ),
            source: "push:17track".into(),
            expire_after_quiet: None,
        },
    })
}
