//! The store: one interface over the storage engines. Callers see domain operations
//! and backend-neutral types ([`types`]); every write is durable when it returns;
//! waiting for new notification jobs is `jobs_ready`; leases carry an owner and an
//! expiry. Decisions are not made here: `core::plan` decides, a backend loads its
//! inputs and writes its result in one transaction.
//!
//! Two engines: sled (`store/sled/`, embedded, one process) and PostgreSQL
//! (`store/postgres/`, several nodes). [`Store`] is an enum over them with the same
//! methods; both run the same conformance suite (`tests/store.rs`).

mod group;
mod postgres;
mod sled;
pub mod types;

pub use self::postgres::schema::current as postgres_schema_version;
pub use self::postgres::PgStore;
pub use self::sled::SledStore;
pub use crate::core::plan::{Origin, PUSH_ID_RETENTION};
pub use crate::core::settings::{Notify, SlackDest, WebhookDest};
pub use types::hash_key as accounts_hash_key;
pub use types::*;

use crate::core::model::{Parcel, Tracking, Transition};
use crate::core::rules::{Attempt, Job};
use crate::core::schedule::PollPolicy;
use std::path::Path;
use std::sync::Arc;

/// The store of this process: sled or PostgreSQL.
#[derive(Clone)]
pub enum Store {
    /// Embedded, in `data_dir`.
    Sled(SledStore),
    /// A PostgreSQL database shared by several nodes.
    Postgres(PgStore),
}

/// Calls the same method on either backend; sled's reads are synchronous.
macro_rules! either {
    ($self:ident, $s:ident => $sled:expr, $p:ident => $pg:expr) => {
        match $self {
            Store::Sled($s) => $sled,
            Store::Postgres($p) => $pg,
        }
    };
}

impl Store {
    /// Opens (or creates) a sled store in `dir` with a page cache of `cache_mb` MiB.
    pub async fn open(dir: &Path, cache_mb: u64, policy: PollPolicy) -> Result<Store, StoreError> {
        Ok(Store::Sled(SledStore::open(dir, cache_mb, policy).await?))
    }

    /// Connects to a PostgreSQL database (TLS when the server offers it or the URL's
    /// `sslmode=require` asks; `ca_file` adds trusted CAs) and brings its schema up
    /// to date.
    pub async fn open_postgres(
        url: &str,
        pool_size: usize,
        ca_file: Option<&Path>,
        policy: PollPolicy,
    ) -> Result<Store, StoreError> {
        Ok(Store::Postgres(
            PgStore::open(url, pool_size, ca_file, policy).await?,
        ))
    }

