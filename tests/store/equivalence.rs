//! The same random sequence of writes, on sled and on PostgreSQL, reads back field
//! for field alike: trackings, parcels, transitions, notifications and counts. Every
//! decision is core's; this catches a backend that adds, drops or reorders one.
//! Seeded, so a failure names the sequence that shows it.

use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use trackgate::core::writes::TrackingPatch;

const NUMBERS: [&str; 4] = ["EQ1", "EQ2", "EQ3", "EQ4"];
const STATUSES: [Status; 6] = [
    Status::Transit,
    Status::Pickup,
    Status::Undelivered,
    Status::Exception,
    Status::Delivered,
    Status::Transit,
];

/// One write of the sequence.
#[derive(Debug, Clone)]
enum Op {
    Create(usize),
    Push(usize, Status),
    StopUpdating(usize),
    Archive(usize),
    Delete(usize),
    /// Claim due notifications and record a try of each: 0 delivered, 1 retry, 2 dead.
    Deliver(u8),
    RequeueDead,
}

fn ops(seed: u64) -> Vec<Op> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..40)
        .map(|_| {
            let n = rng.gen_range(0..NUMBERS.len());
            match rng.gen_range(0..20) {
                0..=4 => Op::Create(n),
                5..=11 => Op::Push(n, STATUSES[rng.gen_range(0..STATUSES.len())]),
                12 => Op::StopUpdating(n),
                13 => Op::Archive(n),
                14 => Op::Delete(n),
                15..=18 => Op::Deliver(rng.gen_range(0..3)),
                _ => Op::RequeueDead,
            }
        })
        .collect()
}

/// Runs `ops` on `store`; returns what each write answered and, at the end, every
/// read, as text (ids a backend draws at random left out).
async fn run(store: &Store, ops: &[Op]) -> Vec<String> {
    let a = account(store, "eq@example.com", true).await;
    let mut seen = Vec::new();
    for (step, op) in ops.iter().enumerate() {
        let now = NOW + 10 * step as i64;
        let answer = match op {
            Op::Create(n) => {
                let r = store
                    .create_trackings(a, vec![new(NUMBERS[*n], "#eq")], now)
                    .await
                    .unwrap();
                format!("{:?}", r[0].as_ref().map(|_| ()).map_err(|e| e.to_string()))
            }
            Op::Push(n, status) => {
                let r = push(store, news(NUMBERS[*n], *status, now - 5), now).await;
                format!("{r:?}")
            }
            Op::StopUpdating(n) | Op::Archive(n) => {
                let patch = TrackingPatch {
                    notupdate: matches!(op, Op::StopUpdating(_)).then_some(true),
                    archived: matches!(op, Op::Archive(_)).then_some(true),
                    ..TrackingPatch::default()
                };
                let item = ("usps".to_string(), NUMBERS[*n].to_string(), patch);
                let r = store.update_trackings(a, vec![item], now).await.unwrap();
                format!("{:?}", r[0].as_ref().map(|_| ()).map_err(|e| e.to_string()))
            }
            Op::Delete(n) => {
                let item = ("usps".to_string(), NUMBERS[*n].to_string());
                let r = store.delete_trackings(a, vec![item]).await.unwrap();
                format!("{:?}", r[0].as_ref().map_err(|e| e.to_string()))
            }
            Op::Deliver(outcome) => {
                let mut due = store.claim_due_jobs(now, 10, 60).await.unwrap();
                due.sort_by(|x, y| x.id.cmp(&y.id));
                for job in &due {
                    let (code, next) = match outcome {
                        0 => (200, Next::Delivered),
                        1 => (503, Next::RetryAt(now + 25)),
                        _ => (400, Next::Dead),
                    };
                    let tried = Attempt {
                        number: job.attempts + 1,
                        at_ms: now * 1000,
                        outcome: "x".into(),
                        code: Some(code),
                        error: (code != 200).then(|| format!("HTTP {code}")),
                        latency_ms: 1,
                        destination: Some("hooks.example".into()),
                    };
                    store.record_attempt(job, tried, next, None).await.unwrap();
                }
                format!("{:?}", due.iter().map(|j| &j.id).collect::<Vec<_>>())
            }
            Op::RequeueDead => {
                let dead = store.dead_since(a, 0).await.unwrap();
                format!("{:?}", store.requeue_jobs(a, &dead, now).await.unwrap())
            }
        };
        seen.push(format!("{step} {op:?} -> {answer}"));
    }
    seen.extend(reads(store, a).await);
    seen
}

/// Everything the account can read, in a stable order.
async fn reads(store: &Store, a: u64) -> Vec<String> {
    let mut out = Vec::new();
    for n in NUMBERS {
        if let Some((t, p)) = store.tracking(a, "usps", n).await.unwrap() {
            out.push(format!(
                "{n} tracking: {:?} {:?} archived={} notupdate={} {:?} {}/{}",
                t.fields,
                t.status_override,
                t.archived,
                t.notupdate,
                t.order_created_at,
                t.created_at,
                t.updated_at
            ));
            out.push(format!("{n} parcel: {p:?}"));
        }
        out.push(format!(
            "{n} transitions: {:?}",
            store.transitions("usps", n).await.unwrap()
        ));
        let mut jobs = store.jobs_for(a, "usps", n).await.unwrap();
        jobs.sort_by(|x, y| x.id.cmp(&y.id));
        for j in jobs {
            let (_, tries) = store.job(a, &j.id).await.unwrap().unwrap();
            out.push(format!(
                "{n} job {} {:?} {:?} attempts={} round={} error={:?} due={} leased={} created={} tries={:?}",
                j.id, j.channel, j.state, j.attempts, j.round_tries, j.last_error, j.due,
                j.leased, j.created_at, tries.iter().map(|t| (t.number, t.code)).collect::<Vec<_>>()
            ));
        }
    }
    let page = store
        .list(
            a,
            &ListQuery {
                page: 1,
                limit: 50,
                ..ListQuery::default()
            },
        )
        .await
        .unwrap();
    out.push(format!(
        "list: {:?} total={}",
        page.items
            .iter()
            .map(|(t, _)| &t.tracking_number)
            .collect::<Vec<_>>(),
        page.total
    ));
    out.push(format!(
        "counts: {:?}",
        store.status_counts(a, &ListQuery::default()).await.unwrap()
    ));
    out.push(format!(
        "outbox: {:?}",
        store.outbox_stats(NOW + 1000).await.unwrap()
    ));
    out.push(format!(
        "due polls: {}",
        store.due_poll_count(NOW + 1000, 100).await.unwrap()
    ));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_write_sequences_read_alike_on_both_backends() {
    let Some((_, _)) = Pg::open().await else {
        return;
    };
    for seed in 0..12 {
        let ops = ops(seed);
        let (sled, _dir) = Sled::open().await.unwrap();
        let (pg, _) = Pg::open().await.unwrap();
        let (on_sled, on_pg) = (run(&sled, &ops).await, run(&pg, &ops).await);
        for (x, y) in on_sled.iter().zip(&on_pg) {
            assert_eq!(
                x, y,
                "seed {seed}: sled (left) and PostgreSQL (right) differ"
            );
        }
        assert_eq!(on_sled.len(), on_pg.len(), "seed {seed}");
    }
}
