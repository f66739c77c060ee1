//! Parcels: the one write path for carrier news, and the poll queue. A batch of
//! updates is one transaction: the parcels it names are locked in key order (so
//! two nodes' batches never deadlock), then each parcel's plan is written: the
//! parcel, its transitions, its subscribers' rows and the outbox jobs.

use super::batch;
use super::db::{Db, Tx};
use super::rows::parcel_row;
use super::{decode, PgStore, JOBS_CHANNEL};
use crate::core::model::{Parcel, Tracking, Transition};
use crate::core::plan::{plan_update, push_dedupe_horizon};
use crate::core::plan::{Origin, Seen, Subscriber};
use crate::core::settings::Notify;
use crate::store::backend::Parcels;
use crate::store::group::{self, Queued};
use crate::store::types::*;
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap};
use tokio_postgres::types::Json;

type Key = (String, String);

/// Records a push id (with the body's hash when given) unless seen.
async fn remember_push(
    tx: &Tx<'_>,
    push: PushKey<'_>,
    now: i64,
) -> Result<Option<ApplyReport>, StoreError> {
    let n = tx
        .execute(
            "INSERT INTO push_ids (source, id, body, seen_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (source, id) DO NOTHING",
            &[&push.source, &push.id, &push.body, &now],
        )
        .await?;
    if n == 0 {
        let held: Option<String> = tx
            .query_one(
                "SELECT body FROM push_ids WHERE source = $1 AND id = $2",
                &[&push.source, &push.id],
            )
            .await?
            .get(0);
        let seen = Seen::of_held(
            held.as_deref().map(str::as_bytes),
            push.body.map(str::as_bytes),
        );
        return Ok(seen.report());
    }
    Ok(None)
}

/// Forgets push ids older than the retention window, a bounded number per call.
async fn forget_old_pushes(tx: &Tx<'_>, now: i64) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM push_ids WHERE ctid IN
             (SELECT ctid FROM push_ids WHERE seen_at < $1 LIMIT 256)",
        &[&push_dedupe_horizon(now)],
    )
    .await?;
    Ok(())
}

/// Everything the plans of one batch read, loaded in a few queries.
struct Loaded {
    parcels: BTreeMap<Key, Parcel>,
    subscribers: HashMap<Key, Vec<Tracking>>,
    accounts: HashMap<u64, Option<Notify>>,
}

async fn load(tx: &Tx<'_>, keys: &[Key]) -> Result<Loaded, StoreError> {
    let (carriers, numbers): (Vec<&str>, Vec<&str>) =
        keys.iter().map(|(c, n)| (c.as_str(), n.as_str())).unzip();
    let mut loaded = Loaded {
        parcels: BTreeMap::new(),
        subscribers: HashMap::new(),
        accounts: HashMap::new(),
    };
    for r in tx
        .query(
            "SELECT row FROM parcels WHERE (carrier, number) IN
                 (SELECT * FROM unnest($1::text[], $2::text[]))
             ORDER BY carrier, number FOR UPDATE",
            &[&carriers, &numbers],
        )
        .await?
    {
        let p = parcel_row(&r)?;
        loaded
            .parcels
            .insert((p.carrier_code.clone(), p.tracking_number.clone()), p);
    }
    for r in tx
        .query(
            "SELECT row FROM trackings WHERE (carrier, number) IN
                 (SELECT * FROM unnest($1::text[], $2::text[]))
             ORDER BY account, carrier, number FOR UPDATE",
            &[&carriers, &numbers],
        )
        .await?
    {
        let Json(t): Json<Tracking> = r.try_get(0).map_err(|e| decode("trackings", e))?;
        loaded.accounts.insert(t.account, None);
        loaded
            .subscribers
            .entry((t.carrier_code.clone(), t.tracking_number.clone()))
            .or_default()
            .push(t);
    }
    let ids: Vec<i64> = loaded.accounts.keys().map(|a| *a as i64).collect();
    for r in tx
        .query("SELECT id, row FROM accounts WHERE id = ANY($1)", &[&ids])
        .await?
    {
        let id: i64 = r.get(0);
        let Json(a): Json<Account> = r.try_get(1).map_err(|e| decode("accounts", e))?;
        loaded.accounts.insert(id as u64, Some(a.notify));
    }
    Ok(loaded)
}

