//! One shop's destination never holds up another's: a dead endpoint or a long
//! Slack queue of account B, and account A's webhooks still go out at once; a
//! backlog that outlives its leases is still sent once per notification. The
//! dispatcher runs its real loop over a real store (sled, and PostgreSQL with two
//! nodes when a server is here) and sends to real local receivers.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify as Gate;
use tokio_util::sync::CancellationToken;
use trackgate::config::{Config, HumanDuration};
use trackgate::core::apply::Update;
use trackgate::core::carriers::Carriers;
use trackgate::core::model::{Checkpoint, TrackingFields};
use trackgate::core::schedule::PollPolicy;
use trackgate::core::settings::{Notify, SlackDest, WebhookDest};
use trackgate::core::status::Status;
use trackgate::core::time::Clock;
use trackgate::notify::Dispatcher;
use trackgate::store::{Incoming, NewTracking, Origin, Store};

#[path = "support/postgres.rs"]
mod pg_server;

const T0: i64 = 1_800_000_000;

/// Webhook ids received, in order.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    fn ids(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// A receiver that answers 200 at once, or once `gate` opens.
async fn receiver(gate: Option<Arc<Gate>>) -> (Seen, String) {
    #[derive(Clone)]
    struct S(Seen, Option<Arc<Gate>>);
    async fn hook(State(S(seen, gate)): State<S>, headers: HeaderMap) -> StatusCode {
        let id = headers
            .get("webhook-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("slack")
            .to_string();
        if let Some(g) = gate {
            g.notified().await;
        }
        seen.0.lock().unwrap().push(id);
        StatusCode::OK
    }
    let seen = Seen::default();
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(S(seen.clone(), gate));
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (seen, url)
}

/// An endpoint that accepts connections and never answers; counts them.
async fn blackhole() -> (Arc<Mutex<usize>>, String) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let n = Arc::new(Mutex::new(0));
    let count = n.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            *count.lock().unwrap() += 1;
            held.push(s);
        }
    });
    (n, url)
}

fn webhook(url: &str) -> Notify {
    Notify {
        webhook: Some(WebhookDest::new(
            url.into(),
            "whsec_c2VjcmV0".into(),
            Default::default(),
            0,
        )),
        ..Notify::default()
    }
}

fn slack(url: &str) -> Notify {
    let mut n = Notify {
        slack: Some(SlackDest {
            url: url.into(),
            disabled: None,
        }),
        ..Notify::default()
    };
    n.rules.slack = vec![trackgate::core::rules::Topic::Status(Status::Transit)];
    n
}

/// An account notified as `notify` says, with `n` status changes in the outbox,
/// made at `at` (so due from then).
async fn account_with_changes(store: &Store, email: &str, notify: Notify, n: usize, at: i64) {
    let acct = store
        .upsert_account(
            email,
            Default::default(),
            &["ab".repeat(32)],
            Some(notify),
            T0,
        )
        .await
        .unwrap()
        .id;
    let numbers: Vec<String> = (0..n).map(|i| format!("{email}-{i:05}")).collect();
    let new = numbers
        .iter()
        .map(|number| NewTracking {
            carrier_code: "sandbox".into(),
            tracking_number: number.clone(),
            fields: TrackingFields::default(),
            order_created_at: None,
            origin_country: None,
            destination_country: None,
            first_poll_at: Some(T0 + 86_400),
        })
        .collect();
    store.create_trackings(acct, new, at).await.unwrap();
    let news: Vec<Incoming> = numbers
        .iter()
        .map(|number| Incoming {
            carrier: Some("sandbox".into()),
            number: number.clone(),
            update: Update {
                events: vec![Checkpoint {
                    time: at - 60,
                    description: "Picked up".into(),
                    location: "DENVER".into(),
                    status: Some(Status::Transit),
                    substatus: None,
                }],
                source: "test".into(),
                ..Update::default()
            },
        })
        .collect();
    for chunk in news.chunks(100) {
        store
            .apply_updates(chunk, Origin::Push, None, at)
            .await
            .unwrap();
    }
}

fn config(timeout_secs: u64, concurrency: usize) -> Arc<Config> {
    let mut cfg = Config {
        allow_private_destinations: true,
        templates_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/templates").into(),
        ..Config::default()
    };
    cfg.delivery.timeout = HumanDuration(Duration::from_secs(timeout_secs));
    cfg.delivery.retry = vec![HumanDuration(Duration::from_secs(60))];
    cfg.delivery.concurrency = concurrency;
    Arc::new(cfg)
}

/// Runs one dispatcher per store until the token is cancelled.
fn run_dispatchers(stores: &[Store], cfg: &Arc<Config>, clock: &Clock) -> CancellationToken {
    let stop = CancellationToken::new();
    for store in stores {
        let d = Dispatcher::new(
            store.clone(),
            cfg.clone(),
            Arc::new(Carriers::builtin()),
            clock.clone(),
        )
        .unwrap();
        tokio::spawn(d.run(stop.clone()));
    }
    stop
}

