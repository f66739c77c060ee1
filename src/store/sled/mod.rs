//! The sled backend (embedded, the default): one process owns the directory.
//!
//! Every table lives in one sled tree under its own key prefix (`rows.rs`). Writes
//! are serialised by one writer lock. A write stages its changes in a [`Tx`] (reads
//! see the staged changes), then commits them in one atomic batch: a row and its
//! indexes and counters change together or not at all.
//! sled only reaches disk on flush, so a write returns once a flush that began
//! after its commit is done; concurrent writers share flushes (group commit).

mod account_rows;
mod accounts;
mod alerts;
mod durability;
mod engine;
mod export;
mod failure;
mod group;
mod job_rows;
mod keys;
mod list;
mod migrate;
mod notifications;
mod notify_rows;
mod outbox;
mod parcels;
mod polls;
mod pushes;
mod retention;
mod rows;
#[cfg(test)]
mod testing;
mod trackings;

use crate::store::types::*;

use crate::core::schedule::PollPolicy;
use crate::store::backend::Health;
use async_trait::async_trait;
use durability::Flusher;
use keys::T;
use rows::Part;
use serde::{de::DeserializeOwned, Serialize};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> StoreError {
        StoreError::Engine(e.to_string())
    }
}

/// The sled store handle; cheap to clone.
#[derive(Clone)]
pub struct SledStore {
    inner: Arc<Inner>,
}

struct Inner {
    db: sled::Db,
    /// Every table's rows, each under its prefix.
    rows: sled::Tree,
    writer: tokio::sync::Mutex<()>,
    flusher: Flusher,
    policy: PollPolicy,
    /// This process's id, the owner of the leases it takes.
    node: String,
    /// Jobs claimed and not yet recorded, with when their lease ends (in memory:
    /// one process owns the directory).
    leases: std::sync::Mutex<HashMap<Vec<u8>, i64>>,
    /// Batches of news waiting to share the next commit.
    applies: crate::store::group::Queue,
    /// Signalled when a commit enqueues notification jobs.
    jobs_ready: Arc<tokio::sync::Notify>,
    /// The first write failure that broke the store, if one has.
    failure: Arc<failure::WriteFailure>,
}

