//! The alert worker on a manual clock, with the default thresholds: a parcel
//! pending three days stalls once; news starts a new spell; a reopened store
//! keeps what fired.

use super::*;
use trackgate::notify::watcher::fire_due;

const DAY: i64 = 86_400;

async fn stalled_jobs(store: &Store, acct: u64) -> Vec<String> {
    let all = JobFilter {
        limit: 100,
        ..JobFilter::default()
    };
    let jobs = store.jobs(acct, &all).await.unwrap();
    jobs.into_iter()
        .filter(|j| j.transition.source.starts_with("alert:stalled"))
        .map(|j| format!("{}:{}", j.transition.to, j.id))
        .collect()
}

#[tokio::test]
async fn a_stalled_parcel_fires_once_per_spell_and_a_reopened_store_remembers() {
    let dir = tempfile::tempdir().unwrap();
    let (store, acct) = store_with_webhook(dir.path(), "http://127.0.0.1:9/hook").await;
    let number = "9400111899562537624326";
    let new = NewTracking {
        carrier_code: "usps".into(),
        tracking_number: number.into(),
        fields: TrackingFields::default(),
        order_created_at: None,
        origin_country: None,
        destination_country: None,
        first_poll_at: Some(T0 + DAY),
    };
    store.create_trackings(acct, vec![new], T0).await.unwrap();
    let clock = Clock::manual(T0 + 3 * DAY - 1);
    fire_due(&store, &clock).await.unwrap();
    assert!(
        stalled_jobs(&store, acct).await.is_empty(),
        "pending waits three days"
    );
    clock.advance(1);
    fire_due(&store, &clock).await.unwrap();
    assert_eq!(stalled_jobs(&store, acct).await.len(), 1);
    clock.advance(DAY);
    fire_due(&store, &clock).await.unwrap();
    assert_eq!(stalled_jobs(&store, acct).await.len(), 1, "once per spell");

    drop(store);
    let (store, acct) = store_with_webhook(dir.path(), "http://127.0.0.1:9/hook").await;
    clock.advance(DAY);
    fire_due(&store, &clock).await.unwrap();
    assert_eq!(
        stalled_jobs(&store, acct).await.len(),
        1,
        "a reopened store remembers"
    );

    // News: in transit from now; seven days later it stalls again, once.
    let news = Incoming {
        carrier: Some("usps".into()),
        number: number.into(),
        update: Update {
            status: Some(Status::Transit),
            source: "test".into(),
            ..Update::default()
        },
    };
    let at = clock.now();
    store
        .apply_updates(&[news], Origin::Push, None, at)
        .await
        .unwrap();
    clock.advance(7 * DAY - 1);
    fire_due(&store, &clock).await.unwrap();
    assert_eq!(stalled_jobs(&store, acct).await.len(), 1);
    clock.advance(1);
    fire_due(&store, &clock).await.unwrap();
    let jobs = stalled_jobs(&store, acct).await;
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    assert!(jobs.iter().any(|j| j.starts_with("transit:")), "{jobs:?}");
}
