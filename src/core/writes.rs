//! What callers ask a write to do, in core's terms: news about a parcel, a tracking
//! to create, a change to one. Backends take these as they are; how a new
//! tracking's row and parcel look, and what a patch does to a tracking, is decided
//! here, once.

use super::apply::Update;
use super::model::{Parcel, Tracking, TrackingFields};
use super::status::StatusOverride;

/// News about one parcel.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// Carrier code; `None` = every parcel with this number (pushes that name
    /// carriers in their own numbering, like 17TRACK).
    pub carrier: Option<String>,
    /// Normalised number.
    pub number: String,
    /// What is new.
    pub update: Update,
}

/// A tracking to create.
#[derive(Debug, Clone)]
pub struct NewTracking {
    /// Carrier code (already resolved against the registry).
    pub carrier_code: String,
    /// Normalised number.
    pub tracking_number: String,
    /// Shop fields as submitted.
    pub fields: TrackingFields,
    /// `order_create_time` read as a time.
    pub order_created_at: Option<i64>,
    /// Origin country known from the number itself (S10 suffix).
    pub origin_country: Option<String>,
    /// Destination country, ISO2, from `destination_code`.
    pub destination_country: Option<String>,
    /// When the poller first looks at it (now if a provider serves the carrier;
    /// later, for the expiry check only, if none does). `None` = now.
    pub first_poll_at: Option<i64>,
}

impl NewTracking {
    /// The parcel this tracking starts, when nobody tracks it yet.
    pub fn fresh_parcel(&self, now: i64) -> Parcel {
        Parcel {
            origin_country: self.origin_country.clone(),
            destination_country: self.destination_country.clone(),
            ..Parcel::new(&self.carrier_code, &self.tracking_number, now)
        }
    }

    /// The tracking row: a new random id (128 bits, the tracking page's token).
    pub fn into_tracking(self, account: u64, now: i64) -> Tracking {
        use rand::RngCore;
        let mut id = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut id);
        Tracking {
            id: hex::encode(id),
            account,
            carrier_code: self.carrier_code,
            tracking_number: self.tracking_number,
            created_at: now,
            updated_at: now,
            fields: self.fields,
            order_created_at: self.order_created_at,
            archived: false,
            status_override: None,
            notupdate: false,
            shop_url: None,
            // Watched from `updated_at`, its creation (`core::alerts::Watch::of`).
            watch: None,
        }
    }
}

/// A change to a tracking; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TrackingPatch {
    /// Fields to overwrite.
    pub fields: TrackingFields,
    /// `order_create_time` read as a time, when `fields` changes it.
    pub order_created_at: Option<i64>,
    /// Archive or unarchive.
    pub archived: Option<bool>,
    /// Force or release a status.
    pub status: Option<StatusOverride>,
    /// Stop (or resume) updating.
    pub notupdate: Option<bool>,
    /// The shop's own tracking link.
    pub shop_url: Option<String>,
}

impl TrackingPatch {
    /// `t` (following `parcel`) with the patch applied, as of `now`: what every
    /// backend writes. A forced status starts a new alert spell.
    pub fn apply_to(self, t: &mut Tracking, parcel: &Parcel, now: i64) {
        let before = t.clone();
        if self.fields.order_create_time.is_some() {
            t.order_created_at = self.order_created_at;
        }
        t.fields.merge(self.fields);
        if let Some(a) = self.archived {
            t.archived = a;
        }
        if let Some(s) = self.status {
            t.status_override = match s {
                StatusOverride::Set(st) => Some(st),
                StatusOverride::Automatic => None,
            };
        }
        if let Some(n) = self.notupdate {
            t.notupdate = n;
        }
        if let Some(u) = self.shop_url {
            t.shop_url = Some(u);
        }
        t.updated_at = now;
        super::alerts::rewatch(&before, parcel, t, parcel, now);
    }

    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.fields == TrackingFields::default()
            && self.archived.is_none()
            && self.status.is_none()
            && self.notupdate.is_none()
            && self.shop_url.is_none()
    }
}