#[async_trait]
impl Parcels for PgStore {
    /// Applies a batch of news in one transaction. With `push_id`, a batch whose id
    /// was seen before has no effect and reports `duplicate` (or `replayed`).
    ///
    /// Batches arriving together share a transaction (see [`crate::store::group`]):
    /// a caller's turn is one of [`GROUP_SLOTS`](super::GROUP_SLOTS) slots of this node, and the
    /// group's transaction runs in a task of its own, so callers that go away
    /// never leave the others unanswered.
    async fn apply_updates(
        &self,
        items: &[Incoming],
        origin: Origin,
        push_id: Option<PushKey<'_>>,
        now: i64,
    ) -> Result<ApplyReport, StoreError> {
        let place = self.inner.applies.join(items, origin, push_id, now);
        let slot = self
            .inner
            .apply_slots
            .clone()
            .acquire_owned()
            .await
            .expect("the group slots are never closed");
        let taken = self.inner.applies.take();
        if taken.is_empty() {
            drop(slot);
            return place.answer().await;
        }
        let me = self.clone();
        tokio::spawn(async move {
            let result = me.apply_group(&taken).await;
            match result {
                // One batch the database refuses must not fail the others with it:
                // the group's transaction is rolled back, so each goes again alone.
                Err(StoreError::Engine(_) | StoreError::Decode { .. }) if taken.len() > 1 => {
                    for q in taken {
                        let result = me.apply_group(std::slice::from_ref(&q)).await;
                        me.answered(vec![q], result);
                    }
                }
                result => me.answered(taken, result),
            }
            drop(slot);
        });
        place.answer().await
    }

    /// A parcel's transitions, oldest first.
    async fn transitions(
        &self,
        carrier: &str,
        number: &str,
    ) -> Result<Vec<Transition>, StoreError> {
        self.client()
            .await?
            .query(
                "SELECT row FROM transitions WHERE carrier = $1 AND number = $2 ORDER BY seq",
                &[&carrier, &number],
            )
            .await?
            .iter()
            .map(|r| {
                r.try_get::<_, Json<Transition>>(0)
                    .map(|j| j.0)
                    .map_err(|e| decode("transitions", e))
            })
            .collect()
    }

    /// Delivery statistics of one account's parcels of a carrier on a route (ISO2
    /// countries): only that account's trackings, through the route index.
    async fn route_stats(
        &self,
        account: u64,
        carrier: &str,
        origin: &str,
        destination: &str,
    ) -> Result<RouteStats, StoreError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT p.row FROM parcels p JOIN trackings t USING (carrier, number)
                 WHERE t.account = $1 AND p.carrier = $2 AND p.origin = $3 AND p.destination = $4",
                &[&(account as i64), &carrier, &origin, &destination],
            )
            .await?;
        let mut stats = RouteStats::default();
        for r in &rows {
            let p = parcel_row(r)?;
            stats.total += 1;
            stats.delivered_days.extend(p.delivery_days());
        }
        Ok(stats)
    }

    /// A parcel as stored.
    async fn push_seen(&self, source: &str, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .client()
            .await?
            .query_opt(
                "SELECT 1 FROM push_ids WHERE source = $1 AND id = $2",
                &[&source, &id],
            )
            .await?
            .is_some())
    }

    async fn parcel(&self, carrier: &str, number: &str) -> Result<Option<Parcel>, StoreError> {
        self.client()
            .await?
            .query_opt(
                "SELECT row FROM parcels WHERE carrier = $1 AND number = $2",
                &[&carrier, &number],
            )
            .await?
            .map(|r| parcel_row(&r))
            .transpose()
    }
}

impl PgStore {
    /// The (carrier, number) keys an update names: its own, or every parcel with
    /// the number when the push names no carrier of ours.
    async fn keys_of(&self, tx: &Tx<'_>, item: &Incoming) -> Result<Vec<Key>, StoreError> {
        Ok(match &item.carrier {
            Some(c) => vec![(c.clone(), item.number.clone())],
            None => tx
                .query(
                    "SELECT carrier FROM parcels WHERE number = $1",
                    &[&item.number],
                )
                .await?
                .iter()
                .map(|r| (r.get::<_, String>(0), item.number.clone()))
                .collect(),
        })
    }

