//! Bringing a data directory written by an older release up to date, at open and
//! before anything is served. Each step is idempotent and marks itself done in
//! `Meta`; a crash midway leaves the mark unset, so the next start does it again.

use super::keys::{self, T};
use super::outbox::OUTBOX_PENDING;
use super::parcels::route_entry;
use super::{decode, encode, SledStore, StoreError};
use crate::core::model::{Parcel, Tracking, Transition};
use crate::core::rules::{Attempt, Job};
use serde::{de::DeserializeOwned, Serialize};

/// Set once every row is in the compact encoding.
const COMPACT_ROWS: &[u8] = b"compact_rows";

/// Set once every tracking is in the id index (the tracking page's lookup).
const IDS_INDEXED: &[u8] = b"ids_indexed";

/// Set once the costtime index is per account (before, it was one row per parcel
/// and counted every shop's parcels).
const ROUTES_PER_ACCOUNT: &[u8] = b"routes_per_account";

impl SledStore {
    /// Runs every step an older data directory needs.
    pub(super) fn migrate(&self) -> Result<(), StoreError> {
        self.migrate_rows()?;
        self.migrate_routes()?;
        self.migrate_outbox_count()?;
        self.migrate_ids()?;
        Ok(())
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
    /// compact one, tree by tree. Reads accept both, so this only saves space; a
    /// row that decodes in neither stops the start with its tree named.
    fn migrate_rows(&self) -> Result<(), StoreError> {
        if self.tree(T::Meta).get(COMPACT_ROWS)?.is_some() {
            return Ok(());
        }
        let mut n = 0;
        n += self.rewrite::<super::Account>(T::Accounts)?;
        n += self.rewrite::<u64>(T::ApiKeys)?;
        n += self.rewrite::<u64>(T::AccountEmails)?;
        n += self.rewrite::<Tracking>(T::Trackings)?;
        n += self.rewrite::<Parcel>(T::Parcels)?;
        n += self.rewrite::<Transition>(T::Transitions)?;
        n += self.rewrite::<Job>(T::Jobs)?;
        n += self.rewrite::<Attempt>(T::Attempts)?;
        let meta = self.tree(T::Meta);
        if let Some(v) = meta.get(b"next_account_id")? {
            let id: u64 = decode(T::Meta, &v)?;
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
            if v.first() == Some(&super::COMPACT_V1) {
                continue;
            }
            let row: V = decode(t, &v)?;
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
