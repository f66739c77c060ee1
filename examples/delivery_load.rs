//! Delivery throughput, end to end, against the real release binary: status changes
//! pushed (signed) to `/hooks/native`, each becoming a signed webhook to a local
//! receiver that checks every signature. Reports deliveries/s (first push to last
//! delivery), missing, duplicates and push → webhook p50/p99, for single pushes and
//! for pushes of `--per-push`; then the same receiver's view of a steady 500/s; and
//! the baselines measured in the same run: a bare hyper server that only checks a
//! push's HMAC, and (with `--svix URL --svix-token T`) svix-server doing the same
//! work (an authenticated POST stored, then a signed webhook).
//!
//! ```text
//! cargo build --release --bin trackgate --examples
//! target/release/examples/delivery_load [--changes 60000] [--per-push 100] [--clients 8]
//!     [--single-seconds 10] [--svix http://127.0.0.1:8071 --svix-token T --svix-pid P]
//! ```
//! `TRACKGATE_BENCH_POSTGRES` runs the gateway on PostgreSQL (see `common`).
//! Loopback only; bounded in count and time.

mod common;
use common::bare::{self, Bare};
use common::receiver::Receiver;
use common::{arg, arg_str, cpu_seconds, create_batches, push_native, Gateway, PUSH_SECRET};
use reqwest::Client;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &str = "bench-key";
/// The shop's webhook secret (Standard Webhooks form; Svix takes the same).
const HOOK_SECRET: &str = "whsec_ZGVsaXZlcnktbG9hZC1zZWNyZXQtMzJieXRlcyE=";

/// Scans dated a month ago: in the past, as the gateway wants.
fn scan_time() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    now - 30 * 86_400
}

/// A change of one parcel: pending → transit with one scan.
fn change(number: &str) -> Value {
    json!({"carrier_code": "usps", "tracking_number": number, "status": "transit",
           "events": [{"time": scan_time().to_string(), "description": "Departed the sorting centre",
                       "location": "Memphis, TN", "status": "transit"}]})
}

/// What a run of pushes sent.
struct Sent {
    at: HashMap<String, Instant>,
    start: Instant,
    pushes: usize,
    elapsed: Duration,
}