impl SledStore {
    /// Opens (or creates) the store in `dir` with a page cache of `cache_mb` MiB;
    /// `policy` schedules polls.
    ///
    /// Leases are kept in memory, so a job a dead process was sending is still
    /// pending on disk; leases an earlier release wrote to disk are released here
    /// (one process owns the directory, so every lease found at open is stale).
    pub async fn open(
        dir: &Path,
        cache_mb: u64,
        policy: PollPolicy,
    ) -> Result<SledStore, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Engine(format!("{}: {e}", dir.display())))?;
        let format = engine::Format::of(dir);
        let db = format
            .config(dir, engine::cache_capacity(cache_mb))
            .open()
            .map_err(|e| match e {
                // sled says so only in the message.
                sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
                    StoreError::Engine(format!(
                        "another trackgate holds {} (its lock on {}/db is taken): stop it first, or give this one another data_dir",
                        dir.display(),
                        dir.display()
                    ))
                }
                other => other.into(),
            })?;
        for retired in T::RETIRED {
            db.drop_tree(retired)?;
        }
        let rows = db.open_tree(rows::ROWS)?;
        // Refuse a newer layout before touching anything.
        rows::check_layout(&rows)?;
        let moved = rows::adopt_old_trees(&db, &rows)?;
        if moved > 0 {
            tracing::info!(rows = moved, "rows moved into the one-tree layout");
        }
        let failure = Arc::new(failure::WriteFailure::default());
        let flusher = Flusher::new(db.clone(), failure.clone());
        let store = SledStore {
            inner: Arc::new(Inner {
                db,
                rows,
                writer: tokio::sync::Mutex::new(()),
                flusher,
                policy,
                jobs_ready: Arc::default(),
                node: format!("{:016x}", rand::random::<u64>()),
                leases: Default::default(),
                applies: Default::default(),
                failure,
            }),
        };
        store.migrate()?;
        let released = store.release_leases(crate::core::time::now()).await?;
        if released > 0 {
            tracing::info!(
                jobs = released,
                "resending notifications interrupted by a crash"
            );
        }
        Ok(store)
    }

    fn tree(&self, t: T) -> Part<'_> {
        Part {
            rows: &self.inner.rows,
            t,
        }
    }

    fn get<V: DeserializeOwned>(&self, t: T, key: &[u8]) -> Result<Option<V>, StoreError> {
        self.tree(t).get(key)?.map(|v| decode(t, &v)).transpose()
    }

    /// A transaction that has staged nothing: what a write starts from, and how a
    /// read outside a write sees committed rows through the same code as writes.
    fn reader(&self) -> Tx<'_> {
        Tx {
            store: self,
            staged: HashMap::new(),
            seen: Default::default(),
        }
    }

    /// Runs a read that walks many rows on a blocking thread, off the runtime's
    /// threads (sled's reads are synchronous).
    async fn off_runtime<R: Send + 'static>(
        &self,
        read: impl FnOnce(&SledStore) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || read(&store))
            .await
            .map_err(|e| StoreError::Engine(e.to_string()))?
    }

    /// Runs `f` as the only writer, commits what it staged atomically, and returns
    /// once the commit is on disk. The flush is shared: writers that commit while
    /// one flush runs wait for the next together (group commit), and the writer lock
    /// is not held while waiting. A write that staged nothing still waits for the
    /// writes before it, so a duplicate is acknowledged only once its original is.
    async fn write<R>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let (out, seq) = self.commit(f).await?;
        self.inner.flusher.wait(seq).await?;
        Ok(out)
    }

    /// Runs `f` as the only writer and commits what it staged atomically; returns
    /// `f`'s result and the commit's sequence number. Not yet durable.
    ///
    /// The lock is async: a request waiting for it yields its runtime thread to
    /// other requests instead of parking it.
    async fn commit<R>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<R, StoreError>,
    ) -> Result<(R, u64), StoreError> {
        let guard = self.inner.writer.lock().await;
        self.commit_locked(guard, f).await
    }

    /// [`SledStore::commit`] for a caller that already holds the writer lock.
    async fn commit_locked<R>(
        &self,
        _guard: tokio::sync::MutexGuard<'_, ()>,
        f: impl FnOnce(&mut Tx<'_>) -> Result<R, StoreError>,
    ) -> Result<(R, u64), StoreError> {
        let mut tx = self.reader();
        let out = f(&mut tx)?;
        tx.close_seen()?;
        if tx.staged.is_empty() {
            return Ok((out, self.inner.flusher.written()));
        }
        let mut batch = sled::Batch::default();
        for (k, v) in tx.staged {
            match v {
                Some(v) => batch.insert(k, v),
                None => batch.remove(k),
            }
        }
        if let Err(e) = self.inner.rows.apply_batch(batch) {
            self.inner.failure.record(&e);
            return Err(e.into());
        }
        Ok((out, self.inner.flusher.note_write()))
    }
}

#[async_trait]
impl Health for SledStore {
    fn backend(&self) -> &'static str {
        "sled"
    }

    async fn footprint(&self) -> Result<Vec<TableBytes>, StoreError> {
        let mut by_prefix: std::collections::BTreeMap<u8, (u64, u64)> = Default::default();
        for kv in self.inner.rows.iter() {
            let (k, v) = kv?;
            let Some(&prefix) = k.first() else { continue };
            let e = by_prefix.entry(prefix).or_default();
            e.0 += 1;
            e.1 += (k.len() + v.len()) as u64;
        }
        let mut out: Vec<TableBytes> = by_prefix
            .into_iter()
            .map(|(prefix, (rows, bytes))| TableBytes {
                table: keys::T::ALL
                    .iter()
                    .find(|t| t.prefix() == prefix)
                    .map_or_else(|| format!("prefix {prefix}"), |t| t.name()),
                rows,
                bytes,
            })
            .collect();
        out.sort_by_key(|t| std::cmp::Reverse(t.bytes));
        Ok(out)
    }

    /// A cheap liveness check of the store; fails for good once a write has.
    async fn check(&self) -> Result<(), StoreError> {
        if let Some(why) = self.inner.failure.reason() {
            return Err(StoreError::Engine(format!("writes fail: {why}")));
        }
        self.tree(T::Meta).get(b"ping")?;
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.inner.db.flush()?;
        Ok(())
    }

    fn broken(&self) -> Option<String> {
        self.inner.failure.reason().map(str::to_string)
    }

    fn broken_signal(&self) -> Arc<tokio::sync::Notify> {
        self.inner.failure.signal()
    }

    /// Woken whenever a commit enqueues notification jobs, so the dispatcher need
    /// not poll for them.
    fn jobs_ready(&self) -> Arc<tokio::sync::Notify> {
        self.inner.jobs_ready.clone()
    }
}