    /// Answers a group's callers, and wakes the dispatcher when it made jobs.
    fn answered(&self, group: Vec<group::Queued>, result: Result<Vec<ApplyReport>, StoreError>) {
        if result.as_ref().is_ok_and(|r| r.iter().any(|r| r.jobs > 0)) {
            self.inner.jobs_ready.notify_one();
        }
        group::answer(group, result);
    }

    /// Applies queued batches in one transaction, in order, one report each.
    async fn apply_group(&self, group: &[Queued]) -> Result<Vec<ApplyReport>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut reports = vec![ApplyReport::default(); group.len()];
        let mut work = Vec::new();
        let mut pushes = None;
        for (i, q) in group.iter().enumerate() {
            if let Some(push) = q.push_key() {
                pushes = Some(q.now);
                if let Some(report) = remember_push(&tx, push, q.now).await? {
                    reports[i] = report;
                    continue;
                }
            }
            for item in &q.items {
                work.push((i, self.keys_of(&tx, item).await?, &item.update));
            }
        }
        if let Some(now) = pushes {
            forget_old_pushes(&tx, now).await?;
        }
        let all: Vec<Key> = work
            .iter()
            .flat_map(|(_, k, _)| k.iter().cloned())
            .collect();
        let mut loaded = load(&tx, &all).await?;
        let mut changed: BTreeMap<Key, Parcel> = BTreeMap::new();
        let mut out_trackings: BTreeMap<(u64, String, String), (Tracking, TrackingIndex)> =
            BTreeMap::new();
        let mut out_jobs: Vec<crate::core::rules::Job> = Vec::new();
        let mut counts = super::counts::Counts::default();
        let mut out_transitions: Vec<(Key, Transition)> = Vec::new();
        for (i, keys, update) in work {
            let (report, q) = (&mut reports[i], &group[i]);
            if keys.is_empty() {
                report.ignored();
            }
            for key in keys {
                let Some(subs) = loaded.subscribers.get_mut(&key).filter(|s| !s.is_empty()) else {
                    report.ignored();
                    continue;
                };
                report.matched();
                let Some(prev) = loaded.parcels.get(&key).cloned() else {
                    report.ignored();
                    continue;
                };
                let subscribers: Vec<Subscriber> = subs
                    .iter()
                    .map(|t| Subscriber {
                        tracking: t.clone(),
                        notify: loaded.accounts.get(&t.account).cloned().flatten(),
                    })
                    .collect();
                let plan = plan_update(
                    &prev,
                    update,
                    &subscribers,
                    q.origin,
                    &self.inner.policy,
                    q.now,
                );
                report.record(&plan);
                if !plan.parcel_changed {
                    continue;
                }
                for (before, after) in &plan.trackings {
                    counts.moved(
                        after.account,
                        before.effective_status(&prev),
                        after.effective_status(&plan.next),
                    );
                    let index = TrackingIndex::of(after, Some(&plan.next));
                    let k = (after.account, key.0.clone(), key.1.clone());
                    out_trackings.insert(k, (after.clone(), index));
                    if let Some(t) = subs.iter_mut().find(|t| t.account == after.account) {
                        *t = after.clone();
                    }
                }
                out_jobs.extend(plan.jobs);
                out_transitions.extend(plan.transitions.into_iter().map(|t| (key.clone(), t)));
                loaded.parcels.insert(key.clone(), plan.next.clone());
                changed.insert(key, plan.next);
            }
        }
        let parcels: Vec<&Parcel> = changed.values().collect();
        batch::parcels(&tx, &parcels).await?;
        let trackings: Vec<(&Tracking, TrackingIndex)> =
            out_trackings.values().map(|(t, i)| (t, *i)).collect();
        batch::trackings(&tx, &trackings).await?;
        let transitions: Vec<(&str, &str, &Transition)> = out_transitions
            .iter()
            .map(|((c, n), t)| (c.as_str(), n.as_str(), t))
            .collect();
        batch::transitions(&tx, &transitions).await?;
        batch::jobs(&tx, &out_jobs).await?;
        counts.write(&tx).await?;
        if !out_jobs.is_empty() {
            tx.execute("SELECT pg_notify($1, '')", &[&JOBS_CHANNEL])
                .await?;
        }
        tx.commit().await?;
        Ok(reports)
    }
}
