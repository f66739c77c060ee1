//! Unit and property tests of the write plans.

use super::*;
use crate::core::model::{Checkpoint, TrackingFields};
use crate::core::rules::{Channel, JobState};
use crate::core::settings::WebhookDest;
use crate::core::status::Status;
use proptest::prelude::*;

const NOW: i64 = 1_800_000_000;

fn parcel() -> Parcel {
    Parcel::new("usps", "9400111899562537624326", NOW - 1000)
}

fn tracking(account: u64, email: Option<&str>) -> Tracking {
    Tracking {
        id: format!("{account:032x}"),
        account,
        carrier_code: "usps".into(),
        tracking_number: "9400111899562537624326".into(),
        created_at: NOW - 1000,
        updated_at: NOW - 1000,
        fields: TrackingFields {
            customer_email: email.map(String::from),
            ..TrackingFields::default()
        },
        order_created_at: None,
        archived: false,
        status_override: None,
        notupdate: false,
        shop_url: None,
        watch: None,
    }
}

fn all_channels() -> Notify {
    Notify {
        email: true,
        webhook: Some(WebhookDest::new(
            "https://shop.example/hook".into(),
            "whsec_x".into(),
            Default::default(),
            0,
        )),
        endpoints: Vec::new(),
        slack: None,
        rules: Default::default(),
        alerts: Default::default(),
    }
}

fn scan(status: Status, at: i64) -> Update {
    Update {
        events: vec![Checkpoint {
            time: at,
            description: format!("{status:?}"),
            location: "HUB".into(),
            status: Some(status),
            substatus: None,
        }],
        source: "test".into(),
        ..Update::default()
    }
}

fn sub(t: Tracking, n: Option<Notify>) -> Subscriber {
    Subscriber {
        tracking: t,
        notify: n,
    }
}

#[test]
fn a_delivery_notifies_each_subscriber_on_the_channels_its_rules_select() {
    let subs = [
        sub(tracking(1, Some("jo@example.com")), Some(all_channels())),
        sub(tracking(2, None), Some(all_channels())),
        sub(tracking(3, Some("x@example.com")), None),
    ];
    let p = plan_update(
        &parcel(),
        &scan(Status::Delivered, NOW - 10),
        &subs,
        Origin::Push,
        &PollPolicy::default(),
        NOW,
    );
    assert_eq!(p.transitions.len(), 1);
    let mut got: Vec<(u64, Channel)> = p
        .jobs
        .iter()
        .filter(|j| j.state == JobState::Pending)
        .map(|j| (j.account, j.channel))
        .collect();
    got.sort_by_key(|(a, c)| (*a, c.as_str()));
    assert_eq!(
        got,
        [
            (1, Channel::Email),
            (1, Channel::Webhook),
            (2, Channel::Webhook)
        ],
        "no email without customer_email, nothing for a vanished account"
    );
    let mut skipped: Vec<(u64, Channel, &str)> = p
        .jobs
        .iter()
        .filter(|j| j.state == JobState::Skipped)
        .map(|j| (j.account, j.channel, j.last_error.as_deref().unwrap()))
        .collect();
    skipped.sort_by_key(|(a, c, _)| (*a, c.as_str()));
    assert_eq!(
        skipped,
        [
            (1, Channel::Slack, "no Slack URL is set for this account"),
            (2, Channel::Email, "the tracking has no customer_email"),
            (2, Channel::Slack, "no Slack URL is set for this account"),
        ],
        "each channel not notified says why"
    );
    assert_eq!(p.trackings.len(), 3, "every subscriber's row is updated");
    assert!(p.trackings.iter().all(|(_, t)| t.updated_at == NOW));
    assert_eq!(
        p.next.next_poll_at, None,
        "delivered parcels are not polled"
    );
}

