//! Bringing a data directory written by an older release up to date, at open and
//! before anything is served. Each step is idempotent and marks itself done in
//! `Meta`; a crash midway leaves the mark unset, so the next start does it again.

use super::keys::{self, T};
use super::outbox::OUTBOX_PENDING;
use super::parcels::route_entry;
use super::{decode, decode_any, encode, job_rows, SledStore, StoreError};
use crate::core::model::{Parcel, Tracking, Transition};
use crate::core::rules::Attempt;
use serde::{de::DeserializeOwned, Serialize};

/// Set once every row is in the compact encoding.
const COMPACT_ROWS: &[u8] = b"compact_rows";

/// Set once every tracking is in the id index (the tracking page's lookup).
const IDS_INDEXED: &[u8] = b"ids_indexed";

/// Set once the costtime index is per account (before, it was one row per parcel
/// and counted every shop's parcels).
const ROUTES_PER_ACCOUNT: &[u8] = b"routes_per_account";

/// Set once every try is in its job's row and the per-tracking job index is gone
/// (layout 4, see `job_rows.rs`).
const ATTEMPTS_IN_JOBS: &[u8] = b"attempts_in_jobs";

/// Set once every job row holds its tries list (see `migrate_job_rows`).
const JOB_ROWS_WHOLE: &[u8] = b"job_rows_whole";

/// Rows changed per atomic batch while moving tries into their jobs.
const MOVE_BATCH: usize = 10_000;

impl SledStore {
    /// Runs every step an older data directory needs.
    pub(super) fn migrate(&self) -> Result<(), StoreError> {
        self.migrate_rows()?;
        self.migrate_accounts()?;
        self.migrate_routes()?;
        self.migrate_outbox_count()?;
        self.migrate_ids()?;
        self.migrate_attempts()?;
        self.migrate_job_rows()?;
        self.migrate_watch()?;
        Ok(())
    }

    /// Gives every job row its tries list (empty for a job never tried), so that
    /// reads know one row format: rows of jobs never tried before layout 4 held
    /// the job alone.
    fn migrate_job_rows(&self) -> Result<(), StoreError> {
        if self.tree(T::Meta).get(JOB_ROWS_WHOLE)?.is_some() {
            return Ok(());
        }
        let (mut n, mut batch) = (0usize, sled::Batch::default());
        for kv in self.tree(T::Jobs).iter() {
            let (k, v) = kv?;
            if job_rows::decode(&v).is_ok() {
                continue;
            }
            let (job, tries) = job_rows::decode_any(&v)?;
            batch.insert(
                super::rows::key(T::Jobs, &k),
                job_rows::encode(&job, &tries),
            );
            n += 1;
            if n % MOVE_BATCH == 0 {
                self.inner.rows.apply_batch(std::mem::take(&mut batch))?;
            }
        }
        self.inner.rows.apply_batch(batch)?;
        self.tree(T::Meta).insert(JOB_ROWS_WHOLE, &[1u8][..])?;
        self.inner.db.flush()?;
        if n > 0 {
            tracing::info!(jobs = n, "job rows given their tries list");
        }
        Ok(())
    }

    /// Moves each try from its own row (layouts before 4) into its job's row, and
    /// drops the per-tracking job index (a tracking's jobs are found from its
    /// parcel's transitions now). A job's row and the deletion of its tries'
    /// rows are in one atomic batch, and a try already in the row is not added
    /// again, so a crash midway loses or doubles nothing.
    fn migrate_attempts(&self) -> Result<(), StoreError> {
        if self.tree(T::Meta).get(ATTEMPTS_IN_JOBS)?.is_some() {
            return Ok(());
        }
        let (mut moved, mut batch, mut changed) = (0u64, sled::Batch::default(), 0);
        let mut job: Option<(Vec<u8>, Vec<Attempt>)> = None;
        for kv in self.tree(T::Attempts).iter() {
            let (k, v) = kv?;
            // The key is the job id, 0x00, then the try's number (4 bytes).
            let id = &k[..k.len().saturating_sub(5)];
            if let Some((held, tries)) = job.take_if(|(held, _)| held[..] != *id) {
                changed += self.stage_tries(&mut batch, &held, tries)?;
                // Between jobs only: a job's row goes with its tries' deletions.
                if changed >= MOVE_BATCH {
                    self.inner.rows.apply_batch(std::mem::take(&mut batch))?;
                    changed = 0;
                }
            }
            let tries = &mut job.get_or_insert_with(|| (id.to_vec(), Vec::new())).1;
            tries.push(decode::<job_rows::AttemptV1>(T::Attempts, &v)?.into());
            batch.remove(super::rows::key(T::Attempts, &k));
            moved += 1;
        }
        if let Some((held, tries)) = job {
            self.stage_tries(&mut batch, &held, tries)?;
        }
        self.inner.rows.apply_batch(batch)?;
        let dropped = self.tree(T::JobsByTracking).clear()?;
        self.tree(T::Meta).insert(ATTEMPTS_IN_JOBS, &[1u8][..])?;
        self.inner.db.flush()?;
        if moved + dropped > 0 {
            tracing::info!(
                attempts = moved,
                index_entries = dropped,
                "tries moved into their jobs' rows; per-tracking job index dropped"
            );
        }
        Ok(())
    }

