//! `apply`: the one place where a parcel's next state and its transitions are decided.
//!
//! Pure: no I/O, no clock (the caller passes `now`). The result depends only on the
//! set of updates seen, not on their order: checkpoints merge as a set, and of the
//! statuses stated outright the one about the latest time wins (ties broken by a fixed
//! order), so a late, duplicate or out-of-order update cannot move a parcel backwards.

use super::model::{Checkpoint, Parcel, StatedStatus, Transition};
use super::status::Status;

/// News about one parcel, from any source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Update {
    /// A status stated outright, if the source gave one.
    pub status: Option<Status>,
    /// A substatus stated outright.
    pub substatus: Option<String>,
    /// The time the stated status speaks for; defaults to the newest event, else `now`.
    pub as_of: Option<i64>,
    /// Scans, any order.
    pub events: Vec<Checkpoint>,
    /// Origin country, ISO2, if the source knows it.
    pub origin_country: Option<String>,
    /// Destination country, ISO2, if the source knows it.
    pub destination_country: Option<String>,
    /// The provider's own words for the status.
    pub status_text: Option<String>,
    /// The carrier's estimated delivery, unix seconds, if the source gave one.
    pub estimated_delivery: Option<i64>,
    /// `realtime`, `poll`, `push:native`, ...
    pub source: String,
    /// Seconds without news after which the parcel expires. The poller sets it
    /// from the carrier's kind, so that whether a poll's parcel expires is decided
    /// in the same plan (and commit) as the news it fetched, against the parcel as
    /// stored ([`crate::core::plan::plan_update`]).
    pub expire_after_quiet: Option<i64>,
}

impl Update {
    /// Whether it carries anything at all.
    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.events.is_empty()
    }
}

/// What `apply` decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The parcel after the update.
    pub next: Parcel,
    /// Status changes the update caused: none or one (two when a poll's news is
    /// followed by its expiry).
    pub transitions: Vec<Transition>,
    /// Whether anything stored changed (events, countries, status).
    pub changed: bool,
    /// Events of the update ignored for implausible times (see [`plausible`]).
    pub ignored_events: usize,
}

/// Most events kept per parcel; the newest are kept. A parcel with more scans than
/// this is stuck in a loop at the carrier, and its oldest scans are no news.
pub const MAX_EVENTS: usize = 300;

/// Events older than this (2000-01-01) are garbage, not history.
pub const EARLIEST_EVENT: i64 = 946_684_800;

/// How far in the future an event may be dated: carriers' clocks and time zones
/// are sloppy, but not by more than a day.
pub const FUTURE_SLACK: i64 = 86_400;

/// Whether an event dated `time` is believable at `now`. An event dated 2099 would
/// otherwise be the newest for ever and hide every real scan after it.
pub fn plausible(time: i64, now: i64) -> bool {
    (EARLIEST_EVENT..=now + FUTURE_SLACK).contains(&time)
}

/// A carrier's text without control characters other than newline and tab (a NUL
/// can be neither stored by every backend nor shown).
fn clean(s: &str) -> String {
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        s.chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect()
    } else {
        s.to_string()
    }
}

/// The update's believable events; a scan dated after `now` (within the slack) is
/// recorded as of `now`, so it never outranks what happens next.
fn believable(events: &[Checkpoint], now: i64) -> (Vec<Checkpoint>, usize) {
    let kept: Vec<Checkpoint> = events
        .iter()
        .filter(|e| plausible(e.time, now))
        .map(|e| Checkpoint {
            time: e.time.min(now),
            description: clean(&e.description),
            location: clean(&e.location),
            substatus: e.substatus.as_deref().map(clean),
            ..e.clone()
        })
        .collect();
    let ignored = events.len() - kept.len();
    (kept, ignored)
}

fn merge_events(held: &[Checkpoint], new: &[Checkpoint]) -> Vec<Checkpoint> {
    let mut all: Vec<Checkpoint> = held.iter().chain(new).cloned().collect();
    // Newest first; equal times in a fixed order so merging is order independent.
    // Among copies of one scan the most informative comes first and is the one kept
    // (a status beats none), so evidence never disappears when a copy without it
    // arrives later.
    all.sort_by(|a, b| {
        b.time
            .cmp(&a.time)
            .then_with(|| a.description.cmp(&b.description))
            .then_with(|| a.location.cmp(&b.location))
            .then_with(|| b.status.cmp(&a.status))
            .then_with(|| b.substatus.cmp(&a.substatus))
    });
    all.dedup_by(|a, b| a.identity() == b.identity());
    all
}

/// The status the evidence supports: the newest stated status unless a newer scan
/// carries one. `None` when nothing speaks to the status.
fn derive(
    events: &[Checkpoint],
    stated: Option<&StatedStatus>,
) -> Option<(Status, Option<String>)> {
    let newest_scan = events.iter().find(|e| e.status.is_some());
    match (stated, newest_scan) {
        (Some(s), Some(e)) if e.time > s.as_of => Some((e.status?, e.substatus.clone())),
        (Some(s), _) => Some((s.status, s.substatus.clone())),
        (None, Some(e)) => Some((e.status?, e.substatus.clone())),
        (None, None) => None,
    }
}

/// Applies `update` to `prev` at time `now`.
pub fn apply(prev: &Parcel, update: &Update, now: i64) -> Applied {
    let mut next = prev.clone();
    let (events, ignored_events) = believable(&update.events, now);
    next.events = merge_events(&prev.events, &events);
    next.events.truncate(MAX_EVENTS);
    if let Some(status) = update.status {
        let newest_in_update = events.iter().map(|e| e.time).max();
        let claim = StatedStatus {
            // A claim about the future is a claim about now.
            as_of: update.as_of.or(newest_in_update).unwrap_or(now).min(now),
            status,
            substatus: update.substatus.as_deref().map(clean),
        };
        if next.stated.as_ref().is_none_or(|held| claim > *held) {
            next.stated = Some(claim);
            // The provider's words travel with the claim they explain.
            next.status_text = update.status_text.as_deref().map(clean);
        }
    }
    if let Some((status, substatus)) = derive(&next.events, next.stated.as_ref()) {
        next.status = status;
        next.substatus = substatus.or_else(|| status.default_substatus().map(String::from));
    }
    // The latest estimate replaces the one held; an implausible one is ignored.
    if let Some(eta) = update.estimated_delivery.filter(|t| *t >= EARLIEST_EVENT) {
        next.estimated_delivery = Some(eta);
    }
    for (slot, new) in [
        (&mut next.origin_country, &update.origin_country),
        (&mut next.destination_country, &update.destination_country),
    ] {
        if new.is_some() && slot.is_none() {
            slot.clone_from(new);
        }
    }
    next.delivered_at = match next.status {
        Status::Delivered => next
            .events
            .iter()
            .find(|e| e.status == Some(Status::Delivered))
            .map(|e| e.time)
            .or(next.stated.as_ref().map(|s| s.as_of)),
        _ => None,
    };

    let mut transitions = Vec::new();
    if (next.status, &next.substatus) != (prev.status, &prev.substatus) {
        next.seq = prev.seq + 1;
        transitions.push(Transition {
            seq: next.seq,
            from: prev.status,
            from_substatus: prev.substatus.clone(),
            to: next.status,
            to_substatus: next.substatus.clone(),
            at: now,
            source: update.source.clone(),
        });
    }
    let changed = next != *prev;
    if changed {
        next.updated_at = now;
    }
    Applied {
        next,
        transitions,
        changed,
        ignored_events,
    }
}

#[cfg(test)]
#[path = "apply_tests.rs"]
mod tests;
