//! The PostgreSQL backend: several gateway nodes over one database. Each domain row
//! is stored whole as `jsonb` beside the columns its indexes and constraints need;
//! every write is one transaction, durable at commit. Due polls and notification
//! jobs are claimed with `FOR UPDATE SKIP LOCKED` and leased (owner, expiry), so no
//! two nodes work on the same one and a dead node's leases expire into another's
//! hands. A commit that enqueues jobs sends `NOTIFY trackgate_jobs`, which every
//! node LISTENs to.

mod accounts;
mod alerts;
mod batch;
mod counts;
mod db;
mod import;
mod list;
mod nodes;
mod outbox;
mod parcels;
mod polls;
mod retention;
mod rows;
pub mod schema;
pub use import::Target as ImportTarget;
mod trackings;

use crate::core::schedule::PollPolicy;
use crate::store::backend::Health;
use crate::store::types::{StoreError, TableBytes};
use async_trait::async_trait;
use db::Db;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::sync::Arc;
use std::time::Duration;

/// How connections negotiate TLS: rustls, with the public web roots and the
/// operator's CAs. Whether TLS is used is the URL's `sslmode` (`prefer` by default:
/// when the server offers it; `require`: or fail; `disable`: never).
type Tls = tokio_postgres_rustls::MakeRustlsConnect;

fn tls(ca_file: Option<&std::path::Path>) -> Result<Tls, StoreError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let bad = |e: &dyn std::fmt::Display| {
            StoreError::Engine(format!("store.ca_file {}: {e}", path.display()))
        };
        let pem = std::fs::read(path).map_err(|e| bad(&e))?;
        let mut added = 0;
        for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
            roots.add(cert.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
            added += 1;
        }
        if added == 0 {
            return Err(bad(&"no PEM certificate in it"));
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| StoreError::Engine(format!("TLS: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

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
    /// Recently authenticated API keys.
    keys: accounts::KeyCache,
    /// Batches of news waiting to share a transaction.
    applies: crate::store::group::Queue,
    /// Group transactions this node runs at once.
    apply_slots: Arc<tokio::sync::Semaphore>,
}

/// Grouped apply transactions one node runs at once (see `apply_updates`).
pub(super) const GROUP_SLOTS: usize = 8;

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
            None => StoreError::Unavailable(format!("database: {}", causes(&e))),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> StoreError {
        StoreError::Unavailable(format!("database: {}", causes(&e)))
    }
}

/// An error with its causes ("error performing TLS handshake: invalid peer
/// certificate: UnknownIssuer"), which the drivers' own messages leave out.
fn causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

/// A column read that failed to decode.
fn decode(table: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Decode {
        tree: table.to_string(),
        message: e.to_string(),
    }
}

#[async_trait]
impl Health for PgStore {
    /// Signalled when a commit (on any node) enqueues notification jobs.
    fn jobs_ready(&self) -> Arc<tokio::sync::Notify> {
        self.inner.jobs_ready.clone()
    }

    /// Whether the database answers.
    async fn check(&self) -> Result<(), StoreError> {
        use db::Db;
        self.client().await?.execute("SELECT 1", &[]).await?;
        Ok(())
    }

    /// Every commit is durable already; nothing to flush.
    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn footprint(&self) -> Result<Vec<TableBytes>, StoreError> {
        let client = self.client().await?;
        // Each table and index with its size; an index with its table's name.
        let rels = client
            .query(
                "SELECT c.relname::text, coalesce(t.relname::text, c.relname::text),
                        c.relkind = 'i', pg_relation_size(c.oid)
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 LEFT JOIN pg_index i ON i.indexrelid = c.oid
                 LEFT JOIN pg_class t ON t.oid = i.indrelid
                 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i')
                 ORDER BY 4 DESC",
                &[],
            )
            .await?;
        // Exact row counts (the planner's estimates are 0 before an ANALYZE).
        let mut counts = std::collections::HashMap::new();
        for r in rels.iter().filter(|r| !r.get::<_, bool>(2)) {
            let table: String = r.get(0);
            let sql = format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\""));
            let n: i64 = client.query_one(sql.as_str(), &[]).await?.get(0);
            counts.insert(table, n.max(0) as u64);
        }
        Ok(rels
            .iter()
            .map(|r| {
                let (name, table, index): (String, String, bool) = (r.get(0), r.get(1), r.get(2));
                TableBytes {
                    rows: counts.get(&table).copied().unwrap_or(0),
                    table: if index {
                        format!("{name} (index)")
                    } else {
                        name
                    },
                    bytes: r.get::<_, i64>(3).max(0) as u64,
                }
            })
            .collect())
    }
}

impl PgStore {
    /// Connects to `url` with up to `pool_size` connections, migrates the schema,
    /// and starts listening for other nodes' new jobs. Fails with a clear message
    /// when the database cannot be reached.
    pub async fn open(
        url: &str,
        pool_size: usize,
        ca_file: Option<&std::path::Path>,
        policy: PollPolicy,
    ) -> Result<PgStore, StoreError> {
        let tls = tls(ca_file)?;
        let mut pg: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Engine(format!("store.url is not a PostgreSQL URL: {e}")))?;
        // A database host that drops packets must not hang requests.
        pg.connect_timeout(Duration::from_secs(5))
            .keepalives_idle(Duration::from_secs(30));
        let mgr = Manager::from_config(
            pg.clone(),
            tls.clone(),
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
            StoreError::Engine(format!(
                "cannot reach the database at store.url: {}",
                causes(&e)
            ))
        })?;
        schema::migrate(&mut client).await?;
        drop(client);
        let jobs_ready: Arc<tokio::sync::Notify> = Arc::default();
        let store = PgStore {
            inner: Arc::new(Inner {
                pool,
                policy,
                node: format!("{:016x}", rand::random::<u64>()),
                jobs_ready,
                keys: accounts::KeyCache::default(),
                applies: Default::default(),
                apply_slots: Arc::new(tokio::sync::Semaphore::new(GROUP_SLOTS)),
            }),
        };
        // Beat once before any claim: a node with leases but no heartbeat yet would
        // look dead to the others.
        store.beat(crate::core::time::now()).await?;
        tokio::spawn(nodes::own_connection(pg, tls, Arc::downgrade(&store.inner)));
        Ok(store)
    }

    async fn client(&self) -> Result<db::Conn, StoreError> {
        Ok(db::Conn(self.inner.pool.get().await?))
    }

    /// This node's id.
    fn node(&self) -> &str {
        &self.inner.node
    }
}
