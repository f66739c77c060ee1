//! The `trackgate` command: `serve` and `check-config`.

use clap::{Parser, Subcommand};

/// sled clones its nodes on every write; glibc malloc spent about a quarter of the
/// write path's time on that (perf, BENCHMARKS.md). mimalloc does it in a fraction.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::path::PathBuf;
use std::process::ExitCode;
use trackgate::config::{self, Config};
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
    /// Validate the configuration and data tables; exit non-zero naming each problem.
    CheckConfig {
        /// Config file (else $TRACKGATE_CONFIG, else ./config.yaml, else built-in defaults).
        #[arg(long)]
        config: Option<PathBuf>,
    },
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
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match cli.command {
        Command::CheckConfig { config } => match load(config).and_then(|(cfg, src)| {
            trackgate::load_tables(&cfg).map_err(|e| format!("{e:#}"))?;
            Ok(src)
        }) {
            Ok(src) => {
                println!("configuration OK ({src:?})");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Command::Serve { config } => {
            let (cfg, src) = match load(config) {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::FAILURE;
                }
            };
            if src == config::Source::Defaults {
                tracing::warn!("no config file found: using built-in defaults with the demo account shop@example.com (API key demo-key)");
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
