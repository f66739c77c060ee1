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

/// Most due polls `/readyz` counts; beyond it reports the cap.
const POLL_BACKLOG_CAP: usize = 100_000;

async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let now = crate::core::time::now();
    let stats = state
        .store
        .check()
        .and_then(|()| state.store.outbox_stats(now));
    match stats {
        Ok(outbox) => (
            StatusCode::OK,
            Json(json!({
                "status": "ready",
                "store": "open",
                "outbox_pending": outbox.pending,
                "outbox_lag_seconds": outbox.lag_seconds,
                "poll_backlog": state.store.due_poll_count(now, POLL_BACKLOG_CAP),
            })),
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
