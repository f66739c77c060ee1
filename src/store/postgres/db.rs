//! A connection and a transaction that prepare each statement once per connection
//! (deadpool's statement cache) and report failures as [`StoreError`]s: every
//! query is then one round trip, not a prepare and an execute.

use super::StoreError;
use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// What reads and writes need from a connection or a transaction.
pub(super) trait Db {
    async fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, StoreError>;
    async fn query_opt(&self, sql: &str, params: Params<'_>) -> Result<Option<Row>, StoreError>;
    async fn query_one(&self, sql: &str, params: Params<'_>) -> Result<Row, StoreError>;
    async fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64, StoreError>;
}

/// A pooled connection.
pub(super) struct Conn(pub(super) deadpool_postgres::Object);

/// A transaction on a pooled connection; dropped without `commit`, it rolls back.
pub(super) struct Tx<'a>(deadpool_postgres::Transaction<'a>);

macro_rules! cached {
    ($t:ty) => {
        impl Db for $t {
            async fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
                let st = self.0.prepare_cached(sql).await?;
                Ok(self.0.query(&st, params).await?)
            }
            async fn query_opt(
                &self,
                sql: &str,
                params: Params<'_>,
            ) -> Result<Option<Row>, StoreError> {
                let st = self.0.prepare_cached(sql).await?;
                Ok(self.0.query_opt(&st, params).await?)
            }
            async fn query_one(&self, sql: &str, params: Params<'_>) -> Result<Row, StoreError> {
                let st = self.0.prepare_cached(sql).await?;
                Ok(self.0.query_one(&st, params).await?)
            }
            async fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64, StoreError> {
                let st = self.0.prepare_cached(sql).await?;
                Ok(self.0.execute(&st, params).await?)
            }
        }
    };
}

cached!(Conn);
cached!(Tx<'_>);

impl Conn {
    pub(super) async fn transaction(&mut self) -> Result<Tx<'_>, StoreError> {
        Ok(Tx(self.0.transaction().await?))
    }
}

impl Tx<'_> {
    pub(super) async fn commit(self) -> Result<(), StoreError> {
        Ok(self.0.commit().await?)
    }
}
