//! The store's interface, stated once: what every backend does, grouped by what it
//! holds. A backend implements each part where that part's code lives
//! (`sled/accounts.rs` implements [`Accounts`] for sled, and so on); callers hold a
//! [`Store`](super::Store), which is `Arc<dyn Backend>`.
//!
//! Every write is durable when it returns. Writes persist what `core` decided (the
//! decision table atop `core/plan.rs` names the function for each); a backend loads
//! a plan's inputs and writes its result in one transaction, and decides nothing.
//! Reads that walk many rows run off the async threads (sled) or in the database.

use super::types::*;
use crate::core::connect::settings::ConnectSettings;
use crate::core::model::{Parcel, Tracking, Transition};
use crate::core::plan::Origin;
use crate::core::replay::Replay;
use crate::core::rules::{Attempt, Job};
use crate::core::settings::{Notify, NotifyChange, SettingsError};
use async_trait::async_trait;
use std::sync::Arc;

/// Accounts and their notification settings.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Creates the account for `email`, or updates its profile, keys and (when
    /// given) settings, as `core::account::plan_upsert` decides.
    async fn upsert_account(
        &self,
        email: &str,
        profile: Profile<'_>,
        key_sha256s: &[String],
        notify: Option<Notify>,
        now: i64,
    ) -> Result<Account, StoreError>;

    /// Disables every account whose email key (`core::account::email_key`) is not
    /// in `configured`, as `core::account::plan_retire` decides; returns every
    /// such account, disabled now or at an earlier start.
    async fn retire_accounts(
        &self,
        configured: &[String],
        now: i64,
    ) -> Result<Vec<Account>, StoreError>;

    async fn account(&self, id: u64) -> Result<Option<Account>, StoreError>;

    /// The account whose key this is (compared in constant time).
    async fn account_by_key(&self, api_key: &str) -> Result<Option<Account>, StoreError>;

    /// Replaces an account's connected stores; `None` when there is no such account.
    async fn set_connect(
        &self,
        account: u64,
        connect: ConnectSettings,
    ) -> Result<Option<Account>, StoreError>;

    /// Every account with a connected store (accounts are few: read whole).
    async fn connected_accounts(&self) -> Result<Vec<Account>, StoreError>;

    /// Applies `change` to the account's settings as they are when the write runs
    /// (so a destination a delivery disabled meanwhile is not lost); a change that
    /// does not fit them writes nothing and says why.
    async fn set_notify(
        &self,
        account: u64,
        change: &NotifyChange,
    ) -> Result<Result<Notify, SettingsError>, StoreError>;
}

/// Trackings: an account's view of a parcel.
#[async_trait]
pub trait Trackings: Send + Sync {
    /// One page of an account's trackings.
    async fn list(&self, account: u64, q: &ListQuery) -> Result<Page, StoreError>;

    /// How many of the account's trackings match `q`, by status.
    async fn status_counts(&self, account: u64, q: &ListQuery) -> Result<[u64; 8], StoreError>;

    async fn tracking_by_id(&self, id: &str) -> Result<Option<Row>, StoreError>;

    async fn tracking(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
    ) -> Result<Option<Row>, StoreError>;

    async fn create_trackings(
        &self,
        account: u64,
        items: Vec<NewTracking>,
        now: i64,
    ) -> Result<ItemResults, StoreError>;

    async fn update_trackings(
        &self,
        account: u64,
        items: Vec<(String, String, TrackingPatch)>,
        now: i64,
    ) -> Result<ItemResults, StoreError>;

    async fn delete_trackings(
        &self,
        account: u64,
        items: Vec<(String, String)>,
    ) -> Result<Vec<Result<(), TrackingError>>, StoreError>;

    /// Moves a tracking to another carrier, as `core::plan::plan_carrier_move` says.
    async fn change_carrier(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
        new_carrier: &str,
        now: i64,
    ) -> Result<Row, TrackingError>;
}

/// Parcels: what carriers said, shared by every account tracking the number.
#[async_trait]
pub trait Parcels: Send + Sync {
    /// Applies carrier news in one commit (`core::plan::plan_apply`); a push id
    /// already seen applies nothing.
    async fn apply_updates(
        &self,
        items: &[Incoming],
        origin: Origin,
        push_id: Option<PushKey<'_>>,
        now: i64,
    ) -> Result<ApplyReport, StoreError>;

    async fn parcel(&self, carrier: &str, number: &str) -> Result<Option<Parcel>, StoreError>;

    /// Whether a push id was recorded (by [`Parcels::apply_updates`]) and is still
    /// remembered: for receivers that must not act on a delivery twice before they
    /// record it.
    async fn push_seen(&self, source: &str, id: &str) -> Result<bool, StoreError>;

    /// A parcel's status changes, oldest first.
    async fn transitions(&self, carrier: &str, number: &str)
        -> Result<Vec<Transition>, StoreError>;

    /// Delivery times of an account's delivered parcels on one route.
    async fn route_stats(
        &self,
        account: u64,
        carrier: &str,
        origin: &str,
        destination: &str,
    ) -> Result<RouteStats, StoreError>;
}

/// The poll schedule.
#[async_trait]
pub trait Polls: Send + Sync {
    /// Leases up to `limit` polls due at `now` for `lease` seconds.
    async fn claim_due_polls(
        &self,
        now: i64,
        limit: usize,
        lease: i64,
    ) -> Result<Vec<PollTarget>, StoreError>;

    async fn reschedule_poll(
        &self,
        carrier: &str,
        number: &str,
        at: i64,
        failed: bool,
    ) -> Result<(), StoreError>;

