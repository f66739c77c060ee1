//! Alerts on what carriers never report: a status that stays unchanged too long
//! (`stalled`), an estimated delivery that passes (`edd_missed`), and an estimate
//! that changes (`edd_revised`). The schedule is each tracking's [`Watch`]: the
//! store keeps two time-ordered index entries per watched tracking
//! ([`watch_keys`]), an alert worker reads the ones due for each account's
//! thresholds, and [`plan_alert`] decides what firing writes — in one commit with
//! its jobs, like a status change, so an alert fires once per spell and survives a
//! crash.

use super::model::{Parcel, Tracking};
#[cfg(test)]
use super::rules::Topic;
use super::rules::{Channel, Job, JobState};
use super::settings::Notify;
use super::status::Status;
use serde::{Deserialize, Serialize};

const DAY: i64 = 86_400;

/// An alert beyond status changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Alert {
    /// The status has not changed for longer than its threshold.
    Stalled,
    /// Not delivered by the estimated delivery plus a grace.
    EddMissed,
    /// The estimated delivery changed.
    EddRevised,
}

impl Alert {
    /// Every alert.
    pub const ALL: [Alert; 3] = [Alert::Stalled, Alert::EddMissed, Alert::EddRevised];

    /// The name rules and templates use.
    pub fn as_str(self) -> &'static str {
        match self {
            Alert::Stalled => "stalled",
            Alert::EddMissed => "edd_missed",
            Alert::EddRevised => "edd_revised",
        }
    }

    /// Parses a name (case-insensitive).
    pub fn parse(s: &str) -> Option<Alert> {
        let s = s.trim();
        Alert::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s))
    }

    /// The webhook's `event.type`.
    pub fn event_type(self) -> &'static str {
        match self {
            Alert::Stalled => "tracking.stalled",
            Alert::EddMissed => "tracking.edd_missed",
            Alert::EddRevised => "tracking.edd_revised",
        }
    }
}

/// What one fired alert speaks of: kept in its job's `transition.source` as
/// `alert:<name>:<time>` (the spell's start, or the estimate), so a job row needs
/// no field of its own and the dispatcher reads it back with [`Fired::of_source`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fired {
    pub alert: Alert,
    /// `stalled`: when the status began; `edd_missed`/`edd_revised`: the estimate
    /// missed, or the new one.
    pub at: i64,
}

impl Fired {
    /// The job's `transition.source`.
    pub fn source(self) -> String {
        format!("alert:{}:{}", self.alert.as_str(), self.at)
    }

    /// The alert a job's `transition.source` names, if it is one.
    pub fn of_source(source: &str) -> Option<Fired> {
        let rest = source.strip_prefix("alert:")?;
        let (name, at) = rest.split_once(':')?;
        Some(Fired {
            alert: Alert::parse(name)?,
            at: at.parse().ok()?,
        })
    }
}

/// An account's alert thresholds (`notify.alerts`), seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertSettings {
    /// How long each status may stay unchanged before `stalled`; a status left
    /// out is never stalled.
    pub stalled: Vec<(Status, i64)>,
    /// The grace after the estimated delivery before `edd_missed`; `None`: off.
    pub edd_missed: Option<i64>,
}

impl Default for AlertSettings {
    /// The defaults of a shop that ships parcels (README "Alerts"): pending and
    /// notfound 3 days, transit 7, pickup and undelivered 2, exception 3; an
    /// estimate missed by a day. Delivered and expired never stall.
    fn default() -> AlertSettings {
        use Status::*;
        AlertSettings {
            stalled: vec![
                (Pending, 3 * DAY),
                (Notfound, 3 * DAY),
                (Transit, 7 * DAY),
                (Pickup, 2 * DAY),
                (Undelivered, 2 * DAY),
                (Exception, 3 * DAY),
            ],
            edd_missed: Some(DAY),
        }
    }
}

impl AlertSettings {
    /// How long `status` may stay unchanged, if it may stall.
    pub fn stalled_after(&self, status: Status) -> Option<i64> {
        if status.is_final() {
            return None;
        }
        self.stalled
            .iter()
            .find(|(s, _)| *s == status)
            .map(|(_, secs)| *secs)
    }

