//! Typed configuration: built-in defaults < YAML file < `TRACKGATE_…` environment
//! (`__` nests: `TRACKGATE_EMAIL__SMTP__PORT=2526`). Validated once at start; every
//! error names the key.

use serde::Deserialize;
use serde_yaml_ng::{Mapping, Value};
use std::fmt;
use std::path::{Path, PathBuf};

mod accounts;
mod connect;
mod delivery;
mod derived;
mod email;
mod limits;
mod load;
mod poll;
mod push;
mod retention;
mod store;
mod values;
mod watch;
mod webhooks;

pub use accounts::{AccountConfig, NotifyConfig, SlackTarget, WebhookTarget};
pub use connect::{domain_key, ConnectConfig, ShopifyConnect, WooConnect};
pub use delivery::{DeliveryConfig, MAX_DELIVERY_CONCURRENCY};
pub use email::{EmailConfig, EmailTransport, SmtpConfig, SmtpSecurity};
pub use limits::LimitsConfig;
pub use load::load;
pub use poll::{PollConfig, TrackingMoreApi, UpstreamTrackingMore};
pub use push::{PushConfig, SecretOnly, TrackingMorePush};
pub use retention::{Keep, RetentionConfig};
pub use store::{MetricsConfig, StoreBackend, StoreConfig};
pub use values::{HumanDuration, Secret};
pub use watch::WatchConfig;
pub use webhooks::WebhooksConfig;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the HTTP server binds, e.g. `127.0.0.1:8080` (port 0 picks a free one).
    pub listen: String,
    /// Directory of the sled store.
    pub data_dir: PathBuf,
    /// The store engine and its sizing.
    pub store: StoreConfig,
    /// Base URL for links in messages.
    pub public_url: String,
    /// Directory of the notification templates.
    pub templates_dir: PathBuf,
    /// Accounts upserted at start.
    pub accounts: Vec<AccountConfig>,
    /// Outgoing email.
    pub email: EmailConfig,
    /// Push receivers; each is enabled when its secret is set.
    pub push: PushConfig,
    /// Notification delivery.
    pub delivery: DeliveryConfig,
    /// Let webhook/Slack URLs reach private or loopback addresses.
    pub allow_private_destinations: bool,
    /// Polling fallback.
    pub poll: PollConfig,
    /// API limits.
    pub limits: LimitsConfig,
    /// How often stalled and late parcels are looked for.
    pub alerts: WatchConfig,
    /// How long finished trackings and delivery tries are kept.
    pub retention: RetentionConfig,
    /// Webhook endpoints per account and their health.
    pub webhooks: WebhooksConfig,
    /// `/metrics`.
    pub metrics: MetricsConfig,
    /// Replacement remote-area table (format in `tables/remote-areas.tsv`); empty = shipped sample.
    pub remote_areas_file: Option<PathBuf>,
    /// Replacement airline-prefix table (format in `tables/airlines.tsv`); empty = shipped table.
    pub airlines_file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: "./data".into(),
            store: StoreConfig::default(),
            public_url: "http://127.0.0.1:8080".into(),
            templates_dir: "./templates".into(),
            accounts: Vec::new(),
            email: EmailConfig::default(),
            push: PushConfig::default(),
            delivery: DeliveryConfig::default(),
            allow_private_destinations: false,
            poll: PollConfig::default(),
            limits: LimitsConfig::default(),
            alerts: WatchConfig::default(),
            retention: RetentionConfig::default(),
            webhooks: WebhooksConfig::default(),
            metrics: MetricsConfig::default(),
            remote_areas_file: None,
            airlines_file: None,
        }
    }
}

/// A configuration problem, naming the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The path tried.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// YAML syntax.
    #[error("config file {path} is not valid YAML: {message}")]
    Syntax {
        /// The path.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// One or more keys are wrong.
    #[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
    Invalid(Vec<String>),
}

/// Where the configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file.
    File(PathBuf),
    /// Nothing found: built-in defaults with the demo account.
    Defaults,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Defaults => f.write_str("the built-in defaults (no config file found)"),
        }
    }
}

/// Picks the config path: `--config`, else `$TRACKGATE_CONFIG`, else `./config.yaml` if present.
pub fn locate(cli: Option<&Path>) -> Source {
    if let Some(p) = cli {
        return Source::File(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("TRACKGATE_CONFIG").filter(|p| !p.is_empty()) {
        return Source::File(p.into());
    }
    let local = PathBuf::from("config.yaml");
    if local.exists() {
        Source::File(local)
    } else {
        Source::Defaults
    }
}
