//! Writing a copy of another store in (`store/copy.rs`): each chunk in one
//! transaction, every insert `ON CONFLICT DO NOTHING`, so a copy stopped midway
//! is run again from the start and ends the same. A database is taken only when
//! empty or marked as the target of an unfinished copy from the same source.

use super::db::Db;
use super::{batch, PgStore};
use crate::core::account::email_key;
use crate::store::copy::{Chunk, Counts};
use crate::store::types::StoreError;
use tokio_postgres::types::Json;

/// Whether a database can take a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Nothing in it: a new copy.
    Empty,
    /// An earlier copy from the same source stopped before its end: go on.
    Unfinished,
    /// It holds data of its own (or of another source's copy): refused.
    InUse(Counts),
}

impl PgStore {
    /// Whether this database can take a copy of `source`.
    pub async fn import_target(&self, source: &str) -> Result<Target, StoreError> {
        let client = self.client().await?;
        let marker = client
            .query_opt("SELECT source, finished FROM trackgate_copy", &[])
            .await?;
        let counts = self.counts().await?;
        Ok(match marker {
            Some(r) if r.get::<_, String>(0) == source && !r.get::<_, bool>(1) => {
                Target::Unfinished
            }
            _ if counts == Counts::default() => Target::Empty,
            _ => Target::InUse(counts),
        })
    }

    /// Marks the database as the target of a copy of `source` in progress.
    pub async fn begin_import(&self, source: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        client.execute("DELETE FROM trackgate_copy", &[]).await?;
        client
            .execute(
                "INSERT INTO trackgate_copy (source, finished) VALUES ($1, false)",
                &[&source],
            )
            .await?;
        Ok(())
    }

    /// Writes one chunk (rows already there are left as they are).
    pub async fn import(&self, chunk: &Chunk) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        match chunk {
            Chunk::Accounts(accounts) => {
                for a in accounts {
                    let id = a.id as i64;
                    tx.execute(
                        "INSERT INTO accounts (id, email_key, row) VALUES ($1, $2, $3)
                         ON CONFLICT DO NOTHING",
                        &[&id, &email_key(&a.email), &Json(a)],
                    )
                    .await?;
                    tx.execute(
                        "INSERT INTO api_keys (key_sha256, account) SELECT unnest($2::text[]), $1
                         ON CONFLICT DO NOTHING",
                        &[&id, &a.key_sha256s],
                    )
                    .await?;
                }
            }
            Chunk::Parcels(parcels) => {
                let refs: Vec<_> = parcels.iter().collect();
                batch::parcels(&tx, &refs).await?;
            }
            Chunk::Trackings(trackings) => {
                for (t, index) in trackings {
                    super::rows::put_tracking_as(&tx, t, index, true).await?;
                }
            }
            Chunk::Transitions(transitions) => {
                let refs: Vec<_> = transitions
                    .iter()
                    .map(|(c, n, t)| (c.as_str(), n.as_str(), t))
                    .collect();
                batch::transitions(&tx, &refs).await?;
            }
            Chunk::Jobs(jobs) => {
                let only: Vec<_> = jobs.iter().map(|(j, _)| j.clone()).collect();
                batch::jobs(&tx, &only).await?;
                for (j, tries) in jobs {
                    for a in tries {
                        tx.execute(
                            "INSERT INTO attempts (job_id, number, row) VALUES ($1, $2, $3)
                             ON CONFLICT DO NOTHING",
                            &[&j.id, &(a.number as i32), &Json(a)],
                        )
                        .await?;
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Ends a copy: the per-status counters counted from the trackings, the
    /// account sequence past every copied id, and the copy marked finished.
    pub async fn finish_import(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        for sql in [
            "DELETE FROM status_counts",
            "INSERT INTO status_counts (account, status, shard, n)
                 SELECT account, status, 0, count(*) FROM trackings GROUP BY account, status",
            "SELECT setval('account_ids', GREATEST((SELECT max(id) FROM accounts), 1))",
            "UPDATE trackgate_copy SET finished = true",
        ] {
            tx.execute(sql, &[]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// How many of each this database holds.
    pub async fn counts(&self) -> Result<Counts, StoreError> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM parcels),
                        (SELECT count(*) FROM trackings), (SELECT count(*) FROM transitions),
                        (SELECT count(*) FROM jobs), (SELECT count(*) FROM attempts)",
                &[],
            )
            .await?;
        let n = |i: usize| row.get::<_, i64>(i) as u64;
        Ok(Counts {
            accounts: n(0),
            parcels: n(1),
            trackings: n(2),
            transitions: n(3),
            jobs: n(4),
            attempts: n(5),
        })
    }
}
