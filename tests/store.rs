//! The store conformance suite: what any store backend must do, through the store
//! interface only. Each check takes a freshly opened store from a backend factory;
//! sled runs it here, and every further backend runs the same checks.

use trackgate::core::apply::Update;
use trackgate::core::model::{Checkpoint, TrackingFields};
use trackgate::core::replay::Replay;
use trackgate::core::rules::{Attempt, Channel};
use trackgate::core::schedule::PollPolicy;
use trackgate::core::settings::{Notify, NotifyChange, SettingsError, WebhookChange, WebhookDest};
use trackgate::core::status::Status;
use trackgate::store::{
    Incoming, JobFilter, ListQuery, NewTracking, Next, Origin, PushKey, Store, TrackingError,
};

const NOW: i64 = 1_800_000_000;

/// A backend under test: opens an empty store; the value keeps what the store
/// needs alive (sled: its temporary directory) until the check ends.
struct Sled {
    _dir: tempfile::TempDir,
}

impl Sled {
    async fn open() -> Option<(Store, Sled)> {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 16, PollPolicy::default())
            .await
            .unwrap();
        Some((store, Sled { _dir: dir }))
    }
}

#[path = "support/postgres.rs"]
mod pg_server;

/// PostgreSQL: a fresh database on the tests' throwaway server.
struct Pg;

impl Pg {
    async fn open() -> Option<(Store, Pg)> {
        let url = pg_server::database()?;
        let store = Store::open_postgres(&url, 4, None, PollPolicy::default())
            .await
            .unwrap();
        Some((store, Pg))
    }
}

fn new(number: &str, order: &str) -> NewTracking {
    NewTracking {
        carrier_code: "usps".into(),
        tracking_number: number.into(),
        fields: TrackingFields {
            order_id: Some(order.into()),
            customer_email: Some("jo@example.com".into()),
            ..TrackingFields::default()
        },
        order_created_at: None,
        origin_country: Some("US".into()),
        destination_country: Some("CA".into()),
        first_poll_at: Some(NOW),
    }
}

fn news(number: &str, status: Status, at: i64) -> Incoming {
    Incoming {
        carrier: Some("usps".into()),
        number: number.into(),
        update: Update {
            events: vec![Checkpoint {
                time: at,
                description: format!("{status:?}"),
                location: "HUB".into(),
                status: Some(status),
                substatus: None,
            }],
            source: "test".into(),
            ..Update::default()
        },
    }
}

/// Applies one pushed update (no push id) at `now`.
async fn push(store: &Store, item: Incoming, now: i64) -> trackgate::store::ApplyReport {
    store
        .apply_updates(&[item], Origin::Push, None, now)
        .await
        .unwrap()
}

async fn account(store: &Store, email: &str, webhook: bool) -> u64 {
    let notify = webhook.then(|| Notify {
        webhook: Some(WebhookDest::new(
            "https://shop.example/hook".into(),
            "whsec_c2VjcmV0".into(),
            Default::default(),
            0,
        )),
        ..Notify::default()
    });
    store
        .upsert_account(email, Default::default(), &["ab".repeat(32)], notify, NOW)
        .await
        .unwrap()
        .id
}

async fn create_read_and_refuse_a_duplicate(store: Store) {
    let a = account(&store, "a@example.com", false).await;
    let r = store
        .create_trackings(a, vec![new("N1", "#1"), new("N1", "#1")], NOW)
        .await
        .unwrap();
    assert!(r[0].is_ok());
    assert!(matches!(r[1], Err(TrackingError::AlreadyExists)));
    let (t, p) = store.tracking(a, "usps", "N1").await.unwrap().unwrap();
    assert_eq!(t.fields.order_id.as_deref(), Some("#1"));
    assert_eq!(p.next_poll_at, Some(NOW), "the first poll is scheduled");
}