    /// What the alert worker reads for this account at `now`: per status, the
    /// spells that began at or before the time given are due; estimates at or
    /// before the second value are missed.
    pub fn due_before(&self, now: i64) -> DueBefore {
        DueBefore {
            stalled: Status::ALL
                .into_iter()
                .filter_map(|s| Some((s, now.saturating_sub(self.stalled_after(s)?))))
                .collect(),
            edd: self.edd_missed.map(|grace| now.saturating_sub(grace)),
        }
    }
}

/// The bounds of one account's due alerts (see [`AlertSettings::due_before`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueBefore {
    pub stalled: Vec<(Status, i64)>,
    pub edd: Option<i64>,
}

/// A tracking's alert schedule: the spell of the status its account sees, and
/// what has fired for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watch {
    /// The status of the spell.
    pub status: Status,
    /// When the spell began.
    pub since: i64,
    /// `stalled` fired for this spell.
    pub stalled_sent: bool,
    /// The estimate `edd_missed` fired for.
    pub edd_missed_for: Option<i64>,
}

impl Watch {
    /// A tracking's watch: as stored, or for a row from before alerts, a spell of
    /// the status it sees since its last change.
    pub fn of(t: &Tracking, p: &Parcel) -> Watch {
        t.watch.unwrap_or(Watch {
            status: t.effective_status(p),
            since: t.updated_at,
            stalled_sent: false,
            edd_missed_for: None,
        })
    }

    /// The watch after a write that leaves the tracking seeing `status` at `now`:
    /// a new spell when the status is another, else as it was.
    pub fn after(self, status: Status, now: i64) -> Watch {
        if self.status == status {
            return self;
        }
        Watch {
            status,
            since: now,
            stalled_sent: false,
            edd_missed_for: self.edd_missed_for,
        }
    }

    /// A new tracking's watch.
    pub fn new(status: Status, now: i64) -> Watch {
        Watch {
            status,
            since: now,
            stalled_sent: false,
            edd_missed_for: None,
        }
    }
}

/// Sets `after`'s watch for the status it sees with `parcel` at `now`: the one
/// rule every write of a tracking follows (news, a patch, a carrier move).
pub fn rewatch(before: &Tracking, prev: &Parcel, after: &mut Tracking, parcel: &Parcel, now: i64) {
    after.watch = Some(Watch::of(before, prev).after(after.effective_status(parcel), now));
}

/// The index entries a tracking's watch keeps in the store (both backends):
/// `stalled` — the status and when its spell began, while it may still stall;
/// `edd` — the estimate, while it may still be missed. None for a tracking set
/// not to update.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchKeys {
    pub stalled: Option<(Status, i64)>,
    pub edd: Option<i64>,
}

/// See [`WatchKeys`].
pub fn watch_keys(t: &Tracking, p: &Parcel) -> WatchKeys {
    let status = t.effective_status(p);
    if t.notupdate || status.is_final() {
        return WatchKeys::default();
    }
    let w = Watch::of(t, p);
    WatchKeys {
        stalled: (!w.stalled_sent).then_some((status, w.since)),
        edd: p
            .estimated_delivery
            .filter(|edd| w.edd_missed_for != Some(*edd)),
    }
}

/// What firing a tracking's due alerts writes: the tracking with its watch
/// moved on, and the notifications.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertPlan {
    pub tracking: Tracking,
    pub jobs: Vec<Job>,
    /// The alerts that fired (for counting).
    pub fired: Vec<Alert>,
}