/// A write in progress: staged changes (by prefixed key), visible to its own reads.
pub(crate) struct Tx<'a> {
    store: &'a SledStore,
    staged: HashMap<Vec<u8>, Option<Vec<u8>>>,
    /// Push ids first seen in this commit (`pushes.rs`).
    seen: pushes::SeenInCommit,
}

impl Tx<'_> {
    fn raw(&self, t: T, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let key = rows::key(t, key);
        if let Some(v) = self.staged.get(&key) {
            return Ok(v.clone());
        }
        Ok(self.store.inner.rows.get(key)?.map(|v| v.to_vec()))
    }

    fn get<V: DeserializeOwned>(&self, t: T, key: &[u8]) -> Result<Option<V>, StoreError> {
        self.raw(t, key)?.map(|v| decode(t, &v)).transpose()
    }

    fn put<V: Serialize>(&mut self, t: T, key: Vec<u8>, value: &V) {
        self.staged.insert(rows::key(t, &key), Some(encode(value)));
    }

    fn put_raw(&mut self, t: T, key: Vec<u8>, value: Vec<u8>) {
        self.staged.insert(rows::key(t, &key), Some(value));
    }

    fn del(&mut self, t: T, key: Vec<u8>) {
        self.staged.insert(rows::key(t, &key), None);
    }

    fn add(&mut self, t: T, key: Vec<u8>, delta: i64) -> Result<(), StoreError> {
        let now = self.raw(t, &key)?.map_or(0, |v| be_u64(&v));
        let next = (now as i64 + delta).max(0) as u64;
        self.put_raw(t, key, next.to_be_bytes().to_vec());
        Ok(())
    }

    /// Committed keys in `lo..hi`, at most `limit`.
    fn committed_range(
        &self,
        t: T,
        lo: &[u8],
        hi: &[u8],
        limit: usize,
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        self.store
            .tree(t)
            .range(lo..hi)
            .keys()
            .take(limit)
            .map(|k| k.map(|k| k.to_vec()).map_err(StoreError::from))
            .collect()
    }

    /// Keys of committed rows under `prefix` (staged changes are not seen; callers
    /// scan only prefixes they have not written in this commit).
    fn committed_keys(&self, t: T, prefix: &[u8]) -> Result<Vec<Vec<u8>>, StoreError> {
        self.store
            .tree(t)
            .scan_prefix(prefix)
            .keys()
            .map(|k| k.map(|k| k.to_vec()).map_err(StoreError::from))
            .collect()
    }
}

/// The first byte of a value in the compact encoding (postcard). Values written by
/// releases before it are JSON, whose first byte is never this; they are rewritten
/// at open (`migrate.rs`), and only that upgrade reads JSON ([`decode_any`]).
///
/// postcard is positional: changing the fields of a stored type (`Parcel`,
/// `Tracking`, `Job`, `Account`, ...) changes its encoding. Such a change needs a
/// new format byte, a decoder for this one, and a migration step.
const COMPACT_V1: u8 = 1;

/// A row's value: the format byte, then postcard (varints, no field names).
fn encode<V: Serialize>(value: &V) -> Vec<u8> {
    let out = vec![COMPACT_V1];
    postcard::to_extend(value, out).expect("model types always serialise")
}

