//! When to poll a parcel next, and when it has gone quiet for so long it expires.

use super::model::Parcel;
use super::status::Status;

/// How long a parcel no provider serves waits between visits of the poller, which
/// then only checks whether it has expired.
pub const UNSERVED_RECHECK_SECS: i64 = 86_400;

/// When the poller first looks at a new tracking: at once when a provider serves
/// its carrier, else only a day later for the expiry check, so a large import
/// without an upstream account does not set the poller churning.
pub fn first_poll_at(served: bool, now: i64) -> i64 {
    if served {
        now
    } else {
        now + UNSERVED_RECHECK_SECS
    }
}

/// Polling timings, from config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// Base interval, seconds.
    pub interval: i64,
    /// No new event for this long (express carriers) → expired, seconds.
    pub expire_express: i64,
    /// No new event for this long (postal operators) → expired, seconds.
    pub expire_postal: i64,
}

impl Default for PollPolicy {
    fn default() -> PollPolicy {
        PollPolicy {
            interval: 6 * 3600,
            expire_express: 30 * 86_400,
            expire_postal: 60 * 86_400,
        }
    }
}

impl PollPolicy {
    /// The next poll after a successful look at a parcel in `status`, or `None` when
    /// nothing more will happen. Out for delivery polls sooner (a quarter of the
    /// interval, at least 15 minutes); parcels nobody has seen yet poll at twice the
    /// interval.
    pub fn next_after(&self, status: Status, now: i64) -> Option<i64> {
        let gap = match status {
            Status::Delivered | Status::Expired => return None,
            Status::Pickup | Status::Undelivered => (self.interval / 4).max(900),
            Status::Pending | Status::Notfound => self.interval * 2,
            Status::Transit | Status::Exception => self.interval,
        };
        Some(now + gap)
    }

    /// Backoff after `failures` failed polls in a row: 5 minutes doubling, never
    /// longer than the interval, plus up to 20 % jitter from `jitter` (0..1).
    pub fn retry_after(&self, failures: u32, now: i64, jitter: f64) -> i64 {
        let base = (300i64 << failures.min(16)).min(self.interval);
        now + base + (base as f64 * 0.2 * jitter.clamp(0.0, 1.0)) as i64
    }

    /// Whether the parcel has had no news for longer than its carrier kind allows.
    pub fn is_expired(&self, p: &Parcel, postal: bool, now: i64) -> bool {
        is_quiet_past(p, self.quiet_limit(postal), now)
    }

    /// How long a parcel of this carrier kind may go without news.
    pub fn quiet_limit(&self, postal: bool) -> i64 {
        if postal {
            self.expire_postal
        } else {
            self.expire_express
        }
    }
}

/// Whether a parcel not yet final has had no news for longer than `limit` seconds
/// (news: its newest event, else its registration).
pub fn is_quiet_past(p: &Parcel, limit: i64, now: i64) -> bool {
    if p.status.is_final() {
        return false;
    }
    let last_news = p.last_event_at().unwrap_or(p.created_at);
    now - last_news > limit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_for_delivery_polls_sooner_and_final_statuses_stop() {
        let p = PollPolicy::default();
        assert_eq!(p.next_after(Status::Transit, 0), Some(6 * 3600));
        assert_eq!(p.next_after(Status::Pickup, 0), Some(6 * 3600 / 4));
        assert_eq!(p.next_after(Status::Notfound, 0), Some(12 * 3600));
        assert_eq!(p.next_after(Status::Delivered, 0), None);
        assert_eq!(p.next_after(Status::Expired, 0), None);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = PollPolicy::default();
        assert_eq!(p.retry_after(0, 0, 0.0), 300);
        assert_eq!(p.retry_after(1, 0, 0.0), 600);
        assert_eq!(p.retry_after(30, 0, 0.0), 6 * 3600);
        assert!(p.retry_after(1, 0, 1.0) <= 720);
    }

    #[test]
    fn expiry_depends_on_carrier_kind() {
        let p = PollPolicy::default();
        let parcel = Parcel::new("usps", "X", 0);
        assert!(!p.is_expired(&parcel, true, 40 * 86_400));
        assert!(p.is_expired(&parcel, false, 40 * 86_400));
    }
}
