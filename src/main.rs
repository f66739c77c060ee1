//! The `trackgate` command: `serve`, `check-config`, `healthcheck`, `render` and
//! `migrate`.

use clap::{Parser, Subcommand};

/// sled clones its nodes on every write; glibc malloc spent about a quarter of the
/// write path's time on that (perf, BENCHMARKS.md). mimalloc does it in a fraction.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;
use trackgate::config::{self, Config};
use trackgate::notify::preview::{render, Preview};
use trackgate::App;

#[derive(Parser)]
#[command(
    name = "trackgate",
    version,
    about = "Shipment-tracking notification gateway (TrackingMore v2 compatible API)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway until SIGTERM or SIGINT.
    Serve {
        /// Config file (else $TRACKGATE_CONFIG, else ./config.yaml, else built-in defaults).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Validate the configuration, data tables and templates; exit non-zero naming each problem.
    CheckConfig {
        /// Config file (else $TRACKGATE_CONFIG, else ./config.yaml, else built-in defaults).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Exit 0 when the gateway answers `/healthz` (for container health checks;
    /// the slim image has no curl).
    Healthcheck {
        /// The URL to ask; default: `http://<listen>/healthz` from the config.
        #[arg(long)]
        url: Option<String>,
        /// Config file (for `listen`), found as for `serve`.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Where the store's bytes go: rows and bytes per table (and per index on
    /// PostgreSQL). On sled, stop the gateway first (one process per directory).
    Footprint {
        /// Config file, found as for `serve`.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The trackings retention deletes within `--within` (default: those already
    /// due), one JSON line each (`{account, tracking}`) on stdout. On sled, stop
    /// the gateway first.
    RetentionExport {
        /// Config file, found as for `serve`.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Look this far ahead (humantime, e.g. `7d`).
        #[arg(long, default_value = "0s")]
        within: String,
    },
    /// Copy the config's sled store into an empty PostgreSQL database (resumable),
    /// then compare the counts of both; exit 0 only when they agree.
    Migrate {
        /// The target database: postgres://user:password@host:5432/dbname.
        #[arg(long)]
        to: String,
        /// Config file (for data_dir), found as for `serve`. Stop the gateway first.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Preview a notification or page rendered from the templates.
    Render {
        /// email, slack, webhook or page.
        #[arg(long)]
        channel: String,
        /// The new status, e.g. delivered.
        #[arg(long)]
        status: String,
        /// Language folder to try first, e.g. de.
        #[arg(long)]
        lang: Option<String>,
        /// A TrackingMore tracking object (JSON file) to render; default: a sample.
        #[arg(long)]
        tracking: Option<PathBuf>,
        /// Config file (for templates_dir, public_url, and the shop: the first account's name and logo).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// The configuration, or `None` after saying why it is not valid.
fn load_or_say(path: Option<PathBuf>) -> Option<Config> {
    match load(path) {
        Ok((cfg, _)) => Some(cfg),
        Err(e) => {
            eprintln!("{e}");
            None
        }
    }
}

fn load(path: Option<PathBuf>) -> Result<(Config, config::Source), String> {
    let source = config::locate(path.as_deref());
    config::load(&source, std::env::vars())
        .map(|c| (c, source))
        .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(trackgate::telemetry::log_filter(
            std::env::var("RUST_LOG").ok().as_deref(),
        ))
        .init();
    no_transparent_huge_pages();
    match cli.command {
        Command::Healthcheck { url, config } => {
            let url = match url {
                Some(u) => u,
                None => match load(config) {
                    Ok((cfg, _)) => {
                        let listen = cfg
                            .listen
                            .replace("0.0.0.0", "127.0.0.1")
                            .replace("[::]", "[::1]");
                        format!("http://{listen}/healthz")
                    }
                    Err(e) => {
                        eprintln!("{e}");
                        return ExitCode::FAILURE;
                    }
                },
            };
            match healthcheck(&url) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("unhealthy: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Render {
            channel,
            status,
            lang,
            tracking,
            config,
        } => {
            match load(config).and_then(|(cfg, _)| {
                let preview = Preview {
                    channel: &channel,
                    status: &status,
                    lang: lang.as_deref(),
                    tracking: tracking.as_deref(),
                };
                render(&cfg, &preview)
            }) {
                Ok(out) => {
                    say(out);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::CheckConfig { config } => match load(config).and_then(|(cfg, src)| {
            trackgate::load_tables(&cfg).map_err(|e| format!("{e:#}"))?;
            let problems = trackgate::notify::templates::Templates::new(&cfg.templates_dir).check();
            if !problems.is_empty() {
                return Err(format!(
                    "template problems:\n  - {}",
                    problems.join("\n  - ")
                ));
            }
            Ok((cfg, src))
        }) {
            Ok((cfg, src)) => {
                say(format!(
                    "The configuration in {src} is valid: {}.",
                    cfg.summary()
                ));
                for c in cfg.connector_lines() {
                    say(format!("Connector: {c}."));
                }
                for w in cfg.warnings() {
                    say(format!("Warning: {w}."));
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Command::RetentionExport { config, within } => {
            let Some(cfg) = load_or_say(config) else {
                return ExitCode::FAILURE;
            };
            let within = match humantime::parse_duration(&within) {
                Ok(d) => d.as_secs() as i64,
                Err(e) => {
                    eprintln!("--within {within:?} is not a duration such as 7d ({e})");
                    return ExitCode::FAILURE;
                }
            };
            let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
            match rt.block_on(retention_export(&cfg, within)) {
                Ok(n) => {
                    eprintln!("{n} tracking(s)");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Footprint { config } => {
            let Some(cfg) = load_or_say(config) else {
                return ExitCode::FAILURE;
            };
            let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
            match rt.block_on(footprint(&cfg)) {
                Ok(text) => {
                    say(text);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Migrate { to, config } => {
            let Some(cfg) = load_or_say(config) else {
                return ExitCode::FAILURE;
            };
            let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
            match rt.block_on(trackgate::migrate::run(&cfg, &to, &mut std::io::stdout())) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(e) => {
                    eprintln!("trackgate migrate: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Serve { config } => {
            let (cfg, src) = match load(config) {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::FAILURE;
                }
            };
            tracing::info!("configuration: {src}");
            if src == config::Source::Defaults {
                tracing::warn!("no config file found: using built-in defaults with the demo account shop@example.com (its key is in README.md)");
            }
            let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
            match rt.block_on(serve(cfg)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("trackgate: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// Turns off transparent huge pages for this process. Where the kernel backs every
/// large mapping with 2 MiB pages (`/sys/kernel/mm/transparent_hugepage/enabled` at
/// `always`, as on many servers), a page the allocator has only partly used, or
/// partly freed, stays resident whole: at 1M trackings the gateway held 297 MiB after
/// the load with them and 254 MiB without (BENCHMARKS.md). Redis and MongoDB
/// advise the same. Where the call is refused, the gateway runs as it would have.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::thread::disable_transparent_huge_pages(true) {
        tracing::debug!("transparent huge pages left as the system sets them: {e}");
    }
}

/// Writes a line to stdout; a reader that went away (`trackgate render ... | head`)
/// ends the command quietly, as other command-line tools do.
fn say(text: impl std::fmt::Display) {
    use std::io::Write;
    if let Err(e) = writeln!(std::io::stdout(), "{text}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("trackgate: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}

/// Asks `url` for a 2xx answer within 3 s, for `trackgate healthcheck`.
fn healthcheck(url: &str) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let resp = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(3))
            .build()
            .map_err(|e| e.to_string())?
            .get(url)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(format!("{url} answered {}", resp.status()))
        }
    })
}

async fn serve(cfg: Config) -> anyhow::Result<()> {
    let app = App::build(cfg).await?;
    let token = app.shutdown_token();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("signal received: finishing in-flight requests");
        token.cancel();
    });
    app.run().await
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// `trackgate retention-export`: JSON lines on stdout; how many.
async fn retention_export(cfg: &Config, within: i64) -> anyhow::Result<usize> {
    let store = trackgate::open_store(cfg).await?;
    let carriers = trackgate::core::carriers::Carriers::builtin();
    let after_final = cfg.retention.after_final.secs();
    let now = trackgate::core::time::now();
    let mut out = std::io::stdout().lock();
    Ok(trackgate::retention::export(&store, &carriers, after_final, now, within, &mut out).await?)
}

/// `trackgate footprint`: the store's tables by size, as a table.
async fn footprint(cfg: &Config) -> anyhow::Result<String> {
    let store = trackgate::open_store(cfg).await?;
    let tables = store.footprint().await?;
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let mut out = format!(
        "{:<28} {:>12} {:>12} {:>10}\n",
        "table", "rows", "MiB", "bytes/row"
    );
    for t in &tables {
        out.push_str(&format!(
            "{:<28} {:>12} {:>12.2} {:>10}\n",
            t.table,
            t.rows,
            mib(t.bytes),
            t.bytes.checked_div(t.rows).unwrap_or(0)
        ));
    }
    let (rows, bytes) = tables
        .iter()
        .fold((0, 0), |(r, b), t| (r + t.rows, b + t.bytes));
    out.push_str(&format!(
        "{:<28} {:>12} {:>12.1}\n",
        "total",
        rows,
        mib(bytes)
    ));
    if store.backend() == "sled" {
        out.push_str(&format!(
            "(keys and values as stored; the data directory holds {:.1} MiB on disk)",
            mib(trackgate::store::dir_bytes(&cfg.data_dir))
        ));
    } else {
        out.push_str("(pg_relation_size of each table and index; an index's rows are its table's)");
    }
    Ok(out)
}
