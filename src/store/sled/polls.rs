//! The due-poll index: finding parcels to poll costs O(due), not O(all parcels).

use super::keys::{self, T};
use super::Tx;
use super::{SledStore, StoreError};
use crate::core::model::{Parcel, Tracking};
use crate::core::plan::{plan_poll_claim, plan_poll_retry};
use crate::store::types::*;

impl SledStore {
    /// Claims up to `limit` parcels whose poll is due at `now`: each is pushed
    /// `lease` seconds into the future in the same commit, so a poller that dies
    /// mid-fetch leaves the parcel to be polled again, never forgotten.
    pub async fn claim_due_polls(
        &self,
        now: i64,
        limit: usize,
        lease: i64,
    ) -> Result<Vec<PollTarget>, StoreError> {
        self.write(|tx| {
            let hi = keys::ts(now.saturating_add(1));
            let due = tx.committed_range(T::PollsDue, &[], &hi, limit)?;
            let mut out = Vec::with_capacity(due.len());
            for k in due {
                let pk = &k[8..];
                let Some(p) = tx.get::<Parcel>(T::Parcels, pk)? else {
                    tx.del(T::PollsDue, k.clone());
                    continue;
                };
                let (claimed, poll) = plan_poll_claim(&p, tx.anyone_follows(pk)?, now + lease);
                tx.put_parcel(Some(&p), &claimed)?;
                if poll {
                    out.push(PollTarget { parcel: p });
                }
            }
            Ok(out)
        })
        .await
    }

    /// Reschedules a parcel after a failed poll (or one no provider could serve)
    /// for `at`, counting the failure when `failed`.
    pub async fn reschedule_poll(
        &self,
        carrier: &str,
        number: &str,
        at: i64,
        failed: bool,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let pk = keys::parcel(carrier, number);
            let Some(p) = tx.get::<Parcel>(T::Parcels, &pk)? else {
                return Ok(());
            };
            tx.put_parcel(Some(&p), &plan_poll_retry(&p, at, failed))
        })
        .await
    }

    /// How many polls are due at `now`, counted up to `cap` (the cost is the
    /// backlog's, never the store's size).
    pub fn due_poll_count(&self, now: i64, cap: usize) -> usize {
        self.tree(T::PollsDue)
            .range(..keys::ts(now.saturating_add(1)).to_vec())
            .take(cap)
            .count()
    }

    /// A parcel as stored.
    pub fn parcel(&self, carrier: &str, number: &str) -> Result<Option<Parcel>, StoreError> {
        self.get(T::Parcels, &keys::parcel(carrier, number))
    }
}

impl Tx<'_> {
    /// Whether some account tracks the parcel and has not asked to stop updating it.
    fn anyone_follows(&self, pk: &[u8]) -> Result<bool, StoreError> {
        for sub in self.committed_keys(T::Subscribers, &keys::parcel_prefix(pk))? {
            let account = super::be_u64(&sub[sub.len() - 8..]);
            if let Some(t) = self.get::<Tracking>(T::Trackings, &keys::tracking(account, pk))? {
                if !t.notupdate {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}
