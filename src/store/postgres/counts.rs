//! Trackings per account and status, kept as sharded counters: a write adds its
//! deltas to one of [`SHARDS`] rows per (account, status), picked at random per
//! transaction, so writers of one account do not queue on one hot row; a read sums
//! at most `SHARDS × 8` rows, whatever the account's size.

use super::db::{Db, Tx};
use crate::core::status::Status;
use crate::store::types::StoreError;
use std::collections::BTreeMap;

/// Counter rows per (account, status).
const SHARDS: i16 = 16;

/// One transaction's changes to the counters.
#[derive(Default)]
pub(super) struct Counts(BTreeMap<(u64, i16), i64>);

impl Counts {
    pub(super) fn add(&mut self, account: u64, status: Status, delta: i64) {
        self.add_code(account, status.code() as i16, delta);
    }

    pub(super) fn add_code(&mut self, account: u64, status: i16, delta: i64) {
        *self.0.entry((account, status)).or_default() += delta;
    }

    /// A tracking whose effective status went from `from` to `to`.
    pub(super) fn moved(&mut self, account: u64, from: Status, to: Status) {
        if from != to {
            self.add(account, from, -1);
            self.add(account, to, 1);
        }
    }

    /// Adds the changes in the transaction `tx` (rows in key order: no deadlock
    /// between two transactions that drew the same shard).
    pub(super) async fn write(self, tx: &Tx<'_>) -> Result<(), StoreError> {
        let (keys, deltas): (Vec<(u64, i16)>, Vec<i64>) =
            self.0.into_iter().filter(|(_, d)| *d != 0).unzip();
        if keys.is_empty() {
            return Ok(());
        }
        let accounts: Vec<i64> = keys.iter().map(|(a, _)| *a as i64).collect();
        let statuses: Vec<i16> = keys.iter().map(|(_, s)| *s).collect();
        let shard = rand::random::<u16>() as i16 % SHARDS;
        tx.execute(
            "INSERT INTO status_counts (account, status, shard, n)
             SELECT a, s, $4, d FROM unnest($1::bigint[], $2::smallint[], $3::bigint[]) AS u(a, s, d)
             ON CONFLICT (account, status, shard) DO UPDATE SET n = status_counts.n + EXCLUDED.n",
            &[&accounts, &statuses, &deltas, &shard],
        )
        .await?;
        Ok(())
    }
}

/// An account's trackings per status code.
pub(super) async fn read<C: Db>(c: &C, account: u64) -> Result<[u64; 8], StoreError> {
    let rows = c
        .query(
            "SELECT status, sum(n)::bigint FROM status_counts WHERE account = $1 GROUP BY status",
            &[&(account as i64)],
        )
        .await?;
    let mut out = [0u64; 8];
    for r in rows {
        let (status, n): (i16, i64) = (r.get(0), r.get(1));
        if let Some(slot) = out.get_mut(status as usize) {
            *slot = n.max(0) as u64;
        }
    }
    Ok(out)
}
