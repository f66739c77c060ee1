//! Worker steps driven by the test on a manual clock: a retry due in five minutes
//! is tested by moving the clock, not by waiting. The dispatcher sends to a real
//! local HTTP receiver.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use trackgate::config::{Config, HumanDuration};
use trackgate::core::apply::Update;
use trackgate::core::carriers::Carriers;
use trackgate::core::model::{Checkpoint, TrackingFields};
use trackgate::core::schedule::PollPolicy;
use trackgate::core::settings::{Notify, WebhookDest};
use trackgate::core::status::Status;
use trackgate::core::time::Clock;
use trackgate::notify::Dispatcher;
use trackgate::poll::scheduler::{Poller, PollerConfig};
use trackgate::poll::Providers;
use trackgate::store::{Incoming, JobFilter, NewTracking, Origin, Store};
use trackgate::worker::Outcome;

const T0: i64 = 1_800_000_000;

/// A receiver answering from a script; records each request's `webhook-id`.
#[derive(Clone, Default)]
struct Receiver {
    script: Arc<Mutex<VecDeque<u16>>>,
    ids: Arc<Mutex<Vec<String>>>,
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap) -> StatusCode {
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    r.ids.lock().unwrap().push(id);
    let code = r.script.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(code).unwrap()
}

async fn receiver(script: &[u16]) -> (Receiver, String) {
    let r = Receiver::default();
    r.script.lock().unwrap().extend(script);
    let url = serve(
        Router::new()
            .route("/hook", post(hook))
            .with_state(r.clone()),
    )
    .await;
    (r, url)
}

/// Serves `app` on a local port; returns its `/hook` URL.
async fn serve(app: Router) -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    url
}

/// A store with one account whose webhook goes to `url`.
async fn store_with_webhook(dir: &std::path::Path, url: &str) -> (Store, u64) {
    let notify = Notify {
        webhook: Some(WebhookDest {
            url: url.into(),
            secrets: vec!["whsec_c2VjcmV0".into()],
            disabled: None,
        }),
        ..Notify::default()
    };
    store_with_account(dir, Some(notify)).await
}

/// A store with one account, notified as `notify` says.
async fn store_with_account(dir: &std::path::Path, notify: Option<Notify>) -> (Store, u64) {
    let store = Store::open(dir, 16, PollPolicy::default()).await.unwrap();
    let acct = store
        .upsert_account(
            "a@example.com",
            Default::default(),
            &"ab".repeat(32),
            notify,
            T0,
        )
        .await
        .unwrap()
        .id;
    (store, acct)
}

/// A store with one account whose webhook goes to `url`, and one status change of
/// one tracking waiting in the outbox.
async fn store_with_one_change(dir: &std::path::Path, url: &str) -> (Store, u64) {
    let (store, acct) = store_with_webhook(dir, url).await;
    let new = NewTracking {
        carrier_code: "usps".into(),
        tracking_number: "9400111899562537624326".into(),
        fields: TrackingFields::default(),
        order_created_at: None,
        origin_country: None,
        destination_country: None,
        first_poll_at: Some(T0 + 86_400),
    };
    store.create_trackings(acct, vec![new], T0).await.unwrap();
    let news = Incoming {
        carrier: Some("usps".into()),
        number: "9400111899562537624326".into(),
        update: Update {
            events: vec![Checkpoint {
                time: T0 - 60,
                description: "Picked up".into(),
                location: "DENVER".into(),
                status: Some(Status::Transit),
                substatus: None,
            }],
            source: "test".into(),
            ..Update::default()
        },
    };
    let r = store
        .apply_updates(&[news], Origin::Push, None, T0)
        .await
        .unwrap();
    assert_eq!(r.jobs, 1);
    (store, acct)
}

fn config(retry: &[u64]) -> Arc<Config> {
    let mut cfg = Config {
        allow_private_destinations: true,
        templates_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/templates").into(),
        ..Config::default()
    };
    cfg.delivery.retry = retry
        .iter()
        .map(|s| HumanDuration(Duration::from_secs(*s)))
        .collect();
    Arc::new(cfg)
}