/// The due alerts of tracking `t` (following `p`) for an account with `notify`
/// at `now`, or `None` when nothing is due (the index entry that led here was
/// stale: nothing to write). A spell whose status is not the one the tracking
/// sees is restarted instead (a write that changed the status without news, such
/// as a forced status). An alert no channel takes is marked fired all the same,
/// so it is not found again.
pub fn plan_alert(t: &Tracking, p: &Parcel, notify: &Notify, now: i64) -> Option<AlertPlan> {
    let status = t.effective_status(p);
    let keys = watch_keys(t, p);
    let w = Watch::of(t, p);
    let mut next = w;
    let mut fired = Vec::new();
    if w.status != status {
        next = w.after(status, now);
    } else {
        if let (Some((_, since)), Some(limit)) = (keys.stalled, notify.alerts.stalled_after(status))
        {
            if since.saturating_add(limit) <= now {
                next.stalled_sent = true;
                fired.push(Fired {
                    alert: Alert::Stalled,
                    at: since,
                });
            }
        }
        if let (Some(edd), Some(grace)) = (keys.edd, notify.alerts.edd_missed) {
            if edd.saturating_add(grace) <= now {
                next.edd_missed_for = Some(edd);
                fired.push(Fired {
                    alert: Alert::EddMissed,
                    at: edd,
                });
            }
        }
    }
    if next == w && t.watch.is_some() {
        return None;
    }
    let mut tracking = t.clone();
    tracking.watch = Some(next);
    let jobs = fired
        .iter()
        .flat_map(|f| alert_jobs(&tracking, p, notify, *f, now))
        .collect();
    Some(AlertPlan {
        tracking,
        jobs,
        fired: fired.iter().map(|f| f.alert).collect(),
    })
}

/// The notifications of one fired alert: one per channel whose rules name it and
/// that can deliver (email: to a tracking with a customer email). An alert is not
/// a change the shop made happen, so channels that do not take it get no skipped
/// row (unlike status changes).
pub fn alert_jobs(t: &Tracking, p: &Parcel, notify: &Notify, fired: Fired, now: i64) -> Vec<Job> {
    if t.notupdate {
        return Vec::new();
    }
    let status = t.effective_status(p);
    let topic = super::rules::Topic::Alert(fired.alert);
    let mut targets: Vec<(Channel, Option<String>)> = Vec::new();
    for channel in Channel::ALL {
        if channel == Channel::Webhook {
            targets.extend(
                notify
                    .webhooks()
                    .iter()
                    .filter(|e| e.dest.disabled.is_none() && e.topics.contains(&topic))
                    .map(|e| (channel, e.job_key())),
            );
        } else if notify.enabled(channel) && notify.rules.selects_alert(channel, fired.alert) {
            targets.push((channel, None));
        }
    }
    targets
        .into_iter()
        .filter(|(c, _)| *c != Channel::Email || t.fields.customer_email.is_some())
        .map(|(channel, endpoint)| Job {
            id: alert_job_id(t, fired, channel, endpoint.as_deref()),
            account: t.account,
            carrier_code: t.carrier_code.clone(),
            tracking_number: t.tracking_number.clone(),
            channel,
            endpoint,
            transition: super::model::Transition {
                seq: p.seq,
                from: status,
                from_substatus: p.substatus.clone(),
                to: status,
                to_substatus: p.substatus.clone(),
                at: now,
                source: fired.source(),
            },
            state: JobState::Pending,
            attempts: 0,
            round_tries: 0,
            last_error: None,
            leased: false,
            lease_owner: None,
            due: now,
            created_at: now,
        })
        .collect()
}

/// A fired alert's notification id: the same for the same alert of the same spell
/// (or estimate) to the same destination, whichever node fires it.
fn alert_job_id(t: &Tracking, fired: Fired, channel: Channel, endpoint: Option<&str>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(t.account.to_be_bytes());
    h.update(t.carrier_code.as_bytes());
    h.update([0]);
    h.update(t.tracking_number.as_bytes());
    h.update([0]);
    h.update(fired.source().as_bytes());
    h.update(channel.as_str().as_bytes());
    if let Some(e) = endpoint {
        h.update([0]);
        h.update(e.as_bytes());
    }
    format!("msg_{}", &hex::encode(h.finalize())[..32])
}

/// The `edd_revised` notifications of news that moved a parcel's estimate from
/// one date to another (a first estimate is not a revision).
pub fn revised_jobs(
    t: &Tracking,
    prev: &Parcel,
    next: &Parcel,
    notify: &Notify,
    now: i64,
) -> Vec<Job> {
    match (prev.estimated_delivery, next.estimated_delivery) {
        (Some(a), Some(b)) if a != b && !t.effective_status(next).is_final() => alert_jobs(
            t,
            next,
            notify,
            Fired {
                alert: Alert::EddRevised,
                at: b,
            },
            now,
        ),
        _ => Vec::new(),
    }
}

#[cfg(test)]
#[path = "alerts_tests.rs"]
mod tests;
