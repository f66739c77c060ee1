//! A job's row: the job, then its tries, oldest first, in one value. Recording a
//! try rewrites the row (it changes anyway: state, count, due time) instead of
//! adding a row per try, so a delivered notification writes one key fewer; new
//! keys are what split sled's leaves. Layouts before 4 kept each try in an
//! `Attempts` row; `migrate.rs` moves them in at open.
//!
//! The value is the compact encoding of the job followed by that of the tries, so
//! a reader that wants the job alone ([`super::decode`]) reads the row as it is.
//!
//! Three row formats, told by the first byte: [`JOB_ROW_V3`] (written now: the job
//! names its webhook endpoint), [`JOB_ROW_V2`] (each try names its destination; the
//! job is a [`JobV1`]) and [`COMPACT_V1`] (tries without a destination). Rows of the
//! older formats are read as they are and rewritten in the new one when the job
//! next changes.

use super::keys::{self, T};
use super::{StoreError, Tx, COMPACT_V1};
use crate::core::model::Transition;
use crate::core::rules::{Attempt, Channel, Job, JobState};
use serde::{Deserialize, Serialize};

/// The first byte of a job row whose tries carry their destination, the job
/// encoded as [`JobV1`].
pub(super) const JOB_ROW_V2: u8 = 2;

/// The first byte of a job row whose job names its webhook endpoint.
pub(super) const JOB_ROW_V3: u8 = 3;

/// A job as rows of formats [`COMPACT_V1`] and [`JOB_ROW_V2`] hold it (and JSON
/// rows before the compact encoding): before webhook endpoints.
#[derive(Serialize, Deserialize)]
pub(super) struct JobV1 {
    id: String,
    account: u64,
    carrier_code: String,
    tracking_number: String,
    channel: Channel,
    transition: Transition,
    state: JobState,
    attempts: u32,
    #[serde(default)]
    round_tries: u32,
    #[serde(default)]
    last_error: Option<String>,
    #[serde(default)]
    leased: bool,
    #[serde(default)]
    lease_owner: Option<String>,
    due: i64,
    created_at: i64,
}

impl From<JobV1> for Job {
    /// The same job, to the first endpoint (the only one there was).
    fn from(j: JobV1) -> Job {
        Job {
            id: j.id,
            account: j.account,
            carrier_code: j.carrier_code,
            tracking_number: j.tracking_number,
            channel: j.channel,
            endpoint: None,
            transition: j.transition,
            state: j.state,
            attempts: j.attempts,
            round_tries: j.round_tries,
            last_error: j.last_error,
            leased: j.leased,
            lease_owner: j.lease_owner,
            due: j.due,
            created_at: j.created_at,
        }
    }
}

#[cfg(test)]
impl From<&Job> for JobV1 {
    fn from(j: &Job) -> JobV1 {
        let j = j.clone();
        JobV1 {
            id: j.id,
            account: j.account,
            carrier_code: j.carrier_code,
            tracking_number: j.tracking_number,
            channel: j.channel,
            transition: j.transition,
            state: j.state,
            attempts: j.attempts,
            round_tries: j.round_tries,
            last_error: j.last_error,
            leased: j.leased,
            lease_owner: j.lease_owner,
            due: j.due,
            created_at: j.created_at,
        }
    }
}

/// The job at the start of a row's body (after the format byte) and what
/// follows it, in the row's `format`.
fn take_job(format: u8, rest: &[u8]) -> postcard::Result<(Job, &[u8])> {
    if format == JOB_ROW_V3 {
        postcard::take_from_bytes::<Job>(rest)
    } else {
        postcard::take_from_bytes::<JobV1>(rest).map(|(j, tail)| (j.into(), tail))
    }
}

/// The job of a row alone, its tries left unread: what claims and lists read.
pub(super) fn decode_job(bytes: &[u8]) -> Result<Job, StoreError> {
    let err = |message: String| StoreError::Decode {
        tree: T::Jobs.name(),
        message,
    };
    match bytes.split_first() {
        Some((&format, rest)) if [COMPACT_V1, JOB_ROW_V2, JOB_ROW_V3].contains(&format) => {
            take_job(format, rest)
                .map(|(j, _)| j)
                .map_err(|e| err(e.to_string()))
        }
        _ => Err(err("not in the compact encoding".into())),
    }
}

impl super::SledStore {
    /// A job alone (see [`decode_job`]).
    pub(super) fn job_alone(&self, id: &[u8]) -> Result<Option<Job>, StoreError> {
        self.tree(T::Jobs)
            .get(id)?
            .map(|v| decode_job(&v))
            .transpose()
    }
}

/// A job and its tries, oldest first.
pub(super) type JobRow = (Job, Vec<Attempt>);

