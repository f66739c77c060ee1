//! Load benchmark for status changes pushed to `/hooks/native`, against the real
//! release binary.
//!
//! ```text
//! cargo build --release && cargo run --release --example push_load -- [--parcels 8000] [--seconds 10]
//! ```
//! Every update in every push is meant to be a status change (each parcel
//! alternates between transit and pickup with a newer scan, dated in the past);
//! changes/s counts the transitions the gateway reports as recorded and durably
//! acknowledged, not the updates sent. Loopback only; bounded in time.

mod common;
use common::{arg, create_batches, push_native, Gateway, PUSH_SECRET};
use reqwest::Client;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEY: &str = "bench-key";

fn number(i: u64) -> String {
    format!("PUSHBENCH{i:08}")
}

/// Scans are dated from 60 days ago, one second per step: always in the past, as
/// the gateway ignores scans dated more than a day ahead.
fn base_time() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 60 * 86_400
}

/// The `visit`-th update of parcel `i`, a scan `step` seconds after the base: the
/// status alternates with each visit of the parcel, so every update is a change.
fn update(i: u64, visit: u64, step: u64, base: u64) -> Value {
    let status = if visit % 2 == 1 { "transit" } else { "pickup" };
    json!({"carrier_code": "usps", "tracking_number": number(i), "status": status,
           "events": [{"time": (base + step).to_string(), "description": format!("scan {step}"), "status": status}]})
}

fn pct(lat: &mut [Duration], p: f64) -> f64 {
    lat.sort();
    lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// `workers` clients, each owning `per_worker` parcels, pushing `batch` updates per
/// request for `secs`; returns (status changes acknowledged, elapsed, latencies).
async fn run(
    http: &Client,
    base: &str,
    workers: u64,
    per_worker: u64,
    batch: u64,
    secs: Duration,
    visits: &Arc<Vec<AtomicU64>>,
) -> (u64, Duration, Vec<Duration>) {
    let changes = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (http, url, changes) = (http.clone(), base.to_string(), changes.clone());
        let base = base_time();
        let visits = visits.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut step = 1_000 * (batch + 1); // distinct from other runs' steps
            let mut cursor = 0;
            while start.elapsed() < secs {
                step += 1;
                let updates: Vec<Value> = (0..batch)
                    .map(|k| {
                        let i = w * per_worker + (cursor + k) % per_worker;
                        let visit = visits[i as usize].fetch_add(1, Ordering::Relaxed) + 1;
                        update(i, visit, step, base)
                    })
                    .collect();
                cursor = (cursor + batch) % per_worker;
                let body = if batch == 1 {
                    updates[0].to_string()
                } else {
                    json!(updates).to_string()
                };
                let t = Instant::now();
                let id = format!("msg-{batch}-{w}-{step}");
                // Only transitions the gateway reports count as changes.
                if let Some(n) = push_native(&http, &url, &id, body).await {
                    lat.push(t.elapsed());
                    changes.fetch_add(n, Ordering::Relaxed);
                }
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    (changes.load(Ordering::Relaxed), start.elapsed(), lat)
}

#[tokio::main]
async fn main() {
    let parcels = arg("--parcels", 8000);
    let secs = Duration::from_secs(arg("--seconds", 10));
    let gw = Gateway::start(KEY, &format!("poll:\n  enabled: false\npush:\n  native: {{ secret: \"{PUSH_SECRET}\" }}\nlimits:\n  max_body_bytes: 4194304\n"));
    let addr = gw.addr.clone();
    let base = format!("http://{addr}");
    let http = Client::new();
    let items = (0..parcels)
        .map(|i| json!({"tracking_number": number(i), "carrier_code": "usps"}))
        .collect();
    create_batches(&http, &base, KEY, items).await;
    let visits: Arc<Vec<AtomicU64>> = Arc::new((0..parcels).map(|_| AtomicU64::new(0)).collect());
    println!("{parcels} parcels tracked; each run {secs:?}\n");
    println!("| pushes of | clients | status changes/s | pushes/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|");
    for (batch, workers) in [(1u64, 64u64), (100, 8), (1000, 4)] {
        let per_worker = parcels / workers;
        let (changes, el, mut lat) =
            run(&http, &base, workers, per_worker, batch, secs, &visits).await;
        let pushes = lat.len();
        println!(
            "| {batch} update(s) | {workers} | {:.0} | {:.0} | {:.2} | {:.2} |",
            changes as f64 / el.as_secs_f64(),
            pushes as f64 / el.as_secs_f64(),
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.99)
        );
    }
}
