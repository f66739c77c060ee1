//! A local fake of the upstream TrackingMore v2 API, speaking its wire format.
//! Behaviour by tracking number prefix:
//! `UNKNOWN…` 4017 until registered, `RATE…` HTTP 429, `METAERR…` meta 4012,
//! `GARBAGE…` a non-JSON body, `HANG…` never answers, `OLD…` a transit scan 40 days
//! old, anything else delivered.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

pub const UPSTREAM_KEY: &str = "upstream-key";

#[derive(Default)]
pub struct Log {
    pub gets: Vec<String>,
    pub posts: Vec<String>,
    registered: HashSet<String>,
}

#[derive(Clone)]
pub struct Upstream {
    pub base: String,
    pub log: Arc<Mutex<Log>>,
}

impl Upstream {
    pub fn start() -> Upstream {
        let log = Arc::new(Mutex::new(Log::default()));
        let app = Router::new()
            .route("/v2/trackings/{carrier}/{number}", get(get_one))
            .route("/v2/trackings/post", post(create))
            .with_state(log.clone());
        let addr = crate::helpers::serve(app);
        Upstream {
            base: format!("http://{addr}/v2"),
            log,
        }
    }

    pub fn gets_for(&self, number: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .gets
            .iter()
            .filter(|n| *n == number)
            .count()
    }

    pub fn posts(&self) -> Vec<String> {
        self.log.lock().unwrap().posts.clone()
    }

    /// Config for a gateway polling this upstream every 2 s.
    pub fn gateway_config(&self) -> String {
        format!(
            "limits:\n  list_per_second: 10000\npoll:\n  enabled: true\n  interval: 2s\n  provider: trackingmore\n  realtime_timeout: 2s\n  rate_per_second: 200\n  trackingmore: {{ base_url: \"{}\", api_key: \"{UPSTREAM_KEY}\" }}\n",
            self.base
        )
    }
}

fn envelope(code: i64, data: Value) -> Json<Value> {
    Json(
        json!({"meta": {"code": code, "type": if code == 200 { "Success" } else { "Bad Request" }, "message": "fake"}, "data": data}),
    )
}

fn date(days_ago: i64) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - days_ago * 86_400;
    chrono_like(t)
}

/// `YYYY-MM-DD HH:MM` in UTC without a date library.
fn chrono_like(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60
    )
}

async fn get_one(
    State(log): State<Arc<Mutex<Log>>>,
    headers: HeaderMap,
    Path((carrier, number)): Path<(String, String)>,
) -> Response {
    if headers
        .get("trackingmore-api-key")
        .and_then(|v| v.to_str().ok())
        != Some(UPSTREAM_KEY)
    {
        return envelope(4001, json!([])).into_response();
    }
    let registered = {
        let mut l = log.lock().unwrap();
        l.gets.push(number.clone());
        l.registered.contains(&number)
    };
    if number.starts_with("RATE") {
        return (StatusCode::TOO_MANY_REQUESTS, "slow down").into_response();
    }
    if number.starts_with("METAERR") {
        return envelope(4012, json!([])).into_response();
    }
    if number.starts_with("GARBAGE") {
        return (StatusCode::OK, "<html>oops</html>").into_response();
    }
    if number.starts_with("HANG") {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
    if number.starts_with("UNKNOWN") && !registered {
        return envelope(4017, json!([])).into_response();
    }
    let (status, days) = if number.starts_with("OLD") {
        ("transit", 40)
    } else {
        ("delivered", 1)
    };
    envelope(
        200,
        json!({
            "id": "fake", "tracking_number": number, "carrier_code": carrier, "status": status,
            "original_country": "CN", "destination_country": "US",
            "origin_info": {"trackinfo": [
                {"Date": date(days), "StatusDescription": if status == "delivered" { "Delivered" } else { "In transit" },
                 "Details": "HUB", "checkpoint_status": status},
                {"Date": date(days + 3), "StatusDescription": "Accepted", "Details": "ORIGIN", "checkpoint_status": "transit"}]},
            "lastUpdateTime": date(days),
        }),
    )
    .into_response()
}

async fn create(State(log): State<Arc<Mutex<Log>>>, Json(body): Json<Value>) -> Json<Value> {
    let number = body["tracking_number"].as_str().unwrap_or("").to_string();
    let mut l = log.lock().unwrap();
    l.posts.push(number.clone());
    l.registered.insert(number);
    envelope(200, json!({"tracking_number": body["tracking_number"]}))
}
