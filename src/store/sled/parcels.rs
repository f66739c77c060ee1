//! Parcels: the one write path for carrier news. A batch of updates becomes, in one
//! commit: each parcel's next state, its transitions, every subscribing tracking's
//! indexes and counters, one outbox job per (subscriber × channel its rules select),
//! the push's dedupe record and, when it moved earlier than its schedule entry, the
//! parcel's next poll time.

use super::keys::{self, T};
use super::{Account, SledStore, StoreError, Tx};
use crate::core::apply::Update;
use crate::core::model::{Parcel, Tracking, Transition};
use crate::core::plan::Origin;
use crate::core::plan::{plan_update, Subscriber};
use crate::store::backend::Parcels;
use crate::store::group::Queued;
use crate::store::types::*;
use async_trait::async_trait;
use std::collections::HashMap;

/// What one commit of updates carries along: where the news came from, the time,
/// accounts already read, and the running report.
struct Batch {
    origin: Origin,
    now: i64,
    accounts: HashMap<u64, Option<Account>>,
    report: ApplyReport,
}

/// The route prefix costtime scans: account, carrier, origin, destination.
fn route_prefix(account: u64, carrier: &str, origin: &str, destination: &str) -> Vec<u8> {
    keys::cat(&[
        &account.to_be_bytes(),
        carrier.as_bytes(),
        &[0],
        origin.as_bytes(),
        &[0],
        destination.as_bytes(),
        &[0],
    ])
}

/// The costtime index entry of one tracking: the route prefix, the number, and the
/// delivery time in days once delivered. Everything is in the key, so the entry is
/// derived from (tracking, parcel) like every other index and kept in step by the
/// same diff. `None` while origin or destination is unknown: costtime is never
/// asked about such a route.
pub(super) fn route_entry(account: u64, p: &Parcel) -> Option<Vec<u8>> {
    let (o, d) = (
        p.origin_country.as_deref()?,
        p.destination_country.as_deref()?,
    );
    let days = p.delivery_days().map(i64::to_be_bytes);
    Some(keys::cat(&[
        &route_prefix(account, &p.carrier_code, o, d),
        p.tracking_number.as_bytes(),
        &[0],
        days.as_ref().map_or(&[][..], |d| &d[..]),
    ]))
}

impl Tx<'_> {
    /// Writes a parcel and keeps its number index and poll schedule in step.
    pub(super) fn put_parcel(
        &mut self,
        old: Option<&Parcel>,
        new: &Parcel,
    ) -> Result<(), StoreError> {
        if old.is_none() {
            self.put_raw(
                T::ParcelNumbers,
                keys::parcel_number(&new.carrier_code, &new.tracking_number),
                Vec::new(),
            );
        }
        self.keep_scheduled(new)?;
        self.put(
            T::Parcels,
            keys::parcel(&new.carrier_code, &new.tracking_number),
            new,
        );
        Ok(())
    }

    /// Makes sure a parcel with a poll time has a schedule entry at or before it.
    ///
    /// The schedule lags behind the parcel: `PollEntry` holds the time of the entry
    /// the parcel relies on, and while that is not after the poll time nothing is
    /// written. A push moves the poll time later, or a little earlier than the last
    /// one but still after the entry, so pushes write no schedule keys (before, each
    /// deleted one entry and inserted one at the busiest end of the index). The
    /// claim that reaches an entry whose poll moved later moves it then
    /// ([`Tx::claim_entry`], in polls.rs).
    pub(super) fn keep_scheduled(&mut self, p: &Parcel) -> Result<(), StoreError> {
        let Some(at) = p.next_poll_at else {
            return Ok(());
        };
        let pk = keys::parcel(&p.carrier_code, &p.tracking_number);
        let at = keys::ts(at);
        if self
            .raw(T::PollEntry, &pk)?
            .is_some_and(|e| e[..] <= at[..])
        {
            return Ok(());
        }
        self.put_raw(T::PollsDue, keys::cat(&[&at, &pk]), Vec::new());
        self.put_raw(T::PollEntry, pk, at.to_vec());
        Ok(())
    }

    fn account_cached<'c>(
        &self,
        cache: &'c mut HashMap<u64, Option<Account>>,
        id: u64,
    ) -> Result<&'c Option<Account>, StoreError> {
        Ok(match cache.entry(id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(self.get::<Account>(T::Accounts, &id.to_be_bytes())?)
            }
        })
    }

    /// Applies one update to one parcel: loads what [`plan_update`] needs and writes
    /// what it decided (see the module docs).
    fn apply_one(
        &mut self,
        carrier: &str,
        number: &str,
        update: &Update,
        batch: &mut Batch,
    ) -> Result<(), StoreError> {
        let pk = keys::parcel(carrier, number);
        let keys = self.committed_keys(T::Subscribers, &keys::parcel_prefix(&pk))?;
        if keys.is_empty() {
            batch.report.ignored();
            return Ok(());
        }
        batch.report.matched();
        let Some(prev) = self.get::<Parcel>(T::Parcels, &pk)? else {
            batch.report.ignored();
            return Ok(());
        };
        let mut subscribers = Vec::with_capacity(keys.len());
        for k in &keys {
            let account = super::be_u64(&k[k.len() - 8..]);
            if let Some(t) = self.get::<Tracking>(T::Trackings, &keys::tracking(account, &pk))? {
                let notify = self
                    .account_cached(&mut batch.accounts, account)?
                    .as_ref()
                    .map(|a| a.notify.clone());
                subscribers.push(Subscriber {
                    tracking: t,
                    notify,
                });
            }
        }
        let policy = self.store.inner.policy;
        let plan = plan_update(
            &prev,
            update,
            &subscribers,
            batch.origin,
            &policy,
            batch.now,
        );
        batch.report.record(&plan);
        if !plan.parcel_changed {
            return Ok(());
        }
        for (before, after) in &plan.trackings {
            self.reindex_tracking((before, &prev), (after, &plan.next))?;
        }
        // Most of a tracking's jobs need no index: their ids derive from the
        // parcel's transitions (`notifications.rs`); `put_new_job` lists the others.
        for job in &plan.jobs {
            self.put_new_job(job)?;
        }
        for tr in &plan.transitions {
            self.put(
                T::Transitions,
                keys::cat(&[&keys::parcel_prefix(&pk), &tr.seq.to_be_bytes()]),
                tr,
            );
        }
        self.put_parcel(Some(&prev), &plan.next)
    }
}

