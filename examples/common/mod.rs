//! What the load tools share: their arguments and a release gateway on a temp dir.

#![allow(dead_code)] // each tool uses a different part

#[path = "../../tests/api/smtp.rs"]
pub mod smtp;

#[path = "../../tests/support/postgres.rs"]
mod pg;

pub mod bare;
pub mod receiver;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// `--name N` from the command line, or `default`.
pub fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `--name VALUE` from the command line, if given.
/// A usps tracking to create straight in the store: number `{prefix}{i:010}`,
/// no shop fields, first poll at `first_poll_at` (`None`: now).
pub fn usps_tracking(
    prefix: &str,
    i: u64,
    first_poll_at: Option<i64>,
) -> trackgate::store::NewTracking {
    trackgate::store::NewTracking {
        carrier_code: "usps".into(),
        tracking_number: format!("{prefix}{i:010}"),
        fields: Default::default(),
        order_created_at: None,
        origin_country: None,
        destination_country: None,
        first_poll_at,
    }
}

pub fn arg_str(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1).cloned()
}

/// CPU seconds (user + system) process `pid` has used so far, from /proc.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the
    // 14th and 15th of the line, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (field(11) + field(12)) / 100.0
}

/// `target/release/trackgate` on a temp data dir with one account (`api_key`) and
/// `extra` config YAML; killed on drop.
pub struct Gateway {
    pub child: Child,
    pub addr: String,
    _dir: tempfile::TempDir,
}

impl Gateway {
    /// Bytes the gateway's data directory takes on disk.
    pub fn data_bytes(&self) -> u64 {
        trackgate::store::dir_bytes(&self._dir.path().join("data"))
    }

    /// The data directory's entries and their sizes (a directory's summed), by name.
    pub fn data_files(&self) -> Vec<(String, u64)> {
        let data = self._dir.path().join("data");
        let mut files: Vec<(String, u64)> = std::fs::read_dir(&data)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| {
                let path = e.path();
                let bytes = if path.is_dir() {
                    trackgate::store::dir_bytes(&path)
                } else {
                    e.metadata().map(|m| m.len()).unwrap_or(0)
                };
                (e.file_name().to_string_lossy().into_owned(), bytes)
            })
            .collect();
        files.sort();
        files
    }

    /// The config file the gateway was started with.
    pub fn config_path(&self) -> std::path::PathBuf {
        self._dir.path().join("config.yaml")
    }

    /// Stops the gateway gracefully (SIGTERM) and waits for it.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }

    pub fn start(api_key: &str, extra: &str) -> Gateway {
        warn_if_stale(BIN);
        // With BENCH_KEEP set, the data directory outlives the run (to reopen it).
        let keep = std::env::var_os("BENCH_KEEP").is_some();
        let dir = tempfile::Builder::new()
            .disable_cleanup(keep)
            .tempdir()
            .unwrap();
        if keep {
            eprintln!("data kept in {}", dir.path().display());
        }
        let cfg = dir.path().join("config.yaml");
        std::fs::write(
            &cfg,
            format!(
                "listen: 127.0.0.1:0\ndata_dir: {}\naccounts:\n  - email: bench@example.com\n    api_key: {api_key}\n{}{extra}",
                dir.path().join("data").display(),
                store_section(),
            ),
        )
        .unwrap();
        let (child, addr) = spawn(&cfg);
        Gateway {
            child,
            addr,
            _dir: dir,
        }
    }

    /// Stops the gateway gracefully and starts it again on the same data (and a
    /// new port).
    pub fn restart(&mut self) {
        self.stop();
        (self.child, self.addr) = spawn(&self.config_path());
    }
}

/// Starts `target/release/trackgate serve` on `cfg`; returns it and its address.
fn spawn(cfg: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(cfg)
        .env(
            "RUST_LOG",
            std::env::var("BENCH_LOG").unwrap_or("warn".into()),
        )
        // Ours, not a config key of the gateway's.
        .env_remove("TRACKGATE_BENCH_POSTGRES")
        .stderr(Stdio::piped())
        .spawn()
        .expect("build first: cargo build --release --bin trackgate --examples");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut said = Vec::new();
    let addr = loop {
        let Some(Ok(l)) = lines.next() else {
            panic!("the gateway did not start:\n{}", said.join("\n"));
        };
        if let Some(a) = l.split("listening on ").nth(1) {
            break a.trim().to_string();
        }
        said.push(l);
    };
    // With BENCH_LOG (a RUST_LOG filter for the gateway), its log goes to stderr.
    let echo = std::env::var("BENCH_LOG").is_ok();
    std::thread::spawn(move || {
        for l in lines.map_while(Result::ok) {
            if echo {
                eprintln!("[gw] {l}");
            }
        }
    });
    (child, addr)
}

