//! Notification benchmark against the real release binary: webhook deliveries/s to a
//! local receiver, emails/s to an in-process SMTP server (mailin), and the latency from a
//! status change pushed to the webhook received, at a steady 500 changes/s.
//!
//! ```text
//! cargo build --release && cargo run --release --example notify_load -- [--burst 5000] [--emails 1000] [--seconds 10] [--per-push 50]
//! ```
//! Loopback only; bounded in count and time.

mod common;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use common::{arg, create_batches, push_native, Gateway, PUSH_SECRET};
use reqwest::Client;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &str = "bench-key";

type Seen = Arc<Mutex<HashMap<String, Instant>>>;

async fn receive(State(seen): State<Seen>, body: Bytes) -> &'static str {
    let at = Instant::now();
    if let Ok(v) = serde_json::from_slice::<Value>(&body) {
        let key = format!(
            "{}/{}",
            v["data"]["tracking_number"].as_str().unwrap_or(""),
            v["event"]["to"].as_str().unwrap_or("")
        );
        seen.lock().unwrap().entry(key).or_insert(at);
    }
    "ok"
}

async fn push(http: &Client, base: &str, id: &str, updates: &[Value]) {
    assert!(
        push_native(http, base, id, json!(updates).to_string())
            .await
            .is_some(),
        "push refused"
    );
}

fn change(number: &str, step: u64, status: &str) -> Value {
    json!({"carrier_code": "usps", "tracking_number": number, "status": status,
           "events": [{"time": (1_790_000_000 + step * 60).to_string(), "description": format!("{status} scan"), "status": status}]})
}

async fn create(http: &Client, base: &str, numbers: &[String], email: bool) {
    let items = numbers
        .iter()
        .map(|n| {
            let mut t = json!({"tracking_number": n, "carrier_code": "usps"});
            if email {
                t["customer_email"] = json!("bench.customer@example.net");
            }
            t
        })
        .collect();
    create_batches(http, base, KEY, items).await;
}

async fn settings(http: &Client, base: &str, body: Value) {
    let r = http
        .put(format!("{base}/v2/notifications/settings"))
        .header("Trackingmore-Api-Key", KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0)
}

#[tokio::main]
async fn main() {
    let burst = arg("--burst", 5000);
    let per_push = arg("--per-push", 50).clamp(1, 500);
    let emails = arg("--emails", 1000);
    let secs = arg("--seconds", 10);
    // The receiver.
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // The SMTP server.
    let smtp_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let smtp = common::smtp::Smtp::start(smtp_port);
    // The gateway.
    let gw = Gateway::start(KEY, &format!("templates_dir: templates\nallow_private_destinations: true\npoll:\n  enabled: false\npush:\n  native: {{ secret: \"{PUSH_SECRET}\" }}\nlimits:\n  max_body_bytes: 4194304\nemail:\n  transport: smtp\n  smtp: {{ host: 127.0.0.1, port: {smtp_port}, security: none }}\n"));
    let addr = gw.addr.clone();
    let base = format!("http://{addr}");
    let http = Client::new();

    // 1. Webhook throughput: `burst` status changes pushed at once, time to the last delivery.
    settings(
        &http,
        &base,
        json!({"webhook": {"url": hook, "secret": PUSH_SECRET}}),
    )
    .await;
    let numbers: Vec<String> = (0..burst).map(|i| format!("NOTIFYBENCH{i:08}")).collect();
    create(&http, &base, &numbers, false).await;
    let t0 = Instant::now();
    for (k, chunk) in numbers.chunks(1000).enumerate() {
        let updates: Vec<Value> = chunk.iter().map(|n| change(n, 1, "transit")).collect();
        push(&http, &base, &format!("burst-{k}"), &updates).await;
    }
    while seen.lock().unwrap().len() < burst as usize {
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "webhooks stalled at {}",
            seen.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let webhooks_per_sec = burst as f64 / t0.elapsed().as_secs_f64();

    // 2. Latency at a steady 500 changes/s: `per_push` changes every
    // `per_push` × 2 ms (50 every 100 ms by default; 1 every 2 ms is evenly spaced).
    seen.lock().unwrap().clear();
    let mut sent_at: HashMap<String, Instant> = HashMap::new();
    let ticks = secs * 500 / per_push;
    let start = Instant::now();
    for tick in 0..ticks {
        let target = start + Duration::from_millis(tick * per_push * 2);
        tokio::time::sleep_until(target.into()).await;
        let updates: Vec<Value> = (0..per_push)
            .map(|j| {
                let n = &numbers[((tick * per_push + j) % burst) as usize];
                // Every parcel stands at transit after the burst: each of these is a
                // status change, so 500 updates/s are 500 changes/s.
                change(n, 2 + tick * per_push + j, "pickup")
            })
            .collect();
        let now = Instant::now();
        for u in &updates {
            sent_at.insert(
                format!(
                    "{}/{}",
                    u["tracking_number"].as_str().unwrap(),
                    u["status"].as_str().unwrap()
                ),
                now,
            );
        }
        push(&http, &base, &format!("steady-{tick}"), &updates).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut lat: Vec<f64> = {
        let seen = seen.lock().unwrap();
        sent_at
            .iter()
            .filter_map(|(k, t)| {
                seen.get(k)
                    .map(|r| r.duration_since(*t).as_secs_f64() * 1000.0)
            })
            .collect()
    };
    let received = lat.len();

    // 3. Emails/s: `emails` delivered changes with a customer address.
    settings(&http, &base, json!({"webhook": null, "email": true})).await;
    let mail_numbers: Vec<String> = (0..emails).map(|i| format!("MAILBENCH{i:08}")).collect();
    create(&http, &base, &mail_numbers, true).await;
    let t1 = Instant::now();
    for (k, chunk) in mail_numbers.chunks(1000).enumerate() {
        let updates: Vec<Value> = chunk.iter().map(|n| change(n, 1, "delivered")).collect();
        push(&http, &base, &format!("mail-{k}"), &updates).await;
    }
    let count = || smtp.count();
    while count() < emails as usize {
        assert!(
            t1.elapsed() < Duration::from_secs(300),
            "emails stalled at {}",
            count()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let emails_per_sec = emails as f64 / t1.elapsed().as_secs_f64();

    println!("| measure | figure |\n|---|---|");
    println!("| webhook deliveries/s ({burst} changes pushed at once, until the last is received) | {webhooks_per_sec:.0} |");
    println!("| emails/s to the in-process SMTP server ({emails} delivered changes) | {emails_per_sec:.0} |");
    println!(
        "| status change pushed → webhook received at 500 changes/s ({per_push} per push) for {secs} s ({received} of {} matched) | p50 {:.1} ms, p99 {:.1} ms |",
        sent_at.len(),
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99)
    );
    drop(gw);
}
