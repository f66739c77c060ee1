//! Trackings: create, change, move, delete — each with its indexes and counters in
//! the same commit.

use super::keys::{self, T};
use super::{SledStore, StoreError, Tx};
use crate::core::alerts::watch_keys;
use crate::core::model::{Parcel, Tracking};
use crate::core::plan::{plan_carrier_move, plan_new_parcel};
use crate::core::retention::final_since;
use crate::store::backend::Trackings;
use crate::store::types::*;
use async_trait::async_trait;

/// Index entries of a tracking as it stands with its parcel.
fn index_keys(t: &Tracking, p: &Parcel) -> Vec<(T, Vec<u8>)> {
    let a = t.account.to_be_bytes();
    let pk = keys::parcel(&t.carrier_code, &t.tracking_number);
    let status = t.effective_status(p);
    let mut out = vec![
        (T::ByUpdated, keys::cat(&[&a, &keys::ts(t.updated_at), &pk])),
        (
            T::ByStatus,
            keys::cat(&[&a, &[status.code()], &keys::ts(t.created_at), &pk]),
        ),
    ];
    if let Some(order) = &t.fields.order_id {
        out.push((T::ByOrder, keys::cat(&[&a, order.as_bytes(), &[0], &pk])));
    }
    if let Some(at) = t.order_created_at {
        out.push((T::ByOrderCreated, keys::cat(&[&a, &keys::ts(at), &pk])));
    }
    if let Some(route) = super::parcels::route_entry(t.account, p) {
        out.push((T::Routes, route));
    }
    if let Ok(id) = hex::decode(&t.id) {
        out.push((T::ById, keys::cat(&[&id, &a, &pk])));
    }
    out.extend(timed_entries(t, p));
    out
}

/// A tracking's entries in the alert indexes (`core::alerts::watch_keys`) and the
/// retention index (`core::retention::final_since`).
pub(super) fn timed_entries(t: &Tracking, p: &Parcel) -> Vec<(T, Vec<u8>)> {
    let a = t.account.to_be_bytes();
    let pk = keys::parcel(&t.carrier_code, &t.tracking_number);
    let watch = watch_keys(t, p);
    let mut out = Vec::new();
    if let Some((status, since)) = watch.stalled {
        out.push((
            T::Stalled,
            keys::cat(&[&a, &[status.code()], &keys::ts(since), &pk]),
        ));
    }
    if let Some(edd) = watch.edd {
        out.push((T::EddDue, keys::cat(&[&a, &keys::ts(edd), &pk])));
    }
    if let Some(since) = final_since(t, p) {
        out.push((T::FinalSince, keys::cat(&[&keys::ts(since), &a, &pk])));
    }
    out
}

