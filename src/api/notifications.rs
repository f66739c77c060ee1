//! Notifications: see and act on the outbox, and set where notifications go.
//!
//! - `GET /v2/notifications?state=&channel=&carrier_code=&tracking_number=&limit=`
//! - `GET /v2/notifications/{id}` — the job with every attempt
//! - `POST /v2/notifications/{id}/retry` — send it again now (or bring its retry forward), saying what was done
//! - `POST /v2/notifications/retry` `{"since": <unix>}` — queue every dead one created since
//! - `GET` / `PUT /v2/notifications/settings` — channels and rules

use super::auth::Caller;
use super::error::{ApiError, ApiResult, Success};
use super::input::ApiPath;
use super::input::{object, JsonBody};
use super::openapi::schemas as doc;
use super::AppState;
use crate::core::replay::Replay;
use crate::core::rules::{Channel, Job, JobState};
use crate::core::settings::{Notify, NotifyChange, WebhookChange};
use crate::core::status::Status;
use crate::core::time;
use crate::store::JobFilter;
use axum::extract::{Query, State};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(retry_dead))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(get_notification))
        .routes(routes!(retry_one))
}

fn job_view(j: &Job) -> Value {
    json!({
        "id": j.id, "channel": j.channel, "state": j.state,
        "tracking_number": j.tracking_number, "carrier_code": j.carrier_code,
        "event": {"from": j.transition.from, "to": j.transition.to, "at": time::rfc3339(j.transition.at)},
        "attempts": j.attempts, "last_error": j.last_error,
        "next_attempt_at": (j.state == JobState::Pending).then(|| time::rfc3339(j.due)),
        "created_at": time::rfc3339(j.created_at),
    })
}

#[utoipa::path(get, path = "/notifications", tag = "notifications",
    summary = "Notifications, newest first",
    params(
        ("state" = Option<String>, Query, description = "pending, delivered or dead"),
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
                ApiError::BadRequest(format!("state {s:?} is not pending, delivered or dead"))
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
                        "outcome": a.outcome, "code": a.code, "error": a.error, "latency_ms": a.latency_ms}))
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

/// Settings as shown: secrets are never returned, only how many there are.
fn settings_view(n: &Notify) -> Value {
    json!({
        "email": n.email,
        "webhook": n.webhook.as_ref().map(|w| json!({"url": w.url, "secrets": w.secrets.len(), "disabled": w.disabled})),
        "slack": n.slack.as_ref().map(|s| json!({"url": s.url, "disabled": s.disabled})),
        "rules": n.rules,
    })
}

#[utoipa::path(get, path = "/notifications/settings", tag = "notifications",
    summary = "Where this account's notifications go",
    responses((status = 200, description = "The settings, secrets counted not shown", body = doc::Envelope<doc::Settings>)))]
async fn get_settings(State(state): State<AppState>, Caller(acct): Caller) -> ApiResult<Value> {
    let a = state
        .store
        .account(acct.id)
        .await?
        .ok_or(ApiError::InvalidKey)?;
    Ok(Success(settings_view(&a.notify)))
}

fn statuses(v: &Value, key: &str) -> Result<Vec<Status>, ApiError> {
    let arr = v
        .as_array()
        .ok_or_else(|| ApiError::BadRequest(format!("rules.{key} must be an array of statuses")))?;
    arr.iter()
        .map(|s| {
            s.as_str()
                .and_then(Status::parse)
                .ok_or_else(|| ApiError::StatusInvalid(format!("rules.{key}: {s} is not a status")))
        })
        .collect()
}

/// Longest destination URL or secret, in bytes.
const MAX_SETTING_BYTES: usize = 2000;

/// A URL or secret as stored: bounded, and free of control characters (which no
/// URL or secret needs, and PostgreSQL cannot store).
fn setting_text<'a>(s: &'a str, at: &str) -> Result<&'a str, ApiError> {
    if s.len() > MAX_SETTING_BYTES {
        return Err(ApiError::BadRequest(format!(
            "{at} is longer than {MAX_SETTING_BYTES} bytes"
        )));
    }
    if s.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(format!(
            "{at} contains control characters"
        )));
    }
    Ok(s)
}

fn url(m: &Map<String, Value>, at: &str) -> Result<String, ApiError> {
    let u = m.get("url").and_then(Value::as_str).unwrap_or("").trim();
    let u = setting_text(u, &format!("{at}.url"))?;
    match reqwest::Url::parse(u) {
        Ok(p) if matches!(p.scheme(), "http" | "https") => Ok(u.to_string()),
        _ => Err(ApiError::BadRequest(format!(
            "{at}.url {u:?} is not an http(s) URL"
        ))),
    }
}

