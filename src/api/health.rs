//! `/healthz` (the process serves) and `/readyz` (the store answers).

use super::openapi::operators::{Health, Ready};
use super::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthy))
        .routes(routes!(ready))
}

#[utoipa::path(get, path = "/healthz", tag = "operators",
    summary = "The process serves",
    responses((status = 200, description = "Serving", body = Health)))]
async fn healthy() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Most due polls `/readyz` counts; beyond it reports the cap. sled checks each
/// schedule entry it walks against its parcel (at most twice the cap), so the cap
/// bounds what one probe reads however large the backlog.
const POLL_BACKLOG_CAP: usize = 10_000;

#[utoipa::path(get, path = "/readyz", tag = "operators",
    summary = "The store answers; how much work waits",
    responses(
        (status = 200, description = "Ready", body = Ready),
        (status = 503, description = "The store does not answer", body = Ready),
    ))]
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let now = state.clock.now();
    let stats = async {
        state.store.check().await?;
        let outbox = state.store.outbox_stats(now).await?;
        let backlog = state.store.due_poll_count(now, POLL_BACKLOG_CAP).await?;
        Ok::<_, crate::store::StoreError>((outbox, backlog))
    };
    match stats.await {
        Ok((outbox, backlog)) => (
            StatusCode::OK,
            Json(json!({
                "status": "ready",
                "store": "open",
                "outbox_pending": outbox.pending,
                "outbox_lag_seconds": outbox.lag_seconds,
                "poll_backlog": backlog,
            })),
        ),
        Err(e) => {
            tracing::error!(error = %e, "store check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "store": "error", "reason": e.to_string()})),
            )
        }
    }
}
