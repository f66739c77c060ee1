//! What a write does, decided before anything is written. A store backend loads
//! the inputs, calls one of these pure functions, and writes the result in one
//! transaction; it decides nothing itself. One place for each decision:
//!
//! | decision | function |
//! |---|---|
//! | next parcel state, transitions | [`crate::core::apply::apply`] via [`plan_update`] |
//! | which subscribers change, which notifications go out | [`plan_update`] |
//! | next poll after news; stop when nobody follows | [`plan_update`] |
//! | a polled parcel quiet too long expires (in the poll's own commit) | [`plan_update`] via `expire_if_quiet` |
//! | a new tracking's parcel and first poll (or resuming a stopped one) | [`plan_new_parcel`] |
//! | a due poll claimed (lease) or stopped | [`plan_poll_claim`] |
//! | a failed poll rescheduled | [`plan_poll_retry`] |
//! | a push id seen before: resend or replay | [`Seen::of_held`], its report [`Seen::report`] |
//! | how long push ids are remembered; which ids may be kept | [`push_dedupe_horizon`], [`check_push_id`] |
//! | what an apply reports (matched, transitions by status, jobs) | [`crate::core::report::ApplyReport::record`] |
//! | a new tracking's row (its id, the page token) | [`crate::core::writes::NewTracking::into_tracking`] |
//! | what a patch (update, archive, notupdate, forced status) does to a tracking | [`crate::core::writes::TrackingPatch::apply_to`] |
//! | an account's settings after a `PUT` (applied to what is stored) | [`crate::core::settings::NotifyChange::apply`] |
//! | a tracking moved to another carrier | [`plan_carrier_move`] |
//! | an account created or brought up to date from the config | [`crate::core::account::plan_upsert`] |
//! | an account no longer configured (disabled, data kept); which key admits whom | [`crate::core::account::plan_retire`], [`crate::core::account::Account::admits`] |
//! | a claimed job's lease (owner, end) | [`crate::core::rules::lease_until`], [`Job::leased`] |
//! | retry, dead letter, disable on 410 | `notify::outcome::decide` and [`Notify::disable`] |
//! | what a try does to a job | [`Job::after_try`] |
//! | a manual retry (resend, revive, bring forward, or why not) | [`Job::replayed`] |
//! | a claimed job handed back unsent (its lane is busy) | [`Job::deferred`], decided by `notify::lanes::decide` |
//! | what a stopped node held (PostgreSQL): its jobs and polls due now | [`Job::deferred`], [`plan_poll_retry`] (`store/postgres/nodes.rs` finds them) |
//! | a delivered parcel's days in transit (costtime) | [`Parcel::delivery_days`] |
//! | whether counters answer a status count | `store::ListQuery::counters_answer_status_counts` |
//! | a new tracking's first poll (served by a provider or not) | [`crate::core::schedule::first_poll_at`] |
//! | a tracking's alert spell after a write; its index entries | [`crate::core::alerts::rewatch`], [`crate::core::alerts::watch_keys`] |
//! | which alerts are due for an account; what firing one writes | [`crate::core::alerts::AlertSettings::due_before`], [`crate::core::alerts::plan_alert`] |
//! | an estimate revised by news | [`crate::core::alerts::revised_jobs`] |
//!
//! What backends still write on their own is bookkeeping, not decisions: index
//! and counter entries that follow a row (sled's per-status counters, PostgreSQL's
//! sharded ones), and guards that make a write apply only to the row as it was read
//! (a job still pending and still leased to its claimer).

use super::alerts::{revised_jobs, rewatch};
use super::apply::{apply, Applied, Update};
use super::fanout::jobs_for;
use super::model::{Parcel, Tracking, Transition};
use super::rules::Job;
use super::schedule::{is_quiet_past, PollPolicy};
use super::settings::Notify;
use super::status::Status;

const DAY: i64 = 86_400;

/// How long push ids are remembered for dedupe.
pub const PUSH_ID_RETENTION: i64 = 2 * DAY;

/// Longest push id kept for dedupe, in bytes: ids are primary keys (PostgreSQL's
/// index rows hold at most 2704 bytes).
pub const MAX_PUSH_ID_BYTES: usize = 256;