impl Tx<'_> {
    /// Writes a tracking row with its indexes and counter.
    pub(super) fn index_tracking(&mut self, t: &Tracking, p: &Parcel) -> Result<(), StoreError> {
        let pk = keys::parcel(&t.carrier_code, &t.tracking_number);
        self.put(T::Trackings, keys::tracking(t.account, &pk), t);
        self.put_raw(
            T::Subscribers,
            keys::cat(&[&keys::parcel_prefix(&pk), &t.account.to_be_bytes()]),
            Vec::new(),
        );
        for (tree, k) in index_keys(t, p) {
            self.put_raw(tree, k, Vec::new());
        }
        self.add(
            T::Counters,
            keys::counter(t.account, t.effective_status(p)),
            1,
        )
    }

    /// Rewrites a tracking whose row or parcel changed, touching only the index keys
    /// and counters that differ: a status change moves one status key and two
    /// counters, not every index.
    pub(super) fn reindex_tracking(
        &mut self,
        old: (&Tracking, &Parcel),
        new: (&Tracking, &Parcel),
    ) -> Result<(), StoreError> {
        let before = index_keys(old.0, old.1);
        let after = index_keys(new.0, new.1);
        for k in before.iter().filter(|k| !after.contains(k)) {
            self.del(k.0, k.1.clone());
        }
        for k in after.iter().filter(|k| !before.contains(k)) {
            self.put_raw(k.0, k.1.clone(), Vec::new());
        }
        let (was, is) = (old.0.effective_status(old.1), new.0.effective_status(new.1));
        if was != is {
            self.add(T::Counters, keys::counter(old.0.account, was), -1)?;
            self.add(T::Counters, keys::counter(new.0.account, is), 1)?;
        }
        let pk = keys::parcel(&new.0.carrier_code, &new.0.tracking_number);
        self.put(T::Trackings, keys::tracking(new.0.account, &pk), new.0);
        Ok(())
    }

    /// Removes a tracking row's indexes and counter (not the row: callers rewrite or delete it).
    pub(super) fn unindex_tracking(&mut self, t: &Tracking, p: &Parcel) -> Result<(), StoreError> {
        for (tree, k) in index_keys(t, p) {
            self.del(tree, k);
        }
        self.add(
            T::Counters,
            keys::counter(t.account, t.effective_status(p)),
            -1,
        )
    }

    fn load(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
    ) -> Result<Option<(Tracking, Parcel)>, StoreError> {
        let pk = keys::parcel(carrier, number);
        let Some(t) = self.get::<Tracking>(T::Trackings, &keys::tracking(account, &pk))? else {
            return Ok(None);
        };
        let p = self
            .get::<Parcel>(T::Parcels, &pk)?
            .unwrap_or_else(|| Parcel::new(carrier, number, t.created_at));
        Ok(Some((t, p)))
    }

    fn create(
        &mut self,
        account: u64,
        n: NewTracking,
        now: i64,
    ) -> Result<(Tracking, Parcel), TrackingError> {
        if self
            .load(account, &n.carrier_code, &n.tracking_number)?
            .is_some()
        {
            return Err(TrackingError::AlreadyExists);
        }
        let pk = keys::parcel(&n.carrier_code, &n.tracking_number);
        let existing = self.get::<Parcel>(T::Parcels, &pk)?;
        let fresh = || n.fresh_parcel(now);
        let first_poll = n.first_poll_at.unwrap_or(now);
        let parcel = match (
            plan_new_parcel(existing.as_ref(), fresh, first_poll),
            existing,
        ) {
            (Some(new), old) => {
                self.put_parcel(old.as_ref(), &new)?;
                new
            }
            (None, Some(old)) => old,
            (None, None) => unreachable!("a missing parcel is always planned"),
        };
        let t = n.into_tracking(account, now);
        self.index_tracking(&t, &parcel)?;
        Ok((t, parcel))
    }
}

#[async_trait]
impl Trackings for SledStore {
    async fn list(&self, account: u64, q: &ListQuery) -> Result<Page, StoreError> {
        let q = q.clone();
        self.off_runtime(move |s| s.read_list(account, &q)).await
    }

    async fn status_counts(&self, account: u64, q: &ListQuery) -> Result<[u64; 8], StoreError> {
        let q = q.clone();
        self.off_runtime(move |s| s.read_status_counts(account, &q))
            .await
    }

    /// A tracking with its parcel by the tracking's id (32 hex characters, the
    /// tracking page's token), whichever account it belongs to.
    async fn tracking_by_id(&self, id: &str) -> Result<Option<Row>, StoreError> {
        let Ok(raw) = hex::decode(id) else {
            return Ok(None);
        };
        if raw.len() != 16 {
            return Ok(None);
        }
        let Some(k) = self.tree(T::ById).scan_prefix(&raw).keys().next() else {
            return Ok(None);
        };
        let k = k?;
        let account = super::be_u64(&k[16..24]);
        let Some((carrier, number)) = std::str::from_utf8(&k[24..])
            .ok()
            .and_then(|pk| pk.split_once('\0'))
        else {
            return Ok(None);
        };
        self.reader().load(account, carrier, number)
    }

    async fn tracking(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
    ) -> Result<Option<Row>, StoreError> {
        self.reader().load(account, carrier, number)
    }

