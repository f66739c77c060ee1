//! Where the gateway keeps its data, and the metrics endpoint.

use super::values::Secret;
use serde::Deserialize;

/// The Prometheus endpoint.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// When set, `/metrics` requires `Authorization: Bearer <token>`.
    pub token: Option<Secret>,
}

/// Which store engine runs, and its sizing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// `sled` (embedded, the default) or `postgres` (several nodes).
    pub backend: StoreBackend,
    /// PostgreSQL URL (`postgres://user:password@host:5432/db`); postgres only.
    pub url: Secret,
    /// Memory for sled's page cache, MiB: the cached pages, decompressed
    /// (`store::sled::engine`).
    pub cache_mb: u64,
    /// PostgreSQL connections per node.
    pub pool_size: u32,
    /// PEM file of certificate authorities to trust for the database's TLS
    /// certificate, besides the public web roots (a private CA, a cloud's RDS CA).
    pub ca_file: Option<std::path::PathBuf>,
}

impl Default for StoreConfig {
    fn default() -> StoreConfig {
        StoreConfig {
            backend: StoreBackend::Sled,
            url: Secret::default(),
            cache_mb: 64,
            pool_size: 16,
            ca_file: None,
        }
    }
}

/// A store engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreBackend {
    /// Embedded sled in `data_dir`.
    Sled,
    /// A PostgreSQL database shared by several nodes.
    Postgres,
}