/// How long until `seen` holds `n` ids; panics after `limit`.
async fn time_until(seen: &Seen, n: usize, limit: Duration) -> Duration {
    let t0 = Instant::now();
    while seen.ids().len() < n {
        assert!(
            t0.elapsed() < limit,
            "only {} of {n} webhooks arrived within {limit:?}",
            seen.ids().len()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    t0.elapsed()
}

/// B's 300 changes to a dead endpoint are due before A's 20; A's still arrive
/// within a second or two, and B's endpoint never has more than its concurrency
/// per node.
async fn a_dead_endpoint_holds_up_no_other_account(stores: Vec<Store>) {
    let (b_conns, dead) = blackhole().await;
    let (a_seen, a_url) = receiver(None).await;
    account_with_changes(&stores[0], "b@example.com", webhook(&dead), 300, T0 - 10).await;
    account_with_changes(&stores[0], "a@example.com", webhook(&a_url), 20, T0).await;
    let cfg = config(3, 8);
    let stop = run_dispatchers(&stores, &cfg, &Clock::manual(T0));
    // Before the fix, A waited for 128 of B's jobs, 8 at a time, 3 s each: 48 s.
    let took = time_until(&a_seen, 20, Duration::from_secs(3)).await;
    let mut ids = a_seen.ids();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20, "each of A's notifications once");
    let b = *b_conns.lock().unwrap();
    assert!(
        b <= 8 * stores.len(),
        "B's dead endpoint saw {b} connections, more than its concurrency per node"
    );
    eprintln!("A's 20 webhooks in {took:?} beside B's dead endpoint ({b} connections held)");
    stop.cancel();
}

/// B's 300 Slack messages wait on Slack's one per second as a schedule; A's
/// webhooks go out at once.
async fn a_long_slack_queue_holds_up_no_other_account(stores: Vec<Store>) {
    let (b_seen, b_url) = receiver(None).await;
    let (a_seen, a_url) = receiver(None).await;
    account_with_changes(&stores[0], "b@example.com", slack(&b_url), 300, T0 - 10).await;
    account_with_changes(&stores[0], "a@example.com", webhook(&a_url), 20, T0).await;
    let stop = run_dispatchers(&stores, &config(3, 8), &Clock::manual(T0));
    time_until(&a_seen, 20, Duration::from_secs(3)).await;
    let b = b_seen.ids().len();
    assert!(
        b <= 6 * stores.len(),
        "Slack got {b} messages in about a second"
    );
    stop.cancel();
}

/// One send at a time to a receiver that holds every request: the waiting jobs'
/// leases run out on the clock, the next claims find them again, and still each
/// notification is sent once. One node: a lease that ends on another node's
/// clock means its holder is presumed dead, and the job is sent again there.
async fn jobs_waiting_past_their_lease_are_sent_once(mut stores: Vec<Store>) {
    stores.truncate(1);
    let gate = Arc::new(Gate::new());
    let (seen, url) = receiver(Some(gate.clone())).await;
    account_with_changes(&stores[0], "a@example.com", webhook(&url), 5, T0).await;
    let clock = Clock::manual(T0);
    let stop = run_dispatchers(&stores, &config(3, 1), &clock);
    tokio::time::sleep(Duration::from_millis(150)).await;
    // Every lease (3 × 3 + 30 s) has ended while the jobs wait for the one slot.
    clock.advance(60);
    tokio::time::sleep(Duration::from_millis(150)).await;
    for _ in 0..5 {
        gate.notify_one();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    time_until(&seen, 5, Duration::from_secs(5)).await;
    // Let anything sent twice arrive too.
    for _ in 0..10 {
        gate.notify_one();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ids = seen.ids();
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(ids.len(), distinct.len(), "sent twice: {ids:?}");
    assert_eq!(distinct.len(), 5);
    stop.cancel();
}

async fn sled_store(dir: &std::path::Path) -> Store {
    Store::open(dir, 16, PollPolicy::default()).await.unwrap()
}

/// Two nodes over one fresh database, or `None` without PostgreSQL here.
async fn two_pg_nodes() -> Option<Vec<Store>> {
    let url = pg_server::database()?;
    let mut nodes = Vec::new();
    for _ in 0..2 {
        nodes.push(
            Store::open_postgres(&url, 4, None, PollPolicy::default())
                .await
                .unwrap(),
        );
    }
    Some(nodes)
}

macro_rules! on_both {
    ($($check:ident),* $(,)?) => {
        mod sled {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    let dir = tempfile::tempdir().unwrap();
                    super::$check(vec![super::sled_store(dir.path()).await]).await;
                }
            )*
        }
        mod postgres_two_nodes {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    if let Some(nodes) = super::two_pg_nodes().await {
                        super::$check(nodes).await;
                    }
                }
            )*
        }
    };
}

on_both!(
    a_dead_endpoint_holds_up_no_other_account,
    a_long_slack_queue_holds_up_no_other_account,
    jobs_waiting_past_their_lease_are_sent_once,
);