    /// How many polls are due at `now`, counted up to `cap`.
    async fn due_poll_count(&self, now: i64, cap: usize) -> Result<usize, StoreError>;
}

/// Alerts on what carriers never report (`core::alerts`).
#[async_trait]
pub trait Alerts: Send + Sync {
    /// Fires the alerts due at `now` for every enabled account's thresholds, up to
    /// `limit` trackings: each with its watch moved on and its notifications in
    /// one commit (PostgreSQL: rows claimed `FOR UPDATE SKIP LOCKED`, so one node
    /// fires each).
    async fn fire_due_alerts(&self, now: i64, limit: usize) -> Result<AlertPass, StoreError>;
}

/// Retention (`core::retention`): trackings final since a cutoff, oldest first.
#[async_trait]
pub trait Retention: Send + Sync {
    /// Up to `limit` trackings whose final status began at or before `cutoff`,
    /// with their parcels: what the next passes delete (an export before).
    async fn final_before(
        &self,
        cutoff: i64,
        limit: usize,
    ) -> Result<Vec<(Tracking, Parcel)>, StoreError>;

    /// Deletes up to `limit` of them in one commit, each with its indexes,
    /// counters and notifications, and its parcel (transitions, schedule) when
    /// nobody else tracks it (PostgreSQL: rows claimed `FOR UPDATE SKIP LOCKED`).
    async fn delete_final(&self, cutoff: i64, limit: usize) -> Result<RetentionPass, StoreError>;

    /// Drops the tries of up to `limit` delivered notifications created at or
    /// before `cutoff` (the notification stays, with its count of tries), going on
    /// from where the last call stopped; how many. Dead ones keep theirs.
    async fn prune_attempts(&self, cutoff: i64, limit: usize) -> Result<usize, StoreError>;
}

/// The notification outbox.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Leases up to `limit` jobs due at `now` for `lease` seconds.
    async fn claim_due_jobs(
        &self,
        now: i64,
        limit: usize,
        lease: i64,
    ) -> Result<Vec<Job>, StoreError>;

    /// Records many tries in one commit (group commit): the dispatcher's many
    /// sends in flight share one write and one flush.
    async fn record_attempts(&self, records: &[AttemptRecord]) -> Result<(), StoreError>;

    /// Records one try.
    async fn record_attempt(
        &self,
        job: &Job,
        attempt: Attempt,
        next: Next,
        disable: Option<String>,
    ) -> Result<(), StoreError> {
        let record = AttemptRecord {
            job: job.clone(),
            attempt,
            next,
            disable,
            health: None,
        };
        self.record_attempts(std::slice::from_ref(&record)).await
    }

    /// Hands claimed jobs back unsent, each as [`Job::deferred`] made it: due later,
    /// lease ended, no try counted. A job no longer pending, or no longer leased to
    /// this process, is left as it is.
    async fn defer_jobs(&self, jobs: &[Job]) -> Result<(), StoreError>;

    async fn job(&self, account: u64, id: &str) -> Result<Option<(Job, Vec<Attempt>)>, StoreError>;

    /// An account's jobs, newest first.
    async fn jobs(&self, account: u64, f: &JobFilter) -> Result<Vec<Job>, StoreError>;

    /// A manual retry of each of the account's jobs among `ids`, as
    /// `Job::replayed` decides; what was done to each one found, in `ids` order.
    async fn requeue_jobs(
        &self,
        account: u64,
        ids: &[String],
        now: i64,
    ) -> Result<Vec<Replay>, StoreError>;

    /// Ids of the account's jobs that died at or after `since`.
    async fn dead_since(&self, account: u64, since: i64) -> Result<Vec<String>, StoreError>;

    /// Every job about one tracking of an account, oldest first.
    async fn jobs_for(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
    ) -> Result<Vec<Job>, StoreError>;

    /// Pending jobs and how late the oldest due one is.
    async fn outbox_stats(&self, now: i64) -> Result<OutboxStats, StoreError>;
}

/// The engine itself.
#[async_trait]
pub trait Health: Send + Sync {
    /// The backend's name, for logs.
    fn backend(&self) -> &'static str;

    /// Whether the store answers.
    async fn check(&self) -> Result<(), StoreError>;

    /// Flushes what is buffered; for shutdown.
    fn flush(&self) -> Result<(), StoreError>;

    /// Why the store can no longer write at all, once it cannot (sled after an
    /// I/O error); the gateway then exits for a restart. PostgreSQL reconnects.
    fn broken(&self) -> Option<String> {
        None
    }

    /// Signalled when the store breaks (see [`Health::broken`]).
    fn broken_signal(&self) -> Arc<tokio::sync::Notify> {
        Arc::new(tokio::sync::Notify::new())
    }

    /// Signalled when a commit enqueues notification jobs.
    fn jobs_ready(&self) -> Arc<tokio::sync::Notify>;

    /// Where the bytes go: rows and bytes per table (and per index, where the
    /// engine keeps them apart), largest first. Reads everything on sled: for the
    /// operator's `trackgate footprint`, not for a hot path.
    async fn footprint(&self) -> Result<Vec<TableBytes>, StoreError>;
}

/// A storage engine: every part of the interface.
pub trait Backend:
    Accounts + Trackings + Parcels + Polls + Alerts + Retention + Outbox + Health + Send + Sync
{
}

impl<B> Backend for B where
    B: Accounts + Trackings + Parcels + Polls + Alerts + Retention + Outbox + Health + Send + Sync
{
}
