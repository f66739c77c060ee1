//! Look-ups that answer from tables and statistics: remote areas, courier aging
//! (costtime) and air waybills (aircargo).

use super::auth::Caller;
use super::error::{ApiError, ApiResult, Success};
use super::fields;
use super::input::{at, items, object, text, JsonBody};
use super::openapi::schemas as doc;
use super::AppState;
use crate::core::awb::AirWaybill;
use crate::core::country;
use axum::extract::State;
use serde_json::{json, Map, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Most items per look-up call.
const MAX_ITEMS: usize = 40;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(remote_areas))
        .routes(routes!(courier_aging))
        .routes(routes!(air_cargo))
}

fn country_field(m: &Map<String, Value>, key: &str, at: &str) -> Result<&'static str, ApiError> {
    let raw =
        text(m, key, at)?.ok_or_else(|| ApiError::BadRequest(format!("{at}{key} is required")))?;
    country::parse(&raw).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "{at}{key} {raw:?} is not a country (ISO2 code or English name)"
        ))
    })
}

/// TrackingMore's answer: how many places were submitted, one `remote` entry per
/// remote-area rule a place falls under (carrier, ISO2 code, country, postcode,
/// plus our `note`), and the places that are not remote under `other`.
#[utoipa::path(post, path = "/trackings/remote", tag = "lookups",
    summary = "Are these places remote areas?",
    request_body = Vec<doc::RemotePlace>,
    responses((status = 200, description = "Remote and other places", body = doc::Envelope<doc::RemoteAnswer>)))]
async fn remote_areas(
    State(state): State<AppState>,
    _c: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    let places = items(&body, MAX_ITEMS)?;
    let (mut remote, mut other) = (Vec::new(), Vec::new());
    for (i, m) in places.iter().enumerate() {
        let at = at(Some(i));
        let cc = country_field(m, "country", &at)?;
        let postcode = text(m, "postcode", &at)?.ok_or_else(|| {
            ApiError::BadRequest(format!(
                "{at}postcode is required (a town name where there are no postcodes)"
            ))
        })?;
        let company = text(m, "company", &at)?;
        let country = crate::core::country::name(cc).unwrap_or(cc);
        let rules = state.remote.lookup(cc, &postcode, company.as_deref());
        if rules.is_empty() {
            other.push(json!({
                "far_express_company": company,
                "two_code": cc,
                "far_country": country,
                "far_city_postcode": postcode,
            }));
        }
        for r in rules {
            remote.push(json!({
                "far_express_company": r.company,
                "two_code": cc,
                "far_country": country,
                "far_city_postcode": postcode,
                "note": r.note,
            }));
        }
    }
    Ok(Success(json!({
        "submitted": places.len(),
        "remote": remote,
        "other": other,
    })))
}

/// Share of `days` within `lo..=hi`, in percent with two decimals.
fn share(days: &[i64], lo: i64, hi: i64) -> f64 {
    if days.is_empty() {
        return 0.0;
    }
    let n = days.iter().filter(|d| (lo..=hi).contains(*d)).count();
    (n as f64 * 10000.0 / days.len() as f64).round() / 100.0
}

#[utoipa::path(post, path = "/trackings/costtime", tag = "lookups",
    summary = "Delivery times on routes, from this account's parcels",
    request_body = Vec<doc::CostTimeQuery>,
    responses((status = 200, description = "One entry per route", body = doc::Envelope<Vec<doc::CostTime>>)))]
async fn courier_aging(
    State(state): State<AppState>,
    Caller(acct): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Vec<Value>> {
    let mut out = Vec::new();
    for (i, m) in items(&body, MAX_ITEMS)?.iter().enumerate() {
        let at = at(Some(i));
        let carrier = fields::carrier(m, &at, &state.carriers, "carrier_code")?;
        let origin = country_field(m, "original", &at)?;
        let destination = country_field(m, "destination", &at)?;
        let stats = state
            .store
            .route_stats(acct.id, &carrier, origin, destination)
            .await?;
        let d = &stats.delivered_days;
        let avg = (!d.is_empty())
            .then(|| (d.iter().sum::<i64>() as f64 / d.len() as f64 * 10.0).round() / 10.0);
        out.push(json!({
            "carrier_code": carrier,
            "original": origin,
            "destination": destination,
            "total": stats.total,
            "delivered": d.len(),
            "range1": share(d, 0, 7),
            "range3": share(d, 8, 15),
            "range4": share(d, 16, 30),
            "range5": share(d, 31, 60),
            "range6": share(d, 61, i64::MAX),
            "average_days": avg,
        }));
    }
    Ok(Success(out))
}

#[utoipa::path(post, path = "/trackings/aircargo", tag = "lookups",
    summary = "Air waybills: airline and status",
    request_body = doc::AirCargoQuery,
    responses((status = 200, description = "Waybills read, and the ones that are not waybills", body = doc::Envelope<doc::AirCargoAnswer>)))]
async fn air_cargo(
    State(state): State<AppState>,
    _c: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    let m = object(&body, "request body")?;
    let numbers: Vec<String> = match m.get("track_number") {
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(ApiError::BadRequest(format!(
                    "track_number[{i}] must be a string"
                ))),
            })
            .collect::<Result<_, _>>()?,
        Some(Value::String(s)) => s.split(',').map(|x| x.trim().to_string()).collect(),
        None | Some(Value::Null) => {
            return Err(ApiError::NumberRequired("track_number is required".into()))
        }
        Some(_) => {
            return Err(ApiError::BadRequest(
                "track_number must be an array of air waybill numbers".into(),
            ))
        }
    };
    if numbers.is_empty() {
        return Err(ApiError::NumberRequired("track_number is empty".into()));
    }
    if numbers.len() > MAX_ITEMS {
        return Err(ApiError::TooMany(format!(
            "{} air waybills sent; at most {MAX_ITEMS}",
            numbers.len()
        )));
    }
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for raw in &numbers {
        match AirWaybill::parse(raw) {
            Err(e) => {
                errors.push(json!({"track_number": raw, "code": 4014, "message": e.to_string()}))
            }
            Ok(awb) => {
                let airline = state.airlines.get(&awb.prefix);
                found.push(json!({
                    "track_number": awb.display(),
                    "airline_prefix": awb.prefix,
                    "airline": airline.map(|a| json!({"name": a.name, "iata": a.iata, "country": a.country})),
                    // No air-cargo status source is connected: TrackingMore's own
                    // answer for a waybill it has no events for.
                    "status": "notfound",
                    "track_info": [],
                }));
            }
        }
    }
    Ok(Success(json!({"items": found, "errors": errors})))
}
