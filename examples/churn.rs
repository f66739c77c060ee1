//! Does the disk come back? A sled store under retention, in rounds of a
//! simulated day: each round registers `--per-round` trackings, marks those of
//! `--delivered-after` rounds ago delivered, and runs the retention pass for
//! `retention.after_final` = `--keep` rounds. It prints the data directory's size,
//! what the rows in it take, and the live trackings after each round (sled
//! flushed); then deletes every delivered tracking at once and prints the same,
//! and (sled) again after a reopen.
//!
//! ```text
//! cargo run --release --example churn -- [--per-round 20000] [--rounds 30] [--delivered-after 2] [--keep 3]
//! ```
//! A bounded store keeps `(delivered-after + keep) × per-round` trackings; the
//! question is whether its directory stays bounded with them. With
//! `TRACKGATE_BENCH_POSTGRES` (an admin URL) it runs on a fresh PostgreSQL
//! database instead and reports `pg_database_size` (autovacuum as configured on
//! that server).

mod common;
use common::{arg, usps_tracking};
use trackgate::core::schedule::PollPolicy;
use trackgate::core::status::{Status, StatusOverride};
use trackgate::core::time::Clock;
use trackgate::store::{dir_bytes, NewTracking, Store, TrackingPatch};

const DAY: i64 = 86_400;

fn number(i: u64) -> String {
    format!("CH{i:010}")
}

fn tracking(i: u64) -> NewTracking {
    usps_tracking("CH", i, Some(i64::MAX / 2))
}

fn mib(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

/// What the rows themselves take: keys and values as stored (sled), or the
/// relations' sizes (PostgreSQL), from `trackgate footprint`'s count.
async fn rows_bytes(store: &Store) -> u64 {
    let tables = store.footprint().await.unwrap();
    tables.iter().map(|t| t.bytes).sum()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let per = arg("--per-round", 20_000);
    let rounds = arg("--rounds", 30);
    let delivered_after = arg("--delivered-after", 2);
    let keep = arg("--keep", 3) as i64;
    let dir = tempfile::tempdir().unwrap();
    let t0: i64 = 1_800_000_000;
    let pg = common::bench_database();
    let open = || async {
        match &pg {
            Some(url) => Store::open_postgres(url, 16, None, PollPolicy::default()).await,
            None => Store::open(dir.path(), 64, PollPolicy::default()).await,
        }
    };
    let size = || match &pg {
        Some(url) => common::pg_i64(url, "SELECT pg_database_size(current_database())") as u64,
        None => dir_bytes(dir.path()),
    };
    let store = open().await.unwrap();
    let acct = store
        .upsert_account(
            "churn@example.com",
            Default::default(),
            &["cd".repeat(32)],
            None,
            t0,
        )
        .await
        .unwrap()
        .id;
    println!(
        "| round | live trackings | store MiB | rows MiB | deleted this round |\n|---|---|---|---|---|"
    );
    let mut live: i64 = 0;
    for r in 0..rounds {
        let now = t0 + r as i64 * DAY;
        for chunk in (r * per..(r + 1) * per).collect::<Vec<_>>().chunks(5_000) {
            let batch = chunk.iter().map(|&i| tracking(i)).collect();
            store.create_trackings(acct, batch, now).await.unwrap();
        }
        live += per as i64;
        if r >= delivered_after {
            let old = r - delivered_after;
            for chunk in (old * per..(old + 1) * per)
                .collect::<Vec<_>>()
                .chunks(5_000)
            {
                let patch = || TrackingPatch {
                    status: Some(StatusOverride::Set(Status::Delivered)),
                    ..TrackingPatch::default()
                };
                let items = chunk
                    .iter()
                    .map(|&i| ("usps".to_string(), number(i), patch()))
                    .collect();
                store.update_trackings(acct, items, now).await.unwrap();
            }
        }
        let gone = retention_pass(&store, now, keep * DAY).await;
        live -= gone;
        row(&r.to_string(), live, size(), &store, &gone.to_string()).await;
    }
    // Then the trackings already delivered (three fifths of the live set with
    // the defaults) go at once, as after a shop's retention is shortened.
    let gone = retention_pass(&store, t0 + rounds as i64 * DAY, 0).await;
    live -= gone;
    row(
        "all delivered deleted",
        live,
        size(),
        &store,
        &gone.to_string(),
    )
    .await;
    if pg.is_none() {
        drop(store);
        let store = open().await.unwrap();
        store.flush().unwrap();
        row("reopened", live, size(), &store, "").await;
    }
}

/// Runs the retention pass at `now` for `after_final` and flushes; how many
/// trackings it deleted.
async fn retention_pass(store: &Store, now: i64, after_final: i64) -> i64 {
    let clock = Clock::manual(now);
    let pass = trackgate::retention::delete_due(store, &clock, Some(after_final))
        .await
        .unwrap();
    store.flush().unwrap();
    pass.trackings as i64
}

/// One line of the table.
async fn row(label: &str, live: i64, size: u64, store: &Store, deleted: &str) {
    let rows = mib(rows_bytes(store).await);
    println!(
        "| {label} | {live} | {:.0} | {rows:.1} | {deleted} |",
        mib(size)
    );
}
