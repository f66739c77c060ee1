//! The per-account views of the outbox behind the notifications API: one job with
//! its attempts, lists newest first (by when a job was made, then its id, as on
//! PostgreSQL), and the outbox gauges.

use super::keys::{self, T};
use super::outbox::OUTBOX_PENDING;
use super::{job_rows, SledStore};
use crate::core::rules::{Attempt, Channel, Job, JobState};
use crate::store::types::*;

/// Job ids from several ranges of the state index, newest first: each range is
/// newest first already (created time, then id, after the account and state), so
/// the merge takes the greatest head each time. An error is handed on first.
fn newest_first(
    mut ranges: Vec<Box<dyn Iterator<Item = sled::Result<sled::IVec>> + '_>>,
) -> impl Iterator<Item = Result<Vec<u8>, StoreError>> + '_ {
    let mut heads: Vec<_> = ranges.iter_mut().map(|r| r.next()).collect();
    std::iter::from_fn(move || {
        let i = (0..heads.len())
            .filter(|&i| heads[i].is_some())
            .max_by(|&x, &y| match (&heads[x], &heads[y]) {
                (Some(Ok(x)), Some(Ok(y))) => x[9..].cmp(&y[9..]),
                (Some(Err(_)), _) => std::cmp::Ordering::Greater,
                _ => std::cmp::Ordering::Less,
            })?;
        let head = std::mem::replace(&mut heads[i], ranges[i].next())?;
        Some(head.map(|k| k[17..].to_vec()).map_err(StoreError::from))
    })
}

impl SledStore {
    /// A job of the account with its attempts, oldest first.
    pub(super) fn read_job(
        &self,
        account: u64,
        id: &str,
    ) -> Result<Option<(Job, Vec<Attempt>)>, StoreError> {
        let Some(v) = self.tree(T::Jobs).get(id.as_bytes())? else {
            return Ok(None);
        };
        let (job, attempts) = job_rows::decode(&v)?;
        Ok((job.account == account).then_some((job, attempts)))
    }

    /// An account's jobs, newest first (by when they were made, then id, as on
    /// PostgreSQL): from the state index, or from the parcel's transitions when a
    /// tracking is named.
    pub(super) fn read_jobs(&self, account: u64, f: &JobFilter) -> Result<Vec<Job>, StoreError> {
        let a = account.to_be_bytes();
        let state_range = |st: JobState| {
            self.tree(T::JobsByState)
                .scan_prefix(keys::cat(&[&a, &[st.code()]]))
                .keys()
                .rev()
        };
        let jobs: Box<dyn Iterator<Item = Result<Job, StoreError>>> = match (&f.tracking, f.state) {
            (Some((c, n)), _) => Box::new(self.tracking_jobs(account, c, n)?.into_iter().map(Ok)),
            (None, Some(st)) => {
                Box::new(self.load_jobs(state_range(st).map(|k| Ok(k?[17..].to_vec()))))
            }
            // Each state's range is newest first; merged, so is the whole
            // (skipped ones left out, as `JobFilter::hides_skipped` says).
            (None, None) => Box::new(
                self.load_jobs(newest_first(
                    [JobState::Pending, JobState::Delivered, JobState::Dead]
                        .map(|st| Box::new(state_range(st)) as Box<dyn Iterator<Item = _>>)
                        .into(),
                )),
            ),
        };
        let mut out = Vec::new();
        for job in jobs {
            let job = job?;
            if f.state.is_some_and(|s| s != job.state)
                || f.channel.is_some_and(|c| c != job.channel)
                || (f.hides_skipped() && job.state == JobState::Skipped)
            {
                continue;
            }
            out.push(job);
            if out.len() >= f.limit {
                break;
            }
        }
        Ok(out)
    }

    /// The jobs of `ids`, skipping any no longer there.
    fn load_jobs<'a>(
        &'a self,
        ids: impl Iterator<Item = Result<Vec<u8>, StoreError>> + 'a,
    ) -> impl Iterator<Item = Result<Job, StoreError>> + 'a {
        ids.filter_map(|id| id.and_then(|id| self.job_alone(&id)).transpose())
    }

    /// Every job about one tracking of an account, newest first. A job's id derives
    /// from the account, the parcel, the transition and the channel
    /// ([`Job::id_for`]), so the parcel's transitions name every job there can be:
    /// a few reads per status change, and no index to keep on each enqueue.
    /// A parcel and its transitions are deleted only with its last tracking and
    /// that tracking's notifications (retention), so no id points at another
    /// tracking's job.
    fn tracking_jobs(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
    ) -> Result<Vec<Job>, StoreError> {
        let prefix = keys::parcel_prefix(&keys::parcel(carrier, number));
        let mut jobs = Vec::new();
        for k in self.tree(T::Transitions).scan_prefix(&prefix).keys() {
            let seq = super::be_u64(&k?[prefix.len()..]);
            for channel in Channel::ALL {
                let id = Job::id_for(account, carrier, number, seq, channel);
                jobs.extend(self.job_alone(id.as_bytes())?);
            }
        }
        let alerts = keys::alert_jobs(account, carrier, number);
        for k in self.tree(T::AlertJobs).scan_prefix(&alerts).keys() {
            jobs.extend(self.job_alone(&k?[alerts.len()..])?);
        }
        jobs.sort_unstable_by(|x, y| (y.created_at, &y.id).cmp(&(x.created_at, &x.id)));
        Ok(jobs)
    }

    /// Ids of an account's dead jobs created at or after `since`.
    pub(super) fn read_dead_since(
        &self,
        account: u64,
        since: i64,
    ) -> Result<Vec<String>, StoreError> {
        let prefix = keys::cat(&[&account.to_be_bytes(), &[JobState::Dead.code()]]);
        let lo = keys::cat(&[&prefix, &keys::ts(since)]);
        self.tree(T::JobsByState)
            .range(lo..keys::prefix_end(&prefix))
            .keys()
            .map(|k| Ok(String::from_utf8_lossy(&k?[17..]).into_owned()))
            .collect()
    }

    /// Every job about one tracking of an account, oldest first.
    pub(super) fn read_jobs_for(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
    ) -> Result<Vec<Job>, StoreError> {
        let mut jobs = self.read_jobs(
            account,
            &JobFilter {
                tracking: Some((carrier.into(), number.into())),
                limit: usize::MAX,
                ..JobFilter::default()
            },
        )?;
        jobs.reverse();
        Ok(jobs)
    }

    /// Pending jobs and how late the oldest due one is.
    pub(super) fn read_outbox_stats(&self, now: i64) -> Result<OutboxStats, StoreError> {
        let due = self.tree(T::JobsDue);
        let lag = match due.first()? {
            Some((k, _)) => (now - keys::ts_decode(&k)).max(0),
            None => 0,
        };
        let pending = self
            .tree(T::Meta)
            .get(OUTBOX_PENDING)?
            .map_or(0, |v| super::be_u64(&v));
        Ok(OutboxStats {
            pending: pending as usize,
            lag_seconds: lag,
        })
    }
}