/// Whether a push id may be recorded: not empty, at most [`MAX_PUSH_ID_BYTES`],
/// no control characters. `Err` says what is wrong.
pub fn check_push_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("the push id is empty".into());
    }
    if id.len() > MAX_PUSH_ID_BYTES {
        return Err(format!(
            "the push id is {} bytes long; at most {MAX_PUSH_ID_BYTES} are allowed",
            id.len()
        ));
    }
    if id.chars().any(char::is_control) {
        return Err("the push id contains control characters".into());
    }
    Ok(())
}

/// What a push's id says about the push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Never seen: apply it.
    New,
    /// Seen with this body (or without a body to compare): a resend, a no-op.
    Same,
    /// Seen with another body: a replayed id on a forged body, refused.
    OtherBody,
}

impl Seen {
    /// A push whose id is already held, with `held` the body hash first seen with
    /// it and `body` this push's (each when its receiver hashes bodies).
    pub fn of_held(held: Option<&[u8]>, body: Option<&[u8]>) -> Seen {
        match (held.filter(|h| !h.is_empty()), body) {
            (Some(a), Some(b)) if a != b => Seen::OtherBody,
            _ => Seen::Same,
        }
    }

    /// The report of a push that is not applied, if this one is not.
    pub fn report(self) -> Option<super::report::ApplyReport> {
        let mut r = super::report::ApplyReport::default();
        match self {
            Seen::New => return None,
            Seen::Same => r.duplicate = true,
            Seen::OtherBody => r.replayed = true,
        }
        Some(r)
    }
}

/// Push ids seen before this time may be forgotten.
pub fn push_dedupe_horizon(now: i64) -> i64 {
    now - PUSH_ID_RETENTION
}

/// Where news came from; decides the next poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A provider pushed it.
    Push,
    /// The poller fetched it.
    Poll,
    /// A client asked for it (`/trackings/realtime`).
    Realtime,
}

/// One account's subscription to the parcel, with that account's settings (`None`
/// when the account no longer exists).
#[derive(Debug, Clone)]
pub struct Subscriber {
    /// The account's tracking of the parcel.
    pub tracking: Tracking,
    /// The account's notification settings.
    pub notify: Option<Notify>,
}

/// What applying news to one parcel writes.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdatePlan {
    /// The parcel after the news (next poll included).
    pub next: Parcel,
    /// Whether the parcel row changes at all.
    pub parcel_changed: bool,
    /// Status changes: none or one.
    pub transitions: Vec<Transition>,
    /// Subscribers whose row changes: (before, after).
    pub trackings: Vec<(Tracking, Tracking)>,
    /// Notifications to enqueue, in the same commit.
    pub jobs: Vec<Job>,
    /// Events ignored for implausible times.
    pub ignored_events: usize,
}

/// Applies news to a parcel and decides everything that follows from it.
///
/// One notification per channel per status change that a subscriber sees: a new
/// substatus or scan is history, not news, and a shop's forced status hides the
/// carrier's. Email needs the tracking's `customer_email`. Any news restarts the
/// poll clock; nobody following (every tracking `notupdate`) stops polling.
pub fn plan_update(
    prev: &Parcel,
    update: &Update,
    subscribers: &[Subscriber],
    origin: Origin,
    policy: &PollPolicy,
    now: i64,
) -> UpdatePlan {
    let applied = expire_if_quiet(apply(prev, update, now), update.expire_after_quiet, now);
    let mut next = applied.next;
    let everyone_stopped = subscribers.iter().all(|s| s.tracking.notupdate);
    next.next_poll_at = if everyone_stopped {
        None
    } else {
        policy.next_after(next.status, now)
    };
    if origin == Origin::Poll {
        next.poll_failures = 0;
    }
    let mut plan = UpdatePlan {
        parcel_changed: next != *prev,
        next,
        transitions: Vec::new(),
        trackings: Vec::new(),
        jobs: Vec::new(),
        ignored_events: applied.ignored_events,
    };
    if !plan.parcel_changed || !applied.changed {
        return plan;
    }
    plan.transitions = applied.transitions;
    // Notifications say where the parcel ended up (a poll's news then its expiry
    // make two transitions in one commit: one notification, of the last).
    for s in subscribers {
        let before = s.tracking.clone();
        let mut after = before.clone();
        after.updated_at = now;
        rewatch(&before, prev, &mut after, &plan.next, now);
        if let (Some(tr), Some(notify)) = (plan.transitions.last(), s.notify.as_ref()) {
            plan.jobs
                .extend(jobs_for(&after, notify, prev, &plan.next, tr, now));
        }
        if let Some(notify) = s.notify.as_ref() {
            plan.jobs
                .extend(revised_jobs(&after, prev, &plan.next, notify, now));
        }
        plan.trackings.push((before, after));
    }
    plan
}

