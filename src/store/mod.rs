//! The store: one interface over the storage engines ([`backend`]), with
//! backend-neutral types ([`types`]). Every write is durable when it returns;
//! waiting for new notification jobs is `jobs_ready`; leases carry an owner and an
//! expiry. Decisions are not made here: `core::plan` decides, a backend loads its
//! inputs and writes its result in one transaction.
//!
//! Two engines: sled (`store/sled/`, embedded, one process) and PostgreSQL
//! (`store/postgres/`, several nodes). Both run the same conformance suite
//! (`tests/store.rs`).

pub mod backend;
pub mod copy;
mod group;
mod postgres;
mod sled;
pub mod types;

pub use self::backend::{
    Accounts, Alerts, Backend, Health, Outbox, Parcels, Polls, Retention, Trackings,
};
pub use self::postgres::schema::current as postgres_schema_version;
pub use self::postgres::{ImportTarget, PgStore};
pub use self::sled::SledStore;
pub use crate::core::plan::{Origin, PUSH_ID_RETENTION};
pub use types::*;

use crate::core::schedule::PollPolicy;
use std::path::Path;
use std::sync::Arc;

/// Bytes of the files under `dir` (a sled data directory's size on disk).
pub fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// The store of this process: a handle on one backend, cheap to clone. Every
/// operation is a method of [`Backend`], reached through `Deref`.
#[derive(Clone)]
pub struct Store(Arc<dyn Backend>);

impl Store {
    /// Opens (or creates) a sled store in `dir` with a page cache of `cache_mb` MiB.
    pub async fn open(dir: &Path, cache_mb: u64, policy: PollPolicy) -> Result<Store, StoreError> {
        Ok(Store::new(SledStore::open(dir, cache_mb, policy).await?))
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
        Ok(Store::new(
            PgStore::open(url, pool_size, ca_file, policy).await?,
        ))
    }

    /// A store over any backend.
    pub fn new(backend: impl Backend + 'static) -> Store {
        Store(Arc::new(backend))
    }
}

impl std::ops::Deref for Store {
    type Target = dyn Backend;

    fn deref(&self) -> &(dyn Backend + 'static) {
        &*self.0
    }
}
