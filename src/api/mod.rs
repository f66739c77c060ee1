//! The HTTP API: TrackingMore v2 routes under `/v2` and v4 routes under `/v4`, plus
//! health, the tracking page and metrics. Each resource module exports `router()`; this module
//! assembles them with the push receivers it is handed and adds the cross-cutting
//! layers once.

mod alert_settings;
mod auth;
mod carriers;
mod connect_settings;
pub mod error;
pub(crate) mod fields;
mod health;
mod input;
mod list;
mod lookups;
mod notifications;
pub mod openapi;
mod page;
mod realtime;
mod settings;
mod trackings;
mod v4;
mod webhook_input;
mod webhook_test;
mod webhooks;

pub use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::Router;
use error::ApiError;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnFailure, TraceLayer};
use utoipa_axum::router::OpenApiRouter;
pub use v4::collapse_slashes;

impl AppState {
    /// A new tracking read from a create request's item (`at` names it in errors,
    /// `names` are the API's field names), with its first poll scheduled. Every way
    /// of creating a tracking (single, batch, realtime, v2 or v4) goes through here,
    /// so none forgets the poll.
    pub fn new_tracking(
        &self,
        m: &serde_json::Map<String, serde_json::Value>,
        at: &str,
        names: &fields::Names,
    ) -> Result<crate::core::writes::NewTracking, ApiError> {
        let mut t = fields::new_tracking(m, at, &self.carriers, names)?;
        let served = self.cfg.poll.enabled && self.providers.for_carrier(&t.carrier_code).is_some();
        t.first_poll_at = Some(crate::core::schedule::first_poll_at(
            served,
            self.clock.now(),
        ));
        Ok(t)
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The span of one request. It names the route template, never the path: paths
/// carry secrets (`/hooks/trackingmore/{token}`, customers' `/t/{token}`).
fn request_span<B>(req: &Request<B>) -> tracing::Span {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        // A client's id is visible ASCII (to_str); a long one is cut.
        .map_or("-", |v| &v[..v.len().min(64)]);
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", |p| p.as_str());
    tracing::info_span!("request", method = %req.method(), route, request_id = %id)
}

/// The whole HTTP application: the API, health, the page and metrics, with
/// `receivers` (the push receivers, assembled by `lib.rs`) beside them under the
/// same layers and in the same OpenAPI document.
pub fn router(state: AppState, receivers: OpenApiRouter<AppState>) -> Router {
    let limit = state.cfg.limits.max_body_bytes;
    let (v2, v2_doc) = OpenApiRouter::new()
        .merge(trackings::router())
        .merge(list::router())
        .merge(lookups::router())
        .merge(realtime::router())
        .merge(carriers::router())
        .merge(notifications::router())
        .merge(settings::router())
        .merge(webhooks::router())
        .merge(connect_settings::router())
        .split_for_parts();
    let v2 = v2
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::from_fn(input::no_control_characters));
    let (v4, v4_doc) = v4::router().split_for_parts();
    let v4 = v4
        .fallback(|| async { v4::V4Error::Api(ApiError::RouteNotFound) })
        .method_not_allowed_fallback(|| async { v4::V4Error::Api(ApiError::MethodNotAllowed) })
        .layer(axum::middleware::from_fn(v4::no_control_characters));
    let (rest, rest_doc) = OpenApiRouter::new()
        .merge(health::router())
        .merge(page::router())
        .merge(crate::telemetry::router())
        .merge(receivers)
        .split_for_parts();
    let doc = openapi::document(rest_doc.nest("/v2", v2_doc).nest("/v4", v4_doc));
    Router::new()
        .nest("/v2", v2)
        .nest("/v4", v4)
        .merge(rest)
        .merge(openapi::route(&doc))
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(crate::telemetry::count_requests))
        .layer(
            TraceLayer::new_for_http()
                // 5xx answers are expected at times (503: no status provider) and
                // a real failure is logged once, where it happens, as an error.
                .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG))
                .make_span_with(request_span),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}
