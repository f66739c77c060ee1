//! The poll queue: parcels whose poll is due, claimed by one node at a time.

use super::db::Db;
use super::rows::{lock_parcel, parcel_row, put_parcel};
use super::PgStore;
use crate::core::plan::{plan_poll_claim, plan_poll_retry};
use crate::store::backend::Polls;
use crate::store::types::*;
use async_trait::async_trait;

#[async_trait]
impl Polls for PgStore {
    /// Claims up to `limit` parcels whose poll is due: each is pushed `lease`
    /// seconds ahead in the same transaction, skipping rows another node holds.
    async fn claim_due_polls(
        &self,
        now: i64,
        limit: usize,
        lease: i64,
    ) -> Result<Vec<PollTarget>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let rows = tx
            .query(
                "SELECT row FROM parcels WHERE next_poll_at <= $1
                 ORDER BY next_poll_at LIMIT $2 FOR UPDATE SKIP LOCKED",
                &[&now, &(limit as i64)],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let p = parcel_row(r)?;
            let follows: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM trackings
                         WHERE carrier = $1 AND number = $2 AND NOT notupdate)",
                    &[&p.carrier_code, &p.tracking_number],
                )
                .await?
                .get(0);
            let (claimed, poll) = plan_poll_claim(&p, follows, now + lease);
            put_parcel(&tx, &claimed).await?;
            if poll {
                // Ours until its news or a reschedule rewrites the row.
                tx.execute(
                    "UPDATE parcels SET poll_owner = $3 WHERE carrier = $1 AND number = $2",
                    &[&p.carrier_code, &p.tracking_number, &self.node()],
                )
                .await?;
                out.push(PollTarget { parcel: p });
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Reschedules a parcel after a failed poll for `at`, counting the failure
    /// when `failed`.
    async fn reschedule_poll(
        &self,
        carrier: &str,
        number: &str,
        at: i64,
        failed: bool,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        if let Some(p) = lock_parcel(&tx, carrier, number).await? {
            put_parcel(&tx, &plan_poll_retry(&p, at, failed)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// How many polls are due at `now`, counted up to `cap`.
    async fn due_poll_count(&self, now: i64, cap: usize) -> Result<usize, StoreError> {
        let n: i64 = self
            .client()
            .await?
            .query_one(
                "SELECT count(*) FROM (SELECT 1 FROM parcels WHERE next_poll_at <= $1 LIMIT $2) due",
                &[&now, &(cap as i64)],
            )
            .await?
            .get(0);
        Ok(n as usize)
    }
}