    /// Stages one job's row with `tries` added (those it does not hold yet);
    /// returns how many rows were staged. The tries of a job no longer there are
    /// only deleted.
    fn stage_tries(
        &self,
        batch: &mut sled::Batch,
        id: &[u8],
        tries: Vec<Attempt>,
    ) -> Result<usize, StoreError> {
        let Some(v) = self.tree(T::Jobs).get(id)? else {
            return Ok(0);
        };
        let (job, mut held) = job_rows::decode_any(&v)?;
        for t in tries {
            if !held.iter().any(|h| h.number == t.number) {
                held.push(t);
            }
        }
        held.sort_by_key(|t| t.number);
        batch.insert(super::rows::key(T::Jobs, id), job_rows::encode(&job, &held));
        Ok(1)
    }

    /// Indexes every tracking by its id, once, for a directory written before the
    /// tracking page existed.
    fn migrate_ids(&self) -> Result<(), StoreError> {
        if self.tree(T::Meta).get(IDS_INDEXED)?.is_some() {
            return Ok(());
        }
        let ids = self.tree(T::ById);
        for kv in self.tree(T::Trackings).iter() {
            let (k, v) = kv?;
            let t: Tracking = decode(T::Trackings, &v)?;
            let Ok(id) = hex::decode(&t.id) else {
                continue;
            };
            // The Trackings key is account + parcel key, as the index wants it.
            ids.insert(keys::cat(&[&id, &k]), &[][..])?;
        }
        self.tree(T::Meta).insert(IDS_INDEXED, &[1u8][..])?;
        self.inner.db.flush()?;
        Ok(())
    }

    /// Rewrites rows still in JSON (releases before the compact encoding) in the
    /// compact one, tree by tree, before anything else reads them (reads know the
    /// compact encoding only); a row that decodes in neither stops the start with
    /// its tree named.
    fn migrate_rows(&self) -> Result<(), StoreError> {
        if self.tree(T::Meta).get(COMPACT_ROWS)?.is_some() {
            return Ok(());
        }
        let mut n = 0;
        n += self.rewrite::<super::account_rows::AccountV1>(T::Accounts)?;
        n += self.rewrite::<u64>(T::ApiKeys)?;
        n += self.rewrite::<u64>(T::AccountEmails)?;
        n += self.rewrite::<Tracking>(T::Trackings)?;
        n += self.rewrite::<Parcel>(T::Parcels)?;
        n += self.rewrite::<Transition>(T::Transitions)?;
        n += self.rewrite::<job_rows::JobV1>(T::Jobs)?;
        n += self.rewrite::<job_rows::AttemptV1>(T::Attempts)?;
        let meta = self.tree(T::Meta);
        if let Some(v) = meta.get(b"next_account_id")? {
            let id: u64 = decode_any(T::Meta, &v)?;
            meta.insert(b"next_account_id", encode(&id))?;
        }
        meta.insert(COMPACT_ROWS, &[1u8][..])?;
        self.inner.db.flush()?;
        if n > 0 {
            tracing::info!(rows = n, "rows rewritten in the compact encoding");
        }
        Ok(())
    }

    /// Re-encodes one table's JSON rows; returns how many.
    fn rewrite<V: Serialize + DeserializeOwned>(&self, t: T) -> Result<usize, StoreError> {
        let tree = self.tree(t);
        let mut n = 0;
        let mut batch = sled::Batch::default();
        for kv in tree.iter() {
            let (k, v) = kv?;
            if matches!(
                v.first(),
                Some(
                    &super::COMPACT_V1
                        | &super::job_rows::JOB_ROW_V2
                        | &super::job_rows::JOB_ROW_V3
                )
            ) {
                continue;
            }
            let row: V = decode_any(t, &v)?;
            batch.insert(super::rows::key(t, &k), encode(&row));
            n += 1;
            if n % 10_000 == 0 {
                self.inner.rows.apply_batch(std::mem::take(&mut batch))?;
            }
        }
        self.inner.rows.apply_batch(batch)?;
        Ok(n)
    }