async fn news_makes_one_transition_and_one_job_per_channel(store: Store) {
    let a = account(&store, "a@example.com", true).await;
    store
        .create_trackings(a, vec![new("N2", "#2")], NOW)
        .await
        .unwrap();
    let r = push(&store, news("N2", Status::Transit, NOW - 5), NOW).await;
    assert_eq!((r.matched, r.transitions, r.jobs), (1, 1, 1));
    let again = push(&store, news("N2", Status::Transit, NOW - 5), NOW + 1).await;
    assert_eq!(
        (again.transitions, again.jobs),
        (0, 0),
        "the same news twice"
    );
    let h = store.transitions("usps", "N2").await.unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!((h[0].from, h[0].to), (Status::Pending, Status::Transit));
    let untracked = push(&store, news("NOBODY", Status::Transit, NOW), NOW).await;
    assert_eq!(untracked.ignored, 1);
}

async fn lists_filter_and_counters_follow_the_status(store: Store) {
    let a = account(&store, "a@example.com", false).await;
    let b = account(&store, "b@example.com", false).await;
    store
        .create_trackings(
            a,
            vec![new("L1", "#1"), new("L2", "#2"), new("L3", "#3")],
            NOW,
        )
        .await
        .unwrap();
    store
        .create_trackings(b, vec![new("L1", "#9")], NOW)
        .await
        .unwrap();
    push(&store, news("L2", Status::Delivered, NOW - 5), NOW).await;
    let all = ListQuery {
        page: 1,
        limit: 10,
        ..ListQuery::default()
    };
    assert_eq!(store.list(a, &all).await.unwrap().total, 3);
    assert_eq!(
        store.list(b, &all).await.unwrap().total,
        1,
        "accounts are separate"
    );
    let delivered = ListQuery {
        status: Some(Status::Delivered),
        ..all.clone()
    };
    let page = store.list(a, &delivered).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].0.tracking_number, "L2");
    let by_order = ListQuery {
        orders: vec!["#3".into()],
        ..all.clone()
    };
    assert_eq!(
        store.list(a, &by_order).await.unwrap().items[0]
            .0
            .tracking_number,
        "L3"
    );
    let counts = store.status_counts(a, &all).await.unwrap();
    assert_eq!(counts[Status::Delivered.code() as usize], 1);
    assert_eq!(counts[Status::Pending.code() as usize], 2);
    // Both shops' L1 is one parcel: news for it reaches both.
    let r = push(&store, news("L1", Status::Transit, NOW - 5), NOW).await;
    assert_eq!(r.transitions, 1);
    assert_eq!(
        store.status_counts(b, &all).await.unwrap()[Status::Transit.code() as usize],
        1
    );
}

