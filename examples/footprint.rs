//! Where the bytes go: loads trackings the way shops do (`/v2/trackings/batch`, 40
//! per call, 16 calls in flight), optionally gives each a number of status changes
//! (signed native pushes of 1000), then reports the server's RSS, again after a
//! restart and reads of up to 10,000 of the trackings (and 10 s after them), and
//! runs `trackgate footprint` on its store.
//!
//! ```text
//! cargo build --release --bin trackgate --examples
//! target/release/examples/footprint [--trackings 100000] [--changes 0]
//! ```
//! With `TRACKGATE_BENCH_POSTGRES` (an admin URL) the gateway runs on PostgreSQL.

mod common;
use common::{arg, push_native, rss_mib, Gateway, PUSH_SECRET};
use serde_json::{json, Value};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

const KEY: &str = "bench-key";

fn number(i: u64) -> String {
    format!("FP{i:010}")
}

/// Runs `work(i)` for i in 0..n from `inflight` tasks.
async fn each<F, Fut>(n: u64, inflight: usize, work: F)
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let work = Arc::new(work);
    let next = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..inflight)
        .map(|_| {
            let (work, next) = (work.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    work(i).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::main]
async fn main() {
    let n = arg("--trackings", 100_000);
    let changes = arg("--changes", 0);
    let mut gw = Gateway::start(
        KEY,
        &format!("poll:\n  enabled: false\npush:\n  native: {{ secret: \"{PUSH_SECRET}\" }}\n"),
    );
    let base = format!("http://{}", gw.addr);
    let http = reqwest::Client::new();

    let t = Instant::now();
    let (h, b) = (http.clone(), base.clone());
    each(n.div_ceil(40), 16, move |call| {
        let (h, b) = (h.clone(), b.clone());
        async move {
            let items: Vec<Value> = (call * 40..((call + 1) * 40).min(n))
                .map(|i| json!({"tracking_number": number(i), "carrier_code": "usps"}))
                .collect();
            let r = h
                .post(format!("{b}/v2/trackings/batch"))
                .header("Trackingmore-Api-Key", KEY)
                .json(&items)
                .send()
                .await
                .expect("the gateway answers");
            assert!(r.status().is_success());
        }
    })
    .await;
    println!(
        "created {n} trackings in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    const STATUSES: [&str; 5] = ["transit", "pickup", "undelivered", "transit", "delivered"];
    for round in 0..changes {
        let t = Instant::now();
        let status = STATUSES[round as usize % STATUSES.len()];
        let (h, b) = (http.clone(), base.clone());
        each(n.div_ceil(1000), 8, move |push| {
            let (h, b) = (h.clone(), b.clone());
            async move {
                let items: Vec<Value> = (push * 1000..((push + 1) * 1000).min(n))
                    .map(|i| {
                        json!({"carrier_code": "usps", "tracking_number": number(i), "status": status,
                               "events": [{"time": format!("2026-11-{:02}T10:00:00Z", 10 + round), "description": format!("{status} scan"),
                                           "location": "HUB 7", "status": status}]})
                    })
                    .collect();
                let id = format!("fp-{round}-{push}");
                assert!(push_native(&h, &b, &id, json!(items).to_string()).await.is_some());
            }
        })
        .await;
        println!(
            "status change {} ({status}) for every tracking in {:.1} s",
            round + 1,
            t.elapsed().as_secs_f64()
        );
    }

    let rss = rss_mib(gw.child.id());
    let before_stop = gw.data_bytes();
    // Again after a restart, once a sample of trackings has been read back.
    gw.restart();
    let base = format!("http://{}", gw.addr);
    let (h, b) = (http.clone(), base.clone());
    let sample = n.min(10_000);
    each(sample, 16, move |i| {
        let (h, b) = (h.clone(), b.clone());
        async move {
            let r = h
                .get(format!(
                    "{b}/v2/trackings/usps/{}",
                    number(i * (n / sample.max(1)))
                ))
                .header("Trackingmore-Api-Key", KEY)
                .send()
                .await
                .expect("the gateway answers");
            assert!(r.status().is_success());
        }
    })
    .await;
    let rss_restarted = rss_mib(gw.child.id());
    // What the restart's recovery left behind, once the allocator has returned it.
    std::thread::sleep(std::time::Duration::from_secs(10));
    let rss_idle = rss_mib(gw.child.id());
    gw.stop();
    if std::env::var("TRACKGATE_BENCH_POSTGRES").is_ok() {
        println!("\nserver RSS after the load: {rss:.0} MiB; after a restart and {sample} reads: {rss_restarted:.0} MiB, 10 s later {rss_idle:.0} MiB\n");
    } else {
        println!(
            "\nserver RSS after the load: {rss:.0} MiB; after a restart and {sample} reads: {rss_restarted:.0} MiB, 10 s later {rss_idle:.0} MiB; data dir {:.0} MiB ({:.0} bytes per tracking)\n",
            before_stop as f64 / (1024.0 * 1024.0),
            before_stop as f64 / n.max(1) as f64
        );
    }
    if std::env::var("TRACKGATE_BENCH_POSTGRES").is_err() {
        for (name, bytes) in gw.data_files() {
            println!("  {name}: {:.1} MiB", bytes as f64 / (1024.0 * 1024.0));
        }
    }
    let out = Command::new("target/release/trackgate")
        .args(["footprint", "--config"])
        .arg(gw.config_path())
        // Ours, not a config key of the gateway's.
        .env_remove("TRACKGATE_BENCH_POSTGRES")
        .output()
        .expect("trackgate footprint runs");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
}