    /// Rebuilds the costtime index per account from the trackings, once, for a data
    /// directory written before it was. Runs at open, before anything is served; a
    /// crash midway leaves the flag unset, so the next start does it again.
    fn migrate_routes(&self) -> Result<(), StoreError> {
        if self.tree(T::Meta).get(ROUTES_PER_ACCOUNT)?.is_some() {
            return Ok(());
        }
        let routes = self.tree(T::Routes);
        routes.clear()?;
        let mut rebuilt = 0u64;
        for v in self.tree(T::Trackings).iter().values() {
            let t: Tracking = decode(T::Trackings, &v?)?;
            let pk = keys::parcel(&t.carrier_code, &t.tracking_number);
            let Some(p) = self.get::<Parcel>(T::Parcels, &pk)? else {
                continue;
            };
            if let Some(k) = route_entry(t.account, &p) {
                routes.insert(k, &[][..])?;
                rebuilt += 1;
            }
        }
        self.tree(T::Meta).insert(ROUTES_PER_ACCOUNT, &[1u8][..])?;
        self.inner.db.flush()?;
        if rebuilt > 0 {
            tracing::info!(entries = rebuilt, "costtime index rebuilt per account");
        }
        Ok(())
    }

    /// Counts the pending jobs once for a data directory written before the count
    /// was kept (every pending job is in the due index).
    fn migrate_outbox_count(&self) -> Result<(), StoreError> {
        let meta = self.tree(T::Meta);
        if meta.get(OUTBOX_PENDING)?.is_none() {
            let n = self.tree(T::JobsDue).len() as u64;
            meta.insert(OUTBOX_PENDING, &n.to_be_bytes()[..])?;
            self.inner.db.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::job_rows::tests::{attempt, job};
    use super::*;
    use crate::store::backend::*;

    /// A try's row as layouts before 4 wrote it.
    fn old_try(n: u32) -> Vec<u8> {
        encode(&job_rows::AttemptV1::from(&attempt(n)))
    }

    #[tokio::test]
    async fn tries_move_into_their_jobs_once_and_the_tracking_index_goes() {
        let (_dir, store) = super::super::testing::temp_store().await;
        // A layout-3 directory: the job alone in its row, each try in a row of its
        // own, and the per-tracking index.
        let (jobs, tries) = (store.tree(T::Jobs), store.tree(T::Attempts));
        let old = job_rows::JobV1::from(&job());
        jobs.insert(b"msg_1", encode(&old)).unwrap();
        let try_key = |id: &str, n: u32| keys::cat(&[id.as_bytes(), &[0], &n.to_be_bytes()]);
        for n in [2, 1, 3] {
            tries.insert(try_key("msg_1", n), old_try(n)).unwrap();
        }
        tries.insert(try_key("msg_gone", 1), old_try(1)).unwrap();
        store
            .tree(T::JobsByTracking)
            .insert(b"index-entry", &[][..])
            .unwrap();
        // The open above marked the (then empty) directory done.
        let unmark = || {
            let mark = super::super::rows::key(T::Meta, ATTEMPTS_IN_JOBS);
            store.inner.rows.remove(mark).unwrap();
        };
        unmark();

        store.migrate_attempts().unwrap();

        // Tries of then had no destination.
        let want: Vec<_> = (1..=3)
            .map(|n| Attempt {
                destination: None,
                ..attempt(n)
            })
            .collect();
        assert_eq!(
            store.job(7, "msg_1").await.unwrap(),
            Some((job(), want.clone()))
        );
        assert_eq!(tries.len(), 0, "every try row moved, the orphan's dropped");
        assert_eq!(store.tree(T::JobsByTracking).len(), 0);
        // A start that finds a try both in its job and in its own row (as after a
        // crash between steps) keeps one of it; a marked directory is left alone.
        tries.insert(try_key("msg_1", 2), old_try(2)).unwrap();
        store.migrate_attempts().unwrap();
        assert_eq!(tries.len(), 1, "marked done: not run again");
        unmark();
        store.migrate_attempts().unwrap();
        assert_eq!(store.job(7, "msg_1").await.unwrap(), Some((job(), want)));
        assert_eq!(tries.len(), 0);
    }
}
