//! `GET /v2/carriers` and `POST /v2/carriers/detect`.

use super::auth::Caller;
use super::error::{ApiError, ApiResult, Success};
use super::input::{object, text, JsonBody};
use super::openapi::schemas as doc;
use super::AppState;
use crate::core::carriers::Carrier;
use crate::core::detect::detect;
use crate::core::number::{NumberError, TrackingNumber};
use axum::extract::State;
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_carriers))
        .routes(routes!(detect_carrier))
}

#[utoipa::path(get, path = "/carriers", tag = "lookups",
    summary = "Every carrier, with its code",
    responses((status = 200, description = "The carriers", body = doc::Envelope<Vec<Carrier>>)))]
async fn list_carriers(State(state): State<AppState>, _caller: Caller) -> ApiResult<Vec<Carrier>> {
    Ok(Success(state.carriers.all().to_vec()))
}

#[utoipa::path(post, path = "/carriers/detect", tag = "lookups",
    summary = "Carriers a tracking number fits, best first",
    request_body = doc::DetectQuery,
    responses((status = 200, description = "Candidates, or 4032", body = doc::Envelope<Vec<doc::DetectedCarrier>>)))]
async fn detect_carrier(
    State(state): State<AppState>,
    _caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Vec<Value>> {
    let m = object(&body, "request body")?;
    let raw = text(&m, "tracking_number", "")?.unwrap_or_default();
    let number = TrackingNumber::parse(&raw).map_err(|e| match e {
        NumberError::Missing => ApiError::NumberRequired(e.to_string()),
        NumberError::Invalid(_) => ApiError::NumberInvalid(e.to_string()),
    })?;
    let found = detect(&state.carriers, number.as_str());
    if found.is_empty() {
        return Err(ApiError::CannotDetect);
    }
    Ok(Success(
        found
            .iter()
            .map(|c| json!({"name": c.carrier.name, "code": c.carrier.code}))
            .collect(),
    ))
}
