//! Listing and counting an account's trackings: one query each, answered from the
//! per-account indexes (created, status, updated, order created, order id, number).
//! An unfiltered total and unranged status counts come from the sharded per-status
//! counters (`counts.rs`); a filtered one is `count(*)` over the matching rows.

use super::db::Db;
use super::rows::joined;
use super::PgStore;
use crate::store::types::*;
use tokio_postgres::types::ToSql;

/// The WHERE clause of a list query and its parameters ($1 is the account).
fn filters(account: u64, q: &ListQuery) -> (String, Vec<Box<dyn ToSql + Sync + Send>>) {
    let mut sql = String::from("t.account = $1");
    let mut params: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(account as i64)];
    let mut push = |sql: &mut String, clause: &str, p: Box<dyn ToSql + Sync + Send>| {
        params.push(p);
        sql.push_str(&clause.replace('?', &format!("${}", params.len())));
    };
    if let Some(s) = q.status {
        push(&mut sql, " AND t.status = ?", Box::new(s.code() as i16));
    }
    for (column, range) in [
        ("t.created_at", &q.created),
        ("t.updated_at", &q.updated),
        ("t.order_created_at", &q.order_created),
    ] {
        if let Some(min) = range.min {
            push(&mut sql, &format!(" AND {column} >= ?"), Box::new(min));
        }
        if let Some(max) = range.max {
            push(&mut sql, &format!(" AND {column} <= ?"), Box::new(max));
        }
    }
    if let Some(a) = q.archived {
        push(&mut sql, " AND t.archived = ?", Box::new(a));
    }
    if let Some(c) = &q.carrier {
        push(&mut sql, " AND t.carrier = ?", Box::new(c.clone()));
    }
    if !q.numbers.is_empty() {
        push(
            &mut sql,
            " AND t.number = ANY(?)",
            Box::new(q.numbers.clone()),
        );
    }
    if !q.orders.is_empty() {
        push(
            &mut sql,
            " AND t.order_id = ANY(?)",
            Box::new(q.orders.clone()),
        );
    }
    (sql, params)
}

impl PgStore {
    /// One page of an account's trackings, newest first, and how many match.
    pub(super) async fn list_page(&self, account: u64, q: &ListQuery) -> Result<Page, StoreError> {
        let (filter, mut params) = filters(account, q);
        let client = self.client().await?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
        // Unfiltered, the counters know the total; else count the matching rows.
        let total: i64 = if q.is_unfiltered() {
            super::counts::read(&client, account)
                .await?
                .iter()
                .sum::<u64>() as i64
        } else {
            client
                .query_one(
                    &format!("SELECT count(*) FROM trackings t WHERE {filter}"),
                    &refs,
                )
                .await?
                .get(0)
        };
        let offset = (q.page.saturating_sub(1) * q.limit) as i64;
        params.push(Box::new(q.limit as i64));
        params.push(Box::new(offset));
        let n = params.len();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
        let rows = client
            .query(
                // The page's keys first, from the created-at index alone (deep
                // pages skip keys, not joined rows), then its rows.
                &format!(
                    "WITH page AS (
                         SELECT t.account, t.carrier, t.number, t.created_at FROM trackings t
                         WHERE {filter}
                         ORDER BY t.created_at DESC, t.carrier DESC, t.number DESC
                         LIMIT ${} OFFSET ${n})
                     SELECT t.row, p.row FROM page
                     JOIN trackings t USING (account, carrier, number)
                     JOIN parcels p USING (carrier, number)
                     ORDER BY page.created_at DESC, page.carrier DESC, page.number DESC",
                    n - 1
                ),
                &refs,
            )
            .await?;
        Ok(Page {
            total: total as u64,
            items: rows.iter().map(joined).collect::<Result<_, _>>()?,
        })
    }

    /// Trackings per status (by status code), with the created and order-created
    /// ranges of `q` applied.
    pub(super) async fn count_statuses(
        &self,
        account: u64,
        q: &ListQuery,
    ) -> Result<[u64; 8], StoreError> {
        if q.counters_answer_status_counts() {
            return super::counts::read(&self.client().await?, account).await;
        }
        let only = ListQuery {
            created: q.created,
            order_created: q.order_created,
            ..ListQuery::default()
        };
        let (filter, params) = filters(account, &only);
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "SELECT t.status, count(*) FROM trackings t WHERE {filter} GROUP BY t.status"
                ),
                &refs,
            )
            .await?;
        let mut out = [0u64; 8];
        for r in rows {
            let (status, n): (i16, i64) = (r.get(0), r.get(1));
            if let Some(slot) = out.get_mut(status as usize) {
                *slot = n as u64;
            }
        }
        Ok(out)
    }
}
