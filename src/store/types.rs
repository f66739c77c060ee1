//! The store's types: what callers hand the store and get back. Backend-neutral:
//! no engine type appears here, so every backend speaks them.

use crate::core::apply::Update;
use crate::core::model::{Parcel, Tracking, TrackingFields};
use crate::core::rules::{Channel, JobState};
use crate::core::status::{Status, StatusOverride};

pub use crate::core::rules::MAX_LEASE_SECS;

pub use crate::core::account::{hash_key, Account, Profile};

/// An inclusive time range; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    /// Earliest, unix seconds.
    pub min: Option<i64>,
    /// Latest, unix seconds.
    pub max: Option<i64>,
}

impl TimeRange {
    pub(crate) fn is_open(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }
    pub(crate) fn contains(&self, t: i64) -> bool {
        self.min.is_none_or(|m| t >= m) && self.max.is_none_or(|m| t <= m)
    }
    pub(crate) fn contains_opt(&self, t: Option<i64>) -> bool {
        self.is_open() || t.is_some_and(|t| self.contains(t))
    }
}

/// `/trackings/get` filters.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// 1-based page.
    pub page: usize,
    /// Items per page.
    pub limit: usize,
    /// Only this status.
    pub status: Option<Status>,
    /// Registered between.
    pub created: TimeRange,
    /// Last changed between.
    pub updated: TimeRange,
    /// Order placed between.
    pub order_created: TimeRange,
    /// Only these numbers (any carrier).
    pub numbers: Vec<String>,
    /// Only these order ids.
    pub orders: Vec<String>,
    /// Only archived (`true`) or only not archived (`false`).
    pub archived: Option<bool>,
}

impl ListQuery {
    pub(crate) fn matches(&self, t: &Tracking, p: &Parcel) -> bool {
        self.status.is_none_or(|s| t.effective_status(p) == s)
            && self.created.contains(t.created_at)
            && self.updated.contains(t.updated_at)
            && self.order_created.contains_opt(t.order_created_at)
            && self.archived.is_none_or(|a| t.archived == a)
            && (self.numbers.is_empty() || self.numbers.contains(&t.tracking_number))
            && (self.orders.is_empty()
                || t.fields
                    .order_id
                    .as_ref()
                    .is_some_and(|o| self.orders.contains(o)))
    }

    /// Per-status counts (`getstatusnumber`) come from the counters kept with every
    /// write when no created or order-created range narrows them.
    pub fn counters_answer_status_counts(&self) -> bool {
        self.created.is_open() && self.order_created.is_open()
    }

    /// Nothing beyond the account: the counters know the total.
    pub(crate) fn is_unfiltered(&self) -> bool {
        self.status.is_none()
            && self.created.is_open()
            && self.updated.is_open()
            && self.order_created.is_open()
            && self.numbers.is_empty()
            && self.orders.is_empty()
            && self.archived.is_none()
    }
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct Page {
    /// Matches in all pages.
    pub total: u64,
    /// This page's trackings with their parcels, newest first.
    pub items: Vec<(Tracking, Parcel)>,
}

/// Outbox health for `/readyz`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxStats {
    /// Jobs waiting.
    pub pending: usize,
    /// Seconds the oldest due job has waited past its due time.
    pub lag_seconds: i64,
}

pub use crate::core::rules::Next;

/// One finished try of a job, as the dispatcher hands it to the store: many are
/// recorded in one commit ([`crate::store::Store::record_attempts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// The job tried, as its claim returned it.
    pub job: crate::core::rules::Job,
    /// The try.
    pub attempt: crate::core::rules::Attempt,
    /// What follows.
    pub next: Next,
    /// Switch the job's destination off, with this reason (a 410 Gone).
    pub disable: Option<String>,
}

impl AttemptRecord {
    /// The job as the try leaves it ([`crate::core::rules::Job::after_try`]).
    pub fn job_after(&self) -> crate::core::rules::Job {
        self.job
            .clone()
            .after_try(&self.next, self.attempt.error.as_ref())
    }
}

/// Filters of the notification list.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// Only this state; `None`: every state, newest first.
    pub state: Option<JobState>,
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only this tracking (carrier, number).
    pub tracking: Option<(String, String)>,
    /// At most this many, newest first.
    pub limit: usize,
}

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

/// A push's dedupe identity. A repeated `(source, id)` has no second effect. With
/// `body` (the body's hash), for sources whose signature does not cover the body,
/// the same id with another body is refused as a replay instead.
#[derive(Debug, Clone, Copy)]
pub struct PushKey<'a> {
    /// Receiver name.
    pub source: &'a str,
    /// The push's id (header, field, or the signature itself).
    pub id: &'a str,
    /// Hash of the body the id was first seen with.
    pub body: Option<&'a str>,
}

pub use crate::core::report::ApplyReport;

/// How a carrier has done on one route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteStats {
    /// Parcels seen on the route.
    pub total: u64,
    /// Delivery times, days, of the delivered ones.
    pub delivered_days: Vec<i64>,
}

/// A parcel handed to the poller.
#[derive(Debug, Clone)]
pub struct PollTarget {
    /// The parcel as it stood when claimed.
    pub parcel: Parcel,
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
}

impl TrackingPatch {
    /// `t` with the patch applied, as of `now`: what every backend writes.
    pub fn apply_to(self, t: &mut Tracking, now: i64) {
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
        t.updated_at = now;
    }

    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.fields == TrackingFields::default()
            && self.archived.is_none()
            && self.status.is_none()
            && self.notupdate.is_none()
    }
}

/// A tracking with its parcel: what reads and writes return.
pub type Row = (Tracking, Parcel);

/// Per-item outcomes of a batch write.
pub type ItemResults = Vec<Result<Row, TrackingError>>;

/// Why a tracking write was refused.
#[derive(Debug, thiserror::Error)]
pub enum TrackingError {
    /// Creating one that exists (TrackingMore 4016).
    #[error("tracking already exists")]
    AlreadyExists,
    /// Changing one that does not exist (TrackingMore 4017).
    #[error("tracking does not exist")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A storage failure. Never shown to API clients beyond "internal error".
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The storage engine failed (I/O, corruption, lost connection). The message
    /// is the engine's; no engine type crosses this boundary.
    #[error("store: {0}")]
    Engine(String),
    /// The store cannot be reached (a database server down or unreachable); the
    /// request may succeed later, unchanged. Nothing was written.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A write failed after it was applied but before it was durable: a restart
    /// may or may not find it. The caller should read before retrying.
    #[error("store: the write may or may not have been saved: {0}")]
    OutcomeUnknown(String),
    /// A stored row did not decode.
    #[error("store: undecodable row in {tree}: {message}")]
    Decode {
        /// Tree name.
        tree: String,
        /// Decoder message.
        message: String,
    },
}
