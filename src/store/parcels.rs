//! Parcels: the shared carrier state, its transition log, and the per-route delivery
//! times behind courier aging (costtime).

use super::keys::{self, T};
use super::{Store, StoreError, Tx};
use crate::core::apply::{apply, Applied, Update};
use crate::core::model::{Parcel, Tracking, Transition};

const DAY: i64 = 86_400;

fn route_key(p: &Parcel) -> Vec<u8> {
    let o = p.origin_country.as_deref().unwrap_or("");
    let d = p.destination_country.as_deref().unwrap_or("");
    keys::cat(&[
        p.carrier_code.as_bytes(),
        &[0],
        o.as_bytes(),
        &[0],
        d.as_bytes(),
        &[0],
        p.tracking_number.as_bytes(),
    ])
}

/// Days from first scan to delivery, for a delivered parcel.
fn delivered_days(p: &Parcel) -> Option<i64> {
    let first = p.events.last()?.time;
    Some((p.delivered_at? - first).max(0) / DAY)
}

/// How a carrier has done on one route: every parcel seen, and the delivery time
/// in days of each delivered one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteStats {
    /// Parcels seen on the route.
    pub total: u64,
    /// Delivery times, days, of the delivered ones.
    pub delivered_days: Vec<i64>,
}

impl Tx<'_> {
    /// Writes a parcel and keeps its route entry in step.
    pub(super) fn put_parcel(
        &mut self,
        old: Option<&Parcel>,
        new: &Parcel,
    ) -> Result<(), StoreError> {
        if let Some(old) = old {
            let old_key = route_key(old);
            if old_key != route_key(new) {
                self.del(T::Routes, old_key);
            }
        }
        let days = delivered_days(new)
            .map(|d| d.to_be_bytes().to_vec())
            .unwrap_or_default();
        self.put_raw(T::Routes, route_key(new), days);
        self.put(
            T::Parcels,
            keys::parcel(&new.carrier_code, &new.tracking_number),
            new,
        );
        Ok(())
    }
}

impl Store {
    /// Applies news about a parcel: the parcel, its transitions, and every
    /// subscribing tracking's indexes and counters change in one commit.
    /// A parcel nobody tracks is left alone (returns `None`).
    pub fn apply_update(
        &self,
        carrier: &str,
        number: &str,
        update: &Update,
        now: i64,
    ) -> Result<(Option<Applied>, u64), StoreError> {
        self.write(|tx| {
            let pk = keys::parcel(carrier, number);
            let subscribers = tx.committed_keys(T::Subscribers, &keys::parcel_prefix(&pk))?;
            if subscribers.is_empty() {
                return Ok(None);
            }
            let prev = tx
                .get::<Parcel>(T::Parcels, &pk)?
                .unwrap_or_else(|| Parcel::new(carrier, number, now));
            let applied = apply(&prev, update, now);
            if !applied.changed {
                return Ok(Some(applied));
            }
            for sub in &subscribers {
                let account = super::be_u64(&sub[sub.len() - 8..]);
                let tk = keys::tracking(account, &pk);
                let Some(mut t) = tx.get::<Tracking>(T::Trackings, &tk)? else {
                    continue;
                };
                tx.unindex_tracking(&t, &prev)?;
                t.updated_at = now;
                tx.index_tracking(&t, &applied.next)?;
            }
            for tr in &applied.transitions {
                tx.put(
                    T::Transitions,
                    keys::cat(&[&keys::parcel_prefix(&pk), &tr.seq.to_be_bytes()]),
                    tr,
                );
            }
            tx.put_parcel(Some(&prev), &applied.next)?;
            Ok(Some(applied))
        })
    }

    /// A parcel's transitions, oldest first.
    pub fn transitions(&self, carrier: &str, number: &str) -> Result<Vec<Transition>, StoreError> {
        let prefix = keys::parcel_prefix(&keys::parcel(carrier, number));
        self.tree(T::Transitions)
            .scan_prefix(prefix)
            .values()
            .map(|v| super::decode(T::Transitions, &v?))
            .collect()
    }

    /// Delivery statistics of a carrier on a route (ISO2 countries).
    pub fn route_stats(
        &self,
        carrier: &str,
        origin: &str,
        destination: &str,
    ) -> Result<RouteStats, StoreError> {
        let prefix = keys::cat(&[
            carrier.as_bytes(),
            &[0],
            origin.as_bytes(),
            &[0],
            destination.as_bytes(),
            &[0],
        ]);
        let mut stats = RouteStats::default();
        for kv in self.tree(T::Routes).scan_prefix(prefix) {
            let (_, v) = kv?;
            stats.total += 1;
            if v.len() == 8 {
                stats.delivered_days.push(super::be_u64(&v) as i64);
            }
        }
        Ok(stats)
    }
}