/// Changes the fields given; `null` removes a channel. Setting a URL re-enables a
/// destination that a 410 switched off.
#[utoipa::path(put, path = "/notifications/settings", tag = "notifications",
    summary = "Change where notifications go",
    request_body = doc::SettingsChange,
    responses((status = 200, description = "The settings as saved", body = doc::Envelope<doc::Settings>)))]
async fn put_settings(
    State(state): State<AppState>,
    Caller(acct): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    let change = settings_change(&object(&body, "request body")?)?;
    reachable(&change, state.cfg.allow_private_destinations)?;
    let saved = state
        .store
        .set_notify(acct.id, &change)
        .await?
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(Success(settings_view(&saved)))
}

/// Refuses a destination the delivery policy would refuse at every send (a private,
/// loopback or reserved address, unless `allow_private_destinations`), naming the
/// setting, instead of accepting it and letting every notification die. Host names
/// are checked again at each send, against what they resolve to then.
fn reachable(change: &NotifyChange, allow_private: bool) -> Result<(), ApiError> {
    let urls = [
        change
            .webhook
            .as_ref()
            .and_then(|w| w.as_ref())
            .map(|w| ("webhook.url", &w.url)),
        change
            .slack
            .as_ref()
            .and_then(|s| s.as_ref())
            .map(|u| ("slack.url", u)),
    ];
    for (at, url) in urls.into_iter().flatten() {
        crate::notify::destination::check_url(url, allow_private).map_err(|why| {
            ApiError::BadRequest(format!("{at} {url:?} would never be delivered to: {why}"))
        })?;
    }
    Ok(())
}

/// The change a PUT body asks for; an error names the field.
fn settings_change(m: &Map<String, Value>) -> Result<NotifyChange, ApiError> {
    for key in m.keys() {
        if !matches!(key.as_str(), "email" | "webhook" | "slack" | "rules") {
            return Err(ApiError::BadRequest(format!(
                "{key} is not a setting (email, webhook, slack, rules)"
            )));
        }
    }
    let mut change = NotifyChange::default();
    if let Some(v) = m.get("email") {
        change.email = Some(
            v.as_bool()
                .ok_or_else(|| ApiError::BadRequest("email must be true or false".into()))?,
        );
    }
    change.webhook = match m.get("webhook") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Object(w)) => {
            let secrets: Option<Vec<String>> = match (w.get("secret"), w.get("secrets")) {
                (Some(Value::String(s)), None) => Some(vec![s.clone()]),
                (None, Some(Value::Array(a))) => Some(
                    a.iter()
                        .enumerate()
                        .map(|(i, x)| {
                            x.as_str().map(String::from).ok_or_else(|| {
                                ApiError::BadRequest(format!(
                                    "webhook.secrets[{i}] must be a string"
                                ))
                            })
                        })
                        .collect::<Result<_, _>>()?,
                ),
                (None, None) => None,
                _ => {
                    return Err(ApiError::BadRequest(
                        "webhook: give secret (a string) or secrets (an array)".into(),
                    ))
                }
            };
            if let Some(secrets) = &secrets {
                if secrets.is_empty() || secrets.iter().any(|s| s.trim().is_empty()) {
                    return Err(ApiError::BadRequest("webhook.secret is required".into()));
                }
                for s in secrets {
                    setting_text(s, "webhook.secret")?;
                }
            }
            Some(Some(WebhookChange {
                url: url(w, "webhook")?,
                secrets,
            }))
        }
        Some(_) => {
            return Err(ApiError::BadRequest(
                "webhook must be an object or null".into(),
            ))
        }
    };
    change.slack = match m.get("slack") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Object(s)) => Some(Some(url(s, "slack")?)),
        Some(_) => {
            return Err(ApiError::BadRequest(
                "slack must be an object or null".into(),
            ))
        }
    };
    if let Some(r) = m.get("rules") {
        let r = r
            .as_object()
            .ok_or_else(|| ApiError::BadRequest("rules must be an object".into()))?;
        for (k, v) in r {
            match k.as_str() {
                "email" => change.rules.email = Some(statuses(v, k)?),
                "webhook" => change.rules.webhook = Some(statuses(v, k)?),
                "slack" => change.rules.slack = Some(statuses(v, k)?),
                _ => return Err(ApiError::BadRequest(format!("rules.{k} is not a channel"))),
            }
        }
    }
    Ok(change)
}