    /// Creates trackings in one commit; each item succeeds or fails on its own.
    async fn create_trackings(
        &self,
        account: u64,
        items: Vec<NewTracking>,
        now: i64,
    ) -> Result<ItemResults, StoreError> {
        self.write(|tx| {
            let mut out = Vec::with_capacity(items.len());
            for n in items {
                match tx.create(account, n, now) {
                    Err(TrackingError::Store(e)) => return Err(e),
                    r => out.push(r),
                }
            }
            Ok(out)
        })
        .await
    }

    /// Applies patches in one commit; each item succeeds or fails on its own.
    async fn update_trackings(
        &self,
        account: u64,
        items: Vec<(String, String, TrackingPatch)>,
        now: i64,
    ) -> Result<ItemResults, StoreError> {
        self.write(|tx| {
            let mut out = Vec::with_capacity(items.len());
            for (carrier, number, patch) in items {
                let Some((mut t, p)) = tx.load(account, &carrier, &number)? else {
                    out.push(Err(TrackingError::NotFound));
                    continue;
                };
                if patch.is_empty() {
                    out.push(Ok((t, p)));
                    continue;
                }
                let before = t.clone();
                patch.apply_to(&mut t, &p, now);
                tx.reindex_tracking((&before, &p), (&t, &p))?;
                out.push(Ok((t, p)));
            }
            Ok(out)
        })
        .await
    }

    /// Deletes trackings in one commit; each item succeeds or fails on its own.
    async fn delete_trackings(
        &self,
        account: u64,
        items: Vec<(String, String)>,
    ) -> Result<Vec<Result<(), TrackingError>>, StoreError> {
        self.write(|tx| {
            let mut out = Vec::with_capacity(items.len());
            for (carrier, number) in items {
                let Some((t, p)) = tx.load(account, &carrier, &number)? else {
                    out.push(Err(TrackingError::NotFound));
                    continue;
                };
                tx.unindex_tracking(&t, &p)?;
                let pk = keys::parcel(&carrier, &number);
                tx.del(T::Trackings, keys::tracking(account, &pk));
                tx.del(
                    T::Subscribers,
                    keys::cat(&[&keys::parcel_prefix(&pk), &account.to_be_bytes()]),
                );
                out.push(Ok(()));
            }
            Ok(out)
        })
        .await
    }

    /// Moves a tracking to another carrier, keeping its id and fields.
    async fn change_carrier(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
        new_carrier: &str,
        now: i64,
    ) -> Result<(Tracking, Parcel), TrackingError> {
        let r = self
            .write(|tx| {
                let Some((old, old_parcel)) = tx.load(account, carrier, number)? else {
                    return Ok(Err(TrackingError::NotFound));
                };
                let Some(mv) = plan_carrier_move(&old, &old_parcel, new_carrier, now) else {
                    return Ok(Ok((old, old_parcel)));
                };
                if tx.load(account, new_carrier, number)?.is_some() {
                    return Ok(Err(TrackingError::AlreadyExists));
                }
                tx.unindex_tracking(&old, &old_parcel)?;
                let pk = keys::parcel(carrier, number);
                tx.del(T::Trackings, keys::tracking(account, &pk));
                tx.del(
                    T::Subscribers,
                    keys::cat(&[&keys::parcel_prefix(&pk), &account.to_be_bytes()]),
                );
                let new_pk = keys::parcel(new_carrier, number);
                let existing = tx.get::<Parcel>(T::Parcels, &new_pk)?;
                let fresh = || mv.fresh_parcel.clone();
                let parcel = match (plan_new_parcel(existing.as_ref(), fresh, now), existing) {
                    (Some(new), old) => {
                        tx.put_parcel(old.as_ref(), &new)?;
                        new
                    }
                    (None, Some(old)) => old,
                    (None, None) => unreachable!("a missing parcel is always planned"),
                };
                let t = mv.tracking;
                tx.index_tracking(&t, &parcel)?;
                Ok(Ok((t, parcel)))
            })
            .await?;
        r
    }
}
