//! Operators' metrics: `/metrics` in Prometheus text format (the `metrics` crate with
//! its Prometheus exporter), with an optional bearer token. Counters are recorded
//! where things happen; the outbox gauges are read from the store at scrape time.

use crate::state::AppState;
use crate::store::ApplyReport;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use utoipa_axum::{router::OpenApiRouter, routes};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Seconds buckets for delivery times: from a local receiver to a slow SMTP relay.
const DELIVERY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Installs the process-wide recorder once and returns its handle.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("trackgate_delivery_seconds".into()),
                &DELIVERY_BUCKETS,
            )
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Only fails if another recorder was installed first; ours then stays idle.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Libraries whose debug output prints what they carry: tokio-postgres logs each
/// statement's parameters (page tokens, customer addresses, webhook secrets in
/// rows). They log at info at most, whatever `RUST_LOG` says.
const QUIET_BELOW_INFO: [&str; 1] = ["tokio_postgres"];

/// The log filter: `RUST_LOG` (default `info`), with [`QUIET_BELOW_INFO`] held
/// to info.
pub fn log_filter(rust_log: Option<&str>) -> tracing_subscriber::EnvFilter {
    let mut filter = tracing_subscriber::EnvFilter::try_new(rust_log.unwrap_or("info"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    for target in QUIET_BELOW_INFO {
        filter = filter.add_directive(
            format!("{target}=info")
                .parse()
                .expect("a target=level directive parses"),
        );
    }
    filter
}

/// `/metrics`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(scrape))
}

#[utoipa::path(get, path = "/metrics", tag = "operators",
    summary = "Prometheus metrics",
    description = "With `metrics.token` set, send `Authorization: Bearer <token>`.",
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain", body = String),
        (status = 401, description = "metrics.token is set and was not sent", content_type = "text/plain", body = String),
    ))]
async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = state.cfg.metrics.token.as_ref().filter(|t| !t.is_empty()) {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !crate::signing::same(sent.trim().as_bytes(), token.expose().as_bytes()) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "metrics need Authorization: Bearer <metrics.token>\n",
            )
                .into_response();
        }
    }
    match state.store.outbox_stats(state.clock.now()).await {
        Ok(o) => {
            metrics::gauge!("trackgate_outbox_pending").set(o.pending as f64);
            metrics::gauge!("trackgate_outbox_lag_seconds").set(o.lag_seconds as f64);
        }
        Err(e) => tracing::error!(error = %e, "metrics: outbox figures unavailable"),
    }
    let handle = install();
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// Counts every answer by route template and HTTP status, and every push by
/// receiver and outcome.
pub async fn count_requests(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let response = next.run(req).await;
    let code = response.status().as_u16().to_string();
    if let Some(source) = route.strip_prefix("/hooks/") {
        let source = source.split('/').next().unwrap_or(source).to_string();
        let outcome = match response.status().as_u16() {
            200..=299 => "accepted",
            400 => "malformed",
            401 => "unauthorized",
            404 => "not_enabled",
            413 => "too_large",
            _ => "failed",
        };
        metrics::counter!("trackgate_pushes_total", "source" => source, "outcome" => outcome)
            .increment(1);
    }
    metrics::counter!("trackgate_http_requests_total", "route" => route, "code" => code)
        .increment(1);
    response
}

/// Counts the transitions a write recorded, by the status they lead to.
pub fn transitions(report: &ApplyReport) {
    for (status, n) in &report.transitions_to {
        metrics::counter!("trackgate_transitions_total", "to" => status.as_str())
            .increment(*n as u64);
    }
}

/// Counts one delivery try and how long it took.
pub fn delivery(channel: &'static str, outcome: &'static str, seconds: f64) {
    metrics::counter!("trackgate_notifications_total", "channel" => channel, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("trackgate_delivery_seconds", "channel" => channel).record(seconds);
}

/// Counts one webhook try by endpoint (`trackgate_webhook_deliveries_total{account,
/// endpoint, outcome}`): bounded, as an account has at most
/// `webhooks.max_per_account` endpoints.
pub fn endpoint_delivery(account: u64, endpoint: &str, outcome: &'static str) {
    metrics::counter!(
        "trackgate_webhook_deliveries_total",
        "account" => account.to_string(),
        "endpoint" => endpoint.to_string(),
        "outcome" => outcome
    )
    .increment(1);
}

/// Counts one poll by provider and outcome.
pub fn poll(provider: &'static str, outcome: &'static str) {
    metrics::counter!("trackgate_polls_total", "provider" => provider, "outcome" => outcome)
        .increment(1);
}

/// An alert fired (`trackgate_alerts_total{alert}`).
pub fn alert(alert: &'static str) {
    metrics::counter!("trackgate_alerts_total", "alert" => alert).increment(1);
}

/// Trackings deleted by retention (`trackgate_retention_deleted_total`).
pub fn retention(n: usize) {
    metrics::counter!("trackgate_retention_deleted_total").increment(n as u64);
}

/// Counts `n` tracking numbers a shop connector created or refused.
pub fn connector(platform: &'static str, outcome: &'static str, n: usize) {
    metrics::counter!("trackgate_connector_items_total", "platform" => platform, "outcome" => outcome)
        .increment(n as u64);
}

/// Records how many delivery attempts one commit carried (the group commit).
pub fn attempts_committed(n: usize) {
    metrics::histogram!("trackgate_attempts_per_commit").record(n as f64);
}
