//! The store's types: what callers hand the store and get back. Backend-neutral:
//! no engine type appears here, so every backend speaks them.

use crate::core::model::{Parcel, Tracking};
use crate::core::rules::{Channel, JobState};
use crate::core::status::Status;

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
    /// Only this carrier (a row filter under the account's other indexes).
    pub carrier: Option<String>,
}

impl ListQuery {
    pub(crate) fn matches(&self, t: &Tracking, p: &Parcel) -> bool {
        self.status.is_none_or(|s| t.effective_status(p) == s)
            && self.created.contains(t.created_at)
            && self.updated.contains(t.updated_at)
            && self.order_created.contains_opt(t.order_created_at)
            && self.archived.is_none_or(|a| t.archived == a)
            && self.carrier.as_ref().is_none_or(|c| &t.carrier_code == c)
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
            && self.carrier.is_none()
    }
}

/// One table's (or index's) share of the store, for `trackgate footprint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableBytes {
    /// Table or index name.
    pub table: String,
    /// Rows (an estimate on PostgreSQL: `reltuples`).
    pub rows: u64,
    /// Bytes: keys and values as stored (sled, before its own page overhead), or
    /// the relation's size on disk (PostgreSQL, `pg_relation_size`).
    pub bytes: u64,
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
    /// What the try tells its webhook endpoint's health; `None` when it changes
    /// nothing (a delivery to an endpoint with no failures).
    pub health: Option<crate::core::endpoints::HealthEvent>,
}

impl AttemptRecord {
    /// Whether recording it changes its account's settings too.
    pub fn changes_account(&self) -> bool {
        self.disable.is_some() || self.health.is_some()
    }
}

impl AttemptRecord {
    /// The job as the try leaves it ([`crate::core::rules::Job::after_try`]).
    pub fn job_after(&self) -> crate::core::rules::Job {
        self.job.clone().after_try(&self.next, &self.attempt)
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

impl JobFilter {
    /// Whether skipped notifications (never sent; see `core::fanout`) are left
    /// out: from an account's whole list, yes (they would outnumber the sent ones);
    /// from a tracking's list or when asked for by state, no.
    pub fn hides_skipped(&self) -> bool {
        self.tracking.is_none() && self.state.is_none()
    }
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
pub use crate::core::writes::{Incoming, NewTracking, TrackingPatch};

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

/// What one pass of [`crate::store::backend::Alerts::fire_due_alerts`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertPass {
    /// Trackings whose watch was written (fired, or a spell restarted).
    pub handled: usize,
    /// The alerts that fired.
    pub fired: Vec<crate::core::alerts::Alert>,
    /// Notifications enqueued.
    pub jobs: usize,
}

/// What a tracking's indexed columns hold beside its row: the status its account
/// sees and its alert watch's entries. Computed from the tracking and its parcel
/// (a copy between stores carries it, as the parcel may come in another chunk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackingIndex {
    pub status: crate::core::status::Status,
    pub watch: crate::core::alerts::WatchKeys,
    /// When its final status began (retention).
    pub final_since: Option<i64>,
}

impl TrackingIndex {
    /// The columns of `t` following `p` (none known: its forced status, else pending).
    pub fn of(
        t: &crate::core::model::Tracking,
        p: Option<&crate::core::model::Parcel>,
    ) -> TrackingIndex {
        match p {
            Some(p) => TrackingIndex {
                status: t.effective_status(p),
                watch: crate::core::alerts::watch_keys(t, p),
                final_since: crate::core::retention::final_since(t, p),
            },
            None => TrackingIndex {
                status: t
                    .status_override
                    .unwrap_or(crate::core::status::Status::Pending),
                watch: Default::default(),
                final_since: None,
            },
        }
    }
}

/// What one retention pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionPass {
    pub trackings: usize,
    /// Parcels nobody tracked any more, with their transitions.
    pub parcels: usize,
}