impl Tx<'_> {
    /// One caller's batch, applied within a (possibly shared) commit.
    pub(super) fn apply_batch(&mut self, q: &Queued) -> Result<ApplyReport, StoreError> {
        let mut batch = Batch {
            origin: q.origin,
            now: q.now,
            accounts: HashMap::new(),
            report: ApplyReport::default(),
        };
        if let Some(push) = q.push_key() {
            if let Some(report) = self.remember_push(push, q.now)?.report() {
                return Ok(report);
            }
        }
        for item in &q.items {
            let carriers: Vec<String> = match &item.carrier {
                Some(c) => vec![c.clone()],
                None => {
                    let prefix = keys::cat(&[item.number.as_bytes(), &[0]]);
                    self.committed_keys(T::ParcelNumbers, &prefix)?
                        .iter()
                        .filter_map(|k| String::from_utf8(k[prefix.len()..].to_vec()).ok())
                        .collect()
                }
            };
            if carriers.is_empty() {
                batch.report.ignored += 1;
            }
            for c in carriers {
                self.apply_one(&c, &item.number, &item.update, &mut batch)?;
            }
        }
        Ok(batch.report)
    }
}

#[async_trait]
impl Parcels for SledStore {
    async fn apply_updates(
        &self,
        items: &[Incoming],
        origin: Origin,
        push_id: Option<PushKey<'_>>,
        now: i64,
    ) -> Result<ApplyReport, StoreError> {
        self.apply_group(items, origin, push_id, now).await
    }

    async fn parcel(&self, carrier: &str, number: &str) -> Result<Option<Parcel>, StoreError> {
        self.get(T::Parcels, &keys::parcel(carrier, number))
    }

    async fn push_seen(&self, source: &str, id: &str) -> Result<bool, StoreError> {
        let key = keys::cat(&[source.as_bytes(), &[0], id.as_bytes()]);
        Ok(self.tree(T::PushSeen).get(key)?.is_some())
    }

    async fn transitions(
        &self,
        carrier: &str,
        number: &str,
    ) -> Result<Vec<Transition>, StoreError> {
        let (carrier, number) = (carrier.to_string(), number.to_string());
        self.off_runtime(move |s| s.read_transitions(&carrier, &number))
            .await
    }

    async fn route_stats(
        &self,
        account: u64,
        carrier: &str,
        origin: &str,
        destination: &str,
    ) -> Result<RouteStats, StoreError> {
        let route = [carrier, origin, destination].map(str::to_string);
        self.off_runtime(move |s| {
            let [carrier, origin, destination] = &route;
            s.read_route_stats(account, carrier, origin, destination)
        })
        .await
    }
}

impl SledStore {
    /// A parcel's transitions, oldest first.
    fn read_transitions(&self, carrier: &str, number: &str) -> Result<Vec<Transition>, StoreError> {
        let prefix = keys::parcel_prefix(&keys::parcel(carrier, number));
        self.tree(T::Transitions)
            .scan_prefix(prefix)
            .values()
            .map(|v| super::decode(T::Transitions, &v?))
            .collect()
    }

    /// Delivery statistics of one account's parcels of a carrier on a route (ISO2
    /// countries), from the account's route index: one prefix scan over just
    /// those parcels, never another shop's.
    fn read_route_stats(
        &self,
        account: u64,
        carrier: &str,
        origin: &str,
        destination: &str,
    ) -> Result<RouteStats, StoreError> {
        let prefix = route_prefix(account, carrier, origin, destination);
        let mut stats = RouteStats::default();
        for k in self.tree(T::Routes).scan_prefix(&prefix).keys() {
            let k = k?;
            stats.total += 1;
            let rest = &k[prefix.len()..];
            let days = rest
                .iter()
                .position(|b| *b == 0)
                .map(|i| &rest[i + 1..])
                .filter(|d| d.len() == 8);
            if let Some(d) = days {
                stats.delivered_days.push(super::be_u64(d) as i64);
            }
        }
        Ok(stats)
    }
}