#[tokio::test]
async fn a_failed_delivery_waits_for_its_retry_time_on_the_clock_then_goes_out_once() {
    let (rx, url) = receiver(&[503]).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, acct) = store_with_one_change(dir.path(), &url).await;
    let clock = Clock::manual(T0);
    let d = Dispatcher::new(
        store.clone(),
        config(&[300]),
        Arc::new(Carriers::builtin()),
        clock.clone(),
    )
    .unwrap();
    assert_eq!(d.run_once().await.unwrap(), Outcome::Worked(1));
    d.settle().await;
    assert_eq!(rx.ids.lock().unwrap().len(), 1, "the first try");
    // Not due again until five minutes (±10 % jitter) have passed on the clock.
    clock.advance(269);
    assert_eq!(d.run_once().await.unwrap(), Outcome::Idle);
    clock.advance(62);
    assert_eq!(d.run_once().await.unwrap(), Outcome::Worked(1));
    d.settle().await;
    let ids = rx.ids.lock().unwrap().clone();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1], "the retry carries the same webhook-id");
    assert_eq!(
        d.run_once().await.unwrap(),
        Outcome::Idle,
        "delivered: done"
    );
    let jobs = store
        .jobs(
            acct,
            &JobFilter {
                limit: 10,
                ..JobFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].attempts, 2);
}

#[tokio::test]
async fn a_spent_schedule_leaves_the_notification_dead() {
    let (rx, url) = receiver(&[500, 500, 500]).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store_with_one_change(dir.path(), &url).await;
    let clock = Clock::manual(T0);
    let d = Dispatcher::new(
        store.clone(),
        config(&[60]),
        Arc::new(Carriers::builtin()),
        clock.clone(),
    )
    .unwrap();
    for _ in 0..2 {
        assert_eq!(d.run_once().await.unwrap(), Outcome::Worked(1));
        d.settle().await;
        clock.advance(3600);
    }
    assert_eq!(
        d.run_once().await.unwrap(),
        Outcome::Idle,
        "dead after one retry"
    );
    assert_eq!(rx.ids.lock().unwrap().len(), 2);
    assert_eq!(store.outbox_stats(clock.now()).await.unwrap().pending, 0);
}

/// A receiver that holds every request a while and notes how many it held at once.
#[derive(Clone, Default)]
struct Slow {
    now: Arc<Mutex<(usize, usize, usize)>>, // (held now, most held at once, answered)
}

