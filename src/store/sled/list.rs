//! Listing and counting an account's trackings from the indexes — never a scan of
//! all trackings. The most selective index for the query is walked newest first;
//! filters the index cannot answer are checked on the rows it yields.

use super::keys::{self, T};
use super::{SledStore, StoreError};
use crate::core::model::{Parcel, Tracking};
use crate::core::status::Status;
use crate::store::types::*;

/// Key bounds of `range` under `prefix`, for keys `prefix + ts(..)`.
fn bounds(range: &TimeRange, prefix: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let lo = keys::cat(&[prefix, &keys::ts(range.min.unwrap_or(i64::MIN))]);
    let hi = match range.max {
        Some(m) if m < i64::MAX => keys::cat(&[prefix, &keys::ts(m + 1)]),
        _ => keys::prefix_end(prefix),
    };
    (lo, hi)
}

impl SledStore {
    fn load_by_parcel_key(
        &self,
        account: u64,
        pk: &[u8],
    ) -> Result<Option<(Tracking, Parcel)>, StoreError> {
        let Some(t) = self.get::<Tracking>(T::Trackings, &keys::tracking(account, pk))? else {
            return Ok(None);
        };
        let p = self
            .get::<Parcel>(T::Parcels, pk)?
            .unwrap_or_else(|| Parcel::new(&t.carrier_code, &t.tracking_number, t.created_at));
        Ok(Some((t, p)))
    }

    /// Parcel keys of a point lookup (numbers or orders), newest first.
    fn point_lookup(&self, account: u64, q: &ListQuery) -> Result<Vec<Vec<u8>>, StoreError> {
        let a = account.to_be_bytes();
        let mut pks = Vec::new();
        if !q.numbers.is_empty() {
            // Every parcel with the number, whoever tracks it; the caller then
            // loads the account's own tracking of each (none: not listed).
            for n in &q.numbers {
                let prefix = keys::cat(&[n.as_bytes(), &[0]]);
                for k in self.tree(T::ParcelNumbers).scan_prefix(&prefix).keys() {
                    let k = k?;
                    let carrier = std::str::from_utf8(&k[prefix.len()..]).unwrap_or_default();
                    pks.push(keys::parcel(carrier, n));
                }
            }
        } else {
            for o in &q.orders {
                let prefix = keys::cat(&[&a, o.as_bytes(), &[0]]);
                for k in self.tree(T::ByOrder).scan_prefix(&prefix).keys() {
                    pks.push(k?[prefix.len()..].to_vec());
                }
            }
        }
        pks.sort();
        pks.dedup();
        Ok(pks)
    }

    /// One page of an account's trackings.
    pub fn list(&self, account: u64, q: &ListQuery) -> Result<Page, StoreError> {
        let a = account.to_be_bytes();
        let offset = q.page.saturating_sub(1) * q.limit;
        if !q.numbers.is_empty() || !q.orders.is_empty() {
            let mut rows = Vec::new();
            for pk in self.point_lookup(account, q)? {
                if let Some((t, p)) = self.load_by_parcel_key(account, &pk)? {
                    if q.matches(&t, &p) {
                        rows.push((t, p));
                    }
                }
            }
            rows.sort_by_key(|r| std::cmp::Reverse(r.0.created_at));
            let total = rows.len() as u64;
            let items = rows.into_iter().skip(offset).take(q.limit).collect();
            return Ok(Page { total, items });
        }
        // Walk the index that narrows the most; `skip` is the length of the fixed
        // part of its keys before the parcel key.
        let (tree, prefix, range) = if let Some(s) = q.status {
            (T::ByStatus, keys::cat(&[&a, &[s.code()]]), q.created)
        } else if !q.updated.is_open() && q.created.is_open() {
            (T::ByUpdated, a.to_vec(), q.updated)
        } else if !q.order_created.is_open() && q.created.is_open() {
            (T::ByOrderCreated, a.to_vec(), q.order_created)
        } else {
            (T::ByCreated, a.to_vec(), q.created)
        };
        let skip = prefix.len() + 8;
        let (lo, hi) = bounds(&range, &prefix);
        // Filters the chosen index answers by itself need no row load to count.
        let index_answers_all = match tree {
            T::ByStatus | T::ByCreated => {
                q.updated.is_open() && q.order_created.is_open() && q.archived.is_none()
            }
            _ => {
                q.created.is_open() && q.archived.is_none() && {
                    let other = if tree == T::ByUpdated {
                        &q.order_created
                    } else {
                        &q.updated
                    };
                    other.is_open()
                }
            }
        };
        let unfiltered_total = if q.is_unfiltered() {
            Some(
                self.status_counts(account, &ListQuery::default())?
                    .iter()
                    .sum::<u64>(),
            )
        } else {
            None
        };
        let mut matched: u64 = 0;
        let mut items = Vec::new();
        for kv in self.tree(tree).range(lo..hi).rev() {
            let (k, _) = kv?;
            let pk = &k[skip..];
            let in_page = matched >= offset as u64 && items.len() < q.limit;
            if index_answers_all && !in_page {
                if unfiltered_total.is_some() && items.len() >= q.limit {
                    break;
                }
                matched += 1;
                continue;
            }
            let Some((t, p)) = self.load_by_parcel_key(account, pk)? else {
                continue;
            };
            if !q.matches(&t, &p) {
                continue;
            }
            if in_page {
                items.push((t, p));
            }
            matched += 1;
        }
        Ok(Page {
            total: unfiltered_total.unwrap_or(matched),
            items,
        })
    }

    /// Trackings per status, from the counters when no time filter applies, else
    /// from the status index over the created range (plus a row check for the
    /// order-created range).
    pub fn status_counts(&self, account: u64, q: &ListQuery) -> Result<[u64; 8], StoreError> {
        let a = account.to_be_bytes();
        let mut out = [0u64; 8];
        for s in Status::ALL {
            out[s.code() as usize] = if q.created.is_open() && q.order_created.is_open() {
                self.tree(T::Counters)
                    .get(keys::counter(account, s))?
                    .map_or(0, |v| super::be_u64(&v))
            } else {
                let prefix = keys::cat(&[&a, &[s.code()]]);
                let (lo, hi) = bounds(&q.created, &prefix);
                let mut n = 0;
                for k in self.tree(T::ByStatus).range(lo..hi).keys() {
                    let k = k?;
                    if !q.order_created.is_open() {
                        let Some((t, _)) =
                            self.load_by_parcel_key(account, &k[prefix.len() + 8..])?
                        else {
                            continue;
                        };
                        if !q.order_created.contains_opt(t.order_created_at) {
                            continue;
                        }
                    }
                    n += 1;
                }
                n
            };
        }
        Ok(out)
    }
}
