//! Reading the outbox: jobs written by the apply commit, for the dispatcher and the API.

use super::keys::{self, T};
use super::{Store, StoreError};
use crate::core::rules::Job;

/// Outbox health for `/readyz`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxStats {
    /// Jobs waiting.
    pub pending: usize,
    /// Seconds the oldest due job has waited past its due time.
    pub lag_seconds: i64,
}

impl Store {
    /// Every job about one tracking of an account, oldest first.
    pub fn jobs_for(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
    ) -> Result<Vec<Job>, StoreError> {
        let prefix = keys::cat(&[
            &keys::tracking(account, &keys::parcel(carrier, number)),
            &[0],
        ]);
        let mut jobs: Vec<Job> = Vec::new();
        for k in self.tree(T::JobsByTracking).scan_prefix(&prefix).keys() {
            let k = k?;
            if let Some(job) = self.get::<Job>(T::Jobs, &k[prefix.len()..])? {
                jobs.push(job);
            }
        }
        jobs.sort_by_key(|j| (j.created_at, j.transition.seq, j.channel));
        Ok(jobs)
    }

    /// Pending jobs and how late the oldest due one is.
    pub fn outbox_stats(&self, now: i64) -> Result<OutboxStats, StoreError> {
        let due = self.tree(T::JobsDue);
        let lag = match due.first()? {
            Some((k, _)) => (now - keys::ts_decode(&k)).max(0),
            None => 0,
        };
        Ok(OutboxStats {
            pending: due.len(),
            lag_seconds: lag,
        })
    }
}
