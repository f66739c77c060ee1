//! The domain model: parcels (the carrier's truth), trackings (an account's
//! subscription to a parcel), checkpoints and transitions.

use super::status::Status;
use serde::{Deserialize, Serialize};

/// One carrier scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// When it happened, unix seconds (UTC).
    pub time: i64,
    /// What happened, as the carrier says it.
    pub description: String,
    /// Where, as the carrier says it.
    #[serde(default)]
    pub location: String,
    /// Our status for this scan, when known.
    #[serde(default)]
    pub status: Option<Status>,
    /// Our substatus code for this scan, when known.
    #[serde(default)]
    pub substatus: Option<String>,
}

impl Checkpoint {
    /// What makes two scans the same scan.
    pub fn identity(&self) -> (i64, &str, &str) {
        (self.time, &self.description, &self.location)
    }
}

/// A status a source stated outright, with the time it speaks for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StatedStatus {
    /// The time the statement is about.
    pub as_of: i64,
    /// The stated status.
    pub status: Status,
    /// The stated substatus.
    pub substatus: Option<String>,
}

/// A parcel: keyed by carrier and number, shared by every account tracking it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parcel {
    /// Carrier code.
    pub carrier_code: String,
    /// Normalised tracking number.
    pub tracking_number: String,
    /// Current status.
    pub status: Status,
    /// Current substatus code.
    #[serde(default)]
    pub substatus: Option<String>,
    /// Scans, newest first.
    #[serde(default)]
    pub events: Vec<Checkpoint>,
    /// The newest status a source stated outright.
    #[serde(default)]
    pub stated: Option<StatedStatus>,
    /// Origin country, ISO2.
    #[serde(default)]
    pub origin_country: Option<String>,
    /// Destination country, ISO2.
    #[serde(default)]
    pub destination_country: Option<String>,
    /// First registered here.
    pub created_at: i64,
    /// Last change of state.
    pub updated_at: i64,
    /// When the delivered scan happened.
    #[serde(default)]
    pub delivered_at: Option<i64>,
    /// Sequence number of the last transition.
    #[serde(default)]
    pub seq: u64,
    /// The provider's own words for the status, kept when it did not map cleanly.
    #[serde(default)]
    pub status_text: Option<String>,
    /// When the poller should look next; `None` = not scheduled.
    #[serde(default)]
    pub next_poll_at: Option<i64>,
    /// Failed polls in a row (for backoff).
    #[serde(default)]
    pub poll_failures: u32,
    /// The carrier's estimated delivery (unix seconds), as the latest news gave it.
    #[serde(default)]
    pub estimated_delivery: Option<i64>,
}

impl Parcel {
    /// Whole days from the first scan to delivery, for a delivered parcel: what
    /// courier aging (`costtime`) counts.
    pub fn delivery_days(&self) -> Option<i64> {
        let first = self.events.last()?.time;
        Some((self.delivered_at? - first).max(0) / 86_400)
    }

    /// A parcel nobody has heard anything about yet.
    pub fn new(carrier_code: &str, tracking_number: &str, now: i64) -> Parcel {
        Parcel {
            carrier_code: carrier_code.into(),
            tracking_number: tracking_number.into(),
            status: Status::Pending,
            substatus: None,
            events: Vec::new(),
            stated: None,
            origin_country: None,
            destination_country: None,
            created_at: now,
            updated_at: now,
            delivered_at: None,
            seq: 0,
            status_text: None,
            next_poll_at: None,
            poll_failures: 0,
            estimated_delivery: None,
        }
    }

    /// Time of the newest scan.
    pub fn last_event_at(&self) -> Option<i64> {
        self.events.first().map(|e| e.time)
    }
}

/// A change of a parcel's status or substatus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// 1, 2, 3... per parcel.
    pub seq: u64,
    /// Status before.
    pub from: Status,
    /// Substatus before.
    pub from_substatus: Option<String>,
    /// Status after.
    pub to: Status,
    /// Substatus after.
    pub to_substatus: Option<String>,
    /// When the gateway decided it.
    pub at: i64,
    /// What brought the news: `realtime`, `poll`, `push:native`, ...
    pub source: String,
}

