//! Key encoding. Big-endian integers so byte order is numeric order; signed times are
//! shifted so negative times still sort first. A parcel key is `carrier 0x00 number`;
//! tracking numbers are ASCII letters, digits and `-`, so 0x00 never occurs inside one.

use crate::core::status::Status;

/// Which table a key belongs to. The discriminant is the table's key prefix in the
/// rows tree (`rows.rs`), so it is part of the on-disk format: new tables go at
/// the end, and none is ever renumbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum T {
    /// account id → Account
    Accounts,
    /// sha256(api key) → account id
    ApiKeys,
    /// account email → account id
    AccountEmails,
    /// account + parcel key → Tracking
    Trackings,
    /// parcel key → Parcel
    Parcels,
    /// parcel key 0x00 + account → ()  (who tracks a parcel)
    Subscribers,
    /// account + updated + parcel key
    ByUpdated,
    /// account + status + created + parcel key
    ByStatus,
    /// account + order id 0x00 + parcel key
    ByOrder,
    /// account + order created + parcel key
    ByOrderCreated,
    /// account + status → count
    Counters,
    /// parcel key 0x00 + seq → Transition
    Transitions,
    /// account + carrier 0x00 origin 0x00 destination 0x00 number 0x00 [delivered days] → ()
    Routes,
    /// name → value (sequence counters)
    Meta,
    /// number 0x00 carrier → ()  (parcels by number alone, for pushes that name no carrier)
    ParcelNumbers,
    /// job id → Job, then its tries (`job_rows.rs`)
    Jobs,
    /// due + job id → ()  (pending jobs by due time)
    JobsDue,
    /// Retired in layout 4 (emptied at open): account + parcel key 0x00 + job id.
    /// A tracking's jobs are found from its parcel's transitions now.
    JobsByTracking,
    /// account + state + created + job id → ()  (an account's notifications by state)
    JobsByState,
    /// Retired in layout 4 (moved into the jobs' rows at open): job id 0x00 +
    /// try number → Attempt.
    Attempts,
    /// source 0x00 push id → first seen [+ body hash]  (push dedupe)
    PushSeen,
    /// first seen + random tag → the ids first seen in one commit (to forget old
    /// push ids in O(expired); see `pushes.rs`). Before: first seen + source 0x00
    /// push id → ().
    PushSeenByTime,
    /// next poll + parcel key → ()  (due polls)
    PollsDue,
    /// tracking id (16 bytes) + account + parcel key → ()  (the tracking page's lookup)
    ById,
    /// parcel key → the time of the `PollsDue` entry its schedule relies on
    PollEntry,
    /// account + status + spell start + parcel key → ()  (trackings that may
    /// stall, by how long their status has lasted; `core::alerts::watch_keys`)
    Stalled,
    /// account + estimated delivery + parcel key → ()  (trackings whose estimate
    /// may be missed)
    EddDue,
    /// final since + account + parcel key → ()  (trackings in a final status, by
    /// when it began: what retention deletes; `core::retention::final_since`)
    FinalSince,
    /// account + parcel key 0x00 + job id → ()  (a tracking's alert
    /// notifications: status-change ones are found from the parcel's transitions)
    AlertJobs,
}

impl T {
    /// Trees an older release kept and this one does not: dropped at open.
    pub const RETIRED: [&'static str; 2] = ["bynumber", "bycreated"];

    /// Every table, in prefix order.
    pub const ALL: [T; 29] = [
        T::Accounts,
        T::ApiKeys,
        T::AccountEmails,
        T::Trackings,
        T::Parcels,
        T::Subscribers,
        T::ByUpdated,
        T::ByStatus,
        T::ByOrder,
        T::ByOrderCreated,
        T::Counters,
        T::Transitions,
        T::Routes,
        T::Meta,
        T::ParcelNumbers,
        T::Jobs,
        T::JobsDue,
        T::JobsByTracking,
        T::JobsByState,
        T::Attempts,
        T::PushSeen,
        T::PushSeenByTime,
        T::PollsDue,
        T::ById,
        T::PollEntry,
        T::Stalled,
        T::EddDue,
        T::FinalSince,
        T::AlertJobs,
    ];

    /// The table's key prefix in the rows tree.
    pub fn prefix(self) -> u8 {
        self as u8
    }

    /// The table's name: in errors, and the sled tree it was before the one-tree
    /// layout.
    pub fn name(self) -> String {
        format!("{self:?}").to_ascii_lowercase()
    }
}

/// A signed time as sortable bytes.
pub fn ts(t: i64) -> [u8; 8] {
    ((t as u64) ^ (1 << 63)).to_be_bytes()
}

/// Inverse of [`ts`].
pub fn ts_decode(b: &[u8]) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    (u64::from_be_bytes(a) ^ (1 << 63)) as i64
}

/// `carrier 0x00 number`.
pub fn parcel(carrier: &str, number: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(carrier.len() + number.len() + 1);
    k.extend_from_slice(carrier.as_bytes());
    k.push(0);
    k.extend_from_slice(number.as_bytes());
    k
}

/// A key made of parts, in order.
pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    let mut k = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

/// `account + parcel key`.
pub fn tracking(account: u64, parcel_key: &[u8]) -> Vec<u8> {
    cat(&[&account.to_be_bytes(), parcel_key])
}

/// `account + status`.
pub fn counter(account: u64, status: Status) -> Vec<u8> {
    cat(&[&account.to_be_bytes(), &[status.code()]])
}

/// `parcel key 0x00` — the prefix of a parcel's subscribers and transitions.
pub fn parcel_prefix(parcel_key: &[u8]) -> Vec<u8> {
    cat(&[parcel_key, &[0]])
}

/// The smallest key after every key starting with `prefix`.
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0xff; prefix.len() + 1]
}

/// A parcel's `ParcelNumbers` key: number 0x00 carrier.
pub fn parcel_number(carrier: &str, number: &str) -> Vec<u8> {
    cat(&[number.as_bytes(), &[0], carrier.as_bytes()])
}

/// The prefix of a tracking's `AlertJobs` entries.
pub fn alert_jobs(account: u64, carrier: &str, number: &str) -> Vec<u8> {
    cat(&[&account.to_be_bytes(), &parcel(carrier, number), &[0]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_sort_numerically_including_negative_ones() {
        let mut v = [ts(5), ts(-3), ts(1_700_000_000), ts(0)];
        v.sort();
        assert_eq!(v.map(|b| ts_decode(&b)), [-3, 0, 5, 1_700_000_000]);
    }

    #[test]
    fn parcel_keys_separate_carrier_and_number() {
        assert_eq!(parcel("usps", "9400"), b"usps\x009400".to_vec());
        assert_ne!(parcel("us", "ps9400"), parcel("usps", "9400"));
    }

    #[test]
    fn each_table_has_its_own_prefix_in_order() {
        let prefixes: Vec<u8> = T::ALL.iter().map(|t| t.prefix()).collect();
        assert_eq!(prefixes, (0..T::ALL.len() as u8).collect::<Vec<_>>());
    }

    #[test]
    fn prefix_end_bounds_the_prefix() {
        assert_eq!(prefix_end(&[1, 2]), vec![1, 3]);
        assert_eq!(prefix_end(&[1, 0xff]), vec![2]);
    }
}
