//! The due-poll index: finding parcels to poll costs O(due), not O(all parcels).

use super::keys::{self, T};
use super::Tx;
use super::{SledStore, StoreError};
use crate::core::model::{Parcel, Tracking};
use crate::core::plan::{plan_poll_claim, plan_poll_retry};
use crate::store::backend::Polls;
use crate::store::types::*;
use async_trait::async_trait;
use std::collections::HashSet;

/// Schedule entries a claim may walk past beyond its limit: ones whose parcel's poll
/// moved later since they were written.
const STALE_BUDGET: usize = 1024;

#[async_trait]
impl Polls for SledStore {
    /// Claims up to `limit` parcels whose poll is due at `now`: each is pushed
    /// `lease` seconds into the future in the same commit, so a poller that dies
    /// mid-fetch leaves the parcel to be polled again, never forgotten.
    async fn claim_due_polls(
        &self,
        now: i64,
        limit: usize,
        lease: i64,
    ) -> Result<Vec<PollTarget>, StoreError> {
        self.write(|tx| {
            let hi = keys::ts(now.saturating_add(1));
            // Entries whose poll has moved later are moved along the way; they
            // are walked past within a bounded budget, so a claim costs O(limit).
            let due = tx.committed_range(T::PollsDue, &[], &hi, limit + STALE_BUDGET)?;
            let mut out = Vec::with_capacity(limit.min(due.len()));
            for k in due {
                if out.len() == limit {
                    break;
                }
                if let Some(target) = tx.claim_entry(k, now, lease)? {
                    out.push(target);
                }
            }
            Ok(out)
        })
        .await
    }

    /// Reschedules a parcel after a failed poll (or one no provider could serve)
    /// for `at`, counting the failure when `failed`.
    async fn reschedule_poll(
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

    async fn due_poll_count(&self, now: i64, cap: usize) -> Result<usize, StoreError> {
        self.off_runtime(move |s| s.count_due_polls(now, cap)).await
    }
}

impl SledStore {
    /// How many parcels' polls are due at `now`, counted up to `cap`. Each entry
    /// walked is checked against its parcel, as the schedule lags behind pushes
    /// (see [`Tx::keep_scheduled`]); the walk stops after `2 × cap` entries, so
    /// the cost is the backlog's, never the store's size.
    fn count_due_polls(&self, now: i64, cap: usize) -> Result<usize, StoreError> {
        let mut due = HashSet::new();
        let entries = self
            .tree(T::PollsDue)
            .range(..keys::ts(now.saturating_add(1)).to_vec())
            .keys()
            .take(cap.saturating_mul(2));
        for k in entries {
            let k = k?;
            let pk = &k[8..];
            if due.contains(pk) {
                continue;
            }
            let p: Option<Parcel> = self.get(T::Parcels, pk)?;
            if p.is_some_and(|p| p.next_poll_at.is_some_and(|at| at <= now)) {
                due.insert(pk.to_vec());
                if due.len() == cap {
                    break;
                }
            }
        }
        Ok(due.len())
    }
}

impl Tx<'_> {
    /// Takes one due schedule entry. A parcel whose poll is due is leased for
    /// `lease` seconds and returned. An entry the parcel no longer relies on (one
    /// written before an earlier one) is dropped; one it relies on whose poll moved
    /// later follows the poll time there.
    fn claim_entry(
        &mut self,
        entry: Vec<u8>,
        now: i64,
        lease: i64,
    ) -> Result<Option<PollTarget>, StoreError> {
        let pk = entry[8..].to_vec();
        // A parcel with no recorded entry (written before `PollEntry` was kept)
        // relies on whichever it has.
        let relied = self
            .raw(T::PollEntry, &pk)?
            .is_none_or(|e| e[..] == entry[..8]);
        self.del(T::PollsDue, entry);
        if relied {
            self.del(T::PollEntry, pk.clone());
        }
        let Some(p) = self.get::<Parcel>(T::Parcels, &pk)? else {
            return Ok(None);
        };
        match p.next_poll_at {
            Some(at) if at <= now => {
                let (claimed, poll) = plan_poll_claim(&p, self.anyone_follows(&pk)?, now + lease);
                self.put_parcel(Some(&p), &claimed)?;
                Ok(poll.then_some(PollTarget { parcel: p }))
            }
            _ => {
                self.keep_scheduled(&p)?;
                Ok(None)
            }
        }
    }

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

#[cfg(test)]
mod tests {
    use super::super::rows;
    use super::*;
    use crate::core::apply::Update;
    use crate::core::model::Checkpoint;
    use crate::core::plan::Origin;
    use crate::core::status::Status;
    use crate::store::backend::*;

