//! Due alerts from the watch indexes (`Stalled`, `EddDue`): each account's
//! thresholds bound a range per status, so a pass costs O(accounts + due), never
//! a walk over every tracking.

use super::keys::{self, T};
use super::{SledStore, StoreError};
use crate::core::account::Account;
use crate::core::alerts::plan_alert;
use crate::core::model::{Parcel, Tracking};
use crate::store::backend::Alerts;
use crate::store::types::AlertPass;
use async_trait::async_trait;

#[async_trait]
impl Alerts for SledStore {
    async fn fire_due_alerts(&self, now: i64, limit: usize) -> Result<AlertPass, StoreError> {
        let mut accounts = Vec::new();
        for v in self.tree(T::Accounts).iter().values() {
            let a: Account = super::decode(T::Accounts, &v?)?;
            if a.disabled_at.is_none() {
                accounts.push(a);
            }
        }
        // Most looks find nothing: they read the indexes and take no write turn.
        let reader = self.reader();
        let mut any = false;
        for a in &accounts {
            if !due_parcel_keys(&reader, a, now, 1)?.is_empty() {
                any = true;
                break;
            }
        }
        if !any {
            return Ok(AlertPass::default());
        }
        let pass = self
            .write(|tx| {
                let mut pass = AlertPass::default();
                for a in &accounts {
                    let room = limit.saturating_sub(pass.handled);
                    if room == 0 {
                        break;
                    }
                    for pk in due_parcel_keys(tx, a, now, room)? {
                        let k = keys::tracking(a.id, &pk);
                        let Some(t) = tx.get::<Tracking>(T::Trackings, &k)? else {
                            continue;
                        };
                        let Some(p) = tx.get::<Parcel>(T::Parcels, &pk)? else {
                            continue;
                        };
                        let Some(plan) = plan_alert(&t, &p, &a.notify, now) else {
                            continue;
                        };
                        tx.reindex_tracking((&t, &p), (&plan.tracking, &p))?;
                        // A job id is the same for the same alert: one written already stays.
                        for job in &plan.jobs {
                            if tx.job_row(job.id.as_bytes())?.is_none() {
                                tx.put_new_job(job)?;
                            }
                        }
                        pass.handled += 1;
                        pass.jobs += plan.jobs.len();
                        pass.fired.extend(plan.fired);
                    }
                }
                Ok(pass)
            })
            .await?;
        if pass.jobs > 0 {
            self.inner.jobs_ready.notify_one();
        }
        Ok(pass)
    }
}

/// Set once every tracking has its entries in the alert and retention indexes.
const TRACKINGS_WATCHED: &[u8] = b"trackings_watched";

impl SledStore {
    /// Gives every tracking of a directory written before alerts its alert and
    /// retention index entries (as the core reads a row without a watch: watched from its last
    /// change), once. Entries are idempotent, so a crash midway redoes the step.
    pub(super) fn migrate_watch(&self) -> Result<(), StoreError> {
        if self.tree(T::Meta).get(TRACKINGS_WATCHED)?.is_some() {
            return Ok(());
        }
        let mut indexed = 0u64;
        let mut batch = sled::Batch::default();
        for v in self.tree(T::Trackings).iter().values() {
            let t: Tracking = super::decode(T::Trackings, &v?)?;
            let pk = keys::parcel(&t.carrier_code, &t.tracking_number);
            let Some(p) = self.get::<Parcel>(T::Parcels, &pk)? else {
                continue;
            };
            for (table, k) in super::trackings::timed_entries(&t, &p) {
                batch.insert(super::rows::key(table, &k), Vec::new());
                indexed += 1;
                if indexed % 10_000 == 0 {
                    self.inner.rows.apply_batch(std::mem::take(&mut batch))?;
                }
            }
        }
        batch.insert(super::rows::key(T::Meta, TRACKINGS_WATCHED), vec![1u8]);
        self.inner.rows.apply_batch(batch)?;
        self.inner.db.flush()?;
        if indexed > 0 {
            tracing::info!(
                entries = indexed,
                "alert and retention indexes built for existing trackings"
            );
        }
        Ok(())
    }
}

/// The parcel keys of account `a`'s trackings with an alert due at `now`, at
/// most `limit`, each once.
fn due_parcel_keys(
    tx: &super::Tx<'_>,
    a: &Account,
    now: i64,
    limit: usize,
) -> Result<Vec<Vec<u8>>, StoreError> {
    let acct = a.id.to_be_bytes();
    let due = a.notify.alerts.due_before(now);
    let mut out: Vec<Vec<u8>> = Vec::new();
    for (status, before) in due.stalled {
        let lo = keys::cat(&[&acct, &[status.code()]]);
        let hi = keys::cat(&[&lo, &keys::ts(before.saturating_add(1))]);
        for k in tx.committed_range(T::Stalled, &lo, &hi, limit - out.len())? {
            out.push(k[lo.len() + 8..].to_vec());
        }
    }
    if let Some(before) = due.edd {
        let hi = keys::cat(&[&acct, &keys::ts(before.saturating_add(1))]);
        let room = limit.saturating_sub(out.len());
        for k in tx.committed_range(T::EddDue, &acct, &hi, room)? {
            let pk = k[acct.len() + 8..].to_vec();
            if !out.contains(&pk) {
                out.push(pk);
            }
        }
    }
    Ok(out)
}