async fn jobs_are_leased_retried_and_dead_lettered(store: Store) {
    let a = account(&store, "a@example.com", true).await;
    store
        .create_trackings(a, vec![new("J1", "#1")], NOW)
        .await
        .unwrap();
    push(&store, news("J1", Status::Transit, NOW - 5), NOW).await;
    assert_eq!(store.outbox_stats(NOW).await.unwrap().pending, 1);
    let jobs = store.claim_due_jobs(NOW, 10, 60).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert!(jobs[0].leased && jobs[0].lease_owner.is_some());
    assert_eq!(jobs[0].channel, Channel::Webhook);
    assert!(
        store
            .claim_due_jobs(NOW + 30, 10, 60)
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    let taken_over = store.claim_due_jobs(NOW + 61, 10, 60).await.unwrap();
    assert_eq!(taken_over.len(), 1, "an expired lease is taken over");
    assert_eq!(taken_over[0].id, jobs[0].id, "under the same id");
    let attempt = |n| Attempt {
        number: n,
        at_ms: NOW * 1000,
        outcome: "retry".into(),
        code: Some(503),
        error: Some("HTTP 503".into()),
        latency_ms: 3,
        destination: None,
    };
    store
        .record_attempt(&taken_over[0], attempt(1), Next::RetryAt(NOW + 200), None)
        .await
        .unwrap();
    assert!(store
        .claim_due_jobs(NOW + 100, 10, 60)
        .await
        .unwrap()
        .is_empty());
    let again = store.claim_due_jobs(NOW + 200, 10, 60).await.unwrap();
    assert_eq!(again.len(), 1);
    store
        .record_attempt(
            &again[0],
            attempt(2),
            Next::Dead,
            Some("HTTP 410 at now".into()),
        )
        .await
        .unwrap();
    assert_eq!(store.outbox_stats(NOW + 300).await.unwrap().pending, 0);
    let acct = store.account(a).await.unwrap().unwrap();
    assert!(
        acct.notify.webhook.unwrap().disabled.is_some(),
        "410 disabled it"
    );
    let (job, log) = store.job(a, &jobs[0].id).await.unwrap().unwrap();
    assert_eq!((job.attempts, log.len()), (2, 2));
}

async fn a_push_id_has_one_effect_and_a_signature_signs_one_body(store: Store) {
    let a = account(&store, "a@example.com", false).await;
    store
        .create_trackings(a, vec![new("D1", "#1")], NOW)
        .await
        .unwrap();
    let key = |body| PushKey {
        source: "trackingmore",
        id: "1800000000.abc",
        body: Some(body),
    };
    let first = store
        .apply_updates(
            &[news("D1", Status::Transit, NOW - 5)],
            Origin::Push,
            Some(key("h1")),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(first.transitions, 1);
    let same = store
        .apply_updates(
            &[news("D1", Status::Delivered, NOW - 1)],
            Origin::Push,
            Some(key("h1")),
            NOW,
        )
        .await
        .unwrap();
    assert!(same.duplicate && same.transitions == 0);
    let other = store
        .apply_updates(
            &[news("D1", Status::Delivered, NOW - 1)],
            Origin::Push,
            Some(key("h2")),
            NOW,
        )
        .await
        .unwrap();
    assert!(other.replayed && other.transitions == 0);
    let later = trackgate::core::plan::PUSH_ID_RETENTION + 10;
    // Past the window the id is forgotten (expired a bounded number per write).
    let forgotten = store
        .apply_updates(
            &[news("D1", Status::Delivered, NOW + later - 5)],
            Origin::Push,
            Some(PushKey {
                source: "native",
                id: "other",
                body: None,
            }),
            NOW + later,
        )
        .await
        .unwrap();
    assert_eq!(forgotten.transitions, 1);
    let back = store
        .apply_updates(
            &[news("D1", Status::Delivered, NOW - 1)],
            Origin::Push,
            Some(key("h2")),
            NOW + later,
        )
        .await
        .unwrap();
    assert!(!back.duplicate && !back.replayed, "{back:?}");
}

async fn costtime_counts_only_the_callers_parcels(store: Store) {
    let a = account(&store, "a@example.com", false).await;
    let b = account(&store, "b@example.com", false).await;
    store
        .create_trackings(a, vec![new("R1", "#1")], NOW)
        .await
        .unwrap();
    store
        .create_trackings(b, vec![new("R2", "#2")], NOW)
        .await
        .unwrap();
    push(&store, news("R1", Status::Delivered, NOW - 5), NOW).await;
    let sa = store.route_stats(a, "usps", "US", "CA").await.unwrap();
    assert_eq!((sa.total, sa.delivered_days.len()), (1, 1));
    let sb = store.route_stats(b, "usps", "US", "CA").await.unwrap();
    assert_eq!((sb.total, sb.delivered_days.len()), (1, 0));
}

/// Runs every check on a fresh store of one backend.
/// Pushes arriving together (sled groups them into shared commits) each get their
/// own report; a push sent twice at once has one effect; the counters add up.
async fn pushes_arriving_together_each_get_their_own_answer(store: Store) {
    let a = account(&store, "a@example.com", true).await;
    let numbers: Vec<String> = (0..40).map(|i| format!("G{i:03}")).collect();
    let batch = numbers.iter().map(|n| new(n, "#g")).collect();
    store.create_trackings(a, batch, NOW).await.unwrap();
    let mut tasks = Vec::new();
    for (i, n) in numbers.iter().enumerate() {
        for _copy in 0..2 {
            let (store, n) = (store.clone(), n.clone());
            tasks.push(tokio::spawn(async move {
                let id = format!("push-{i}");
                let key = PushKey {
                    source: "native",
                    id: &id,
                    body: None,
                };
                // Odd pushes also name an unknown parcel: their report says so.
                let mut items = vec![news(&n, Status::Transit, NOW - 5)];
                if i % 2 == 1 {
                    items.push(news(&format!("UNKNOWN{i}"), Status::Transit, NOW - 5));
                }
                let r = store
                    .apply_updates(&items, Origin::Push, Some(key), NOW)
                    .await
                    .unwrap();
                assert!(r.duplicate || r.ignored == i % 2, "push {i} got {r:?}");
                r
            }));
        }
    }
    let mut applied = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        if !r.duplicate {
            applied.push(r);
        } else {
            assert_eq!((r.transitions, r.jobs), (0, 0), "a duplicate did nothing");
        }
    }
    assert_eq!(applied.len(), 40, "each push id took effect once");
    assert!(applied.iter().all(|r| r.transitions == 1 && r.jobs == 1));
    assert_eq!(store.outbox_stats(NOW).await.unwrap().pending, 40);
    let all = ListQuery::default();
    let counts = store.status_counts(a, &all).await.unwrap();
    assert_eq!(counts[Status::Transit.code() as usize], 40);
}

/// A push the engine refuses (here a push id past PostgreSQL's index row limit; the
/// receivers refuse such ids, the store must not rely on it) fails alone: pushes
/// grouped with it are applied and answered as if it had not been sent.
async fn a_push_the_engine_refuses_fails_no_other(store: Store) {
    let a = account(&store, "a@example.com", true).await;
    let numbers: Vec<String> = (0..150).map(|i| format!("R{i:03}")).collect();
    let batch = numbers.iter().map(|n| new(n, "#r")).collect();
    store.create_trackings(a, batch, NOW).await.unwrap();
    let mut tasks = Vec::new();
    for (i, n) in numbers.iter().enumerate() {
        let (store, n) = (store.clone(), n.clone());
        tasks.push(tokio::spawn(async move {
            // Every third push carries an oversized id.
            let id = if i % 3 == 0 {
                // Random letters: PostgreSQL would compress a repeated one to fit.
                let mut x = i as u64 + 1;
                let noise: String = (0..8000)
                    .map(|_| {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        char::from(b'a' + ((x >> 33) % 26) as u8)
                    })
                    .collect();
                format!("huge-{i}-{noise}")
            } else {
                format!("push-{i}")
            };
            let key = PushKey {
                source: "native",
                id: &id,
                body: None,
            };
            let items = [news(&n, Status::Transit, NOW - 5)];
            (
                i,
                store
                    .apply_updates(&items, Origin::Push, Some(key), NOW)
                    .await,
            )
        }));
    }
    for t in tasks {
        let (i, r) = t.await.unwrap();
        if i % 3 != 0 {
            let r = r.unwrap_or_else(|e| panic!("good push {i} failed beside a bad one: {e}"));
            assert_eq!(r.transitions, 1, "push {i}");
        }
    }
}

/// A push moves a parcel's poll later, a failed poll can move it earlier: claims and
/// the due count follow the parcel's poll time, whatever the schedule index holds.
async fn polls_follow_the_parcels_poll_time(store: Store) {
    let a = account(&store, "a@example.com", false).await;
    let batch = vec![new("P1", "#1"), new("P2", "#2")];
    store.create_trackings(a, batch, NOW).await.unwrap();
    assert_eq!(store.due_poll_count(NOW, 100).await.unwrap(), 2);
    let r = push(&store, news("P1", Status::Transit, NOW - 5), NOW).await;
    assert_eq!(r.transitions, 1);
    let later = store.parcel("usps", "P1").await.unwrap().unwrap();
    let later = later.next_poll_at.expect("P1 still polls");
    assert!(later > NOW + 120, "a push moves the poll later");
    assert_eq!(store.due_poll_count(NOW, 100).await.unwrap(), 1);
    let claimed = |ts: Vec<trackgate::store::PollTarget>| -> Vec<String> {
        ts.into_iter().map(|t| t.parcel.tracking_number).collect()
    };
    // P1's old entry sorts first; a claim of one still finds P2.
    let c = store.claim_due_polls(NOW, 1, 120).await.unwrap();
    assert_eq!(claimed(c), ["P2"]);
    assert!(store
        .claim_due_polls(NOW, 10, 120)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.due_poll_count(NOW + 60, 100).await.unwrap(), 0);
    assert!(
        store
            .claim_due_polls(later - 1, 10, 120)
            .await
            .unwrap()
            .len()
            == 1
    );
    let c = store.claim_due_polls(later, 10, 120).await.unwrap();
    assert_eq!(claimed(c), ["P1"], "P1 is polled at its new time");
    // A failed poll brings it back sooner than its lease.
    store
        .reschedule_poll("usps", "P1", later + 30, true)
        .await
        .unwrap();
    assert_eq!(store.due_poll_count(later + 30, 100).await.unwrap(), 1);
    let c = store.claim_due_polls(later + 30, 10, 120).await.unwrap();
    assert_eq!(claimed(c), ["P1"], "P1 is polled at its retry time");
    assert!(store
        .claim_due_polls(later + 60, 10, 120)
        .await
        .unwrap()
        .is_empty());
}

/// An account's notifications, of one tracking if given, at most `limit`.
async fn list(
    store: &Store,
    account: u64,
    tracking: Option<(String, String)>,
    limit: usize,
) -> Vec<trackgate::core::rules::Job> {
    let f = JobFilter {
        tracking,
        limit,
        ..JobFilter::default()
    };
    store.jobs(account, &f).await.unwrap()
}

/// A tracking's notifications come back newest first (the API's order), and
/// `jobs_for` gives them oldest first, whatever their ids.
async fn a_trackings_notifications_list_newest_first(store: Store) {
    let a = account(&store, "a@example.com", true).await;
    store
        .create_trackings(a, vec![new("N9", "#9")], NOW)
        .await
        .unwrap();
    let steps = [
        Status::Transit,
        Status::Pickup,
        Status::Undelivered,
        Status::Transit,
        Status::Pickup,
        Status::Delivered,
    ];
    for (i, status) in steps.iter().enumerate() {
        let at = NOW + 60 * i as i64;
        assert_eq!(push(&store, news("N9", *status, at - 1), at).await.jobs, 1);
    }
    let n9 = Some(("usps".to_string(), "N9".to_string()));
    let all = list(&store, a, n9.clone(), 100).await;
    assert_eq!(
        all.len(),
        3 * steps.len(),
        "each change: sent or skipped, per channel"
    );
    // The account has only the webhook on: email and Slack are skipped.
    let listed: Vec<_> = all
        .into_iter()
        .filter(|j| j.channel == Channel::Webhook)
        .collect();
    let to: Vec<Status> = listed.iter().map(|j| j.transition.to).collect();
    let newest_first: Vec<Status> = steps.iter().rev().copied().collect();
    assert_eq!(to, newest_first);
    let limited = list(&store, a, n9, 6).await;
    assert_eq!(
        limited.iter().map(|j| j.transition.to).collect::<Vec<_>>(),
        [newest_first[0]; 3]
            .into_iter()
            .chain([newest_first[1]; 3])
            .collect::<Vec<_>>(),
        "the limit keeps the newest"
    );
    let oldest_first: Vec<Status> = store
        .jobs_for(a, "usps", "N9")
        .await
        .unwrap()
        .iter()
        .filter(|j| j.channel == Channel::Webhook)
        .map(|j| j.transition.to)
        .collect();
    assert_eq!(oldest_first, steps);
    // Delivered and dead ones keep their place among the pending, unfiltered too.
    let ids: Vec<String> = listed.iter().map(|j| j.id.clone()).collect();
    let tried = |n| Attempt {
        number: n,
        at_ms: NOW * 1000,
        outcome: "delivered".into(),
        code: Some(200),
        error: None,
        latency_ms: 1,
        destination: None,
    };
    for (job, next) in [(&listed[1], Next::Delivered), (&listed[4], Next::Dead)] {
        store
            .record_attempt(job, tried(1), next, None)
            .await
            .unwrap();
    }
    let all = list(&store, a, None, 100).await;
    assert_eq!(all.iter().map(|j| j.id.clone()).collect::<Vec<_>>(), ids);
}

/// A settings change is applied to the settings as stored when the write runs: a
/// destination a delivery switched off meanwhile stays off unless the change sets
/// its URL again; a change that does not fit writes nothing.
async fn a_settings_change_applies_to_what_is_stored(store: Store) {
    let a = account(&store, "a@example.com", true).await;
    store
        .create_trackings(a, vec![new("S1", "#s")], NOW)
        .await
        .unwrap();
    push(&store, news("S1", Status::Transit, NOW - 5), NOW).await;
    let jobs = store.claim_due_jobs(NOW, 10, 60).await.unwrap();
    let hook = jobs.iter().find(|j| j.channel == Channel::Webhook).unwrap();
    let gone = Attempt {
        number: 1,
        at_ms: NOW * 1000,
        outcome: "gone".into(),
        code: Some(410),
        error: Some("HTTP 410".into()),
        latency_ms: 1,
        destination: None,
    };
    store
        .record_attempt(hook, gone, Next::Dead, Some("410 Gone".into()))
        .await
        .unwrap();
    let slack_on = NotifyChange {
        slack: Some(Some("https://hooks.slack.example/T1".into())),
        ..NotifyChange::default()
    };
    let saved = store.set_notify(a, &slack_on).await.unwrap().unwrap();
    let w = saved.webhook.as_ref().unwrap();
    assert_eq!(w.disabled.as_deref(), Some("410 Gone"), "kept off");
    assert_eq!(
        saved.slack.as_ref().unwrap().url,
        "https://hooks.slack.example/T1"
    );
    let same_url = NotifyChange {
        webhook: Some(Some(WebhookChange {
            url: "https://shop.example/hook2".into(),
            secrets: None,
            now: 0,
        })),
        ..NotifyChange::default()
    };
    let saved = store.set_notify(a, &same_url).await.unwrap().unwrap();
    let w = saved.webhook.as_ref().unwrap();
    assert_eq!(
        (w.disabled.as_deref(), &w.secrets[..]),
        (None, &["whsec_c2VjcmV0".to_string()][..])
    );
    assert_eq!(store.account(a).await.unwrap().unwrap().notify, saved);

    let b = account(&store, "b@example.com", false).await;
    let before = store.account(b).await.unwrap().unwrap();
    let refused = store.set_notify(b, &same_url).await.unwrap();
    assert_eq!(refused, Err(SettingsError::WebhookSecretMissing));
    assert_eq!(
        store.account(b).await.unwrap().unwrap(),
        before,
        "nothing written"
    );
}

macro_rules! conformance {
    ($backend:ident, $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let Some((store, _keep)) = $backend::open().await else {
                    return;
                };
                super::$check(store).await;
            }
        )*
    };
}

