//! Notifications: see and act on the outbox (where they go: `settings.rs`).
//!
//! - `GET /v2/notifications?state=&channel=&carrier_code=&tracking_number=&limit=`
//! - `GET /v2/notifications/{id}` — the job with every attempt
//! - `POST /v2/notifications/{id}/retry` — send it again now (or bring its retry forward), saying what was done
//! - `POST /v2/notifications/retry` `{"since": <unix>}` — queue every dead one created since

use super::auth::Caller;
use super::error::{ApiError, ApiResult, Success};
use super::input::ApiPath;
use super::input::{object, JsonBody};
use super::openapi::schemas as doc;
use super::AppState;
use crate::core::alerts::Fired;
use crate::core::replay::Replay;
use crate::core::rules::{Channel, Job, JobState};
use crate::core::time;
use crate::store::JobFilter;
use axum::extract::{Query, State};
use serde_json::{json, Value};
use std::collections::HashMap;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(retry_dead))
        .routes(routes!(get_notification))
        .routes(routes!(retry_one))
}

fn job_view(j: &Job) -> Value {
    json!({
        "id": j.id, "channel": j.channel, "state": j.state,
        "endpoint": j.endpoint.as_deref().or((j.channel == crate::core::rules::Channel::Webhook).then_some(crate::core::endpoints::FIRST)),
        "tracking_number": j.tracking_number, "carrier_code": j.carrier_code,
        "event": {"type": Fired::of_source(&j.transition.source).map_or("tracking.status_changed", |f| f.alert.event_type()),
                  "from": j.transition.from, "to": j.transition.to, "at": time::rfc3339(j.transition.at)},
        "attempts": j.attempts,
        "last_error": (j.state != JobState::Skipped).then_some(&j.last_error),
        "reason": (j.state == JobState::Skipped).then_some(&j.last_error),
        "next_attempt_at": (j.state == JobState::Pending).then(|| time::rfc3339(j.due)),
        "created_at": time::rfc3339(j.created_at),
    })
}

#[utoipa::path(get, path = "/notifications", tag = "notifications",
    summary = "Notifications, newest first",
    params(
        ("state" = Option<String>, Query, description = "pending, delivered, dead or skipped (never sent, with its reason; listed with a tracking or when asked for)"),
        ("channel" = Option<String>, Query, description = "email, webhook or slack"),
        ("carrier_code" = Option<String>, Query, description = "With tracking_number"),
        ("tracking_number" = Option<String>, Query, description = "With carrier_code"),
        ("limit" = Option<u32>, Query, description = "1 to 1000 (default 100)"),
    ),
    responses((status = 200, description = "The notifications", body = doc::Envelope<doc::NotificationList>)))]
async fn list_notifications(
    State(state): State<AppState>,
    Caller(acct): Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Value> {
    let param = |k: &str| p.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let state_f = param("state")
        .map(|s| {
            JobState::parse(s).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "state {s:?} is not pending, delivered, dead or skipped"
                ))
            })
        })
        .transpose()?;
    let channel = param("channel")
        .map(|s| {
            Channel::ALL
                .into_iter()
                .find(|c| c.as_str() == s)
                .ok_or_else(|| {
                    ApiError::BadRequest(format!("channel {s:?} is not email, webhook or slack"))
                })
        })
        .transpose()?;
    let tracking = match (param("carrier_code"), param("tracking_number")) {
        (Some(c), Some(n)) => Some((c.to_string(), n.to_ascii_uppercase())),
        (None, None) => None,
        _ => {
            return Err(ApiError::BadRequest(
                "give carrier_code and tracking_number together".into(),
            ))
        }
    };
    let limit = match param("limit") {
        None => 100,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::BadRequest(format!("limit {s:?} must be from 1 to 1000")))?,
    };
    let jobs = state
        .store
        .jobs(
            acct.id,
            &JobFilter {
                state: state_f,
                channel,
                tracking,
                limit,
            },
        )
        .await?;
    Ok(Success(
        json!({"count": jobs.len(), "items": jobs.iter().map(job_view).collect::<Vec<_>>()}),
    ))
}

#[utoipa::path(get, path = "/notifications/{id}", tag = "notifications",
    summary = "One notification with every attempt",
    params(("id" = String, Path, description = "The notification id (the webhook-id)")),
    responses((status = 200, description = "The notification, or 4031", body = doc::Envelope<doc::Notification>)))]
async fn get_notification(
    State(state): State<AppState>,
    Caller(acct): Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Value> {
    let (job, attempts) = state
        .store
        .job(acct.id, &id)
        .await?
        .ok_or_else(|| ApiError::Empty(format!("no notification {id}")))?;
    let mut v = job_view(&job);
    v["attempt_log"] = json!(attempts
        .iter()
        .map(|a| json!({"number": a.number, "at": chrono::DateTime::from_timestamp_millis(a.at_ms).map(|t| t.to_rfc3339()),
                        "outcome": a.outcome, "code": a.code, "error": a.error, "latency_ms": a.latency_ms,
                        "destination": a.destination}))
        .collect::<Vec<_>>());
    Ok(Success(v))
}

#[utoipa::path(post, path = "/notifications/{id}/retry", tag = "notifications",
    summary = "Send one notification again now",
    description = "A delivered one is sent again (same id), a dead one gets a new round of retries, a pending one's next try is brought forward to now; the answer says which, or why nothing was done.",
    params(("id" = String, Path)),
    responses((status = 200, description = "What was done, or 4031", body = doc::Envelope<doc::Replayed>)))]
async fn retry_one(
    State(state): State<AppState>,
    Caller(acct): Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Value> {
    let (job, _) = state
        .store
        .job(acct.id, &id)
        .await?
        .ok_or_else(|| ApiError::Empty(format!("no notification {id}")))?;
    let done = state
        .store
        .requeue_jobs(acct.id, &[job.id], state.clock.now())
        .await?;
    // Found just above; gone meanwhile only if deleted with its tracking.
    let Some(replay) = done.first().copied() else {
        return Err(ApiError::Empty(format!("no notification {id}")));
    };
    let mut answer = json!({
        "requeued": usize::from(replay.changed()),
        "action": replay.action(),
        "reason": replay.reason(),
    });
    if let Replay::BroughtForward { was_due } = replay {
        answer["was_due"] = json!(time::rfc3339(was_due));
    }
    Ok(Success(answer))
}

#[utoipa::path(post, path = "/notifications/retry", tag = "notifications",
    summary = "Queue again every dead notification created since a time",
    request_body = doc::RetrySince,
    responses((status = 200, description = "How many were queued", body = doc::Envelope<doc::Requeued>)))]
async fn retry_dead(
    State(state): State<AppState>,
    Caller(acct): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    let m = object(&body, "request body")?;
    let since = match m.get("since") {
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| ApiError::BadRequest("since must be a unix timestamp".into()))?,
        Some(Value::String(s)) => time::parse_loose(s)
            .ok_or_else(|| ApiError::BadRequest(format!("since {s:?} is not a time")))?,
        None | Some(Value::Null) => 0,
        Some(_) => {
            return Err(ApiError::BadRequest(
                "since must be a unix timestamp".into(),
            ))
        }
    };
    let ids = state.store.dead_since(acct.id, since).await?;
    let done = state
        .store
        .requeue_jobs(acct.id, &ids, state.clock.now())
        .await?;
    let n = done.iter().filter(|r| r.changed()).count();
    Ok(Success(json!({"requeued": n})))
}
