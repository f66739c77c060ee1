//! Typed configuration: built-in defaults < YAML file < `TRACKGATE_…` environment
//! (`__` nests: `TRACKGATE_EMAIL__SMTP__PORT=2526`). Validated once at start; every
//! error names the key.

use serde::Deserialize;
use serde_yaml_ng::{Mapping, Value};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    /// `/metrics`.
    pub metrics: MetricsConfig,
    /// Replacement remote-area table (format in `tables/remote-areas.tsv`); empty = shipped sample.
    pub remote_areas_file: Option<PathBuf>,
    /// Replacement airline-prefix table (format in `tables/airlines.tsv`); empty = shipped table.
    pub airlines_file: Option<PathBuf>,
}

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
    /// sled's page cache, MiB. sled's process memory is a few times this.
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

/// One account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// The account's email; also its identity.
    pub email: String,
    /// The shop's name as its customers know it, shown in emails and on the
    /// tracking page.
    #[serde(default)]
    pub name: Option<String>,
    /// The shop's logo, an http(s) URL, shown in emails and on the tracking page.
    #[serde(default)]
    pub logo_url: Option<String>,
    /// The API key in clear (hashed before it is stored).
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// Or the hex SHA-256 of the API key.
    #[serde(default)]
    pub api_key_sha256: Option<String>,
    /// Notification settings.
    #[serde(default)]
    pub notify: NotifyConfig,
}

impl AccountConfig {
    /// How the shop presents itself to its customers.
    pub fn profile(&self) -> crate::store::Profile<'_> {
        crate::store::Profile {
            name: self.name.as_deref(),
            logo_url: self.logo_url.as_deref(),
        }
    }
}

/// Per-account notification channels.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// Email the tracking's `customer_email`.
    pub email: bool,
    /// The shop backend's webhook.
    pub webhook: Option<WebhookTarget>,
    /// The shop team's Slack incoming webhook.
    pub slack: Option<SlackTarget>,
    /// Which status changes notify which channel; defaults to the contract's rules.
    pub rules: Option<crate::core::rules::Rules>,
}

/// A signed-webhook destination.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookTarget {
    /// Where to POST.
    pub url: String,
    /// Standard Webhooks secret (`whsec_<base64>`).
    pub secret: Secret,
}

/// A Slack incoming-webhook destination.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackTarget {
    /// Incoming-webhook URL.
    pub url: String,
}

/// How email leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTransport {
    /// SMTP via lettre.
    Smtp,
    /// `.eml` files in `email.dir`.
    File,
    /// Not sent.
    Off,
}

/// Outgoing email.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    /// `From:` header.
    pub from: String,
    /// Transport.
    pub transport: EmailTransport,
    /// SMTP settings.
    pub smtp: SmtpConfig,
    /// Directory for the `file` transport.
    pub dir: PathBuf,
}

/// SMTP connection security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain text.
    None,
    /// STARTTLS upgrade.
    Starttls,
    /// TLS from the first byte.
    Tls,
}

/// SMTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Connection security.
    pub security: SmtpSecurity,
    /// Login; empty = no authentication.
    pub username: String,
    /// Password.
    pub password: Secret,
}

/// Push receivers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PushConfig {
    /// `/hooks/native` (Standard Webhooks).
    pub native: Option<SecretOnly>,
    /// `/hooks/trackingmore` (signed with the account email).
    pub trackingmore: Option<TrackingMorePush>,
    /// `/hooks/aftership`.
    pub aftership: Option<SecretOnly>,
    /// `/hooks/17track`.
    pub seventeentrack: Option<SecretOnly>,
}

/// A receiver keyed by one secret.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretOnly {
    /// The shared secret.
    pub secret: Secret,
}

/// TrackingMore's push receiver.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackingMorePush {
    /// The TrackingMore account email that keys the signature.
    pub email: Secret,
    /// When set, the receiver listens on `/hooks/trackingmore/{path_token}` only:
    /// TrackingMore's signature does not cover the body, so an unguessable path
    /// keeps forged pushes out. Use at least 32 random characters.
    #[serde(default)]
    pub path_token: Option<Secret>,
}

/// The most sends the dispatcher has in flight in all, and so the most
/// `delivery.concurrency` may allow to one destination.
pub const MAX_DELIVERY_CONCURRENCY: usize = 128;

/// Notification delivery.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// Delays after the first try; then dead letter.
    pub retry: Vec<HumanDuration>,
    /// Per-attempt timeout.
    pub timeout: HumanDuration,
    /// DNS server (`ip:port`) for webhook and Slack host names; the system
    /// resolver when unset. Every answer is checked before it is connected to.
    pub nameserver: Option<std::net::SocketAddr>,
    /// Sends in flight at once to one webhook URL (and to the SMTP relay), per
    /// node: a slow endpoint holds up only its own sends.
    pub concurrency: usize,
}

