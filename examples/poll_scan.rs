//! How the cost of finding due polls grows with the number of parcels stored.
//!
//! ```text
//! cargo run --release --example poll_scan -- [--max 1000000]
//! ```
//! For each size N (10k, 100k, 1M) it fills a fresh store with N tracked parcels
//! whose next poll is far in the future plus 1,000 that are due, then times
//! `claim_due_polls` taking the due ones 100 at a time (each claim is one commit).
//! If the due-poll index works, the time per claim does not depend on N.

mod common;
use common::{arg, usps_tracking};
use std::time::Instant;
use trackgate::core::schedule::PollPolicy;
use trackgate::store::{NewTracking, Store};

fn tracking(i: u64) -> NewTracking {
    usps_tracking("SCAN", i, None)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let max = arg("--max", 1_000_000);
    let now: i64 = 1_800_000_000;
    println!("| parcels stored | due | claims of 100 | mean µs per claim | max µs |\n|---|---|---|---|---|");
    for n in [10_000u64, 100_000, 1_000_000]
        .into_iter()
        .filter(|&n| n <= max)
    {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 64, PollPolicy::default())
            .await
            .unwrap();
        let fill = Instant::now();
        // Registered "in the future": first polls are due long after `now`.
        for chunk in (0..n).collect::<Vec<_>>().chunks(5_000) {
            store
                .create_trackings(
                    1,
                    chunk.iter().map(|&i| tracking(i)).collect(),
                    now + 1_000_000,
                )
                .await
                .unwrap();
        }
        store
            .create_trackings(1, (n..n + 1_000).map(tracking).collect(), now)
            .await
            .unwrap();
        store.flush().unwrap();
        let filled = fill.elapsed();
        let mut times = Vec::new();
        loop {
            let t = Instant::now();
            let claimed = store.claim_due_polls(now, 100, 120).await.unwrap();
            let el = t.elapsed();
            if claimed.is_empty() {
                break;
            }
            assert_eq!(claimed.len(), 100);
            times.push(el.as_secs_f64() * 1e6);
        }
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        let worst = times.iter().cloned().fold(0.0, f64::max);
        println!("| {n} | 1000 | {} | {mean:.0} | {worst:.0} |", times.len());
        eprintln!("(filled {n} in {:.1} s)", filled.as_secs_f64());
    }
}
