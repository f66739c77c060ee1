//! Listing and counting: `/trackings/get`, `/trackings/getstatusnumber`,
//! `/trackings/getuserinfo`.

use super::auth::Caller;
use super::error::{ApiError, ApiResult, Success};
use super::input::JsonBody;
use super::openapi::schemas as doc;
use super::AppState;
use crate::core::status::Status;
use crate::core::time;
use crate::core::view::TrackingView;
use crate::store::{ListQuery, TimeRange};
use axum::extract::{Query, State};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Largest page.
const MAX_LIMIT: usize = 2000;
/// Highest page number: keeps `page × limit` a sane offset on every backend.
const MAX_PAGE: usize = 1_000_000;
/// Most numbers or orders in one list call.
const MAX_KEYS: usize = 40;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_trackings, list_trackings_post))
        .routes(routes!(count_by_status))
        .routes(routes!(user_info))
}

/// Query parameters.
pub type Params = HashMap<String, String>;

/// A parameter, with empty values treated as absent (as TrackingMore does).
pub fn param<'a>(p: &'a Params, key: &str) -> Option<&'a str> {
    p.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// A whole-number parameter from 1 to `max`.
pub fn number(p: &Params, key: &str, default: usize, max: usize) -> Result<usize, ApiError> {
    match param(p, key) {
        None => Ok(default),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::BadRequest(format!(
                "{key} {s:?} must be a whole number from 1 to {max}"
            ))),
        },
    }
}

fn unix(p: &Params, key: &str) -> Result<Option<i64>, ApiError> {
    param(p, key)
        .map(|s| {
            s.parse::<i64>().map_err(|_| {
                ApiError::BadRequest(format!(
                    "{key} {s:?} must be a unix timestamp in seconds, e.g. 1521314361"
                ))
            })
        })
        .transpose()
}

fn range(p: &Params, name: &str) -> Result<TimeRange, ApiError> {
    range_of(p, name, unix)
}

/// `{name}_min` and `{name}_max`, each read by `time`.
pub fn range_of(
    p: &Params,
    name: &str,
    time: fn(&Params, &str) -> Result<Option<i64>, ApiError>,
) -> Result<TimeRange, ApiError> {
    let r = TimeRange {
        min: time(p, &format!("{name}_min"))?,
        max: time(p, &format!("{name}_max"))?,
    };
    if let (Some(a), Some(b)) = (r.min, r.max) {
        if a > b {
            return Err(ApiError::BadRequest(format!(
                "{name}_min is after {name}_max"
            )));
        }
    }
    Ok(r)
}

fn list(p: &Params, key: &str) -> Result<Vec<String>, ApiError> {
    let v: Vec<String> = param(p, key)
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if v.len() > MAX_KEYS {
        return Err(ApiError::TooMany(format!(
            "{key}: {} given; at most {MAX_KEYS} per request",
            v.len()
        )));
    }
    Ok(v)
}

fn query(p: &Params) -> Result<ListQuery, ApiError> {
    let status = param(p, "status")
        .map(|s| {
            Status::parse(s).ok_or_else(|| {
                ApiError::StatusInvalid(format!(
                    "status {s:?} is invalid: use pending, notfound, transit, pickup, delivered, undelivered, exception or expired"
                ))
            })
        })
        .transpose()?;
    let numbers = list(p, "numbers")?
        .into_iter()
        .map(|n| n.replace(char::is_whitespace, "").to_ascii_uppercase())
        .collect();
    Ok(ListQuery {
        page: number(p, "page", 1, MAX_PAGE)?,
        limit: number(p, "limit", 100, MAX_LIMIT)?,
        status,
        created: range(p, "created_at")?,
        updated: range(p, "update_time")?,
        order_created: range(p, "order_created_time")?,
        numbers,
        orders: list(p, "orders")?,
        // "true" → archived only, "false" → not archived, anything else → both.
        archived: match param(p, "archived") {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        },
        carrier: None,
    })
}

/// TrackingMore allows one list call per second per key.
fn rate_limit(state: &AppState, account: u64) -> Result<(), ApiError> {
    let min_gap_ms = (1000.0 / state.cfg.limits.list_per_second) as i64;
    let mut calls = state
        .list_calls
        .lock()
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("rate-limit lock poisoned")))?;
    let now = state.clock.now_ms();
    if let Some(last) = calls.get(&account) {
        if now - last < min_gap_ms {
            return Err(ApiError::RateLimited(format!(
                "Too many requests: /trackings/get allows {} call(s) per second per API key",
                state.cfg.limits.list_per_second
            )));
        }
    }
    calls.insert(account, now);
    Ok(())
}