/// The fields a shop attaches to its tracking. Only submitted fields are `Some`.
/// Every field is always serialised (the store's compact encoding is positional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingFields {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub customer_name: Option<String>,
    #[serde(default)]
    pub customer_email: Option<String>,
    #[serde(default)]
    pub customer_phone: Option<String>,
    #[serde(default)]
    pub order_create_time: Option<String>,
    #[serde(default)]
    pub destination_code: Option<String>,
    #[serde(default)]
    pub logistics_channel: Option<String>,
    #[serde(default)]
    pub tracking_ship_date: Option<String>,
    #[serde(default)]
    pub tracking_postal_code: Option<String>,
    #[serde(default)]
    pub tracking_account_number: Option<String>,
    #[serde(default)]
    pub tracking_origin_country: Option<String>,
    #[serde(default)]
    pub tracking_destination_country: Option<String>,
    #[serde(default, rename = "specialNumberDestination")]
    pub special_number_destination: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
}

impl TrackingFields {
    /// Overwrites every field `other` has.
    pub fn merge(&mut self, other: TrackingFields) {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f; } )* };
        }
        take!(
            title,
            order_id,
            customer_name,
            customer_email,
            customer_phone,
            order_create_time,
            destination_code,
            logistics_channel,
            tracking_ship_date,
            tracking_postal_code,
            tracking_account_number,
            tracking_origin_country,
            tracking_destination_country,
            special_number_destination,
            comment,
            lang
        );
    }
}

/// An account's tracking of a parcel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tracking {
    /// 32 hex characters, TrackingMore-style.
    pub id: String,
    /// Owning account.
    pub account: u64,
    /// Carrier code.
    pub carrier_code: String,
    /// Normalised tracking number.
    pub tracking_number: String,
    /// Registered.
    pub created_at: i64,
    /// Last change seen by this account (its fields or the parcel).
    pub updated_at: i64,
    /// Shop-supplied fields.
    pub fields: TrackingFields,
    /// `order_create_time` read as a time, for filtering.
    #[serde(default)]
    pub order_created_at: Option<i64>,
    /// Archived by the shop.
    #[serde(default)]
    pub archived: bool,
    /// A status forced by the shop (PUT `status` 4 or 7).
    #[serde(default)]
    pub status_override: Option<Status>,
    /// The shop asked to stop updating (notupdate).
    #[serde(default)]
    pub notupdate: bool,
    /// The shop's own tracking link for this parcel (Shopify's `tracking_url`,
    /// WooCommerce's tracking link), shown where the carrier table has none. Last
    /// field: sled rows written before it are read with it absent
    /// (`store::sled::decode`).
    #[serde(default)]
    pub shop_url: Option<String>,
    /// The alert schedule (`core::alerts`): `None` in rows from before alerts,
    /// which are watched from their last change. Last field, as `shop_url`.
    #[serde(default)]
    pub watch: Option<super::alerts::Watch>,
}

impl Tracking {
    /// The status this account sees: its override, else the parcel's.
    pub fn effective_status(&self, parcel: &Parcel) -> Status {
        self.status_override.unwrap_or(parcel.status)
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// Account 7's tracking of `dhl JD1`, registered at `at`, with no shop fields
    /// and no watch (watched from `at`).
    pub(crate) fn tracking(at: i64) -> Tracking {
        Tracking {
            id: "00".repeat(16),
            account: 7,
            carrier_code: "dhl".into(),
            tracking_number: "JD1".into(),
            created_at: at,
            updated_at: at,
            fields: TrackingFields::default(),
            order_created_at: None,
            archived: false,
            status_override: None,
            notupdate: false,
            shop_url: None,
            watch: None,
        }
    }
}