mod sled {
    use super::Sled;
    conformance!(
        Sled,
        create_read_and_refuse_a_duplicate,
        news_makes_one_transition_and_one_job_per_channel,
        lists_filter_and_counters_follow_the_status,
        jobs_are_leased_retried_and_dead_lettered,
        a_push_id_has_one_effect_and_a_signature_signs_one_body,
        costtime_counts_only_the_callers_parcels,
        pushes_arriving_together_each_get_their_own_answer,
        a_push_the_engine_refuses_fails_no_other,
        polls_follow_the_parcels_poll_time,
        a_trackings_notifications_list_newest_first,
        a_settings_change_applies_to_what_is_stored,
    );
}

mod postgres {
    use super::Pg;
    conformance!(
        Pg,
        create_read_and_refuse_a_duplicate,
        news_makes_one_transition_and_one_job_per_channel,
        lists_filter_and_counters_follow_the_status,
        jobs_are_leased_retried_and_dead_lettered,
        a_push_id_has_one_effect_and_a_signature_signs_one_body,
        costtime_counts_only_the_callers_parcels,
        pushes_arriving_together_each_get_their_own_answer,
        a_push_the_engine_refuses_fails_no_other,
        polls_follow_the_parcels_poll_time,
        a_trackings_notifications_list_newest_first,
        a_settings_change_applies_to_what_is_stored,
    );
}

