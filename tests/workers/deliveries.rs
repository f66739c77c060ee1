//! The dispatcher on a manual clock: retries, dead letters, per-endpoint limits.

use super::*;

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
