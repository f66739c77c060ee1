//! Shapes of the health routes, for `/openapi.json`.

use utoipa::ToSchema;

/// `GET /healthz`.
#[derive(ToSchema)]
pub struct Health {
    pub status: String,
}

/// `GET /readyz`: the store answers, and how much work waits.
#[derive(ToSchema)]
pub struct Ready {
    /// `ready`, or `unavailable` with HTTP 503.
    pub status: String,
    pub store: String,
    /// Notifications not yet delivered or dead.
    pub outbox_pending: Option<u64>,
    /// How late the oldest due notification is.
    pub outbox_lag_seconds: Option<u64>,
    /// Parcels due for a poll (capped at 10,000).
    pub poll_backlog: Option<u64>,
    /// With 503: why the store is not ready.
    pub reason: Option<String>,
}
