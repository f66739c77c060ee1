//! trackgate: a shipment-tracking notification gateway with a TrackingMore v2
//! compatible API. This crate root wires the parts; `main` only parses the command
//! line and runs an [`App`].

pub mod api;
pub mod config;
pub mod connect;
pub mod core;
pub mod ingest;
pub mod migrate;
pub mod notify;
pub mod poll;
pub mod retention;
pub mod server;
pub mod signing;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod throttle;
pub mod worker;

use crate::config::Config;
use crate::core::awb::{Airlines, AIRLINES_TSV};
use crate::core::carriers::Carriers;
use crate::core::remote::{RemoteAreas, REMOTE_AREAS_TSV};
use crate::poll::scheduler::{Poller, PollerConfig};
use crate::poll::{Provider, Providers};
use crate::state::AppState;
use crate::store::Store;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::Layer;
use tower_http::normalize_path::NormalizePathLayer;

/// How long a gateway whose store broke keeps answering (503 on `/readyz`,
/// errors on writes) before it exits for a restart.
pub const BROKEN_STORE_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// A built gateway: listener bound, store open, accounts upserted.
pub struct App {
    listener: TcpListener,
    state: AppState,
    dispatcher: Arc<notify::Dispatcher>,
    shutdown: CancellationToken,
}

fn table<T>(
    path: Option<&Path>,
    builtin: &str,
    parse: fn(&str) -> Result<T, String>,
    key: &str,
) -> anyhow::Result<T> {
    match path {
        None => parse(builtin).map_err(|e| anyhow::anyhow!("shipped {key} table: {e}")),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("{key}: cannot read {}", p.display()))?;
            parse(&text).map_err(|e| anyhow::anyhow!("{key} ({}): {e}", p.display()))
        }
    }
}

/// The store the configuration names (sled in `data_dir`, or PostgreSQL at
/// `store.url`), opened and migrated.
pub async fn open_store(cfg: &Config) -> anyhow::Result<Store> {
    Ok(match cfg.store.backend {
        config::StoreBackend::Sled => {
            Store::open(&cfg.data_dir, cfg.store.cache_mb, cfg.poll_policy())
                .await
                .with_context(|| format!("cannot open the store in {}", cfg.data_dir.display()))?
        }
        config::StoreBackend::Postgres => Store::open_postgres(
            cfg.store.url.expose(),
            cfg.store.pool_size as usize,
            cfg.store.ca_file.as_deref(),
            cfg.poll_policy(),
        )
        .await
        .context("cannot open the PostgreSQL store (store.url)")?,
    })
}

/// The provider for carriers other than `sandbox`, from `poll.provider`.
fn default_provider(cfg: &Config) -> Option<Arc<dyn Provider>> {
    match cfg.provider_summary()? {
        "sandbox" => Some(Arc::new(poll::sandbox::Sandbox)),
        _ => {
            let tm = &cfg.poll.trackingmore;
            let (key, timeout) = (tm.api_key.expose(), cfg.poll.realtime_timeout.0);
            Some(match tm.api() {
                config::TrackingMoreApi::V2 => Arc::new(poll::trackingmore::TrackingMore::new(
                    tm.base(),
                    key,
                    timeout,
                )),
                config::TrackingMoreApi::V4 => Arc::new(
                    poll::trackingmore_v4::TrackingMoreV4::new(tm.base(), key, timeout),
                ),
            })
        }
    }
}

/// Loads the data tables the configuration points at; used by `serve` and `check-config`.
pub fn load_tables(cfg: &Config) -> anyhow::Result<(RemoteAreas, Airlines)> {
    let remote = table(
        cfg.remote_areas_file.as_deref(),
        REMOTE_AREAS_TSV,
        RemoteAreas::parse,
        "remote_areas_file",
    )?;
    let airlines = table(
        cfg.airlines_file.as_deref(),
        AIRLINES_TSV,
        Airlines::parse,
        "airlines_file",
    )?;
    Ok((remote, airlines))
}

impl App {
    /// Opens the store, upserts the configured accounts and binds the listener.
    pub async fn build(cfg: Config) -> anyhow::Result<App> {
        App::build_with_clock(cfg, crate::core::time::Clock::system()).await
    }