async fn slow_hook(State(s): State<Slow>) -> StatusCode {
    {
        let mut n = s.now.lock().unwrap();
        n.0 += 1;
        n.1 = n.1.max(n.0);
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    let mut n = s.now.lock().unwrap();
    n.0 -= 1;
    n.2 += 1;
    StatusCode::OK
}

/// `n` trackings of one account whose webhook goes to `url`, each with one status
/// change waiting in the outbox.
async fn store_with_changes(dir: &std::path::Path, url: &str, n: usize) -> Store {
    let (store, acct) = store_with_webhook(dir, url).await;
    let numbers: Vec<String> = (0..n).map(|i| format!("SLOWHOOK{i:04}")).collect();
    let new = numbers.iter().map(|number| NewTracking {
        carrier_code: "usps".into(),
        tracking_number: number.clone(),
        fields: TrackingFields::default(),
        order_created_at: None,
        origin_country: None,
        destination_country: None,
        first_poll_at: Some(T0 + 86_400),
    });
    store
        .create_trackings(acct, new.collect(), T0)
        .await
        .unwrap();
    let news: Vec<Incoming> = numbers
        .iter()
        .map(|number| Incoming {
            carrier: Some("usps".into()),
            number: number.clone(),
            update: Update {
                status: Some(Status::Transit),
                source: "test".into(),
                ..Update::default()
            },
        })
        .collect();
    let r = store
        .apply_updates(&news, Origin::Push, None, T0)
        .await
        .unwrap();
    assert_eq!(r.jobs, n);
    store
}

#[tokio::test]
async fn one_endpoint_gets_at_most_delivery_concurrency_sends_at_once() {
    for (limit, changes) in [(None, 20), (Some(3), 9)] {
        let slow = Slow::default();
        let url = serve(
            Router::new()
                .route("/hook", post(slow_hook))
                .with_state(slow.clone()),
        )
        .await;
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_changes(dir.path(), &url, changes).await;
        let mut cfg = (*config(&[60])).clone();
        if let Some(limit) = limit {
            cfg.delivery.concurrency = limit;
        }
        let d = Dispatcher::new(
            store,
            Arc::new(cfg),
            Arc::new(Carriers::builtin()),
            Clock::manual(T0),
        )
        .unwrap();
        assert_eq!(d.run_once().await.unwrap(), Outcome::Worked(changes));
        d.settle().await;
        let (held, most, answered) = *slow.now.lock().unwrap();
        assert_eq!((held, answered), (0, changes), "every change delivered");
        // All were claimed at once; the endpoint saw the limit reached, never passed.
        assert_eq!(most, limit.unwrap_or(8), "sends at once (limit {limit:?})");
    }
}

async fn sandbox_store(dir: &std::path::Path, number: &str) -> (Store, u64) {
    let (store, acct) = store_with_account(dir, None).await;
    let new = NewTracking {
        carrier_code: "sandbox".into(),
        tracking_number: number.into(),
        fields: TrackingFields::default(),
        order_created_at: None,
        origin_country: None,
        destination_country: None,
        first_poll_at: Some(T0),
    };
    store.create_trackings(acct, vec![new], T0).await.unwrap();
    (store, acct)
}

fn poller(store: &Store, clock: &Clock) -> Arc<Poller> {
    Poller::new(
        store.clone(),
        Providers::new(None),
        Arc::new(Carriers::builtin()),
        PollerConfig {
            policy: PollPolicy::default(),
            concurrency: 4,
            rate_per_second: 1000.0,
            timeout: Duration::from_secs(5),
        },
        clock.clone(),
    )
}

#[tokio::test]
async fn a_parcel_in_transit_is_polled_again_one_interval_later_on_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    let (store, acct) = sandbox_store(dir.path(), "SANDBOX-TRANSIT-1").await;
    let clock = Clock::manual(T0);
    let p = poller(&store, &clock);
    assert_eq!(p.run_once().await.unwrap(), Outcome::Worked(1));
    p.settle().await;
    let (_, parcel) = store
        .tracking(acct, "sandbox", "SANDBOX-TRANSIT-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(parcel.status, Status::Transit);
    let interval = PollPolicy::default().interval;
    assert_eq!(parcel.next_poll_at, Some(T0 + interval));
    clock.advance(interval - 1);
    assert_eq!(p.run_once().await.unwrap(), Outcome::Idle);
    clock.advance(1);
    assert_eq!(p.run_once().await.unwrap(), Outcome::Worked(1));
    p.settle().await;
}

#[tokio::test]
async fn a_delivered_parcel_is_never_polled_again() {
    let dir = tempfile::tempdir().unwrap();
    let (store, acct) = sandbox_store(dir.path(), "SANDBOX-DELIVERED-1").await;
    let clock = Clock::manual(T0);
    let p = poller(&store, &clock);
    assert_eq!(p.run_once().await.unwrap(), Outcome::Worked(1));
    p.settle().await;
    let (_, parcel) = store
        .tracking(acct, "sandbox", "SANDBOX-DELIVERED-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (parcel.status, parcel.next_poll_at),
        (Status::Delivered, None)
    );
    clock.advance(365 * 86_400);
    assert_eq!(p.run_once().await.unwrap(), Outcome::Idle);
}
