//! How the cost of finding due alerts grows with the number of trackings stored.
//!
//! ```text
//! cargo run --release --example alert_scan -- [--max 1000000]
//! ```
//! For each size N (10k, 100k, 1M) it fills a fresh sled store with N trackings of
//! one account (webhook set, default rules and thresholds) registered a day ago —
//! not stalled — plus 1,000 registered four days ago, whose `pending` spell is past
//! its three days. It then times the alert worker's look (`fire_due`: 500
//! trackings per commit, each with its notification) and a look with nothing due,
//! which is what every `alerts.check_every` costs in the steady state. If the watch
//! index works, neither depends on N.

mod common;
use common::{arg, usps_tracking};
use std::time::Instant;
use trackgate::core::schedule::PollPolicy;
use trackgate::core::settings::{Notify, WebhookDest};
use trackgate::core::time::Clock;
use trackgate::notify::watcher::fire_due;
use trackgate::store::{NewTracking, Store};

const DAY: i64 = 86_400;

fn tracking(i: u64) -> NewTracking {
    usps_tracking("ALRT", i, Some(i64::MAX / 2))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let max = arg("--max", 1_000_000);
    let now: i64 = 1_800_000_000;
    println!("| trackings stored | due | look firing them, ms | look with nothing due, µs |\n|---|---|---|---|");
    for n in [10_000u64, 100_000, 1_000_000]
        .into_iter()
        .filter(|&n| n <= max)
    {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 64, PollPolicy::default())
            .await
            .unwrap();
        let notify = Notify {
            webhook: Some(WebhookDest::new(
                "https://shop.example/hook".into(),
                "whsec_c2VjcmV0".into(),
                Default::default(),
                0,
            )),
            ..Notify::default()
        };
        let acct = store
            .upsert_account(
                "bench@example.com",
                Default::default(),
                &["ab".repeat(32)],
                Some(notify),
                now,
            )
            .await
            .unwrap()
            .id;
        let fill = Instant::now();
        for chunk in (0..n).collect::<Vec<_>>().chunks(5_000) {
            let batch = chunk.iter().map(|&i| tracking(i)).collect();
            store
                .create_trackings(acct, batch, now - DAY)
                .await
                .unwrap();
        }
        let old = (n..n + 1_000).map(tracking).collect();
        store
            .create_trackings(acct, old, now - 4 * DAY)
            .await
            .unwrap();
        store.flush().unwrap();
        let filled = fill.elapsed();
        let clock = Clock::manual(now);
        let t = Instant::now();
        let fired = fire_due(&store, &clock).await.unwrap();
        let firing = t.elapsed();
        assert_eq!(fired, 1_000);
        let mut idle = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            assert_eq!(fire_due(&store, &clock).await.unwrap(), 0);
            idle.push(t.elapsed().as_secs_f64() * 1e6);
        }
        idle.sort_by(f64::total_cmp);
        println!(
            "| {n} | 1000 | {:.0} | {:.0} |",
            firing.as_secs_f64() * 1e3,
            idle[idle.len() / 2]
        );
        eprintln!("(filled {n} in {:.1} s)", filled.as_secs_f64());
    }
}
