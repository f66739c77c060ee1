//! The outbox: jobs written by the apply commit, claimed by the dispatcher with a
//! lease (a crash mid-send re-sends rather than loses), and their attempts. What the
//! notifications API reads of them is in `notifications.rs`.

use super::keys::{self, T};
use super::SledStore;
use crate::core::rules::{lease_until, Job, JobState};
use crate::core::settings::Notify;
use crate::store::types::*;

/// The count of jobs not yet delivered or dead, kept with every job write so that
/// `/readyz` need not count them.
pub(super) const OUTBOX_PENDING: &[u8] = b"outbox_pending";

impl SledStore {
    /// Claims up to `limit` due jobs for this process, leased for `lease` seconds
    /// (at most [`MAX_LEASE_SECS`]): until the lease ends or the try is recorded,
    /// no other claim returns the job.
    ///
    /// One process owns a sled directory, so leases are kept in memory and a claim
    /// writes nothing: if the process dies mid-send, the job is still pending on
    /// disk and is sent again after the restart, under the same id.
    pub async fn claim_due_jobs(
        &self,
        now: i64,
        limit: usize,
        lease: i64,
    ) -> Result<Vec<Job>, StoreError> {
        let until = lease_until(now, lease);
        let mut leases = self
            .inner
            .leases
            .lock()
            .expect("the lease table is never poisoned");
        leases.retain(|_, until| *until > now);
        // Jobs in flight are still in the due index, oldest first: read past them.
        let hi = keys::ts(now.saturating_add(1));
        let due = self.tree(T::JobsDue);
        let mut out = Vec::new();
        for k in due.range(..hi).keys().take(limit + leases.len()) {
            let k = k?;
            let id = &k[8..];
            if out.len() == limit || leases.contains_key(id) {
                continue;
            }
            let Some(job) = self.get::<Job>(T::Jobs, id)? else {
                continue;
            };
            leases.insert(id.to_vec(), until);
            out.push(job.leased(&self.inner.node, until));
        }
        Ok(out)
    }

    /// Makes jobs leased on disk due now. Leases now live in memory (see
    /// [`SledStore::claim_due_jobs`]); a data directory written by an earlier
    /// release may still hold leased jobs, all stale once the directory is opened.
    /// Leases end at most [`MAX_LEASE_SECS`] ahead, so only that slice of the due
    /// index is read.
    pub(super) async fn release_leases(&self, now: i64) -> Result<usize, StoreError> {
        let horizon = MAX_LEASE_SECS;
        let n = self
            .write(|tx| {
                let lo = keys::ts(now);
                let hi = keys::ts(now.saturating_add(horizon).saturating_add(1));
                let mut n = 0;
                for k in tx.committed_range(T::JobsDue, &lo, &hi, usize::MAX)? {
                    let Some((job, attempts)) = tx.job_row(&k[8..])? else {
                        continue;
                    };
                    if job.leased {
                        let mut j = job.clone();
                        j.leased = false;
                        j.lease_owner = None;
                        j.due = now;
                        tx.put_job(Some(&job), &j, &attempts)?;
                        n += 1;
                    }
                }
                Ok(n)
            })
            .await?;
        Ok(n)
    }

    /// Records tries and what follows each, in one commit; a record with `disable`
    /// also switches the account's destination off (a 410 Gone). A job no longer
    /// there (deleted with its tracking) is skipped.
    pub async fn record_attempts(&self, records: &[AttemptRecord]) -> Result<(), StoreError> {
        self.write(|tx| {
            for r in records {
                let id = r.job.id.as_bytes();
                let Some((job, mut attempts)) = tx.job_row(id)? else {
                    continue;
                };
                let j = job.clone().after_try(&r.next, r.attempt.error.as_ref());
                attempts.push(r.attempt.clone());
                tx.put_job(Some(&job), &j, &attempts)?;
                if let Some(reason) = &r.disable {
                    let key = job.account.to_be_bytes();
                    if let Some(mut a) = tx.get::<super::Account>(T::Accounts, &key)? {
                        a.notify.disable(job.channel, reason.clone());
                        tx.put(T::Accounts, key.to_vec(), &a);
                    }
                }
            }
            Ok(())
        })
        .await?;
        // Only once the try is recorded may the job be claimed again.
        self.end_leases(records.iter().map(|r| r.job.id.as_str()));
        Ok(())
    }

    /// Ends this process's in-memory leases of these jobs.
    fn end_leases<'a>(&self, ids: impl Iterator<Item = &'a str>) {
        let mut leases = self
            .inner
            .leases
            .lock()
            .expect("the lease table is never poisoned");
        for id in ids {
            leases.remove(id.as_bytes());
        }
    }

    /// Hands claimed jobs back unsent (see [`crate::store::Store::defer_jobs`]).
    pub async fn defer_jobs(&self, jobs: &[Job]) -> Result<(), StoreError> {
        self.write(|tx| {
            for j in jobs {
                let Some((job, attempts)) = tx.job_row(j.id.as_bytes())? else {
                    continue;
                };
                if job.state == JobState::Pending {
                    tx.put_job(Some(&job), j, &attempts)?;
                }
            }
            Ok(())
        })
        .await?;
        self.end_leases(jobs.iter().map(|j| j.id.as_str()));
        Ok(())
    }

    /// Queues jobs again (now), whatever their state: a manual retry.
    pub async fn requeue_jobs(
        &self,
        account: u64,
        ids: &[String],
        now: i64,
    ) -> Result<usize, StoreError> {
        self.write(|tx| {
            let mut n = 0;
            for id in ids {
                let Some((job, attempts)) = tx.job_row(id.as_bytes())? else {
                    continue;
                };
                if job.account != account {
                    continue;
                }
                if let Some(j) = job.clone().requeued(now) {
                    tx.put_job(Some(&job), &j, &attempts)?;
                    n += 1;
                }
            }
            Ok(n)
        })
        .await
        .inspect(|n| {
            if *n > 0 {
                self.inner.jobs_ready.notify_one();
            }
        })
    }

    /// Changes an account's notification settings: `change` gets the current ones
    /// and returns the new ones, or an error that leaves them as they are.
    pub async fn set_notify<E>(
        &self,
        account: u64,
        change: impl FnOnce(&Notify) -> Result<Notify, E>,
    ) -> Result<Result<Notify, E>, StoreError> {
        self.write(|tx| {
            let key = account.to_be_bytes();
            let Some(mut a) = tx.get::<super::Account>(T::Accounts, &key)? else {
                return Ok(change(&Notify::default()));
            };
            // Read and changed under the writer lock: a destination disabled by a
            // delivery meanwhile is not overwritten with what was read before.
            let notify = match change(&a.notify) {
                Ok(n) => n,
                Err(e) => return Ok(Err(e)),
            };
            a.notify = notify;
            tx.put(T::Accounts, key.to_vec(), &a);
            Ok(Ok(a.notify))
        })
        .await
    }
}
