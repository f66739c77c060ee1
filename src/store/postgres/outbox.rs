//! The outbox: jobs written by the apply transaction, claimed by any node's
//! dispatcher with `FOR UPDATE SKIP LOCKED` and a lease (owner, expiry), their
//! attempts, and the per-account views behind the notifications API.

use super::db::{Db, Tx};
use super::{decode, PgStore};
use crate::core::replay::Replay;
use crate::core::rules::{lease_until, Attempt, Job, JobState};
use crate::store::backend::Outbox;
use crate::store::types::*;
use async_trait::async_trait;
use tokio_postgres::types::Json;
use tokio_postgres::Row as PgRow;

fn job_row(r: &PgRow) -> Result<Job, StoreError> {
    r.try_get::<_, Json<Job>>(0)
        .map(|j| j.0)
        .map_err(|e| decode("jobs", e))
}

async fn put_job(tx: &Tx<'_>, j: &Job) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE jobs SET state = $2, due = $3, lease_owner = $4, row = $5 WHERE id = $1",
        &[
            &j.id,
            &(j.state.code() as i16),
            &j.due,
            &j.lease_owner.as_deref().filter(|_| j.leased),
            &Json(j),
        ],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl Outbox for PgStore {
    /// Claims up to `limit` due jobs for this node, leased for `lease` seconds (at
    /// most [`MAX_LEASE_SECS`]): a job whose node dies mid-send comes due again
    /// when the lease expires, for any node to take.
    async fn claim_due_jobs(
        &self,
        now: i64,
        limit: usize,
        lease: i64,
    ) -> Result<Vec<Job>, StoreError> {
        let until = lease_until(now, lease);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Pick the due jobs no other node holds; lease them as core says.
        let rows = tx
            .query(
                "SELECT row FROM jobs WHERE state = 0 AND due <= $1
                 ORDER BY due LIMIT $2 FOR UPDATE SKIP LOCKED",
                &[&now, &(limit as i64)],
            )
            .await?;
        let leased: Vec<Job> = rows
            .iter()
            .map(|r| job_row(r).map(|j| j.leased(self.node(), until)))
            .collect::<Result<_, _>>()?;
        let ids: Vec<&str> = leased.iter().map(|j| j.id.as_str()).collect();
        let dues: Vec<i64> = leased.iter().map(|j| j.due).collect();
        let json: Vec<Json<&Job>> = leased.iter().map(Json).collect();
        tx.execute(
            "UPDATE jobs SET due = r.due, lease_owner = $4, row = r.row
             FROM unnest($1::text[], $2::int8[], $3::jsonb[]) AS r(id, due, row)
             WHERE jobs.id = r.id",
            &[&ids, &dues, &json, &self.node()],
        )
        .await?;
        tx.commit().await?;
        let mut jobs = leased;
        jobs.sort_by_key(|j| j.created_at);
        Ok(jobs)
    }

    /// Records tries and what follows each. Those that change no account (nearly
    /// all) share one statement; a 410's record, or one that changes its webhook
    /// endpoint's health, takes a transaction of its own that also changes the
    /// account's settings.
    async fn record_attempts(&self, records: &[AttemptRecord]) -> Result<(), StoreError> {
        let (disabling, plain): (Vec<&AttemptRecord>, Vec<&AttemptRecord>) =
            records.iter().partition(|r| r.changes_account());
        if !plain.is_empty() {
            self.record_plain(&plain).await?;
        }
        for r in disabling {
            self.record_disabling(r).await?;
        }
        Ok(())
    }

    /// Hands claimed jobs back unsent (see [`crate::store::Store::defer_jobs`]):
    /// one statement writes the rows core made, for the jobs this node still leases.
    async fn defer_jobs(&self, jobs: &[Job]) -> Result<(), StoreError> {
        let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
        let dues: Vec<i64> = jobs.iter().map(|j| j.due).collect();
        let rows: Vec<Json<&Job>> = jobs.iter().map(Json).collect();
        self.client()
            .await?
            .execute(
                "UPDATE jobs SET due = r.due, lease_owner = NULL, row = r.row
                 FROM unnest($1::text[], $2::int8[], $3::jsonb[]) AS r(id, due, row)
                 WHERE jobs.id = r.id AND jobs.state = 0 AND jobs.lease_owner = $4",
                &[&ids, &dues, &rows, &self.node()],
            )
            .await?;
        Ok(())
    }

    /// A job of the account with its attempts, oldest first.
    async fn job(&self, account: u64, id: &str) -> Result<Option<(Job, Vec<Attempt>)>, StoreError> {
        let client = self.client().await?;
        let Some(r) = client
            .query_opt(
                "SELECT row FROM jobs WHERE id = $1 AND account = $2",
                &[&id, &(account as i64)],
            )
            .await?
        else {
            return Ok(None);
        };
        let job = job_row(&r)?;
        let attempts = client
            .query(
                "SELECT row FROM attempts WHERE job_id = $1 ORDER BY number",
                &[&id],
            )
            .await?
            .iter()
            .map(|r| {
                r.try_get::<_, Json<Attempt>>(0)
                    .map(|j| j.0)
                    .map_err(|e| decode("attempts", e))
            })
            .collect::<Result<_, _>>()?;
        Ok(Some((job, attempts)))
    }

    /// An account's jobs, newest first, filtered.
    async fn jobs(&self, account: u64, f: &JobFilter) -> Result<Vec<Job>, StoreError> {
        let (carrier, number) = match &f.tracking {
            Some((c, n)) => (Some(c.as_str()), Some(n.as_str())),
            None => (None, None),
        };
        let state = f.state.map(|s| s.code() as i16);
        let channel = f.channel.map(|c| c.as_str());
        let limit = i64::try_from(f.limit).unwrap_or(i64::MAX);
        self.client()
            .await?
            .query(
                "SELECT row FROM jobs WHERE account = $1
                   AND ($2::smallint IS NULL OR state = $2)
                   AND ($3::text IS NULL OR channel = $3)
                   AND ($4::text IS NULL OR (carrier = $4 AND number = $5))
                   AND NOT ($7 AND state = $8)
                 ORDER BY created_at DESC, id DESC LIMIT $6",
                &[
                    &(account as i64),
                    &state,
                    &channel,
                    &carrier,
                    &number,
                    &limit,
                    &f.hides_skipped(),
                    &(JobState::Skipped.code() as i16),
                ],
            )
            .await?
            .iter()
            .map(job_row)
            .collect()
    }

    /// A manual retry of each job, each under its row lock.
    async fn requeue_jobs(
        &self,
        account: u64,
        ids: &[String],
        now: i64,
    ) -> Result<Vec<Replay>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let rows = tx
            .query(
                "SELECT row FROM jobs WHERE id = ANY($1) AND account = $2 FOR UPDATE",
                &[&ids, &(account as i64)],
            )
            .await?;
        let mut found = Vec::with_capacity(rows.len());
        for r in &rows {
            found.push(job_row(r)?);
        }
        // In the order asked for, as on sled.
        let asked: std::collections::HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        found.sort_by_key(|j| asked.get(j.id.as_str()).copied());
        let mut done = Vec::with_capacity(found.len());
        for job in found {
            let (after, replay) = job.replayed(now);
            if let Some(j) = after {
                put_job(&tx, &j).await?;
            }
            done.push(replay);
        }
        let changed = done.iter().any(|r| r.changed());
        if changed {
            tx.execute("SELECT pg_notify($1, '')", &[&super::JOBS_CHANNEL])
                .await?;
        }
        tx.commit().await?;
        if changed {
            self.inner.jobs_ready.notify_one();
        }
        Ok(done)
    }

    /// Ids of an account's dead jobs created at or after `since`.
    async fn dead_since(&self, account: u64, since: i64) -> Result<Vec<String>, StoreError> {
        Ok(self
            .client()
            .await?
            .query(
                "SELECT id FROM jobs WHERE account = $1 AND state = $2 AND created_at >= $3
                 ORDER BY created_at",
                &[&(account as i64), &(JobState::Dead.code() as i16), &since],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    /// Every job about one tracking of an account, oldest first.
    async fn jobs_for(
        &self,
        account: u64,
        carrier: &str,
        number: &str,
    ) -> Result<Vec<Job>, StoreError> {
        self.client()
            .await?
            .query(
                "SELECT row FROM jobs WHERE account = $1 AND carrier = $2 AND number = $3
                 ORDER BY created_at, id",
                &[&(account as i64), &carrier, &number],
            )
            .await?
            .iter()
            .map(job_row)
            .collect()
    }

    /// Pending jobs and how late the oldest due one is.
    async fn outbox_stats(&self, now: i64) -> Result<OutboxStats, StoreError> {
        let r = self
            .client()
            .await?
            .query_one("SELECT count(*), min(due) FROM jobs WHERE state = 0", &[])
            .await?;
        let pending: i64 = r.get(0);
        let oldest: Option<i64> = r.get(1);
        Ok(OutboxStats {
            pending: pending as usize,
            lag_seconds: oldest.map_or(0, |d| (now - d).max(0)),
        })
    }
}

impl PgStore {
    /// A try whose destination answered 410: the job, its attempt and the
    /// account's switched-off destination in one transaction.
    async fn record_disabling(&self, r: &AttemptRecord) -> Result<(), StoreError> {
        let (job_id, attempt) = (&r.job.id, &r.attempt);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(row) = tx
            .query_opt("SELECT row FROM jobs WHERE id = $1 FOR UPDATE", &[job_id])
            .await?
        else {
            return Ok(());
        };
        let j = job_row(&row)?.after_try(&r.next, attempt);
        tx.execute(
            "INSERT INTO attempts (job_id, number, row) VALUES ($1, $2, $3)
             ON CONFLICT (job_id, number) DO UPDATE SET row = EXCLUDED.row",
            &[job_id, &(attempt.number as i32), &Json(attempt)],
        )
        .await?;
        put_job(&tx, &j).await?;
        if r.changes_account() {
            if let Some(row) = tx
                .query_opt(
                    "SELECT row FROM accounts WHERE id = $1 FOR UPDATE",
                    &[&(j.account as i64)],
                )
                .await?
            {
                let Json(mut a): Json<Account> =
                    row.try_get(0).map_err(|e| decode("accounts", e))?;
                let to = (j.channel, j.endpoint.as_deref());
                a.notify
                    .after_try(to, r.disable.as_ref(), r.health.as_ref());
                tx.execute(
                    "UPDATE accounts SET row = $2 WHERE id = $1",
                    &[&(j.account as i64), &Json(&a)],
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Tries without a destination to switch off: one statement (one round trip,
    /// one commit) writes each job as core's [`crate::core::rules::Job::after_try`]
    /// made it from the claimed row, and adds every attempt. A node records only
    /// jobs it claimed, so two nodes' batches do not share rows.
    async fn record_plain(&self, records: &[&AttemptRecord]) -> Result<(), StoreError> {
        let mut records = records.to_vec();
        records.sort_by(|a, b| a.job.id.cmp(&b.job.id));
        records.dedup_by(|a, b| a.job.id == b.job.id);
        let n = records.len();
        let (mut ids, mut states, mut dues, mut rows) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut numbers, mut attempts) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for r in &records {
            let after = r.job_after();
            ids.push(after.id.clone());
            states.push(after.state.code() as i16);
            dues.push(after.due);
            rows.push(Json(after));
            numbers.push(r.attempt.number as i32);
            attempts.push(Json(&r.attempt));
        }
        self.client()
            .await?
            .execute(
                "WITH r AS (
                     SELECT * FROM unnest($1::text[], $2::int2[], $3::int8[], $4::jsonb[],
                         $5::int4[], $6::jsonb[])
                         AS r(id, state, due, row, number, attempt)),
                 j AS (
                     UPDATE jobs SET state = r.state, due = r.due, lease_owner = NULL, row = r.row
                     FROM r WHERE jobs.id = r.id RETURNING jobs.id)
                 INSERT INTO attempts (job_id, number, row)
                     SELECT r.id, r.number, r.attempt FROM r JOIN j ON j.id = r.id
                 ON CONFLICT (job_id, number) DO UPDATE SET row = EXCLUDED.row",
                &[&ids, &states, &dues, &rows, &numbers, &attempts],
            )
            .await?;
        Ok(())
    }
}