/// Polling fallback.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PollConfig {
    /// Poll at all.
    pub enabled: bool,
    /// Base interval.
    pub interval: HumanDuration,
    /// Default provider: `trackingmore` or `sandbox`.
    pub provider: String,
    /// Upstream TrackingMore v2.
    pub trackingmore: UpstreamTrackingMore,
    /// How long `/v2/trackings/realtime` waits for a provider.
    pub realtime_timeout: HumanDuration,
    /// Express parcels with no new event for this long become `expired`.
    pub expire_express: HumanDuration,
    /// Postal parcels with no new event for this long become `expired`.
    pub expire_postal: HumanDuration,
    /// Polls in flight at once per provider.
    pub concurrency: usize,
    /// Upstream requests per second per provider (TrackingMore realtime allows 3).
    pub rate_per_second: f64,
}

/// Upstream TrackingMore v2 account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpstreamTrackingMore {
    /// API base, e.g. `https://api.trackingmore.com/v2`.
    pub base_url: String,
    /// API key; empty = not configured.
    pub api_key: Secret,
}

/// API limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// `/v2/trackings/get` requests per second per API key (TrackingMore allows 1).
    pub list_per_second: f64,
    /// Wrong API keys one client address may send at once before it is throttled.
    pub failed_key_burst: u32,
    /// Wrong API keys per minute a throttled address earns back; 0 turns the
    /// throttle off (behind a reverse proxy every client shares its address).
    pub failed_keys_per_minute: u32,
    /// Largest request body, bytes. A larger announced body is refused (413) unread.
    pub max_body_bytes: usize,
    /// Longest wait for a request's headers; the connection is closed after it.
    pub header_timeout: HumanDuration,
    /// Longest time to receive a request body.
    pub body_timeout: HumanDuration,
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
            metrics: MetricsConfig::default(),
            remote_areas_file: None,
            airlines_file: None,
        }
    }
}

impl Default for EmailConfig {
    fn default() -> EmailConfig {
        EmailConfig {
            from: "Shop Tracking <tracking@example.com>".into(),
            transport: EmailTransport::File,
            smtp: SmtpConfig::default(),
            dir: "./data/mail".into(),
        }
    }
}

impl Default for SmtpConfig {
    fn default() -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: 2525,
            security: SmtpSecurity::None,
            username: String::new(),
            password: Secret::default(),
        }
    }
}

impl Default for DeliveryConfig {
    fn default() -> DeliveryConfig {
        let retry = ["5s", "5m", "30m", "2h", "5h", "10h", "10h"]
            .iter()
            .map(|s| HumanDuration(humantime::parse_duration(s).expect("valid default")))
            .collect();
        DeliveryConfig {
            retry,
            timeout: HumanDuration(Duration::from_secs(10)),
            nameserver: None,
            concurrency: 8,
        }
    }
}

impl Default for PollConfig {
    fn default() -> PollConfig {
        PollConfig {
            enabled: true,
            interval: HumanDuration(Duration::from_secs(6 * 3600)),
            provider: "trackingmore".into(),
            trackingmore: UpstreamTrackingMore::default(),
            realtime_timeout: HumanDuration(Duration::from_secs(15)),
            expire_express: HumanDuration(Duration::from_secs(30 * 86_400)),
            expire_postal: HumanDuration(Duration::from_secs(60 * 86_400)),
            concurrency: 4,
            rate_per_second: 3.0,
        }
    }
}

impl Default for UpstreamTrackingMore {
    fn default() -> UpstreamTrackingMore {
        UpstreamTrackingMore {
            base_url: "https://api.trackingmore.com/v2".into(),
            api_key: Secret::default(),
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> LimitsConfig {
        LimitsConfig {
            list_per_second: 1.0,
            failed_key_burst: 20,
            failed_keys_per_minute: 10,
            max_body_bytes: 1024 * 1024,
            header_timeout: HumanDuration(Duration::from_secs(10)),
            body_timeout: HumanDuration(Duration::from_secs(30)),
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

mod derived;
mod load;
mod values;
pub use load::load;
pub use values::{HumanDuration, Secret};

impl NotifyConfig {
    /// Whether the config says anything about notifications for this account.
    pub fn is_set(&self) -> bool {
        self.email || self.webhook.is_some() || self.slack.is_some() || self.rules.is_some()
    }

    /// The stored form of these settings.
    pub fn to_settings(&self) -> crate::core::settings::Notify {
        crate::core::settings::Notify {
            email: self.email,
            webhook: self
                .webhook
                .as_ref()
                .map(|w| crate::core::settings::WebhookDest {
                    url: w.url.clone(),
                    secrets: vec![w.secret.expose().to_string()],
                    disabled: None,
                }),
            slack: self
                .slack
                .as_ref()
                .map(|s| crate::core::settings::SlackDest {
                    url: s.url.clone(),
                    disabled: None,
                }),
            rules: self.rules.clone().unwrap_or_default(),
        }
    }
}