/// The same writes give the same jobs on both backends, field for field: a try's
/// outcome (retry, delivered, dead), a manual requeue (of a finished job; a
/// pending one is left as it is), a hand-back, a claim after each. The decisions
/// are core's; this checks that neither backend adds or drops one.
async fn a_jobs_life(store: &Store) -> Vec<String> {
    let a = account(store, "a@example.com", true).await;
    let numbers = ["L1", "L2", "L3"];
    let batch = numbers.iter().map(|n| new(n, "#l")).collect();
    store.create_trackings(a, batch, NOW).await.unwrap();
    for n in numbers {
        push(store, news(n, Status::Transit, NOW - 5), NOW).await;
    }
    let mut claimed = store.claim_due_jobs(NOW, 10, 60).await.unwrap();
    claimed.sort_by(|x, y| x.tracking_number.cmp(&y.tracking_number));
    let tried = |n, code, error: Option<&str>| Attempt {
        number: n,
        at_ms: NOW * 1000,
        outcome: "x".into(),
        code: Some(code),
        error: error.map(String::from),
        latency_ms: 2,
        destination: None,
    };
    let outcomes = [
        (tried(1, 503, Some("HTTP 503")), Next::RetryAt(NOW + 100)),
        (tried(1, 200, None), Next::Delivered),
        (tried(1, 400, Some("HTTP 400")), Next::Dead),
    ];
    for (job, (attempt, next)) in claimed.iter().zip(outcomes) {
        store
            .record_attempt(job, attempt, next, None)
            .await
            .unwrap();
    }
    let ids: Vec<String> = claimed.iter().map(|j| j.id.clone()).collect();
    assert_eq!(
        store.requeue_jobs(a, &ids, NOW + 10).await.unwrap(),
        [
            Replay::BroughtForward { was_due: NOW + 100 },
            Replay::Resent,
            Replay::Revived
        ]
    );
    let again = store.claim_due_jobs(NOW + 10, 10, 60).await.unwrap();
    assert_eq!(
        again.len(),
        3,
        "the retry brought forward and the two requeued"
    );
    let left = store.requeue_jobs(a, &ids, NOW + 10).await.unwrap();
    assert_eq!(
        left,
        [Replay::Sending; 3],
        "claimed: left to their dispatcher"
    );
    let back: Vec<_> = again.into_iter().map(|j| j.deferred(NOW + 40)).collect();
    store.defer_jobs(&back).await.unwrap();
    let mut seen = Vec::new();
    for at in [NOW + 39, NOW + 40, NOW + 100] {
        let mut due = store.claim_due_jobs(at, 10, 60).await.unwrap();
        due.sort_by(|x, y| x.tracking_number.cmp(&y.tracking_number));
        seen.push(format!(
            "claimed at +{}: {:?}",
            at - NOW,
            due.iter().map(|j| &j.tracking_number).collect::<Vec<_>>()
        ));
        // Ended leases read alike (sled keeps leases in memory, PostgreSQL in rows).
        let back: Vec<_> = due.into_iter().map(|j| j.deferred(at + 1000)).collect();
        store.defer_jobs(&back).await.unwrap();
    }
    let mut jobs = list(store, a, None, 100).await;
    jobs.sort_by(|x, y| x.tracking_number.cmp(&y.tracking_number));
    for j in jobs {
        let (_, log) = store.job(a, &j.id).await.unwrap().unwrap();
        seen.push(format!(
            "{} {:?} attempts={} round={} error={:?} due={} to={:?} tries={:?}",
            j.tracking_number,
            j.state,
            j.attempts,
            j.round_tries,
            j.last_error,
            j.due - NOW,
            j.transition.to,
            log.iter().map(|t| (t.number, t.code)).collect::<Vec<_>>(),
        ));
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_decide_a_jobs_life_alike() {
    let Some((sled, _dir)) = Sled::open().await else {
        return;
    };
    let on_sled = a_jobs_life(&sled).await;
    let Some((pg, _)) = Pg::open().await else {
        return;
    };
    let on_pg = a_jobs_life(&pg).await;
    assert_eq!(on_sled, on_pg);
}
#[path = "store/equivalence.rs"]
mod equivalence;
