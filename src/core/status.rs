//! TrackingMore's eight package statuses and their substatus codes.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A package status as TrackingMore names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Added, not tracked yet.
    Pending,
    /// No tracking information available yet.
    Notfound,
    /// On its way.
    Transit,
    /// Out for delivery, or waiting at a pickup point.
    Pickup,
    /// Delivered.
    Delivered,
    /// A delivery attempt failed.
    Undelivered,
    /// Returned, refused, lost, damaged, held by customs, ...
    Exception,
    /// No news for too long.
    Expired,
}

impl Status {
    /// Every status, in index order.
    pub const ALL: [Status; 8] = [
        Status::Pending,
        Status::Notfound,
        Status::Transit,
        Status::Pickup,
        Status::Delivered,
        Status::Undelivered,
        Status::Exception,
        Status::Expired,
    ];

    /// The status name as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Notfound => "notfound",
            Status::Transit => "transit",
            Status::Pickup => "pickup",
            Status::Delivered => "delivered",
            Status::Undelivered => "undelivered",
            Status::Exception => "exception",
            Status::Expired => "expired",
        }
    }

    /// Parses a wire name (case-insensitive); `None` for anything else.
    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim();
        Status::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
    }

    /// A stable one-byte code for index keys.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Inverse of [`Status::code`].
    pub fn from_code(code: u8) -> Option<Status> {
        Status::ALL.get(usize::from(code)).copied()
    }

    /// A final status: nothing more will happen to the parcel.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Delivered | Status::Expired)
    }

    /// The substatus TrackingMore gives when nothing more specific is known.
    pub fn default_substatus(self) -> Option<&'static str> {
        match self {
            Status::Pending => None,
            Status::Notfound => Some("notfound002"),
            Status::Transit => Some("transit001"),
            Status::Pickup => Some("pickup001"),
            Status::Delivered => Some("delivered001"),
            Status::Undelivered => Some("undelivered001"),
            Status::Exception => Some("exception005"),
            Status::Expired => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a write may do to a tracking's status (`status` of PUT / updatemore):
/// TrackingMore's 4 (delivered), 7 (exception) and 8 (back to automatic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusOverride {
    /// Force a status on this account's tracking.
    Set(Status),
    /// Drop a forced status; the carrier's status shows again.
    Automatic,
}

impl StatusOverride {
    /// Parses the numeric codes 4, 7, 8 (as a number or a string).
    pub fn from_code(code: &str) -> Option<StatusOverride> {
        match code.trim() {
            "4" => Some(StatusOverride::Set(Status::Delivered)),
            "7" => Some(StatusOverride::Set(Status::Exception)),
            "8" => Some(StatusOverride::Automatic),
            _ => None,
        }
    }
}

/// Checks a substatus code's shape: the status name (or `notfound`) then three digits.
pub fn substatus_is_valid(sub: &str) -> bool {
    let digits = sub.trim_start_matches(|c: char| c.is_ascii_lowercase());
    let name = &sub[..sub.len() - digits.len()];
    digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()) && Status::parse(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_name_and_code() {
        for st in Status::ALL {
            assert_eq!(Status::parse(st.as_str()), Some(st));
            assert_eq!(Status::from_code(st.code()), Some(st));
        }
        assert_eq!(Status::parse("DELIVERED"), Some(Status::Delivered));
        assert_eq!(Status::parse("lost"), None);
    }

    #[test]
    fn overrides_accept_only_4_7_8() {
        assert_eq!(
            StatusOverride::from_code("4"),
            Some(StatusOverride::Set(Status::Delivered))
        );
        assert_eq!(
            StatusOverride::from_code("7"),
            Some(StatusOverride::Set(Status::Exception))
        );
        assert_eq!(
            StatusOverride::from_code("8"),
            Some(StatusOverride::Automatic)
        );
        assert_eq!(StatusOverride::from_code("5"), None);
    }

    #[test]
    fn substatus_shape_is_checked() {
        assert!(substatus_is_valid("transit002"));
        assert!(substatus_is_valid("notfound001"));
        assert!(!substatus_is_valid("transit2"));
        assert!(!substatus_is_valid("flying001"));
    }
}
