//! Trackings: create, change, move, delete — each one transaction, with the
//! parcel row locked so that news for the same parcel waits its turn.

use super::counts::Counts;
use super::db::{Db, Tx};
use super::rows::{insert_parcel, joined, load, lock_parcel, put_parcel, put_tracking, JOINED};
use super::PgStore;
use crate::core::model::{Parcel, Tracking};
use crate::core::plan::{plan_carrier_move, plan_new_parcel};
use crate::store::backend::Trackings;
use crate::store::types::*;
use async_trait::async_trait;

/// The parcel a new (or moved) tracking follows: the one there, resumed if nobody
/// followed it, or a fresh one; written and locked.
async fn parcel_for(
    tx: &Tx<'_>,
    carrier: &str,
    number: &str,
    fresh: impl FnOnce() -> Parcel,
    first_poll: i64,
) -> Result<Parcel, StoreError> {
    let mut existing = lock_parcel(tx, carrier, number).await?;
    if existing.is_none() {
        // Another node may create the same parcel meanwhile: insert-if-absent, and
        // plan on whichever row won.
        let planned = plan_new_parcel(None, fresh, first_poll)
            .ok_or_else(|| StoreError::Engine("a missing parcel is always planned".into()))?;
        if insert_parcel(tx, &planned).await? {
            return Ok(planned);
        }
        existing = lock_parcel(tx, carrier, number).await?;
    }
    let existing = existing.ok_or_else(|| {
        StoreError::Engine(format!(
            "parcel {carrier}/{number} vanished while being created"
        ))
    })?;
    match plan_new_parcel(
        Some(&existing),
        || unreachable!("the parcel exists"),
        first_poll,
    ) {
        Some(new) => {
            put_parcel(tx, &new).await?;
            Ok(new)
        }
        None => Ok(existing),
    }
}

async fn create(
    tx: &Tx<'_>,
    counts: &mut Counts,
    account: u64,
    n: NewTracking,
    now: i64,
) -> Result<(Tracking, Parcel), TrackingError> {
    if load(tx, account, &n.carrier_code, &n.tracking_number)
        .await?
        .is_some()
    {
        return Err(TrackingError::AlreadyExists);
    }
    let fresh = || n.fresh_parcel(now);
    let first_poll = n.first_poll_at.unwrap_or(now);
    let parcel = parcel_for(tx, &n.carrier_code, &n.tracking_number, fresh, first_poll).await?;
    let t = n.into_tracking(account, now);
    if !put_tracking(tx, &t, &parcel, true).await? {
        return Err(TrackingError::AlreadyExists);
    }
    counts.add(account, t.effective_status(&parcel), 1);
    Ok((t, parcel))
}

/// A batch's items with their positions, in (carrier, number) order (stable, so
/// two items about one tracking keep theirs). Every transaction here takes its row
/// locks in that order, so two nodes' batches never wait on each other in a cycle.
fn in_key_order<T>(items: Vec<T>, key: impl Fn(&T) -> (&String, &String)) -> Vec<(usize, T)> {
    let mut v: Vec<(usize, T)> = items.into_iter().enumerate().collect();
    v.sort_by(|a, b| key(&a.1).cmp(&key(&b.1)));
    v
}

/// Per-item outcomes filled in key order, returned in the batch's order.
struct Results<R>(Vec<Option<R>>);

impl<R> Results<R> {
    fn new(n: usize) -> Self {
        Results((0..n).map(|_| None).collect())
    }
    fn set(&mut self, i: usize, r: R) {
        self.0[i] = Some(r);
    }
    fn into_vec(self) -> Vec<R> {
        self.0.into_iter().flatten().collect()
    }
}

#[async_trait]
impl Trackings for PgStore {
    /// A tracking with its parcel by the tracking's id (the page token).
    async fn tracking_by_id(&self, id: &str) -> Result<Option<(Tracking, Parcel)>, StoreError> {
        // Ids are 32 hex digits (as on sled): anything else names no tracking.
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let id = id.to_ascii_lowercase();
        self.client()
            .await?
            .query_opt(&format!("SELECT {JOINED} WHERE t.id = $1"), &[&id])
            .await?
            .map(|r| joined(&r))
            .transpose()
    }

    /// One tracking with its parcel.
    async fn tracking(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
    ) -> Result<Option<(Tracking, Parcel)>, StoreError> {
        load(&self.client().await?, account, carrier, number).await
    }

