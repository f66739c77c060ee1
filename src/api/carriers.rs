//! `GET /v2/carriers` and `POST /v2/carriers/detect`.

use super::auth::Caller;
use super::error::{ApiError, ApiResult, Success};
use super::input::{object, text, JsonBody};
use super::AppState;
use crate::core::carriers::Carrier;
use crate::core::detect::detect;
use crate::core::number::{NumberError, TrackingNumber};
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/carriers", get(list_carriers))
        .route("/carriers/detect", post(detect_carrier))
}

async fn list_carriers(State(state): State<AppState>, _caller: Caller) -> ApiResult<Vec<Carrier>> {
    Ok(Success(state.carriers.all().to_vec()))
}

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
