//! Retention on PostgreSQL: trackings final since the cutoff, from the partial
//! index on `final_since` (oldest first), claimed `FOR UPDATE SKIP LOCKED` so
//! nodes share the work; each deleted with its notifications (their tries
//! cascade), and its parcel with its transitions when nobody else tracks it.

use super::counts::Counts;
use super::db::Db;
use super::rows::{joined, JOINED};
use super::PgStore;
use crate::core::model::{Parcel, Tracking};
use crate::core::retention::parcel_goes;
use crate::store::backend::Retention;
use crate::store::types::{RetentionPass, StoreError};
use async_trait::async_trait;

#[async_trait]
impl Retention for PgStore {
    async fn final_before(
        &self,
        cutoff: i64,
        limit: usize,
    ) -> Result<Vec<(Tracking, Parcel)>, StoreError> {
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "SELECT {JOINED} WHERE t.final_since <= $1 ORDER BY t.final_since LIMIT $2"
                ),
                &[&cutoff, &(limit.min(i64::MAX as usize) as i64)],
            )
            .await?;
        rows.iter().map(joined).collect()
    }

    async fn delete_final(&self, cutoff: i64, limit: usize) -> Result<RetentionPass, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let due = tx
            .query(
                "SELECT account, carrier, number, status FROM trackings WHERE final_since <= $1
                 ORDER BY final_since LIMIT $2 FOR UPDATE SKIP LOCKED",
                &[&cutoff, &(limit.min(i64::MAX as usize) as i64)],
            )
            .await?;
        let mut pass = RetentionPass::default();
        let mut counts = Counts::default();
        for r in &due {
            let (account, carrier, number): (i64, String, String) = (r.get(0), r.get(1), r.get(2));
            tx.execute(
                "DELETE FROM jobs WHERE account = $1 AND carrier = $2 AND number = $3",
                &[&account, &carrier, &number],
            )
            .await?;
            tx.execute(
                "DELETE FROM trackings WHERE account = $1 AND carrier = $2 AND number = $3",
                &[&account, &carrier, &number],
            )
            .await?;
            counts.add_code(account as u64, r.get(3), -1);
            pass.trackings += 1;
            // Locked first, so a tracking another account adds meanwhile either
            // waits for this commit (and makes the parcel anew) or is seen here.
            let locked = tx
                .query_opt(
                    "SELECT 1 FROM parcels WHERE carrier = $1 AND number = $2 FOR UPDATE",
                    &[&carrier, &number],
                )
                .await?;
            let others: i64 = tx
                .query_one(
                    "SELECT count(*) FROM trackings WHERE carrier = $1 AND number = $2",
                    &[&carrier, &number],
                )
                .await?
                .get(0);
            if locked.is_some() && parcel_goes(others as usize) {
                tx.execute(
                    "DELETE FROM transitions WHERE carrier = $1 AND number = $2",
                    &[&carrier, &number],
                )
                .await?;
                tx.execute(
                    "DELETE FROM parcels WHERE carrier = $1 AND number = $2",
                    &[&carrier, &number],
                )
                .await?;
                pass.parcels += 1;
            }
        }
        counts.write(&tx).await?;
        tx.commit().await?;
        Ok(pass)
    }

    /// Each account's delivered notifications by creation, from its mark in
    /// `attempts_pruned` up to `cutoff`: their tries deleted, the mark moved. One
    /// node prunes at a time (a transaction-scoped advisory lock; the others skip).
    async fn prune_attempts(&self, cutoff: i64, limit: usize) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mine: bool = tx
            .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&PRUNE_LOCK])
            .await?
            .get(0);
        if !mine {
            return Ok(0);
        }
        let mut walked = 0;
        for a in tx.query("SELECT id FROM accounts ORDER BY id", &[]).await? {
            let account: i64 = a.get(0);
            let room = limit.saturating_sub(walked) as i64;
            if room == 0 {
                break;
            }
            let mark = tx
                .query_opt(
                    "SELECT created_at, id FROM attempts_pruned WHERE account = $1",
                    &[&account],
                )
                .await?;
            let (after_at, after_id): (i64, String) = match mark {
                Some(m) => (m.get(0), m.get(1)),
                None => (i64::MIN, String::new()),
            };
            let jobs = tx
                .query(
                    "SELECT created_at, id FROM jobs WHERE account = $1 AND state = 1
                         AND (created_at, id) > ($2, $3) AND created_at <= $4
                     ORDER BY created_at, id LIMIT $5",
                    &[&account, &after_at, &after_id, &cutoff, &room],
                )
                .await?;
            let Some(last) = jobs.last() else {
                continue;
            };
            let ids: Vec<String> = jobs.iter().map(|r| r.get(1)).collect();
            tx.execute("DELETE FROM attempts WHERE job_id = ANY($1)", &[&ids])
                .await?;
            tx.execute(
                "INSERT INTO attempts_pruned (account, created_at, id) VALUES ($1, $2, $3)
                 ON CONFLICT (account) DO UPDATE SET created_at = EXCLUDED.created_at, id = EXCLUDED.id",
                &[&account, &last.get::<_, i64>(0), &last.get::<_, String>(1)],
            )
            .await?;
            walked += ids.len();
        }
        tx.commit().await?;
        Ok(walked)
    }
}

/// The advisory lock attempt pruning runs under (an arbitrary constant: "prunetri").
const PRUNE_LOCK: i64 = 0x7072_756e_6574_7269;