/// A row's value, which is in the compact encoding: the upgrade at open
/// (`migrate.rs`) rewrites rows of older releases before anything reads them.
fn decode<V: DeserializeOwned>(t: T, bytes: &[u8]) -> Result<V, StoreError> {
    let err = |message: String| StoreError::Decode {
        tree: t.name(),
        message,
    };
    match bytes.split_first() {
        // A tracking row written before `Tracking::shop_url` (or `watch`) ends
        // before those last fields: read with them absent (postcard's `None` is
        // one zero byte), and rewritten in full when the tracking next changes.
        Some((&COMPACT_V1, rest)) if t == T::Trackings => postcard::from_bytes(rest)
            .or_else(|_| postcard::from_bytes(&[rest, &[0]].concat()))
            .or_else(|_| postcard::from_bytes(&[rest, &[0, 0]].concat()))
            .map_err(|e| err(e.to_string())),
        // Job rows have layouts of their own: `job_rows.rs` reads them.
        Some(_) if t == T::Jobs => Err(err("a job row: read it with job_rows".into())),
        Some((&COMPACT_V1, rest)) => postcard::from_bytes(rest).map_err(|e| err(e.to_string())),
        _ => Err(err(
            "not in the compact encoding (a row of an older release that the upgrade at open did not rewrite)".into(),
        )),
    }
}

/// A row's value in either encoding: for the upgrade at open only, which rewrites
/// the JSON rows of releases before the compact encoding.
fn decode_any<V: DeserializeOwned>(t: T, bytes: &[u8]) -> Result<V, StoreError> {
    match bytes.first() {
        Some(&COMPACT_V1) => decode(t, bytes),
        _ => serde_json::from_slice(bytes).map_err(|e| StoreError::Decode {
            tree: t.name(),
            message: e.to_string(),
        }),
    }
}

fn be_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    let n = b.len().min(8);
    a[8 - n..].copy_from_slice(&b[..n]);
    u64::from_be_bytes(a)
}

#[cfg(test)]
mod tracking_row_tests {
    use super::*;
    use crate::core::model::{Tracking, TrackingFields};
    use crate::core::status::Status;

    /// A tracking row as releases before `Tracking::shop_url` wrote it.
    #[derive(Serialize)]
    struct TrackingBeforeShopUrl {
        id: String,
        account: u64,
        carrier_code: String,
        tracking_number: String,
        created_at: i64,
        updated_at: i64,
        fields: TrackingFields,
        order_created_at: Option<i64>,
        archived: bool,
        status_override: Option<Status>,
        notupdate: bool,
    }

    #[test]
    fn a_tracking_row_from_before_the_shop_link_reads_without_it_and_new_rows_keep_it() {
        let old = TrackingBeforeShopUrl {
            id: "ab".repeat(16),
            account: 7,
            carrier_code: "usps".into(),
            tracking_number: "LX1".into(),
            created_at: 1,
            updated_at: 2,
            fields: TrackingFields {
                order_id: Some("#1".into()),
                ..TrackingFields::default()
            },
            order_created_at: None,
            archived: true,
            status_override: None,
            notupdate: true,
        };
        let t: Tracking = decode(T::Trackings, &encode(&old)).unwrap();
        assert_eq!((t.account, t.archived, t.notupdate), (7, true, true));
        assert_eq!(t.fields.order_id.as_deref(), Some("#1"));
        assert_eq!(t.shop_url, None);
        let linked = Tracking {
            shop_url: Some("https://track.example/LX1".into()),
            ..t
        };
        let back: Tracking = decode(T::Trackings, &encode(&linked)).unwrap();
        assert_eq!(back, linked);
    }

    #[test]
    fn a_tracking_row_from_before_alerts_reads_with_no_watch_and_keeps_its_link() {
        let old = TrackingBeforeShopUrl {
            id: "cd".repeat(16),
            account: 3,
            carrier_code: "dhl".into(),
            tracking_number: "JD1".into(),
            created_at: 1,
            updated_at: 2,
            fields: TrackingFields::default(),
            order_created_at: None,
            archived: false,
            status_override: Some(Status::Delivered),
            notupdate: false,
        };
        // A row of the release before alerts: postcard writes the fields in order,
        // so it is the row above followed by the link.
        let mut row = encode(&old);
        row.extend(postcard::to_allocvec(&Some("https://t.example/JD1")).unwrap());
        let t: Tracking = decode(T::Trackings, &row).unwrap();
        assert_eq!(t.shop_url.as_deref(), Some("https://t.example/JD1"));
        assert_eq!(
            (t.status_override, t.watch),
            (Some(Status::Delivered), None)
        );
    }
}
