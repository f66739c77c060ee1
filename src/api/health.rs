//! `/healthz` (the process serves) and `/readyz` (the store answers).

use super::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/readyz", get(ready))
}

async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.store.check() {
        Ok(()) => (
            StatusCode::OK,
            // The outbox arrives with notifications; until then nothing is queued.
            Json(
                json!({"status": "ready", "store": "open", "outbox_lag_seconds": 0, "outbox_pending": 0}),
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, "store check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "store": "error"})),
            )
        }
    }
}
