//! A local fake of the upstream TrackingMore v4 API, speaking its wire form
//! (`research/today-apis.md` §1): `GET /v4/trackings/get?tracking_numbers=…`,
//! `POST /v4/trackings/batch`, `POST /v4/trackings/create`, key in
//! `Tracking-Api-Key`, errors with HTTP 400 and 41xx codes. By number prefix:
//! `UNKNOWN…` not known until registered (then in transit), `RATE…` makes the
//! first call that asks for it HTTP 429 with `Retry-After: 2` (TrackingMore's
//! limits are per account: the whole call is refused), anything else delivered.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub const UPSTREAM_KEY: &str = "upstream-v4-key";

#[derive(Default)]
pub struct Log {
    /// The numbers of each get call, with when it came.
    pub gets: Vec<(Instant, Vec<String>)>,
    /// Numbers registered by batch or create.
    pub registered: HashSet<String>,
    /// Calls answered 429, when.
    pub refused: Vec<Instant>,
}

#[derive(Clone)]
pub struct UpstreamV4 {
    pub base: String,
    pub log: Arc<Mutex<Log>>,
}

impl UpstreamV4 {
    pub fn start() -> UpstreamV4 {
        let log = Arc::new(Mutex::new(Log::default()));
        let app = Router::new()
            .route("/v4/trackings/get", get(read))
            .route("/v4/trackings/batch", post(batch))
            .route("/v4/trackings/create", post(create))
            .with_state(log.clone());
        let addr = crate::helpers::serve(app);
        UpstreamV4 {
            base: format!("http://{addr}/v4"),
            log,
        }
    }

    /// Config for a gateway polling this upstream every 2 s; with no
    /// `api_version`, the base URL's `/v4` picks v4.
    pub fn gateway_config(&self) -> String {
        format!(
            "limits:\n  list_per_second: 10000\npoll:\n  enabled: true\n  interval: 2s\n  provider: trackingmore\n  realtime_timeout: 5s\n  rate_per_second: 200\n  trackingmore: {{ base_url: \"{}\", api_key: \"{UPSTREAM_KEY}\" }}\n",
            self.base
        )
    }

    pub fn gets(&self) -> Vec<Vec<String>> {
        self.log
            .lock()
            .unwrap()
            .gets
            .iter()
            .map(|g| g.1.clone())
            .collect()
    }
}

fn answer(http: StatusCode, code: i64, data: Value) -> Response {
    (http, Json(json!({"meta": {"code": code, "message": if code == 200 { "Request response is successful" } else { "fake refusal" }}, "data": data})))
        .into_response()
}

fn authorised(h: &HeaderMap) -> bool {
    h.get("tracking-api-key").and_then(|v| v.to_str().ok()) == Some(UPSTREAM_KEY)
}

/// `YYYY-MM-DDTHH:MM:SS` (no offset, as v4 writes checkpoint times), `days_ago` days back.
fn when(days_ago: i64) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - days_ago * 86_400;
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// The v4 tracking object of `number`: every key of §1.5 that matters here.
fn tracking(number: &str, courier: &str, registered: bool) -> Value {
    let transit = number.starts_with("UNKNOWN") && registered;
    let (status, detail) = if transit {
        ("transit", "Departed facility")
    } else {
        ("delivered", "Delivered")
    };
    json!({
        "id": "0123456789abcdef0123456789abcdef", "tracking_number": number, "courier_code": courier,
        "delivery_status": status, "substatus": if transit { "transit001" } else { "delivered001" },
        "latest_checkpoint_time": when(1), "update_at": "2026-11-20T06:50:41+00:00",
        "origin_country": "CN", "destination_country": "US", "updating": !transit,
        "scheduled_delivery_date": if transit { Value::from("2030-01-15") } else { Value::Null },
        "transit_time": 4, "archived": "tracking",
        "origin_info": {"courier_code": courier, "trackinfo": [
            {"checkpoint_date": when(1), "tracking_detail": detail, "location": "HUB",
             "checkpoint_delivery_status": status, "checkpoint_delivery_substatus": null},
            {"checkpoint_date": when(4), "tracking_detail": "Accepted", "location": "ORIGIN",
             "checkpoint_delivery_status": "transit", "checkpoint_delivery_substatus": null}]},
        "destination_info": {"trackinfo": []},
    })
}

async fn read(
    State(log): State<Arc<Mutex<Log>>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !authorised(&headers) {
        return answer(StatusCode::UNAUTHORIZED, 401, Value::Null);
    }
    let numbers: Vec<String> = q
        .get("tracking_numbers")
        .map(|s| s.split(',').map(String::from).collect())
        .unwrap_or_default();
    let mut l = log.lock().unwrap();
    if numbers.len() > 40 {
        return answer(StatusCode::BAD_REQUEST, 4103, Value::Null);
    }
    l.gets.push((Instant::now(), numbers.clone()));
    if l.refused.is_empty() && numbers.iter().any(|n| n.starts_with("RATE")) {
        l.refused.push(Instant::now());
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "2")],
            "slow down",
        )
            .into_response();
    }
    let found: Vec<Value> = numbers
        .iter()
        .filter(|n| !n.starts_with("UNKNOWN") || l.registered.contains(*n))
        .map(|n| tracking(n, "usps", l.registered.contains(n)))
        .collect();
    answer(StatusCode::OK, 200, json!(found))
}

async fn batch(
    State(log): State<Arc<Mutex<Log>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if !authorised(&headers) {
        return answer(StatusCode::UNAUTHORIZED, 401, Value::Null);
    }
    let mut l = log.lock().unwrap();
    let mut success = Vec::new();
    for item in body.as_array().into_iter().flatten() {
        let n = item["tracking_number"].as_str().unwrap_or("").to_string();
        l.registered.insert(n.clone());
        success.push(json!({"id": "0123456789abcdef0123456789abcdef", "tracking_number": n, "courier_code": item["courier_code"]}));
    }
    answer(
        StatusCode::OK,
        200,
        json!({"success": success, "error": []}),
    )
}

async fn create(
    State(log): State<Arc<Mutex<Log>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if !authorised(&headers) {
        return answer(StatusCode::UNAUTHORIZED, 401, Value::Null);
    }
    let n = body["tracking_number"].as_str().unwrap_or("").to_string();
    let courier = body["courier_code"].as_str().unwrap_or("").to_string();
    let mut l = log.lock().unwrap();
    if !l.registered.insert(n.clone()) {
        return answer(StatusCode::BAD_REQUEST, 4101, Value::Null);
    }
    answer(StatusCode::OK, 200, tracking(&n, &courier, true))
}