/// A try as rows of format [`COMPACT_V1`] hold it (before destinations), and as
/// the `Attempts` rows of layouts before 4 held it.
#[derive(Serialize, Deserialize)]
pub(super) struct AttemptV1 {
    number: u32,
    at_ms: i64,
    outcome: String,
    code: Option<u16>,
    error: Option<String>,
    latency_ms: u64,
}

impl From<&Attempt> for AttemptV1 {
    fn from(a: &Attempt) -> AttemptV1 {
        AttemptV1 {
            number: a.number,
            at_ms: a.at_ms,
            outcome: a.outcome.clone(),
            code: a.code,
            error: a.error.clone(),
            latency_ms: a.latency_ms,
        }
    }
}

impl From<AttemptV1> for Attempt {
    fn from(a: AttemptV1) -> Attempt {
        Attempt {
            number: a.number,
            at_ms: a.at_ms,
            outcome: a.outcome,
            code: a.code,
            error: a.error,
            latency_ms: a.latency_ms,
            destination: None,
        }
    }
}

/// The row's value: the format byte, the job, then the tries.
pub(super) fn encode(job: &Job, attempts: &[Attempt]) -> Vec<u8> {
    let out = vec![JOB_ROW_V3];
    postcard::to_extend(&(job, attempts), out).expect("model types always serialise")
}

/// Reads a row of either format: the job and its tries.
pub(super) fn decode(bytes: &[u8]) -> Result<JobRow, StoreError> {
    let err = |message: String| StoreError::Decode {
        tree: T::Jobs.name(),
        message,
    };
    let Some((&format, rest)) = bytes.split_first() else {
        return Err(err("an empty row".into()));
    };
    if ![COMPACT_V1, JOB_ROW_V2, JOB_ROW_V3].contains(&format) {
        return Err(err("not in the compact encoding".into()));
    }
    let (job, tail) = take_job(format, rest).map_err(|e| err(e.to_string()))?;
    if tail.is_empty() {
        return Err(err(format!(
            "job {} has no tries list (a row of an older release)",
            job.id
        )));
    }
    let attempts = if format != COMPACT_V1 {
        postcard::from_bytes(tail).map_err(|e| err(e.to_string()))?
    } else {
        let old: Vec<AttemptV1> = postcard::from_bytes(tail).map_err(|e| err(e.to_string()))?;
        old.into_iter().map(Attempt::from).collect()
    };
    Ok((job, attempts))
}

/// Reads a row of any release, for the upgrade at open: one written before tries
/// lived in it (or still in JSON, before the compact encoding) holds the job alone.
pub(super) fn decode_any(bytes: &[u8]) -> Result<JobRow, StoreError> {
    match bytes.split_first() {
        Some((&JOB_ROW_V2 | &JOB_ROW_V3, _)) => decode(bytes),
        Some((&COMPACT_V1, rest)) => {
            let (job, tail) = take_job(COMPACT_V1, rest).map_err(|e| StoreError::Decode {
                tree: T::Jobs.name(),
                message: e.to_string(),
            })?;
            if tail.is_empty() {
                Ok((job, Vec::new()))
            } else {
                decode(bytes)
            }
        }
        _ => Ok((super::decode_any(T::Jobs, bytes)?, Vec::new())),
    }
}

fn state_key(job: &Job) -> Vec<u8> {
    keys::cat(&[
        &job.account.to_be_bytes(),
        &[job.state.code()],
        &keys::ts(job.created_at),
        job.id.as_bytes(),
    ])
}

fn due_key(job: &Job) -> Vec<u8> {
    keys::cat(&[&keys::ts(job.due), job.id.as_bytes()])
}