    /// [`App::build`] reading the time from `clock` everywhere (handlers, poller,
    /// dispatcher): tests pass a manual clock and move it instead of waiting.
    pub async fn build_with_clock(
        cfg: Config,
        clock: crate::core::time::Clock,
    ) -> anyhow::Result<App> {
        let (remote, airlines) = load_tables(&cfg)?;
        telemetry::install();
        tracing::info!("starting: {}", cfg.summary());
        for w in cfg.warnings() {
            tracing::warn!("{w}");
        }
        let store = open_store(&cfg).await?;
        let now = clock.now();
        let mut account_ids = std::collections::HashMap::new();
        for a in &cfg.accounts {
            let notify = a.notify.is_set().then(|| a.notify.to_settings());
            let stored = store
                .upsert_account(&a.email, a.profile(), &a.key_sha256s(), notify, now)
                .await?;
            account_ids.insert(a.email.clone(), stored.id);
            let owner = cfg.settings_owner(&a.email);
            tracing::info!(account = %a.email, managed_by = owner.as_str(), "notification settings: {}", owner.explain());
        }
        let configured: Vec<String> = cfg
            .accounts
            .iter()
            .map(|a| core::account::email_key(&a.email))
            .collect();
        for a in store.retire_accounts(&configured, now).await? {
            tracing::warn!(
                account = %a.email,
                disabled_since = a.disabled_at.unwrap_or(now),
                "account not in the config: disabled, its keys refused and its data kept (add it back to enable it)"
            );
        }
        store.flush()?;
        let listener = TcpListener::bind(&cfg.listen)
            .await
            .with_context(|| format!("cannot listen on {}", cfg.listen))?;
        let providers = Providers::new(default_provider(&cfg));
        let cfg_templates_dir = cfg.templates_dir.clone();
        let (cfg_guess_burst, cfg_guess_rate) = (
            cfg.limits.failed_key_burst,
            cfg.limits.failed_keys_per_minute,
        );
        for a in cfg.accounts.iter().filter(|a| a.connect.is_set()) {
            if let Some(&id) = account_ids.get(&a.email) {
                store.set_connect(id, a.connect.to_settings()).await?;
            }
        }
        for line in cfg.connector_lines() {
            tracing::info!("connector: {line}");
        }
        let connectors = Arc::new(connect::Connectors::new(&store.connected_accounts().await?));
        let state = AppState {
            store,
            cfg: Arc::new(cfg),
            carriers: Arc::new(Carriers::builtin()),
            remote: Arc::new(remote),
            airlines: Arc::new(airlines),
            providers,
            list_calls: Arc::default(),
            api_calls: Arc::default(),
            connectors,
            guesses: Arc::new(throttle::guesses::Guesses::new(
                cfg_guess_burst,
                cfg_guess_rate,
            )),
            templates: Arc::new(notify::templates::Templates::new(&cfg_templates_dir)),
            clock,
        };
        // One set of templates: the page's and the notifications'.
        let dispatcher = notify::Dispatcher::with_templates(
            state.store.clone(),
            state.cfg.clone(),
            state.carriers.clone(),
            state.clock.clone(),
            state.templates.clone(),
        )
        .map_err(|e| anyhow::anyhow!(e))?;
        let problems = state.templates.check();
        for p in &problems {
            tracing::warn!(problem = %p, "template problem: notifications that need it will fail");
        }
        Ok(App {
            listener,
            state,
            dispatcher,
            shutdown: CancellationToken::new(),
        })
    }

    /// The bound address (a config with port 0 gets a free one, read here).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Cancel it to stop the app gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves until the shutdown token is cancelled, then finishes in-flight
    /// requests and flushes the store.
    pub async fn run(self) -> anyhow::Result<()> {
        let addr = self.local_addr();
        let store = self.state.store.clone();
        let cfg = self.state.cfg.clone();
        let poller = cfg.poll.enabled.then(|| {
            let poller = Poller::new(
                store.clone(),
                self.state.providers.clone(),
                self.state.carriers.clone(),
                PollerConfig {
                    policy: cfg.poll_policy(),
                    concurrency: cfg.poll.concurrency,
                    rate_per_second: cfg.poll.rate_per_second,
                    timeout: cfg.poll.realtime_timeout.0,
                },
                self.state.clock.clone(),
            );
            tokio::spawn(poller.run(self.shutdown.clone()))
        });
        let dispatcher = tokio::spawn(self.dispatcher.run(self.shutdown.clone()));
        let retention = tokio::spawn(retention::run(
            store.clone(),
            self.state.clock.clone(),
            cfg.retention.policy(),
            cfg.retention.check_every.0,
            self.shutdown.clone(),
        ));
        let watcher = tokio::spawn(notify::watcher::run(
            store.clone(),
            self.state.clock.clone(),
            cfg.alerts.check_every.0,
            self.shutdown.clone(),
        ));
        // A store that can no longer write stays broken (sled keeps its I/O
        // error): stop, and exit non-zero for the supervisor to restart us.
        let broken = store.broken_signal();
        let stop = self.shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = broken.notified() => {
                    // A moment for health checks to see /readyz answer 503.
                    tokio::time::sleep(BROKEN_STORE_GRACE).await;
                    stop.cancel();
                }
                () = stop.cancelled() => {}
            }
        });
        let app = tower::util::MapRequestLayer::new(api::collapse_slashes).layer(
            NormalizePathLayer::trim_trailing_slash().layer(api::router(
                self.state,
                ingest::router().merge(connect::router()),
            )),
        );
        // Printed unconditionally (not through the log filter): scripts wait for it.
        eprintln!("trackgate listening on {addr}");
        let limits = cfg.read_limits();
        server::serve(self.listener, app, limits, self.shutdown.clone()).await;
        if let Some(p) = poller {
            let _ = p.await;
        }
        let _ = dispatcher.await;
        let _ = watcher.await;
        let _ = retention.await;
        if let Some(why) = store.broken() {
            anyhow::bail!(
                "the store can no longer write ({why}); restart the gateway once the disk is fixed"
            );
        }
        store.flush()?;
        tracing::info!("stopped; store flushed");
        Ok(())
    }
}