#[utoipa::path(get, path = "/trackings/get", tag = "trackings",
    summary = "List trackings (1 request/s per key)",
    params(
        ("page" = Option<u32>, Query, description = "Page, from 1"),
        ("limit" = Option<u32>, Query, description = "Items per page, 1 to 2000 (default 100)"),
        ("status" = Option<String>, Query, description = "One status"),
        ("numbers" = Option<String>, Query, description = "Up to 40 tracking numbers, comma-separated"),
        ("orders" = Option<String>, Query, description = "Up to 40 order ids, comma-separated"),
        ("archived" = Option<String>, Query, description = "true: archived only; false: not archived"),
        ("created_at_min" = Option<i64>, Query, description = "Unix seconds"),
        ("created_at_max" = Option<i64>, Query),
        ("update_time_min" = Option<i64>, Query),
        ("update_time_max" = Option<i64>, Query),
        ("order_created_time_min" = Option<i64>, Query),
        ("order_created_time_max" = Option<i64>, Query),
    ),
    responses((status = 200, description = "One page", body = doc::Envelope<ListPage>)))]
async fn list_trackings(
    State(state): State<AppState>,
    Caller(acct): Caller,
    Query(p): Query<Params>,
) -> ApiResult<ListPage> {
    let q = query(&p)?;
    rate_limit(&state, acct.id)?;
    let page = state.store.list(acct.id, &q).await?;
    let now = state.clock.now();
    let items: Vec<TrackingView> = page
        .items
        .iter()
        .map(|(t, pc)| TrackingView::new(t, pc, &state.carriers, now))
        .collect();
    Ok(Success(ListPage {
        page: q.page,
        limit: q.limit,
        total: page.total.to_string(),
        count: items.len(),
        items,
    }))
}

/// One page of `/trackings/get`; `total` is a string, as TrackingMore sends it.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct ListPage {
    page: usize,
    limit: usize,
    total: String,
    count: usize,
    items: Vec<TrackingView>,
}

/// The same list, with the parameters in a JSON body.
#[utoipa::path(post, path = "/trackings/get", tag = "trackings",
    summary = "List trackings, with the parameters in a JSON object",
    request_body(content = Object, description = "The GET's query parameters as an object; arrays are joined with commas"),
    responses((status = 200, description = "One page", body = doc::Envelope<ListPage>)))]
async fn list_trackings_post(
    state: State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<ListPage> {
    let m = match body {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        _ => {
            return Err(ApiError::BadRequest(
                "request body must be a JSON object of list parameters".into(),
            ))
        }
    };
    let mut p = Params::new();
    for (k, v) in m {
        let s = match v {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => continue,
            Value::Array(a) => a
                .iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), String::from))
                .collect::<Vec<_>>()
                .join(","),
            Value::Object(_) => {
                return Err(ApiError::BadRequest(format!("{k} must not be an object")))
            }
        };
        p.insert(k, s);
    }
    list_trackings(state, caller, Query(p)).await
}

#[utoipa::path(get, path = "/trackings/getstatusnumber", tag = "trackings",
    summary = "Trackings per status",
    params(
        ("created_at_min" = Option<i64>, Query, description = "Unix seconds"),
        ("created_at_max" = Option<i64>, Query),
        ("order_created_time_min" = Option<i64>, Query),
        ("order_created_time_max" = Option<i64>, Query),
    ),
    responses((status = 200, description = "Counts", body = doc::Envelope<doc::StatusCounts>)))]
async fn count_by_status(
    State(state): State<AppState>,
    Caller(acct): Caller,
    Query(p): Query<Params>,
) -> ApiResult<Value> {
    let q = ListQuery {
        created: range(&p, "created_at")?,
        order_created: range(&p, "order_created_time")?,
        ..ListQuery::default()
    };
    let counts = state.store.status_counts(acct.id, &q).await?;
    let mut m = Map::new();
    for s in Status::ALL {
        m.insert(s.as_str().into(), json!(counts[s.code() as usize]));
    }
    m.insert("total".into(), json!(counts.iter().sum::<u64>()));
    Ok(Success(Value::Object(m)))
}

#[utoipa::path(get, path = "/trackings/getuserinfo", tag = "trackings",
    summary = "The account",
    responses((status = 200, description = "The account", body = doc::Envelope<doc::UserInfo>)))]
async fn user_info(State(state): State<AppState>, Caller(acct): Caller) -> ApiResult<Value> {
    let counts = state
        .store
        .status_counts(acct.id, &ListQuery::default())
        .await?;
    Ok(Success(json!({
        "email": acct.email,
        "regtime": time::rfc3339(acct.created_at),
        "trackings": counts.iter().sum::<u64>(),
        "quota": "unlimited",
    })))
}
