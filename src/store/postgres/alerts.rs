//! Due alerts from the watch columns (`stalled_since`, `edd_due`, each with a
//! partial index): one range per account and status, rows claimed
//! `FOR UPDATE ... SKIP LOCKED` with their parcel, so two nodes never fire the
//! same alert and news for a parcel waits for the pass that holds it.

use super::db::{Db, Tx};
use super::rows::{joined, put_tracking, JOINED};
use super::{batch, decode, PgStore, JOBS_CHANNEL};
use crate::core::account::Account;
use crate::core::alerts::plan_alert;
use crate::core::model::{Parcel, Tracking};
use crate::store::backend::Alerts;
use crate::store::types::{AlertPass, StoreError};
use async_trait::async_trait;
use tokio_postgres::types::Json;

#[async_trait]
impl Alerts for PgStore {
    async fn fire_due_alerts(&self, now: i64, limit: usize) -> Result<AlertPass, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut accounts = Vec::new();
        for r in tx.query("SELECT row FROM accounts", &[]).await? {
            let Json(a): Json<Account> = r.try_get(0).map_err(|e| decode("accounts", e))?;
            if a.disabled_at.is_none() {
                accounts.push(a);
            }
        }
        let mut pass = AlertPass::default();
        let mut jobs = Vec::new();
        for a in &accounts {
            let room = limit.saturating_sub(pass.handled);
            if room == 0 {
                break;
            }
            for (t, p) in due(&tx, a, now, room).await? {
                let Some(plan) = plan_alert(&t, &p, &a.notify, now) else {
                    continue;
                };
                put_tracking(&tx, &plan.tracking, &p, false).await?;
                pass.handled += 1;
                pass.jobs += plan.jobs.len();
                pass.fired.extend(plan.fired);
                jobs.extend(plan.jobs);
            }
        }
        // A job id is the same for the same alert: one written already stays.
        batch::jobs(&tx, &jobs).await?;
        if !jobs.is_empty() {
            tx.execute("SELECT pg_notify($1, '')", &[&JOBS_CHANNEL])
                .await?;
        }
        tx.commit().await?;
        Ok(pass)
    }
}

/// Account `a`'s trackings with an alert due at `now` (at most `limit`, each
/// once), locked with their parcels; rows another node holds are skipped.
async fn due(
    tx: &Tx<'_>,
    a: &Account,
    now: i64,
    limit: usize,
) -> Result<Vec<(Tracking, Parcel)>, StoreError> {
    let due = a.notify.alerts.due_before(now);
    let account = a.id as i64;
    let mut out: Vec<(Tracking, Parcel)> = Vec::new();
    for (status, before) in due.stalled {
        let room = limit.saturating_sub(out.len()) as i64;
        let code = status.code() as i16;
        let rows = tx
            .query(
                &format!(
                    "SELECT {JOINED} WHERE t.account = $1 AND t.status = $2
                         AND t.stalled_since <= $3
                     ORDER BY t.stalled_since LIMIT $4 FOR UPDATE OF t, p SKIP LOCKED"
                ),
                &[&account, &code, &before, &room],
            )
            .await?;
        for r in &rows {
            out.push(joined(r)?);
        }
    }
    if let Some(before) = due.edd {
        let room = limit.saturating_sub(out.len()) as i64;
        let rows = tx
            .query(
                &format!(
                    "SELECT {JOINED} WHERE t.account = $1 AND t.edd_due <= $2
                     ORDER BY t.edd_due LIMIT $3 FOR UPDATE OF t, p SKIP LOCKED"
                ),
                &[&account, &before, &room],
            )
            .await?;
        for r in &rows {
            let (t, p) = joined(r)?;
            let same = |(o, _): &(Tracking, Parcel)| {
                o.carrier_code == t.carrier_code && o.tracking_number == t.tracking_number
            };
            if !out.iter().any(same) {
                out.push((t, p));
            }
        }
    }
    Ok(out)
}
