//! `/v4/couriers/all`, `/v4/couriers/detect` and `/v4/awb`, answered from the
//! carrier and airline tables.

use super::{limit, V4Caller, V4Error, V4Json, V4Result, V4};
use crate::api::error::ApiError;
use crate::api::fields;
use crate::api::input::{object, text};
use crate::api::openapi::v4 as doc;
use crate::api::AppState;
use crate::core::awb::AirWaybill;
use crate::core::carriers::Carrier;
use crate::core::detect::detect;
use axum::extract::State;
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(all))
        .routes(routes!(detect_courier))
        .routes(routes!(awb))
}

/// A carrier in v4's courier form.
fn courier(c: &Carrier) -> Value {
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    json!({
        "courier_name": c.name,
        "courier_code": c.code,
        "courier_country_iso2": crate::core::country::parse(&c.country_code),
        "courier_url": some(&c.homepage),
        "courier_phone": some(&c.phone),
        "courier_type": c.kind,
        "tracking_required_fields": null,
        "optional_fields": null,
        "default_language": "en",
        "support_language": ["en"],
        "courier_logo": null,
    })
}

#[utoipa::path(get, path = "/couriers/all", tag = "v4",
    summary = "Every courier, with its code",
    responses((status = 200, description = "The couriers", body = doc::V4Envelope<Vec<doc::Courier>>)))]
async fn all(State(state): State<AppState>, V4Caller(acct): V4Caller) -> V4Result<Vec<Value>> {
    limit(&state, acct.id, "couriers")?;
    Ok(V4(state.carriers.all().iter().map(courier).collect()))
}

#[utoipa::path(post, path = "/couriers/detect", tag = "v4",
    summary = "Couriers a tracking number fits, best first",
    request_body = doc::DetectBody,
    responses((status = 200, description = "The candidates", body = doc::V4Envelope<Vec<doc::Courier>>)))]
async fn detect_courier(
    State(state): State<AppState>,
    V4Caller(acct): V4Caller,
    V4Json(body): V4Json,
) -> V4Result<Vec<Value>> {
    limit(&state, acct.id, "detect")?;
    let number = fields::number(&object(&body, "request body")?, "")?;
    let found = detect(&state.carriers, number.as_str());
    if found.is_empty() {
        return Err(ApiError::CannotDetect.into());
    }
    Ok(V4(found.iter().map(|c| courier(c.carrier)).collect()))
}

#[utoipa::path(post, path = "/awb", tag = "v4",
    summary = "An air waybill: its airline and status",
    request_body = doc::AwbBody,
    responses((status = 200, description = "The waybill", body = doc::V4Envelope<doc::Awb>)))]
async fn awb(
    State(state): State<AppState>,
    V4Caller(acct): V4Caller,
    V4Json(body): V4Json,
) -> V4Result<Value> {
    limit(&state, acct.id, "awb")?;
    let m = object(&body, "request body")?;
    let raw = text(&m, "awb_number", "")?
        .ok_or_else(|| V4Error::AwbInvalid("awb_number is required".into()))?;
    let awb = AirWaybill::parse(&raw).map_err(|e| V4Error::AwbInvalid(e.to_string()))?;
    let airline = state.airlines.get(&awb.prefix);
    // No air-cargo status source is connected: the answer for a waybill with no
    // events yet, as TrackingMore gives it.
    Ok(V4(json!({
        "awb_number": awb.display(),
        "awb_status": "notfound",
        "awb_substatus": null,
        "status_number": null,
        "weight": null,
        "piece": null,
        "origin": null,
        "destination": null,
        "flight_way_station": [],
        "last_event": null,
        "flight_info_new": [],
        "flight_info": {},
        "track_info": [],
        "airline_info": airline.map(|a| json!({
            "name": a.name, "url": null, "track_url": null, "trackpage_url": null,
        })),
    })))
}