#[test]
fn an_account_with_no_channel_set_up_records_nothing() {
    let subs = [sub(
        tracking(1, Some("jo@example.com")),
        Some(Notify::default()),
    )];
    let p = plan_update(
        &parcel(),
        &scan(Status::Delivered, NOW - 10),
        &subs,
        Origin::Push,
        &PollPolicy::default(),
        NOW,
    );
    assert_eq!(p.transitions.len(), 1);
    assert!(p.jobs.is_empty(), "{:?}", p.jobs);
}

#[test]
fn a_forced_status_or_notupdate_hides_the_change_from_that_subscriber() {
    let mut forced = tracking(1, Some("jo@example.com"));
    forced.status_override = Some(Status::Delivered);
    let mut stopped = tracking(2, Some("jo@example.com"));
    stopped.notupdate = true;
    let subs = [
        sub(forced, Some(all_channels())),
        sub(stopped, Some(all_channels())),
    ];
    let p = plan_update(
        &parcel(),
        &scan(Status::Transit, NOW - 10),
        &subs,
        Origin::Push,
        &PollPolicy::default(),
        NOW,
    );
    assert_eq!(p.transitions.len(), 1);
    assert!(
        p.jobs.iter().all(|j| j.state == JobState::Skipped),
        "{:?}",
        p.jobs
    );
    let reasons = |account| {
        p.jobs
            .iter()
            .filter(|j| j.account == account)
            .map(|j| j.last_error.clone().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(reasons(1).len(), 3);
    assert!(
        reasons(1)[0].contains("set this tracking's status to delivered by hand"),
        "{:?}",
        reasons(1)
    );
    assert_eq!(
        reasons(2),
        vec!["the tracking is set not to update (notupdate)"; 3]
    );
}

#[test]
fn news_restarts_the_poll_clock_unless_nobody_follows() {
    let policy = PollPolicy::default();
    let follower = [sub(tracking(1, None), Some(all_channels()))];
    let p = plan_update(
        &parcel(),
        &scan(Status::Transit, NOW - 10),
        &follower,
        Origin::Push,
        &policy,
        NOW,
    );
    assert_eq!(p.next.next_poll_at, policy.next_after(Status::Transit, NOW));
    let mut t = tracking(1, None);
    t.notupdate = true;
    let p = plan_update(
        &parcel(),
        &scan(Status::Transit, NOW - 10),
        &[sub(t, None)],
        Origin::Push,
        &policy,
        NOW,
    );
    assert_eq!(p.next.next_poll_at, None);
}

#[test]
fn a_successful_poll_clears_the_failure_count_even_without_news() {
    let mut prev = parcel();
    prev.poll_failures = 3;
    let p = plan_update(
        &prev,
        &Update::default(),
        &[sub(tracking(1, None), None)],
        Origin::Poll,
        &PollPolicy::default(),
        NOW,
    );
    assert!(p.parcel_changed);
    assert_eq!(p.next.poll_failures, 0);
    assert!(p.transitions.is_empty() && p.trackings.is_empty() && p.jobs.is_empty());
}

#[test]
fn a_new_tracking_creates_or_resumes_its_parcel_once() {
    let fresh = || parcel();
    let created = plan_new_parcel(None, fresh, NOW).unwrap();
    assert_eq!(created.next_poll_at, Some(NOW));
    let mut followed = parcel();
    followed.next_poll_at = Some(NOW + 60);
    assert_eq!(plan_new_parcel(Some(&followed), fresh, NOW), None);
    let stopped = parcel();
    assert_eq!(
        plan_new_parcel(Some(&stopped), fresh, NOW)
            .unwrap()
            .next_poll_at,
        Some(NOW)
    );
    let mut delivered = parcel();
    delivered.status = Status::Delivered;
    assert_eq!(plan_new_parcel(Some(&delivered), fresh, NOW), None);
}

#[test]
fn a_claimed_poll_is_leased_or_stopped() {
    let (leased, poll) = plan_poll_claim(&parcel(), true, NOW + 120);
    assert_eq!((leased.next_poll_at, poll), (Some(NOW + 120), true));
    let (stopped, poll) = plan_poll_claim(&parcel(), false, NOW + 120);
    assert_eq!((stopped.next_poll_at, poll), (None, false));
    let retried = plan_poll_retry(&parcel(), NOW + 300, true);
    assert_eq!(
        (retried.next_poll_at, retried.poll_failures),
        (Some(NOW + 300), 1)
    );
    assert_eq!(push_dedupe_horizon(NOW), NOW - PUSH_ID_RETENTION);
}

fn arb_status() -> impl Strategy<Value = Status> {
    proptest::sample::select(Status::ALL.to_vec())
}

proptest! {
    /// Whatever the news: at most one job per subscriber and channel, only for a
    /// transition, only on enabled channels, and every job id is derived from the
    /// transition (so a re-apply can never mint a second notification).
    #[test]
    fn jobs_follow_transitions_and_rules(
        statuses in proptest::collection::vec(arb_status(), 1..4),
        email in any::<bool>(),
        notupdate in any::<bool>(),
    ) {
        let mut t = tracking(7, email.then_some("jo@example.com"));
        t.notupdate = notupdate;
        let subs = [sub(t, Some(all_channels()))];
        let mut prev = parcel();
        for (i, st) in statuses.iter().enumerate() {
            let p = plan_update(&prev, &scan(*st, NOW - 100 + i as i64), &subs, Origin::Push,
                                &PollPolicy::default(), NOW + i as i64);
            if p.transitions.is_empty() {
                prop_assert!(p.jobs.is_empty());
            }
            let mut seen = std::collections::HashSet::new();
            for j in &p.jobs {
                prop_assert!(seen.insert(j.channel));
                prop_assert_eq!(&j.id, &Job::id_for(7, "usps", "9400111899562537624326",
                                                     p.transitions[0].seq, j.channel));
                let sent = j.state == JobState::Pending;
                prop_assert_eq!(sent, j.last_error.is_none(), "a skipped one says why");
                prop_assert!(!sent || !notupdate);
                prop_assert!(!sent || j.channel != Channel::Email || email);
                prop_assert!(!sent || j.channel != Channel::Slack);
            }
            prev = p.next;
        }
    }
}

#[test]
fn a_polls_old_news_and_its_expiry_are_one_plan_notifying_once() {
    let subs = [sub(tracking(1, None), Some(all_channels()))];
    let month = 30 * 86_400;
    let old_scan = Update {
        expire_after_quiet: Some(month),
        ..scan(Status::Transit, NOW - 2 * month)
    };
    let p = plan_update(
        &parcel(),
        &old_scan,
        &subs,
        Origin::Poll,
        &PollPolicy::default(),
        NOW,
    );
    let moves: Vec<_> = p
        .transitions
        .iter()
        .map(|t| (t.from, t.to, t.source.as_str()))
        .collect();
    assert_eq!(
        moves,
        [
            (Status::Pending, Status::Transit, "test"),
            (Status::Transit, Status::Expired, "expiry")
        ]
    );
    assert_eq!(
        (p.next.status, p.next.next_poll_at),
        (Status::Expired, None)
    );
    let sent: Vec<_> = p
        .jobs
        .iter()
        .filter(|j| j.state == JobState::Pending)
        .collect();
    assert_eq!(sent.len(), 1, "one webhook, about where the parcel ended");
    assert_eq!(sent[0].transition.to, Status::Expired);
    assert_eq!(p.jobs.len(), 3, "one per channel, sent or skipped");

    // Fresh news resets the quiet time: the same limit expires nothing.
    let fresh = Update {
        expire_after_quiet: Some(month),
        ..scan(Status::Transit, NOW - 60)
    };
    let p = plan_update(
        &parcel(),
        &fresh,
        &subs,
        Origin::Poll,
        &PollPolicy::default(),
        NOW,
    );
    assert_eq!(p.next.status, Status::Transit);
    assert_eq!(p.transitions.len(), 1);
}
