//! Reading the whole store out, a chunk at a time in key order, for a copy to
//! another engine (`store/copy.rs`). Runs off the async threads.

use super::keys::T;
use super::{decode, job_rows, SledStore, StoreError};
use crate::core::account::Account;
use crate::core::model::{Parcel, Tracking, Transition};
use crate::store::copy::{Chunk, Counts, Kind};
use std::ops::Bound;

/// Where a chunk ends: the last key read, to go on after it.
pub type Cursor = Option<Vec<u8>>;

impl SledStore {
    /// Up to `limit` rows of `kind` after `after` (from the start when `None`),
    /// and the cursor to go on from (`None` at the end).
    pub async fn export(
        &self,
        kind: Kind,
        after: Cursor,
        limit: usize,
    ) -> Result<(Chunk, Cursor), StoreError> {
        self.off_runtime(move |s| s.export_now(kind, after, limit))
            .await
    }

    /// How many of each this store holds (a scan of every table copied).
    pub async fn counts(&self) -> Result<Counts, StoreError> {
        self.off_runtime(|s| {
            let mut c = Counts {
                accounts: s.tree(T::Accounts).len() as u64,
                parcels: s.tree(T::Parcels).len() as u64,
                trackings: s.tree(T::Trackings).len() as u64,
                transitions: s.tree(T::Transitions).len() as u64,
                ..Counts::default()
            };
            for v in s.tree(T::Jobs).iter().values() {
                let (_, tries) = job_rows::decode(&v?)?;
                c.jobs += 1;
                c.attempts += tries.len() as u64;
            }
            Ok(c)
        })
        .await
    }

    fn export_now(
        &self,
        kind: Kind,
        after: Cursor,
        limit: usize,
    ) -> Result<(Chunk, Cursor), StoreError> {
        let t = match kind {
            Kind::Accounts => T::Accounts,
            Kind::Parcels => T::Parcels,
            Kind::Trackings => T::Trackings,
            Kind::Transitions => T::Transitions,
            Kind::Jobs => T::Jobs,
        };
        let from = match &after {
            Some(k) => Bound::Excluded(k.clone()),
            None => Bound::Unbounded,
        };
        let mut rows = Vec::with_capacity(limit);
        for kv in self
            .tree(t)
            .range((from, Bound::<Vec<u8>>::Unbounded))
            .take(limit)
        {
            let (k, v) = kv?;
            rows.push((k.to_vec(), v));
        }
        let next = if rows.len() == limit {
            rows.last().map(|(k, _)| k.clone())
        } else {
            None
        };
        let chunk = match kind {
            Kind::Accounts => Chunk::Accounts(
                rows.iter()
                    .map(|(_, v)| decode::<Account>(t, v))
                    .collect::<Result<_, _>>()?,
            ),
            Kind::Parcels => Chunk::Parcels(
                rows.iter()
                    .map(|(_, v)| decode::<Parcel>(t, v))
                    .collect::<Result<_, _>>()?,
            ),
            Kind::Trackings => {
                let mut out = Vec::with_capacity(rows.len());
                for (k, v) in &rows {
                    let tr: Tracking = decode(t, v)?;
                    // The key is the account (8 bytes), then the parcel's key.
                    let parcel: Option<Parcel> = self.get(T::Parcels, &k[8..])?;
                    let index = crate::store::types::TrackingIndex::of(&tr, parcel.as_ref());
                    out.push((tr, index));
                }
                Chunk::Trackings(out)
            }
            Kind::Transitions => {
                let mut out = Vec::with_capacity(rows.len());
                for (k, v) in &rows {
                    let tr: Transition = decode(t, v)?;
                    let (carrier, number) =
                        parcel_of_transition(k).ok_or_else(|| StoreError::Decode {
                            tree: t.name(),
                            message: "a transition key without its parcel".into(),
                        })?;
                    out.push((carrier, number, tr));
                }
                Chunk::Transitions(out)
            }
            Kind::Jobs => Chunk::Jobs(
                rows.iter()
                    .map(|(_, v)| job_rows::decode(v))
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok((chunk, next))
    }
}

/// The carrier and number in a transition's key: `carrier 0x00 number 0x00 seq`
/// (8 bytes).
fn parcel_of_transition(k: &[u8]) -> Option<(String, String)> {
    let parcel = k.get(..k.len().checked_sub(9)?)?;
    let split = parcel.iter().position(|b| *b == 0)?;
    let carrier = std::str::from_utf8(&parcel[..split]).ok()?;
    let number = std::str::from_utf8(&parcel[split + 1..]).ok()?;
    Some((carrier.to_string(), number.to_string()))
}
