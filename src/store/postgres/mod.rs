//! The PostgreSQL backend: several gateway nodes over one database. Each domain row
//! is stored whole as `jsonb` beside the columns its indexes and constraints need;
//! every write is one transaction, durable at commit. Due polls and notification
//! jobs are claimed with `FOR UPDATE SKIP LOCKED` and leased (owner, expiry), so no
//! two nodes work on the same one and a dead node's leases expire into another's
//! hands. A commit that enqueues jobs sends `NOTIFY trackgate_jobs`, which every
//! node LISTENs to.

mod accounts;
mod batch;
mod counts;
mod db;
mod list;
mod nodes;
mod outbox;
mod parcels;
pub mod schema;
mod trackings;

use crate::core::schedule::PollPolicy;
use crate::store::types::StoreError;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::NoTls;

/// The channel commits that enqueue jobs notify.
const JOBS_CHANNEL: &str = "trackgate_jobs";

/// A PostgreSQL store (cheap to clone).
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    policy: PollPolicy,
    /// This process's id, the owner of the leases it takes.
    node: String,
    /// Signalled when any node commits notification jobs.
    jobs_ready: Arc<tokio::sync::Notify>,
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> StoreError {
        match e.as_db_error() {
            // Class 08 (connection exception) and 57P (operator intervention,
            // e.g. the server shutting down): the database is away, not wrong.
            Some(db)
                if db.code().code().starts_with("08") || db.code().code().starts_with("57P") =>
            {
                StoreError::Unavailable(format!("database: {}", db.message()))
            }
            Some(db) => StoreError::Engine(format!(
                "database: {} (SQLSTATE {})",
                db.message(),
                db.code().code()
            )),
            // No server answer at all: the connection is closed or broken.
            None => StoreError::Unavailable(format!("database: {e}")),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> StoreError {
        StoreError::Unavailable(format!("database: {e}"))
    }
}

/// A column read that failed to decode.
fn decode(table: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Decode {
        tree: table.to_string(),
        message: e.to_string(),
    }
}

impl PgStore {
    /// Connects to `url` with up to `pool_size` connections, migrates the schema,
    /// and starts listening for other nodes' new jobs. Fails with a clear message
    /// when the database cannot be reached.
    pub async fn open(
        url: &str,
        pool_size: usize,
        policy: PollPolicy,
    ) -> Result<PgStore, StoreError> {
        let mut pg: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Engine(format!("store.url is not a PostgreSQL URL: {e}")))?;
        // A database host that drops packets must not hang requests.
        pg.connect_timeout(Duration::from_secs(5))
            .keepalives_idle(Duration::from_secs(30));
        let mgr = Manager::from_config(
            pg.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(mgr)
            .max_size(pool_size.max(1))
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(5)))
            .recycle_timeout(Some(Duration::from_secs(5)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Engine(e.to_string()))?;
        let mut client = pool.get().await.map_err(|e| {
            StoreError::Engine(format!("cannot reach the database at store.url: {e}"))
        })?;
        schema::migrate(&mut client).await?;
        drop(client);
        let jobs_ready: Arc<tokio::sync::Notify> = Arc::default();
        tokio::spawn(listen(pg, jobs_ready.clone()));
        let store = PgStore {
            inner: Arc::new(Inner {
                pool,
                policy,
                node: format!("{:016x}", rand::random::<u64>()),
                jobs_ready,
            }),
        };
        store.beat(crate::core::time::now()).await?;
        tokio::spawn(nodes::heartbeat(Arc::downgrade(&store.inner)));
        Ok(store)
    }

    async fn client(&self) -> Result<db::Conn, StoreError> {
        Ok(db::Conn(self.inner.pool.get().await?))
    }

    /// Signalled when a commit (on any node) enqueues notification jobs.
    pub fn jobs_ready(&self) -> Arc<tokio::sync::Notify> {
        self.inner.jobs_ready.clone()
    }

    /// Whether the database answers.
    pub async fn check(&self) -> Result<(), StoreError> {
        use db::Db;
        self.client().await?.execute("SELECT 1", &[]).await?;
        Ok(())
    }

    /// Every commit is durable already; nothing to flush.
    pub fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// This node's id.
    fn node(&self) -> &str {
        &self.inner.node
    }
}

/// LISTENs for other nodes' new jobs on a connection of its own, reconnecting
/// while the database is away. Each notification (and each reconnect, which may
/// have missed some) wakes the dispatcher.
async fn listen(cfg: tokio_postgres::Config, ready: Arc<tokio::sync::Notify>) {
    use futures_util::StreamExt;
    loop {
        match cfg.connect(NoTls).await {
            Ok((client, mut conn)) => {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let pump = tokio::spawn(async move {
                    let mut messages =
                        futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
                    while let Some(Ok(m)) = messages.next().await {
                        if let tokio_postgres::AsyncMessage::Notification(_) = m {
                            let _ = tx.send(());
                        }
                    }
                });
                if client
                    .batch_execute(&format!("LISTEN {JOBS_CHANNEL}"))
                    .await
                    .is_ok()
                {
                    ready.notify_one();
                    while rx.recv().await.is_some() {
                        ready.notify_one();
                    }
                }
                pump.abort();
                tracing::warn!(
                    "lost the database connection that listens for new jobs; reconnecting"
                );
            }
            Err(e) => tracing::debug!(error = %e, "cannot listen for new jobs yet"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