/// `clients` tasks push `numbers`' changes `per_push` at a time until all are sent
/// or `limit` has passed; `post` sends one push (its numbers) and says if taken.
async fn drive<F, Fut>(
    numbers: &[String],
    per_push: usize,
    clients: usize,
    limit: Duration,
    post: F,
) -> Sent
where
    F: Fn(Vec<String>) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let numbers: Arc<Vec<String>> = Arc::new(numbers.to_vec());
    let cursor = Arc::new(AtomicUsize::new(0));
    let at = Arc::new(Mutex::new(HashMap::new()));
    let pushes = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (numbers, cursor, at, pushes, post) = (
            numbers.clone(),
            cursor.clone(),
            at.clone(),
            pushes.clone(),
            post.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while start.elapsed() < limit {
                let i = cursor.fetch_add(per_push, Ordering::Relaxed);
                if i >= numbers.len() {
                    break;
                }
                let chunk = numbers[i..(i + per_push).min(numbers.len())].to_vec();
                let t = Instant::now();
                if post(chunk.clone()).await {
                    pushes.fetch_add(1, Ordering::Relaxed);
                    let mut at = at.lock().unwrap();
                    for n in chunk {
                        at.insert(n, t);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let at = std::mem::take(&mut *at.lock().unwrap());
    Sent {
        at,
        start,
        pushes: pushes.load(Ordering::Relaxed),
        elapsed: start.elapsed(),
    }
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0)
}

/// Waits for every sent change to arrive (or 10 s without progress), then prints
/// one row: accepted/s, deliveries/s, missing, duplicates, bad signatures, p50/p99,
/// and CPU per message of `pid` if given.
async fn report(label: &str, recv: &Receiver, sent: &Sent, pid: Option<u32>, cpu0: f64) {
    let (mut last, mut stalled) = (0, Instant::now());
    loop {
        let n = sent
            .at
            .keys()
            .filter(|k| recv.seen.lock().unwrap().first.contains_key(*k))
            .count();
        if n == sent.at.len() || stalled.elapsed() > Duration::from_secs(10) {
            break;
        }
        if n != last {
            (last, stalled) = (n, Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seen = recv.seen.lock().unwrap();
    let mut lat = Vec::new();
    let mut end = sent.start;
    for (k, t) in &sent.at {
        if let Some(r) = seen.first.get(k) {
            lat.push(r.duration_since(*t).as_secs_f64() * 1000.0);
            end = end.max(*r);
        }
    }
    let delivered = lat.len();
    let secs = end.duration_since(sent.start).as_secs_f64();
    let cpu = pid.map_or(String::from("–"), |p| {
        format!(
            "{:.3}",
            (cpu_seconds(p) - cpu0) * 1000.0 / delivered.max(1) as f64
        )
    });
    println!(
        "| {label} | {} | {:.0} | {:.0} | {} | {} | {} | {:.1} | {:.1} | {cpu} |",
        sent.at.len(),
        sent.pushes as f64 / sent.elapsed.as_secs_f64(),
        delivered as f64 / secs,
        sent.at.len() - delivered,
        seen.duplicates(),
        seen.bad_signatures,
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99),
    );
}

async fn put_settings(http: &Client, base: &str, hook: &str) {
    let r = http
        .put(format!("{base}/v2/notifications/settings"))
        .header("Trackingmore-Api-Key", KEY)
        .json(&json!({"webhook": {"url": hook, "secret": HOOK_SECRET}}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "settings refused");
}

fn pusher(
    http: &Client,
    base: &str,
) -> impl Fn(Vec<String>) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>> + Clone
{
    let (http, base) = (http.clone(), base.to_string());
    move |chunk: Vec<String>| {
        let (http, base) = (http.clone(), base.clone());
        Box::pin(async move {
            let updates: Vec<Value> = chunk.iter().map(|n| change(n)).collect();
            let body = if updates.len() == 1 {
                updates[0].to_string()
            } else {
                json!(updates).to_string()
            };
            let id = format!("load-{}", chunk[0]);
            push_native(&http, &base, &id, body).await.is_some()
        })
    }
}

/// The same work through svix-server: one message per change, to an endpoint
/// pointing at the receiver.
/// A running svix-server: its base URL, an API token, and its pid (for CPU).
struct Svix {
    url: String,
    token: String,
    pid: Option<u32>,
}

async fn svix(
    http: &Client,
    svix: &Svix,
    recv: &Receiver,
    numbers: &[String],
    clients: usize,
    secs: u64,
) {
    let (url, pid) = (&svix.url, svix.pid);
    let auth = format!("Bearer {}", svix.token);
    let app: Value = http
        .post(format!("{url}/api/v1/app/"))
        .header("Authorization", &auth)
        .json(&json!({"name": "delivery-load"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app = app["id"].as_str().expect("svix created an app").to_string();
    let r = http
        .post(format!("{url}/api/v1/app/{app}/endpoint/"))
        .header("Authorization", &auth)
        .json(&json!({"url": recv.url, "secret": HOOK_SECRET, "version": 1}))
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success(),
        "svix refused the endpoint: {}",
        r.text().await.unwrap()
    );
    let cpu0 = pid.map_or(0.0, cpu_seconds);
    let (http, base) = (http.clone(), format!("{url}/api/v1/app/{app}/msg/"));
    let post = move |chunk: Vec<String>| {
        let (http, base, auth) = (http.clone(), base.clone(), auth.clone());
        async move {
            let n = &chunk[0];
            let payload = json!({"data": change(n), "event": {"type": "tracking.status_changed", "to": "transit"}});
            let r = http
                .post(&base)
                .header("Authorization", &auth)
                .json(&json!({"eventType": "tracking.status_changed", "payload": payload}))
                .send()
                .await;
            r.is_ok_and(|r| r.status().is_success())
        }
    };
    let sent = drive(numbers, 1, clients, Duration::from_secs(secs), post).await;
    report("svix-server, one message per POST", recv, &sent, pid, cpu0).await;
}

fn main() {
    // The baseline server is this same program, run again as a child.
    bare::serve_if_asked();
    tokio::runtime::Runtime::new().unwrap().block_on(run());
}

async fn run() {
    let changes = arg("--changes", 60_000) as usize;
    let per_push = arg("--per-push", 100) as usize;
    let clients = arg("--clients", 8) as usize;
    let single_secs = arg("--single-seconds", 10);
    let single_max = arg("--single-max", 60_000) as usize;
    let http = Client::new();

    println!("| run | changes sent | pushes accepted/s | deliveries/s | missing | duplicates | bad signatures | p50 ms | p99 ms | CPU ms per delivery |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let key_of = |v: &Value| v["data"]["tracking_number"].as_str().map(str::to_string);
    let recv = Receiver::start(HOOK_SECRET, key_of).await;

    // The baseline: a bare server checking the same signed single pushes.
    let bare = Bare::start();
    // Enough pushes for the bare server to run the whole time too.
    let numbers: Vec<String> = (0..single_secs * 100_000)
        .map(|i| format!("BARE{i:08}"))
        .collect();
    let sent = drive(
        &numbers,
        1,
        64,
        Duration::from_secs(single_secs),
        pusher(&http, &bare.base),
    )
    .await;
    let bare_rate = sent.pushes as f64 / sent.elapsed.as_secs_f64();
    println!("| bare hyper server, HMAC check only, single pushes, 64 clients | {} | {bare_rate:.0} | | | | | | | |", sent.pushes);
    drop(bare);

    if let (Some(url), Some(token)) = (arg_str("--svix"), arg_str("--svix-token")) {
        let numbers: Vec<String> = (0..single_max).map(|i| format!("SVIX{i:08}")).collect();
        let pid = arg_str("--svix-pid").and_then(|p| p.parse().ok());
        let target = Svix { url, token, pid };
        svix(&http, &target, &recv, &numbers, 64, single_secs).await;
    }

    let gw = Gateway::start(KEY, &format!("allow_private_destinations: true\npoll:\n  enabled: false\npush:\n  native: {{ secret: \"{PUSH_SECRET}\" }}\nlimits:\n  max_body_bytes: 4194304\n"));
    let base = format!("http://{}", gw.addr);
    let gw_pid = gw.child.id();
    let pid = Some(gw_pid);
    put_settings(&http, &base, &recv.url).await;
    let single: Vec<String> = (0..single_max).map(|i| format!("ONE{i:08}")).collect();
    let batched: Vec<String> = (0..changes).map(|i| format!("MANY{i:08}")).collect();
    let steady: Vec<String> = (0..5000).map(|i| format!("STEADY{i:08}")).collect();
    let all = single.iter().chain(&batched).chain(&steady);
    create_batches(
        &http,
        &base,
        KEY,
        all.map(|n| json!({"tracking_number": n, "carrier_code": "usps"}))
            .collect(),
    )
    .await;

    let http2 = http.clone();
    let phase =
        |numbers: Vec<String>, per_push: usize, clients: usize, limit: u64, what: String| {
            let (http, base, recv) = (http2.clone(), base.clone(), &recv);
            async move {
                let cpu0 = cpu_seconds(gw_pid);
                let post = pusher(&http, &base);
                let sent = drive(
                    &numbers,
                    per_push,
                    clients,
                    Duration::from_secs(limit),
                    post,
                )
                .await;
                let pushes = sent.pushes as f64 / sent.elapsed.as_secs_f64();
                let changes = sent.at.len() as f64 / sent.elapsed.as_secs_f64();
                let label = what
                    .replace("{ratio}", &format!("{:.3}", pushes / bare_rate))
                    .replace("{changes}", &format!("{changes:.0}"));
                report(&label, recv, &sent, pid, cpu0).await;
            }
        };
    phase(
        single,
        1,
        64,
        single_secs,
        "trackgate, single pushes, 64 clients ({ratio}× bare)".into(),
    )
    .await;
    phase(
        batched,
        per_push,
        clients,
        600,
        format!(
            "trackgate, pushes of {per_push}, {clients} clients ({{changes}} changes/s accepted)"
        ),
    )
    .await;

    // 500 changes/s, one per push, evenly spaced, for `single_secs`.
    let cpu0 = cpu_seconds(gw_pid);
    let n = (500 * single_secs as usize).min(steady.len());
    let post = pusher(&http, &base);
    let start = Instant::now();
    let mut at = HashMap::new();
    for (i, number) in steady[..n].iter().enumerate() {
        tokio::time::sleep_until((start + Duration::from_millis(2 * i as u64)).into()).await;
        let (post, number) = (post.clone(), number.clone());
        at.insert(number.clone(), Instant::now());
        tokio::spawn(async move { post(vec![number]).await });
    }
    let sent = Sent {
        at,
        start,
        pushes: n,
        elapsed: start.elapsed(),
    };
    report(
        "trackgate, 500 changes/s evenly, one per push",
        &recv,
        &sent,
        pid,
        cpu0,
    )
    .await;
    drop(gw);
}
