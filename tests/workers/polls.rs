//! The poller on a manual clock: when a parcel is polled again, and when never.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use trackgate::poll::{BoxFuture, FetchRequest, Provider, ProviderError};
use trackgate::store::TrackingPatch;

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
    poller_with(store, clock, Providers::new(None))
}

fn poller_with(store: &Store, clock: &Clock, providers: Providers) -> Arc<Poller> {
    Poller::new(
        store.clone(),
        providers,
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

/// A provider that refuses every fetch as rate limited, counting them.
#[derive(Default)]
struct Refusing {
    fetches: AtomicUsize,
}

impl Provider for Refusing {
    fn name(&self) -> &'static str {
        "refusing"
    }

    fn fetch<'a>(&'a self, _: &'a FetchRequest) -> BoxFuture<'a, Result<Update, ProviderError>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Err(ProviderError::RateLimited("HTTP 429".into())) })
    }
}

#[tokio::test]
async fn a_refused_poll_backs_off_instead_of_hammering_the_provider() {
    let dir = tempfile::tempdir().unwrap();
    let (store, acct) = store_with_account(dir.path(), None).await;
    let new = NewTracking {
        first_poll_at: Some(T0),
        ..usps("9400111899562537624326")
    };
    store.create_trackings(acct, vec![new], T0).await.unwrap();
    let clock = Clock::manual(T0);
    let provider = Arc::new(Refusing::default());
    let p = poller_with(&store, &clock, Providers::new(Some(provider.clone())));
    assert_eq!(p.run_once().await.unwrap(), Outcome::Worked(1));
    p.settle().await;
    let (_, parcel) = store
        .tracking(acct, "usps", "9400111899562537624326")
        .await
        .unwrap()
        .unwrap();
    let retry = parcel.next_poll_at.unwrap();
    assert!(
        retry >= T0 + 300,
        "backs off at least 5 minutes: {}",
        retry - T0
    );
    assert_eq!((parcel.status, parcel.poll_failures), (Status::Pending, 1));
    // Any number of turns before the retry time fetch nothing.
    for at in [T0 + 1, T0 + 60, retry - 1] {
        clock.advance(at - clock.now());
        assert_eq!(p.run_once().await.unwrap(), Outcome::Idle);
    }
    assert_eq!(provider.fetches.load(Ordering::SeqCst), 1);
    clock.advance(retry - clock.now());
    assert_eq!(p.run_once().await.unwrap(), Outcome::Worked(1));
    p.settle().await;
    assert_eq!(provider.fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn notupdate_stops_polling_a_parcel() {
    let dir = tempfile::tempdir().unwrap();
    let (store, acct) = sandbox_store(dir.path(), "SANDBOX-TRANSIT-9").await;
    let clock = Clock::manual(T0);
    let p = poller(&store, &clock);
    assert_eq!(p.run_once().await.unwrap(), Outcome::Worked(1));
    p.settle().await;
    let stop = TrackingPatch {
        notupdate: Some(true),
        ..TrackingPatch::default()
    };
    let done = store
        .update_trackings(
            acct,
            vec![("sandbox".into(), "SANDBOX-TRANSIT-9".into(), stop)],
            T0,
        )
        .await
        .unwrap();
    assert!(done[0].is_ok());
    clock.advance(30 * 86_400);
    assert_eq!(
        p.run_once().await.unwrap(),
        Outcome::Idle,
        "no poll after notupdate"
    );
}

fn usps(number: &str) -> NewTracking {
    NewTracking {
        carrier_code: "usps".into(),
        tracking_number: number.into(),
        fields: TrackingFields::default(),
        order_created_at: None,
        origin_country: None,
        destination_country: None,
        first_poll_at: None,
    }
}
