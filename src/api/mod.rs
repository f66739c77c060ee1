//! The HTTP API: TrackingMore v2 routes under `/v2`, plus health. Each resource
//! module exports `router()`; this module assembles them and adds the cross-cutting
//! layers once.

mod auth;
mod carriers;
pub mod error;
mod fields;
mod health;
mod input;
mod list;
mod lookups;
mod notifications;
mod realtime;
mod trackings;

use crate::config::Config;
use crate::core::awb::Airlines;
use crate::core::carriers::Carriers;
use crate::core::remote::RemoteAreas;
use crate::poll::Providers;
use crate::store::Store;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::Router;
use error::ApiError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnFailure, TraceLayer};

/// Everything handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// The configuration.
    pub cfg: Arc<Config>,
    /// Carrier registry.
    pub carriers: Arc<Carriers>,
    /// Remote-area table.
    pub remote: Arc<RemoteAreas>,
    /// Airline prefixes.
    pub airlines: Arc<Airlines>,
    /// Status providers.
    pub providers: Providers,
    /// Last `/trackings/get` per account, for its rate limit.
    pub list_calls: Arc<Mutex<HashMap<u64, Instant>>>,
}

/// How long a parcel no provider serves waits between visits of the poller, which
/// then only checks whether it has expired.
pub const UNSERVED_RECHECK_SECS: i64 = 86_400;

impl AppState {
    /// A new tracking read from a create request's item (`at` names it in errors),
    /// with its first poll scheduled. Every way of creating a tracking (single,
    /// batch, realtime) goes through here, so none forgets the poll.
    pub fn new_tracking(
        &self,
        m: &serde_json::Map<String, serde_json::Value>,
        at: &str,
    ) -> Result<crate::store::NewTracking, ApiError> {
        let mut t = fields::new_tracking(m, at, &self.carriers)?;
        self.schedule_first_poll(&mut t, crate::core::time::now());
        Ok(t)
    }

    /// Sets when the poller first looks at a new tracking: at once when a provider
    /// serves its carrier, else only a day later for the expiry check, so a large
    /// import without an upstream account does not set the poller churning.
    fn schedule_first_poll(&self, t: &mut crate::store::NewTracking, now: i64) {
        let served = self.cfg.poll.enabled && self.providers.for_carrier(&t.carrier_code).is_some();
        t.first_poll_at = Some(if served {
            now
        } else {
            now + UNSERVED_RECHECK_SECS
        });
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let limit = state.cfg.limits.max_body_bytes;
    let v2 = Router::new()
        .merge(trackings::router())
        .merge(list::router())
        .merge(lookups::router())
        .merge(realtime::router())
        .merge(carriers::router())
        .merge(notifications::router())
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed });
    Router::new()
        .nest("/v2", v2)
        .merge(health::router())
        .merge(crate::ingest::router())
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(limit))
        .layer(
            TraceLayer::new_for_http()
                // 5xx answers are expected at times (503: no status provider) and
                // a real failure is logged once, where it happens, as an error.
                .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG))
                .make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}
