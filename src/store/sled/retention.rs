//! Retention: trackings final for longer than `retention.after_final`, found from
//! the `FinalSince` index (oldest first, O(deleted)), deleted with their indexes,
//! counters and notifications (status changes' from the transitions, alerts' from
//! `AlertJobs`), and their parcel with its transitions and
//! schedule when nobody else tracks it — each pass one commit.

use super::keys::{self, T};
use super::{SledStore, StoreError, Tx};
use crate::core::model::{Parcel, Tracking};
use crate::core::retention::parcel_goes;
use crate::core::rules::{Channel, Job, JobState};
use crate::store::backend::Retention;
use crate::store::types::RetentionPass;
use async_trait::async_trait;
use std::collections::HashSet;

/// The (account, parcel key) of a `FinalSince` key: time (8), account (8), parcel.
fn split(k: &[u8]) -> (u64, &[u8]) {
    (super::be_u64(&k[8..16]), &k[16..])
}

#[async_trait]
impl Retention for SledStore {
    async fn final_before(
        &self,
        cutoff: i64,
        limit: usize,
    ) -> Result<Vec<(Tracking, Parcel)>, StoreError> {
        let tx = self.reader();
        let hi = keys::ts(cutoff.saturating_add(1));
        let mut out = Vec::new();
        for k in tx.committed_range(T::FinalSince, &[], &hi, limit)? {
            let (account, pk) = split(&k);
            let t = tx.get::<Tracking>(T::Trackings, &keys::tracking(account, pk))?;
            let p = tx.get::<Parcel>(T::Parcels, pk)?;
            out.extend(t.zip(p));
        }
        Ok(out)
    }

    async fn delete_final(&self, cutoff: i64, limit: usize) -> Result<RetentionPass, StoreError> {
        self.write(|tx| {
            let hi = keys::ts(cutoff.saturating_add(1));
            let mut pass = RetentionPass::default();
            let mut gone: HashSet<(u64, Vec<u8>)> = HashSet::new();
            for k in tx.committed_range(T::FinalSince, &[], &hi, limit)? {
                let (account, pk) = split(&k);
                let pk = pk.to_vec();
                let t = tx.get::<Tracking>(T::Trackings, &keys::tracking(account, &pk))?;
                let p = tx.get::<Parcel>(T::Parcels, &pk)?;
                let (Some(t), Some(p)) = (t, p) else {
                    continue;
                };
                tx.delete_tracking(&t, &p)?;
                gone.insert((account, pk.clone()));
                pass.trackings += 1;
                let others = tx
                    .committed_keys(T::Subscribers, &keys::parcel_prefix(&pk))?
                    .iter()
                    .map(|s| super::be_u64(&s[s.len() - 8..]))
                    .filter(|a| !gone.contains(&(*a, pk.clone())))
                    .count();
                if parcel_goes(others) {
                    tx.delete_parcel(&p)?;
                    pass.parcels += 1;
                }
            }
            Ok(pass)
        })
        .await
    }

    /// Walks each account's delivered notifications (`JobsByState`, by creation)
    /// from where the last call stopped (kept in `Meta`) up to `cutoff`, and
    /// rewrites each row without its tries: O(pruned), never the whole outbox.
    async fn prune_attempts(&self, cutoff: i64, limit: usize) -> Result<usize, StoreError> {
        let mut accounts = Vec::new();
        for k in self.tree(T::Accounts).iter().keys() {
            accounts.push(super::be_u64(&k?));
        }
        self.write(|tx| {
            let mut walked = 0;
            for a in accounts {
                let room = limit.saturating_sub(walked);
                if room == 0 {
                    break;
                }
                let acct = a.to_be_bytes();
                let base = keys::cat(&[&acct, &[JobState::Delivered.code()]]);
                let mark = keys::cat(&[PRUNED_UNTIL, &acct]);
                let lo = match tx.raw(T::Meta, &mark)? {
                    Some(last) => keys::cat(&[&last, &[0]]),
                    None => base.clone(),
                };
                let hi = keys::cat(&[&base, &keys::ts(cutoff.saturating_add(1))]);
                if lo >= hi {
                    continue;
                }
                let done = tx.committed_range(T::JobsByState, &lo, &hi, room)?;
                for k in &done {
                    let id = &k[base.len() + 8..];
                    if let Some((job, tries)) = tx.job_row(id)? {
                        if !tries.is_empty() {
                            tx.put_raw(T::Jobs, id.to_vec(), super::job_rows::encode(&job, &[]));
                        }
                    }
                }
                walked += done.len();
                if let Some(last) = done.last() {
                    tx.put_raw(T::Meta, mark, last.clone());
                }
            }
            Ok(walked)
        })
        .await
    }
}

/// Where attempt pruning stopped, per account: the last `JobsByState` key done.
const PRUNED_UNTIL: &[u8] = b"attempts_pruned:";

impl Tx<'_> {
    /// Deletes a tracking with its indexes, counter and notifications.
    fn delete_tracking(&mut self, t: &Tracking, p: &Parcel) -> Result<(), StoreError> {
        self.unindex_tracking(t, p)?;
        let pk = keys::parcel(&t.carrier_code, &t.tracking_number);
        self.del(T::Trackings, keys::tracking(t.account, &pk));
        self.del(
            T::Subscribers,
            keys::cat(&[&keys::parcel_prefix(&pk), &t.account.to_be_bytes()]),
        );
        let prefix = keys::parcel_prefix(&pk);
        for k in self.committed_keys(T::Transitions, &prefix)? {
            let seq = super::be_u64(&k[prefix.len()..]);
            for channel in Channel::ALL {
                let id = Job::id_for(t.account, &t.carrier_code, &t.tracking_number, seq, channel);
                if let Some(row) = self.job_row(id.as_bytes())? {
                    self.del_job(&row.0)?;
                }
            }
        }
        let alerts = keys::alert_jobs(t.account, &t.carrier_code, &t.tracking_number);
        for k in self.committed_keys(T::AlertJobs, &alerts)? {
            if let Some(row) = self.job_row(&k[alerts.len()..])? {
                self.del_job(&row.0)?;
            }
            self.del(T::AlertJobs, k);
        }
        Ok(())
    }

    /// Deletes a parcel nobody tracks any more: its row, number index, poll
    /// schedule and transitions.
    fn delete_parcel(&mut self, p: &Parcel) -> Result<(), StoreError> {
        let pk = keys::parcel(&p.carrier_code, &p.tracking_number);
        for k in self.committed_keys(T::Transitions, &keys::parcel_prefix(&pk))? {
            self.del(T::Transitions, k);
        }
        if let Some(at) = self.raw(T::PollEntry, &pk)? {
            self.del(T::PollsDue, keys::cat(&[&at, &pk]));
            self.del(T::PollEntry, pk.clone());
        }
        self.del(
            T::ParcelNumbers,
            keys::parcel_number(&p.carrier_code, &p.tracking_number),
        );
        self.del(T::Parcels, pk);
        Ok(())
    }
}