    /// Creates trackings in one transaction; each item succeeds or fails on its own.
    async fn create_trackings(
        &self,
        account: u64,
        items: Vec<NewTracking>,
        now: i64,
    ) -> Result<ItemResults, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Parcels are locked in key order, as every transaction here does, so two
        // nodes' batches never wait on each other in a cycle.
        let mut out = Results::new(items.len());
        let mut counts = Counts::default();
        for (i, n) in in_key_order(items, |n| (&n.carrier_code, &n.tracking_number)) {
            match create(&tx, &mut counts, account, n, now).await {
                Err(TrackingError::Store(e)) => return Err(e),
                r => out.set(i, r),
            }
        }
        counts.write(&tx).await?;
        tx.commit().await?;
        Ok(out.into_vec())
    }

    /// Applies patches in one transaction; each item succeeds or fails on its own.
    async fn update_trackings(
        &self,
        account: u64,
        items: Vec<(String, String, TrackingPatch)>,
        now: i64,
    ) -> Result<ItemResults, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut out = Results::new(items.len());
        let mut counts = Counts::default();
        for (i, (carrier, number, patch)) in in_key_order(items, |(c, n, _)| (c, n)) {
            let Some((mut t, p)) = load(&tx, account, &carrier, &number).await? else {
                out.set(i, Err(TrackingError::NotFound));
                continue;
            };
            if patch.is_empty() {
                out.set(i, Ok((t, p)));
                continue;
            }
            let was = t.effective_status(&p);
            patch.apply_to(&mut t, &p, now);
            put_tracking(&tx, &t, &p, false).await?;
            counts.moved(account, was, t.effective_status(&p));
            out.set(i, Ok((t, p)));
        }
        counts.write(&tx).await?;
        tx.commit().await?;
        Ok(out.into_vec())
    }

    /// Deletes trackings in one transaction; each item succeeds or fails on its own.
    async fn delete_trackings(
        &self,
        account: u64,
        items: Vec<(String, String)>,
    ) -> Result<Vec<Result<(), TrackingError>>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut out = Results::new(items.len());
        let mut counts = Counts::default();
        for (i, (carrier, number)) in in_key_order(items, |(c, n)| (c, n)) {
            let gone = tx
                .query_opt(
                    "DELETE FROM trackings WHERE account = $1 AND carrier = $2 AND number = $3
                     RETURNING status",
                    &[&(account as i64), &carrier, &number],
                )
                .await?;
            out.set(
                i,
                match gone {
                    Some(r) => {
                        counts.add_code(account, r.get(0), -1);
                        Ok(())
                    }
                    None => Err(TrackingError::NotFound),
                },
            );
        }
        counts.write(&tx).await?;
        tx.commit().await?;
        Ok(out.into_vec())
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
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Both parcels first, in key order, as every writer locks them: then the
        // trackings (see `in_key_order`).
        tx.query(
            "SELECT 1 FROM parcels WHERE (carrier, number) IN (($1, $3), ($2, $3))
             ORDER BY carrier, number FOR UPDATE",
            &[&carrier, &new_carrier, &number],
        )
        .await?;
        let Some((old, old_parcel)) = load(&tx, account, carrier, number).await? else {
            return Err(TrackingError::NotFound);
        };
        let Some(mv) = plan_carrier_move(&old, &old_parcel, new_carrier, now) else {
            return Ok((old, old_parcel));
        };
        if load(&tx, account, new_carrier, number).await?.is_some() {
            return Err(TrackingError::AlreadyExists);
        }
        let old_status = old.effective_status(&old_parcel);
        tx.execute(
            "DELETE FROM trackings WHERE account = $1 AND carrier = $2 AND number = $3",
            &[&(account as i64), &carrier, &number],
        )
        .await?;
        let fresh = || mv.fresh_parcel.clone();
        let parcel = parcel_for(&tx, new_carrier, number, fresh, now).await?;
        let t = mv.tracking;
        put_tracking(&tx, &t, &parcel, true).await?;
        let mut counts = Counts::default();
        counts.moved(account, old_status, t.effective_status(&parcel));
        counts.write(&tx).await?;
        tx.commit().await?;
        Ok((t, parcel))
    }

    async fn list(&self, account: u64, q: &ListQuery) -> Result<Page, StoreError> {
        self.list_page(account, q).await
    }

    async fn status_counts(&self, account: u64, q: &ListQuery) -> Result<[u64; 8], StoreError> {
        self.count_statuses(account, q).await
    }
}