impl Tx<'_> {
    /// Writes a new job. One whose id does not derive from its transition (an
    /// alert's, or a webhook's to an endpoint beyond the first) is also listed
    /// under its tracking (`AlertJobs`), where the tracking's notifications and
    /// its deletion find it.
    pub(super) fn put_new_job(&mut self, job: &Job) -> Result<(), StoreError> {
        self.put_job(None, job, &[])?;
        if !job.derived_id() {
            let prefix = keys::alert_jobs(job.account, &job.carrier_code, &job.tracking_number);
            let entry = keys::cat(&[&prefix, job.id.as_bytes()]);
            self.put_raw(T::AlertJobs, entry, Vec::new());
        }
        Ok(())
    }

    /// A job with its tries.
    pub(super) fn job_row(&self, id: &[u8]) -> Result<Option<JobRow>, StoreError> {
        self.raw(T::Jobs, id)?.map(|v| decode(&v)).transpose()
    }

    /// Writes a job with its tries, keeping its due-time and state indexes in
    /// step. Only pending jobs are in the due index.
    pub(super) fn put_job(
        &mut self,
        old: Option<&Job>,
        new: &Job,
        attempts: &[Attempt],
    ) -> Result<(), StoreError> {
        let was_pending = old.is_some_and(|o| o.state == JobState::Pending);
        let is_pending = new.state == JobState::Pending;
        if was_pending != is_pending {
            let delta = if is_pending { 1 } else { -1 };
            self.add(T::Meta, super::outbox::OUTBOX_PENDING.to_vec(), delta)?;
        }
        // Only index entries that moved are written: a claim changes the due time
        // alone, and every sled write costs.
        let old_due = old.filter(|o| o.state == JobState::Pending).map(due_key);
        let new_due = is_pending.then(|| due_key(new));
        if old_due != new_due {
            if let Some(k) = old_due {
                self.del(T::JobsDue, k);
            }
            if let Some(k) = new_due {
                self.put_raw(T::JobsDue, k, Vec::new());
            }
        }
        let old_state = old.map(state_key);
        let new_state = state_key(new);
        if old_state.as_ref() != Some(&new_state) {
            if let Some(k) = old_state {
                self.del(T::JobsByState, k);
            }
            self.put_raw(T::JobsByState, new_state, Vec::new());
        }
        self.put_raw(T::Jobs, new.id.clone().into_bytes(), encode(new, attempts));
        Ok(())
    }

    /// Deletes a job with its tries and its index entries (retention).
    pub(super) fn del_job(&mut self, job: &Job) -> Result<(), StoreError> {
        if job.state == JobState::Pending {
            self.add(T::Meta, super::outbox::OUTBOX_PENDING.to_vec(), -1)?;
            self.del(T::JobsDue, due_key(job));
        }
        self.del(T::JobsByState, state_key(job));
        self.del(T::Jobs, job.id.clone().into_bytes());
        Ok(())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::store::sled) use crate::core::rules::fixtures::job;

    /// A failed try.
    pub(in crate::store::sled) fn attempt(number: u32) -> Attempt {
        Attempt {
            number,
            at_ms: 1_000 * i64::from(number),
            outcome: "retry".into(),
            code: Some(503),
            error: Some("HTTP 503".into()),
            latency_ms: 12,
            destination: Some("hooks.shop.example".into()),
        }
    }

    #[test]
    fn a_row_holds_the_job_and_its_tries_and_reads_as_the_job_alone() {
        let tries = [attempt(1), attempt(2)];
        let row = encode(&job(), &tries);
        assert_eq!(decode(&row).unwrap(), (job(), tries.to_vec()));
        let alone = decode_job(&row).unwrap();
        assert_eq!(alone, job(), "the claim reads the job alone");
    }

    #[test]
    fn rows_from_before_tries_lived_in_them_read_with_none_by_the_upgrade_only() {
        let compact = super::super::encode(&JobV1::from(&job()));
        assert_eq!(decode_any(&compact).unwrap(), (job(), Vec::new()));
        let json = serde_json::to_vec(&JobV1::from(&job())).unwrap();
        assert_eq!(decode_any(&json).unwrap(), (job(), Vec::new()));
        for old in [compact, json] {
            let err = decode(&old).unwrap_err().to_string();
            assert!(err.contains("jobs"), "{err}");
        }
    }

    #[test]
    fn a_row_whose_tries_had_no_destination_reads_with_none() {
        // A try of the first format: its fields in order, without a destination.
        let tries = vec![(
            1u32,
            1000i64,
            "retry",
            Some(503u16),
            Some("HTTP 503"),
            12u64,
        )];
        let row = postcard::to_extend(&JobV1::from(&job()), vec![COMPACT_V1]).unwrap();
        let row = postcard::to_extend(&tries, row).unwrap();
        let (read, read_tries) = decode(&row).unwrap();
        assert_eq!(read, job());
        let want = Attempt {
            destination: None,
            ..attempt(1)
        };
        assert_eq!(read_tries, vec![want]);
        let alone = decode_job(&row).unwrap();
        assert_eq!(alone, job());
    }

    #[test]
    fn a_row_of_the_release_before_endpoints_reads_as_a_job_to_the_first() {
        let tries = vec![attempt(1)];
        let row = postcard::to_extend(&JobV1::from(&job()), vec![JOB_ROW_V2]).unwrap();
        let row = postcard::to_extend(&tries, row).unwrap();
        assert_eq!(decode(&row).unwrap(), (job(), tries.clone()));
        let alone = decode_job(&row).unwrap();
        assert_eq!(alone.endpoint, None);
        let to_second = Job {
            endpoint: Some("ep_2".into()),
            ..job()
        };
        let row = encode(&to_second, &tries);
        assert_eq!(row[0], JOB_ROW_V3);
        assert_eq!(decode(&row).unwrap(), (to_second.clone(), tries));
        let alone = decode_job(&row).unwrap();
        assert_eq!(alone, to_second);
    }

    #[test]
    fn a_damaged_row_is_an_error_naming_the_table() {
        let mut row = encode(&job(), &[attempt(1)]);
        row.truncate(row.len() - 3);
        let err = decode(&row).unwrap_err().to_string();
        assert!(err.contains("jobs"), "{err}");
    }
}