/// `applied`, then its parcel expired if it has been quiet past `limit` (a poll's
/// news is applied first: news resets the quiet time).
fn expire_if_quiet(applied: Applied, limit: Option<i64>, now: i64) -> Applied {
    if !limit.is_some_and(|l| is_quiet_past(&applied.next, l, now)) {
        return applied;
    }
    let expiry = Update {
        status: Some(Status::Expired),
        source: "expiry".into(),
        ..Update::default()
    };
    let expired = apply(&applied.next, &expiry, now);
    let mut transitions = applied.transitions;
    transitions.extend(expired.transitions);
    Applied {
        next: expired.next,
        transitions,
        changed: applied.changed || expired.changed,
        ignored_events: applied.ignored_events,
    }
}

/// A new tracking's parcel: a fresh one polled first at `first_poll_at`; a known
/// one as it is, or polled again if nobody was following it. `None`: nothing to
/// write (the parcel exists and is followed already).
pub fn plan_new_parcel(
    existing: Option<&Parcel>,
    fresh: impl FnOnce() -> Parcel,
    first_poll_at: i64,
) -> Option<Parcel> {
    match existing {
        Some(p) if p.next_poll_at.is_some() || p.status.is_final() => None,
        Some(p) => Some(Parcel {
            next_poll_at: Some(first_poll_at),
            ..p.clone()
        }),
        None => Some(Parcel {
            next_poll_at: Some(first_poll_at),
            ..fresh()
        }),
    }
}

/// A tracking moved to another carrier (`/trackings/update`).
pub struct CarrierMove {
    /// The tracking under its new carrier: the same fields, the shop's forced
    /// status cleared (it was about the other carrier's parcel).
    pub tracking: Tracking,
    /// The parcel to follow if nobody tracks it under the new carrier yet: a new
    /// one that keeps the countries.
    pub fresh_parcel: Parcel,
}

/// Moves `old` (following `old_parcel`) to `new_carrier`; `None` when it is the
/// carrier it has (a no-op).
pub fn plan_carrier_move(
    old: &Tracking,
    old_parcel: &Parcel,
    new_carrier: &str,
    now: i64,
) -> Option<CarrierMove> {
    if old.carrier_code == new_carrier {
        return None;
    }
    let mut tracking = old.clone();
    tracking.carrier_code = new_carrier.to_string();
    tracking.status_override = None;
    tracking.updated_at = now;
    // Another parcel: watched afresh from now (`core::alerts::Watch::of`).
    tracking.watch = None;
    Some(CarrierMove {
        fresh_parcel: Parcel {
            origin_country: old_parcel.origin_country.clone(),
            destination_country: old_parcel.destination_country.clone(),
            ..Parcel::new(new_carrier, &old.tracking_number, now)
        },
        tracking,
    })
}

/// A due poll claimed until `lease_until` (a crash means a re-poll, never a loss),
/// or stopped when nobody follows the parcel any more. Returns the parcel to write
/// and whether to poll it.
pub fn plan_poll_claim(p: &Parcel, anyone_follows: bool, lease_until: i64) -> (Parcel, bool) {
    let next_poll_at = anyone_follows.then_some(lease_until);
    (
        Parcel {
            next_poll_at,
            ..p.clone()
        },
        anyone_follows,
    )
}

/// A poll that brought nothing (or failed) moves the parcel's next poll to `at`,
/// counting the failure when `failed`.
pub fn plan_poll_retry(p: &Parcel, at: i64, failed: bool) -> Parcel {
    Parcel {
        next_poll_at: Some(at),
        poll_failures: if failed {
            p.poll_failures.saturating_add(1)
        } else {
            p.poll_failures
        },
        ..p.clone()
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
