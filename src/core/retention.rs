//! Retention: a tracking whose parcel reached a final status (delivered,
//! expired) is deleted `retention.after_final` after it did, with its parcel
//! when nobody else tracks it. The store keeps a time-ordered index of when each
//! final spell began ([`final_since`]); a pass deletes what is past the cutoff.

use super::alerts::Watch;
use super::model::{Parcel, Tracking};

/// Default `retention.after_final`: AfterShip keeps 120 days of history in its lists.
pub const DEFAULT_AFTER_FINAL: i64 = 120 * 86_400;

/// When the final status `t` shows (with `p`) began, if it shows one: the key of
/// the retention index, on both backends.
pub fn final_since(t: &Tracking, p: &Parcel) -> Option<i64> {
    let status = t.effective_status(p);
    status.is_final().then(|| Watch::of(t, p).since)
}

/// How long things are kept, seconds (`None`: forever).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// A tracking in a final status.
    pub after_final: Option<i64>,
    /// A delivered notification's tries.
    pub attempt_logs: Option<i64>,
}

impl Policy {
    /// Whether anything is ever deleted.
    pub fn deletes(&self) -> bool {
        self.after_final.is_some() || self.attempt_logs.is_some()
    }
}

/// The deletion cutoff at `now`: trackings final since at or before it go. `None`
/// when retention is off.
pub fn cutoff(after_final: Option<i64>, now: i64) -> Option<i64> {
    after_final.map(|keep| now.saturating_sub(keep))
}

/// Whether a parcel goes with the last of its trackings: when no other account
/// tracks it (its history is nobody's then).
pub fn parcel_goes(other_trackings: usize) -> bool {
    other_trackings == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::status::Status;

    fn pair(status: Status, since: i64) -> (Tracking, Parcel) {
        let p = Parcel {
            status,
            ..Parcel::new("dhl", "JD1", 0)
        };
        let t = Tracking {
            watch: Some(Watch::new(status, since)),
            ..crate::core::model::fixtures::tracking(0)
        };
        (t, p)
    }

    #[test]
    fn only_final_trackings_are_kept_for_deletion_from_when_they_became_final() {
        let (t, p) = pair(Status::Delivered, 500);
        assert_eq!(final_since(&t, &p), Some(500));
        let (t, p) = pair(Status::Transit, 500);
        assert_eq!(final_since(&t, &p), None);
        let (mut t, p) = pair(Status::Transit, 500);
        t.status_override = Some(Status::Delivered);
        assert!(final_since(&t, &p).is_some(), "a forced delivered counts");
        assert_eq!(cutoff(Some(100), 1_000), Some(900));
        assert_eq!(cutoff(None, 1_000), None);
    }
}
