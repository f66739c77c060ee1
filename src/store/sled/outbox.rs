//! The outbox: jobs written by the apply commit, claimed by the dispatcher with a
//! lease (a crash mid-send re-sends rather than loses), and their attempts. What the
//! notifications API reads of them is in `notifications.rs`.

use super::keys::{self, T};
use super::SledStore;
use crate::core::replay::Replay;
use crate::core::rules::{lease_until, Attempt, Job, JobState};
use crate::store::backend::Outbox;
use crate::store::types::*;
use async_trait::async_trait;

/// The count of jobs not yet delivered or dead, kept with every job write so that
/// `/readyz` need not count them.
pub(super) const OUTBOX_PENDING: &[u8] = b"outbox_pending";

#[async_trait]
impl Outbox for SledStore {
    /// Claims up to `limit` due jobs for this process, leased for `lease` seconds
    /// (at most [`MAX_LEASE_SECS`]): until the lease ends or the try is recorded,
    /// no other claim returns the job.
    ///
    /// One process owns a sled directory, so leases are kept in memory and a claim
    /// writes nothing: if the process dies mid-send, the job is still pending on
    /// disk and is sent again after the restart, under the same id.
    async fn claim_due_jobs(
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
            let Some(job) = self.job_alone(id)? else {
                continue;
            };
            leases.insert(id.to_vec(), until);
            out.push(job.leased(&self.inner.node, until));
        }
        Ok(out)
    }

    /// Records tries and what follows each, in one commit; a record with `disable`
    /// also switches the account's destination off (a 410 Gone), one with `health`
    /// updates its endpoint's. A job no longer
    /// there (deleted with its tracking) is skipped.
    async fn record_attempts(&self, records: &[AttemptRecord]) -> Result<(), StoreError> {
        self.write(|tx| {
            for r in records {
                let id = r.job.id.as_bytes();
                let Some((job, mut attempts)) = tx.job_row(id)? else {
                    continue;
                };
                let j = job.clone().after_try(&r.next, &r.attempt);
                attempts.push(r.attempt.clone());
                tx.put_job(Some(&job), &j, &attempts)?;
                if r.changes_account() {
                    let key = job.account.to_be_bytes();
                    if let Some(mut a) = tx.get::<super::Account>(T::Accounts, &key)? {
                        let to = (job.channel, job.endpoint.as_deref());
                        if a.notify
                            .after_try(to, r.disable.as_ref(), r.health.as_ref())
                        {
                            tx.put(T::Accounts, key.to_vec(), &a);
                        }
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

    async fn defer_jobs(&self, jobs: &[Job]) -> Result<(), StoreError> {
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

    /// A manual retry of each job.
    async fn requeue_jobs(
        &self,
        account: u64,
        ids: &[String],
        now: i64,
    ) -> Result<Vec<Replay>, StoreError> {
        self.write(|tx| {
            let mut done = Vec::new();
            for id in ids {
                let Some((job, attempts)) = tx.job_row(id.as_bytes())? else {
                    continue;
                };
                if job.account != account {
                    continue;
                }
                // Leases live in memory: one still held is part of the job's state.
                let held = self.lease_of(id.as_bytes(), now);
                let seen = match held {
                    Some(until) => job.clone().leased(&self.inner.node, until),
                    None => job.clone(),
                };
                let (after, replay) = seen.replayed(now);
                if let Some(j) = after {
                    tx.put_job(Some(&job), &j, &attempts)?;
                }
                done.push(replay);
            }
            Ok(done)
        })
        .await
        .inspect(|done| {
            if done.iter().any(|r| r.changed()) {
                self.inner.jobs_ready.notify_one();
            }
        })
    }

    async fn job(&self, account: u64, id: &str) -> Result<Option<(Job, Vec<Attempt>)>, StoreError> {
        self.read_job(account, id)
    }

    async fn jobs(&self, account: u64, f: &JobFilter) -> Result<Vec<Job>, StoreError> {
        let f = f.clone();
        self.off_runtime(move |s| s.read_jobs(account, &f)).await
    }

    async fn dead_since(&self, account: u64, since: i64) -> Result<Vec<String>, StoreError> {
        self.off_runtime(move |s| s.read_dead_since(account, since))
            .await
    }

    async fn jobs_for(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
    ) -> Result<Vec<Job>, StoreError> {
        let (carrier, number) = (carrier.to_string(), number.to_string());
        self.off_runtime(move |s| s.read_jobs_for(account, &carrier, &number))
            .await
    }

    async fn outbox_stats(&self, now: i64) -> Result<OutboxStats, StoreError> {
        self.read_outbox_stats(now)
    }
}

impl SledStore {
    /// When this process's lease of a job ends, if it holds one still.
    fn lease_of(&self, id: &[u8], now: i64) -> Option<i64> {
        let leases = self
            .inner
            .leases
            .lock()
            .expect("the lease table is never poisoned");
        leases.get(id).copied().filter(|until| *until > now)
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

    /// Makes jobs leased on disk due now. Leases now live in memory (see
    /// [`Outbox::claim_due_jobs`]); a data directory written by an earlier
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
}