    const NOW: i64 = 1_800_000_000;

    fn tracked(number: &str) -> NewTracking {
        NewTracking {
            carrier_code: "usps".into(),
            tracking_number: number.into(),
            fields: Default::default(),
            order_created_at: None,
            origin_country: None,
            destination_country: None,
            first_poll_at: Some(NOW),
        }
    }

    fn pushed(number: &str, status: Status, at: i64) -> Incoming {
        let events = vec![Checkpoint {
            time: at,
            description: format!("{status:?}"),
            location: "HUB".into(),
            status: Some(status),
            substatus: None,
        }];
        Incoming {
            carrier: Some("usps".into()),
            number: number.into(),
            update: Update {
                events,
                source: "test".into(),
                ..Update::default()
            },
        }
    }

    fn entries(store: &SledStore) -> usize {
        store.tree(T::PollsDue).len()
    }

    /// Pushes write no schedule keys; a parcel from a directory written before
    /// `PollEntry` was kept (its entry exactly at its poll time, no record of it)
    /// is still polled once, at its new time.
    #[tokio::test]
    async fn pushes_leave_the_schedule_alone_and_old_entries_still_poll_once() {
        let (_dir, store) = super::super::testing::temp_store().await;
        let a = store
            .upsert_account(
                "a@example.com",
                Default::default(),
                &["ab".repeat(32)],
                None,
                NOW,
            )
            .await
            .unwrap()
            .id;
        let made = store
            .create_trackings(a, vec![tracked("OLD1"), tracked("NEW1")], NOW)
            .await
            .unwrap();
        assert!(made.iter().all(Result::is_ok));
        assert_eq!(entries(&store), 2);
        // OLD1 as an older release left it.
        let pk = keys::parcel("usps", "OLD1");
        store
            .inner
            .rows
            .remove(rows::key(T::PollEntry, &pk))
            .unwrap();
        let statuses = [Status::Transit, Status::Pickup, Status::Transit];
        for (i, status) in (0..).zip(statuses) {
            let news = [
                pushed("NEW1", status, NOW - 10 + i),
                pushed("OLD1", status, NOW - 10 + i),
            ];
            let r = store
                .apply_updates(&news, Origin::Push, None, NOW)
                .await
                .unwrap();
            assert_eq!(r.transitions, 2);
        }
        // NEW1's pushes wrote nothing (its entry is before every later poll time).
        // OLD1's first push had no record, so wrote an entry; the pickup (polled
        // sooner) came before that entry and wrote another; the last one nothing.
        assert_eq!(entries(&store), 4);
        let later = store.parcel("usps", "OLD1").await.unwrap().unwrap();
        let later = later.next_poll_at.unwrap();
        assert_eq!(store.due_poll_count(NOW, 10).await.unwrap(), 0);
        assert!(store
            .claim_due_polls(NOW, 10, 120)
            .await
            .unwrap()
            .is_empty());
        // The walk dropped OLD1's old entry and moved NEW1's to its poll time.
        assert_eq!(entries(&store), 3);
        let due = store.claim_due_polls(later, 10, 120).await.unwrap();
        let mut numbers: Vec<_> = due.iter().map(|t| &t.parcel.tracking_number[..]).collect();
        numbers.sort();
        assert_eq!(numbers, ["NEW1", "OLD1"], "each polled once, at its time");
        assert!(store
            .claim_due_polls(later, 10, 120)
            .await
            .unwrap()
            .is_empty());
    }
}