/// With `TRACKGATE_BENCH_POSTGRES` (an admin URL such as
/// `postgres://postgres@127.0.0.1:5432/postgres`), the gateway runs on a fresh
/// database of that server; else on sled.
fn store_section() -> String {
    match bench_database() {
        Some(url) => format!("store:\n  backend: postgres\n  url: {url}\n  pool_size: 32\n"),
        None => String::new(),
    }
}

/// A fresh database on the `TRACKGATE_BENCH_POSTGRES` server (its URL), if set.
pub fn bench_database() -> Option<String> {
    let admin = std::env::var("TRACKGATE_BENCH_POSTGRES").ok()?;
    let name = format!("bench_{:016x}", rand::random::<u64>());
    pg::execute(&admin, &format!("CREATE DATABASE {name}"))
        .expect("TRACKGATE_BENCH_POSTGRES answers");
    let (base, _) = admin.rsplit_once('/').unwrap();
    eprintln!("store: postgres, database {name}");
    Some(format!("{base}/{name}"))
}

/// One number a query on `url` answers.
pub fn pg_i64(url: &str, sql: &str) -> i64 {
    pg::query_i64(url, sql)
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resident memory of process `pid`, MiB (0 when unreadable).
pub fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(String::from)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The native receiver's secret the push tools configure.
pub const PUSH_SECRET: &str = "whsec_YmVuY2gtc2VjcmV0LWZvci10cmFja2dhdGU=";

/// POSTs `body` to `/hooks/native` signed as Standard Webhooks; true on 2xx.
/// Pushes a signed body to `/hooks/native`; the transitions it recorded, if accepted.
pub async fn push_native(
    http: &reqwest::Client,
    base: &str,
    id: &str,
    body: String,
) -> Option<u64> {
    use base64::engine::general_purpose::STANDARD as B64;
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let key = B64
        .decode(PUSH_SECRET.trim_start_matches("whsec_"))
        .unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.{body}").as_bytes());
    let sig = format!("v1,{}", B64.encode(mac.finalize().into_bytes()));
    let r = http
        .post(format!("{base}/hooks/native"))
        .header("webhook-id", id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", sig)
        .body(body)
        .send()
        .await;
    let r = r.ok().filter(|r| r.status().is_success())?;
    let v: serde_json::Value = r.json().await.ok()?;
    v["transitions"].as_u64()
}

/// Creates trackings through `/v2/trackings/batch`, 40 per call, one call at a time.
pub async fn create_batches(
    http: &reqwest::Client,
    base: &str,
    api_key: &str,
    items: Vec<serde_json::Value>,
) {
    for chunk in items.chunks(40) {
        http.post(format!("{base}/v2/trackings/batch"))
            .header("Trackingmore-Api-Key", api_key)
            .json(&chunk)
            .send()
            .await
            .unwrap();
    }
}

/// The gateway every tool runs.
const BIN: &str = "target/release/trackgate";

/// Says so loudly when the gateway binary is much older than this tool:
/// `cargo build --release --examples` alone rebuilds the tools, not the gateway,
/// and a figure measured on a stale gateway is the old build's.
fn warn_if_stale(bin: &str) {
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let (Some(gateway), Some(tool)) = (
        modified(std::path::Path::new(bin)),
        std::env::current_exe().ok().as_deref().and_then(modified),
    ) else {
        return;
    };
    if tool
        .duration_since(gateway)
        .is_ok_and(|d| d.as_secs() > 120)
    {
        eprintln!(
            "WARNING: {bin} is older than this tool by more than two minutes; if the \
             code changed, rebuild with: cargo build --release --bin trackgate --examples"
        );
    }
}