    /// The backend's name, for logs.
    pub fn backend(&self) -> &'static str {
        either!(self, _s => "sled", _p => "postgres")
    }

    pub async fn upsert_account(
        &self,
        email: &str,
        profile: Profile<'_>,
        key_sha256: &str,
        notify: Option<Notify>,
        now: i64,
    ) -> Result<Account, StoreError> {
        either!(self,
            s => s.upsert_account(email, profile, key_sha256, notify, now).await,
            p => p.upsert_account(email, profile, key_sha256, notify, now).await)
    }

    pub async fn account(&self, id: u64) -> Result<Option<Account>, StoreError> {
        either!(self, s => s.account(id), p => p.account(id).await)
    }

    pub async fn account_by_key(&self, api_key: &str) -> Result<Option<Account>, StoreError> {
        either!(self, s => s.account_by_key(api_key), p => p.account_by_key(api_key).await)
    }

    /// One page of an account's trackings (sled walks its indexes on a blocking thread).
    pub async fn list(&self, account: u64, q: &ListQuery) -> Result<Page, StoreError> {
        match self {
            Store::Sled(s) => {
                let q = q.clone();
                blocking(s, move |s| s.list(account, &q)).await
            }
            Store::Postgres(p) => p.list(account, q).await,
        }
    }

    pub async fn status_counts(&self, account: u64, q: &ListQuery) -> Result<[u64; 8], StoreError> {
        either!(self, s => s.status_counts(account, q), p => p.status_counts(account, q).await)
    }

    /// Flushes what is buffered; for shutdown.
    pub fn flush(&self) -> Result<(), StoreError> {
        either!(self, s => s.flush(), p => p.flush())
    }

    /// Why the store can no longer write at all, once it cannot (sled after an
    /// I/O error); the gateway then exits for a restart. PostgreSQL reconnects.
    pub fn broken(&self) -> Option<String> {
        either!(self, s => s.broken(), _p => None)
    }

    /// Signalled when the store breaks (see [`Store::broken`]); never on PostgreSQL.
    pub fn broken_signal(&self) -> Arc<tokio::sync::Notify> {
        either!(self, s => s.broken_signal(), _p => Arc::new(tokio::sync::Notify::new()))
    }

    /// Signalled when a commit enqueues notification jobs.
    pub fn jobs_ready(&self) -> Arc<tokio::sync::Notify> {
        either!(self, s => s.jobs_ready(), p => p.jobs_ready())
    }

    /// Whether the store answers.
    pub async fn check(&self) -> Result<(), StoreError> {
        either!(self, s => s.check(), p => p.check().await)
    }

    pub async fn claim_due_jobs(
        &self,
        now: i64,
        limit: usize,
        lease: i64,
    ) -> Result<Vec<Job>, StoreError> {
        either!(self, s => s.claim_due_jobs(now, limit, lease).await, p => p.claim_due_jobs(now, limit, lease).await)
    }

    pub async fn record_attempt(
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
        };
        self.record_attempts(std::slice::from_ref(&record)).await
    }

    /// Records many tries in one commit (group commit): the dispatcher's many
    /// sends in flight share one write and one flush.
    pub async fn record_attempts(&self, records: &[AttemptRecord]) -> Result<(), StoreError> {
        either!(self,
            s => s.record_attempts(records).await,
            p => p.record_attempts(records).await)
    }

    /// Hands claimed jobs back unsent, each as [`Job::deferred`] made it: due later,
    /// lease ended, no try counted. A job no longer pending, or no longer leased to
    /// this process, is left as it is.
    pub async fn defer_jobs(&self, jobs: &[Job]) -> Result<(), StoreError> {
        either!(self, s => s.defer_jobs(jobs).await, p => p.defer_jobs(jobs).await)
    }

    pub async fn job(
        &self,
        account: u64,
        id: &str,
    ) -> Result<Option<(Job, Vec<Attempt>)>, StoreError> {
        either!(self, s => s.job(account, id), p => p.job(account, id).await)
    }

    pub async fn jobs(&self, account: u64, f: &JobFilter) -> Result<Vec<Job>, StoreError> {
        either!(self, s => s.jobs(account, f), p => p.jobs(account, f).await)
    }

    pub async fn requeue_jobs(
        &self,
        account: u64,
        ids: &[String],
        now: i64,
    ) -> Result<usize, StoreError> {
        either!(self, s => s.requeue_jobs(account, ids, now).await, p => p.requeue_jobs(account, ids, now).await)
    }

    pub async fn dead_since(&self, account: u64, since: i64) -> Result<Vec<String>, StoreError> {
        either!(self, s => s.dead_since(account, since), p => p.dead_since(account, since).await)
    }

    pub async fn set_notify<E>(
        &self,
        account: u64,
        change: impl FnOnce(&Notify) -> Result<Notify, E>,
    ) -> Result<Result<Notify, E>, StoreError> {
        either!(self, s => s.set_notify(account, change).await, p => p.set_notify(account, change).await)
    }

    pub async fn jobs_for(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
    ) -> Result<Vec<Job>, StoreError> {
        either!(self, s => s.jobs_for(account, carrier, number), p => p.jobs_for(account, carrier, number).await)
    }

    pub async fn outbox_stats(&self, now: i64) -> Result<OutboxStats, StoreError> {
        either!(self, s => s.outbox_stats(now), p => p.outbox_stats(now).await)
    }

    pub async fn apply_updates(
        &self,
        items: &[Incoming],
        origin: Origin,
        push_id: Option<PushKey<'_>>,
        now: i64,
    ) -> Result<ApplyReport, StoreError> {
        either!(self,
            s => s.apply_updates(items, origin, push_id, now).await,
            p => p.apply_updates(items, origin, push_id, now).await)
    }

    pub async fn transitions(
        &self,
        carrier: &str,
        number: &str,
    ) -> Result<Vec<Transition>, StoreError> {
        either!(self, s => s.transitions(carrier, number), p => p.transitions(carrier, number).await)
    }

    pub async fn route_stats(
        &self,
        account: u64,
        carrier: &str,
        origin: &str,
        destination: &str,
    ) -> Result<RouteStats, StoreError> {
        either!(self,
            s => s.route_stats(account, carrier, origin, destination),
            p => p.route_stats(account, carrier, origin, destination).await)
    }

    pub async fn claim_due_polls(
        &self,
        now: i64,
        limit: usize,
        lease: i64,
    ) -> Result<Vec<PollTarget>, StoreError> {
        either!(self, s => s.claim_due_polls(now, limit, lease).await, p => p.claim_due_polls(now, limit, lease).await)
    }

    pub async fn reschedule_poll(
        &self,
        carrier: &str,
        number: &str,
        at: i64,
        failed: bool,
    ) -> Result<(), StoreError> {
        either!(self,
            s => s.reschedule_poll(carrier, number, at, failed).await,
            p => p.reschedule_poll(carrier, number, at, failed).await)
    }

    /// How many polls are due at `now`, counted up to `cap` (sled checks each
    /// schedule entry against its parcel, on a blocking thread).
    pub async fn due_poll_count(&self, now: i64, cap: usize) -> Result<usize, StoreError> {
        match self {
            Store::Sled(s) => blocking(s, move |s| s.due_poll_count(now, cap)).await,
            Store::Postgres(p) => p.due_poll_count(now, cap).await,
        }
    }

    pub async fn parcel(&self, carrier: &str, number: &str) -> Result<Option<Parcel>, StoreError> {
        either!(self, s => s.parcel(carrier, number), p => p.parcel(carrier, number).await)
    }

    pub async fn tracking_by_id(&self, id: &str) -> Result<Option<(Tracking, Parcel)>, StoreError> {
        either!(self, s => s.tracking_by_id(id), p => p.tracking_by_id(id).await)
    }

    pub async fn tracking(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
    ) -> Result<Option<Row>, StoreError> {
        either!(self, s => s.tracking(account, carrier, number), p => p.tracking(account, carrier, number).await)
    }

    pub async fn create_trackings(
        &self,
        account: u64,
        items: Vec<NewTracking>,
        now: i64,
    ) -> Result<ItemResults, StoreError> {
        either!(self, s => s.create_trackings(account, items, now).await, p => p.create_trackings(account, items, now).await)
    }

    pub async fn update_trackings(
        &self,
        account: u64,
        items: Vec<(String, String, TrackingPatch)>,
        now: i64,
    ) -> Result<ItemResults, StoreError> {
        either!(self, s => s.update_trackings(account, items, now).await, p => p.update_trackings(account, items, now).await)
    }

    pub async fn delete_trackings(
        &self,
        account: u64,
        items: Vec<(String, String)>,
    ) -> Result<Vec<Result<(), TrackingError>>, StoreError> {
        either!(self, s => s.delete_trackings(account, items).await, p => p.delete_trackings(account, items).await)
    }

    pub async fn change_carrier(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
        new_carrier: &str,
        now: i64,
    ) -> Result<Row, TrackingError> {
        either!(self,
            s => s.change_carrier(account, carrier, number, new_carrier, now).await,
            p => p.change_carrier(account, carrier, number, new_carrier, now).await)
    }
}

/// Runs a sled read that walks many rows on a blocking thread, off the runtime.
async fn blocking<R: Send + 'static>(
    s: &SledStore,
    f: impl FnOnce(SledStore) -> Result<R, StoreError> + Send + 'static,
) -> Result<R, StoreError> {
    let s = s.clone();
    tokio::task::spawn_blocking(move || f(s))
        .await
        .map_err(|e| StoreError::Engine(e.to_string()))?
}
