//! Listing and counting an account's trackings from the indexes — never a scan of
//! all trackings. The most selective index for the query is walked newest first;
//! filters the index cannot answer are checked on the rows it yields.

use super::keys::{self, T};
use super::{SledStore, StoreError};
use crate::core::model::{Parcel, Tracking};
use crate::core::status::Status;
use crate::store::types::*;

/// Merges walks that each yield (created time + parcel key) newest first into one
/// such walk.
fn newest_first(
    walks: Vec<Box<dyn Iterator<Item = Result<Vec<u8>, StoreError>> + '_>>,
) -> impl Iterator<Item = Result<Vec<u8>, StoreError>> + '_ {
    let mut walks: Vec<_> = walks.into_iter().map(Iterator::peekable).collect();
    std::iter::from_fn(move || {
        let mut best: Option<(usize, Vec<u8>)> = None;
        for (i, w) in walks.iter_mut().enumerate() {
            match w.peek() {
                None => {}
                Some(Err(_)) => return w.next(),
                Some(Ok(k)) if best.as_ref().is_none_or(|(_, b)| k > b) => {
                    best = Some((i, k.clone()));
                }
                Some(Ok(_)) => {}
            }
        }
        walks[best?.0].next()
    })
}

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

    /// Keys of `tree` under `prefix` within `range`, newest first, without the
    /// prefix: each is the 8-byte time, then the parcel key.
    fn walk(
        &self,
        tree: T,
        prefix: &[u8],
        range: &TimeRange,
    ) -> Box<dyn Iterator<Item = Result<Vec<u8>, StoreError>> + '_> {
        let (lo, hi) = bounds(range, prefix);
        let skip = prefix.len();
        Box::new(
            self.tree(tree)
                .range(lo..hi)
                .keys()
                .rev()
                .map(move |k| Ok(k?[skip..].to_vec())),
        )
    }

    /// One page of an account's trackings.
    pub(super) fn read_list(&self, account: u64, q: &ListQuery) -> Result<Page, StoreError> {
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
        // Walk the index that narrows the most, newest first. Without a status or
        // another time filter that is the status index, all eight statuses merged
        // by created time (there is no separate created-at index).
        let walk: Box<dyn Iterator<Item = Result<Vec<u8>, StoreError>>>;
        let tree = if let Some(s) = q.status {
            walk = self.walk(T::ByStatus, &keys::cat(&[&a, &[s.code()]]), &q.created);
            T::ByStatus
        } else if !q.updated.is_open() && q.created.is_open() {
            walk = self.walk(T::ByUpdated, &a, &q.updated);
            T::ByUpdated
        } else if !q.order_created.is_open() && q.created.is_open() {
            walk = self.walk(T::ByOrderCreated, &a, &q.order_created);
            T::ByOrderCreated
        } else {
            walk = Box::new(newest_first(
                Status::ALL
                    .iter()
                    .map(|s| self.walk(T::ByStatus, &keys::cat(&[&a, &[s.code()]]), &q.created))
                    .collect(),
            ));
            T::ByStatus
        };
        // Filters the chosen index answers by itself need no row load to count.
        let index_answers_all = q.carrier.is_none()
            && match tree {
                T::ByStatus => {
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
                self.read_status_counts(account, &ListQuery::default())?
                    .iter()
                    .sum::<u64>(),
            )
        } else {
            None
        };
        let mut matched: u64 = 0;
        let mut items = Vec::new();
        for key in walk {
            let key = key?;
            let pk = &key[8..];
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
    pub(super) fn read_status_counts(
        &self,
        account: u64,
        q: &ListQuery,
    ) -> Result<[u64; 8], StoreError> {
        let a = account.to_be_bytes();
        let mut out = [0u64; 8];
        for s in Status::ALL {
            out[s.code() as usize] = if q.counters_answer_status_counts() {
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
