//! Test helpers: a gateway on a random port with a temp data dir — in this process
//! (`App::build`, the default: fast, and its clock can be a manual one) or as the
//! real `trackgate` binary (`Gateway::process`, for tests that kill it, read its
//! log or its process-wide metrics).

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const KEY_A: &str = "key-shop-a";
pub const KEY_B: &str = "key-shop-b";

/// How a gateway runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `App::build` + `App::run` on a runtime of its own thread.
    InProcess,
    /// The `trackgate` binary.
    Process,
}

/// A gateway running in this process; stopped gracefully when dropped.
struct Running {
    stop: tokio_util::sync::CancellationToken,
    done: std::sync::Mutex<mpsc::Receiver<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.cancel();
        // A request still in flight is given a moment; the thread is left behind
        // rather than hanging the test.
        if let Ok(done) = self.done.lock() {
            let _ = done.recv_timeout(Duration::from_secs(10));
        }
    }
}

/// A running gateway.
pub struct Gateway {
    mode: Mode,
    child: Option<Child>,
    running: Option<Running>,
    /// The clock of an in-process gateway (the system's unless a test gave one).
    pub clock: trackgate::core::time::Clock,
    pub base: String,
    pub dir: tempfile::TempDir,
    extra: String,
    /// The `accounts:` section.
    accounts: String,
    /// The `store:` section: empty for sled (the default), else a PostgreSQL
    /// database of this gateway's own, kept across restarts.
    store: String,
    /// `RUST_LOG` of the process (`warn` unless a test asks for more).
    log_level: String,
    /// Every line the process logged, for tests that read the log.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    http: reqwest::blocking::Client,
}

/// The `accounts:` section of every test gateway unless a test changes it.
fn default_accounts() -> String {
    format!(
        "accounts:\n  - email: a@shop-a.example\n    name: Shop A\n    api_key: {KEY_A}\n  - email: b@shop-b.example\n    api_key: {KEY_B}\n"
    )
}

fn config_yaml(dir: &Path, accounts: &str, store: &str, extra: &str) -> String {
    format!(
        "listen: 127.0.0.1:0\n\
         data_dir: {data}\n\
         {accounts}{store}{extra}\n",
        data = dir.join("data").display(),
    )
}

/// Which backend the black-box suite runs on: `TRACKGATE_TEST_STORE=postgres`
/// runs every gateway of the suite on PostgreSQL (`.ci/run` runs the suite once
/// per backend); unset, sled.
pub fn on_postgres() -> bool {
    std::env::var("TRACKGATE_TEST_STORE").is_ok_and(|v| v == "postgres")
}

/// The `store:` section of a new gateway's config on the suite's backend.
pub fn store_section() -> String {
    if !on_postgres() {
        return String::new();
    }
    let url = crate::pg_server::database().expect(
        "TRACKGATE_TEST_STORE=postgres needs a PostgreSQL server (see tests/support/postgres.rs)",
    );
    format!("store:\n  backend: postgres\n  url: {url}\n  pool_size: 8\n")
}

impl Gateway {
    /// Starts a gateway with the two test accounts and a generous list rate limit.
    pub fn start() -> Gateway {
        Gateway::with_config("limits:\n  list_per_second: 10000\n")
    }

    /// Starts a gateway with extra YAML appended to the base config.
    pub fn with_config(extra: &str) -> Gateway {
        Gateway::with_data(None, extra)
    }

    /// An in-process gateway reading the time from `clock` (handlers, poller and
    /// dispatcher), for tests that move time instead of waiting for it.
    pub fn with_clock(clock: trackgate::core::time::Clock, extra: &str) -> Gateway {
        Gateway::launched_as(
            Mode::InProcess,
            tempfile::tempdir().unwrap(),
            store_section(),
            extra,
            "warn",
            clock,
        )
    }

    /// The real binary, for tests that kill it, stop it with a signal, or read
    /// what only a process has (its log, its metrics).
    pub fn process(extra: &str) -> Gateway {
        Gateway::launched_as(
            Mode::Process,
            tempfile::tempdir().unwrap(),
            store_section(),
            extra,
            "warn",
            trackgate::core::time::Clock::system(),
        )
    }

    /// [`Gateway::process`] on a copy of the data directory `data` (a sled store).
    pub fn process_with_data(data: &Path, extra: &str) -> Gateway {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(data, &dir.path().join("data"));
        Gateway::launched_as(
            Mode::Process,
            dir,
            String::new(),
            extra,
            "warn",
            trackgate::core::time::Clock::system(),
        )
    }

    /// [`Gateway::process`] over the PostgreSQL database at `url`.
    pub fn process_on_database(url: &str, extra: &str) -> Gateway {
        Gateway::process_on_store(
            &format!("store:\n  backend: postgres\n  url: {url}\n  pool_size: 8\n"),
            extra,
        )
    }

    /// [`Gateway::process`] with this `store:` section.
    pub fn process_on_store(store: &str, extra: &str) -> Gateway {
        Gateway::launched_as(
            Mode::Process,
            tempfile::tempdir().unwrap(),
            store.to_string(),
            extra,
            "warn",
            trackgate::core::time::Clock::system(),
        )
    }

    /// Starts a gateway on a copy of the data directory `data` (e.g. one written
    /// by an older release), with extra YAML appended to the base config.
    pub fn with_data(data: Option<&Path>, extra: &str) -> Gateway {
        let dir = tempfile::tempdir().unwrap();
        if let Some(src) = data {
            copy_dir(src, &dir.path().join("data"));
        }
        // A data directory written by an older release is a sled store.
        let store = if data.is_some() {
            String::new()
        } else {
            store_section()
        };
        Gateway::launched(dir, store, extra)
    }

    /// A gateway over the PostgreSQL database at `url` (several may share one).
    pub fn on_database(url: &str, extra: &str) -> Gateway {
        Gateway::on_store(
            &format!("store:\n  backend: postgres\n  url: {url}\n  pool_size: 8\n"),
            extra,
        )
    }

    /// A gateway with this `store:` section.
    pub fn on_store(store: &str, extra: &str) -> Gateway {
        Gateway::launched(tempfile::tempdir().unwrap(), store.to_string(), extra)
    }

    /// A gateway process on the suite's backend logging at `level`;
    /// [`Gateway::log`] has what it wrote.
    pub fn logging(level: &str, extra: &str) -> Gateway {
        Gateway::launched_as(
            Mode::Process,
            tempfile::tempdir().unwrap(),
            store_section(),
            extra,
            level,
            trackgate::core::time::Clock::system(),
        )
    }

    /// What the process has logged so far.
    pub fn log(&self) -> Vec<String> {
        assert!(self.mode == Mode::Process, "the log is a process's");
        self.log.lock().unwrap().clone()
    }

    fn launched(dir: tempfile::TempDir, store: String, extra: &str) -> Gateway {
        let clock = trackgate::core::time::Clock::system();
        Gateway::launched_as(Mode::InProcess, dir, store, extra, "warn", clock)
    }

    fn launched_as(
        mode: Mode,
        dir: tempfile::TempDir,
        store: String,
        extra: &str,
        level: &str,
        clock: trackgate::core::time::Clock,
    ) -> Gateway {
        let mut g = Gateway {
            mode,
            child: None,
            running: None,
            clock,
            base: String::new(),
            dir,
            extra: extra.to_string(),
            accounts: default_accounts(),
            store,
            log_level: level.to_string(),
            log: Default::default(),
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        };
        g.launch();
        g
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.yaml")
    }

    fn launch(&mut self) {
        std::fs::write(
            self.config_path(),
            config_yaml(self.dir.path(), &self.accounts, &self.store, &self.extra),
        )
        .unwrap();
        if self.mode == Mode::InProcess {
            return self.launch_in_process();
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_trackgate"))
            .args(["serve", "--config"])
            .arg(self.config_path())
            .env("RUST_LOG", &self.log_level)
            .env_remove("TRACKGATE_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the trackgate binary starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let (log, keep) = (self.log.clone(), self.log_level != "warn");
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if keep {
                    log.lock().unwrap().push(line.clone());
                }
                if !sent {
                    if let Some(addr) = line.split("listening on ").nth(1) {
                        let _ = tx.send(addr.trim().to_string());
                        sent = true;
                        continue;
                    }
                }
                if !keep {
                    eprintln!("[gateway] {line}");
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the gateway prints its address");
        self.base = format!("http://{addr}");
        self.child = Some(child);
    }

    /// Builds and runs the app on a thread of its own, as `serve` would.
    fn launch_in_process(&mut self) {
        let source = trackgate::config::Source::File(self.config_path());
        let cfg = trackgate::config::load(&source, std::iter::empty()).expect("the config loads");
        let clock = self.clock.clone();
        let (addr_tx, addr_rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let stop = tokio_util::sync::CancellationToken::new();
        let token = stop.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let app = match trackgate::App::build_with_clock(cfg, clock).await {
                    Ok(app) => app,
                    Err(e) => return drop(addr_tx.send(Err(format!("{e:#}")))),
                };
                let _ = addr_tx.send(Ok(app.local_addr()));
                let shutdown = app.shutdown_token();
                tokio::spawn(async move {
                    token.cancelled().await;
                    shutdown.cancel();
                });
                if let Err(e) = app.run().await {
                    eprintln!("[gateway] stopped: {e:#}");
                }
            });
            let _ = done_tx.send(());
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the gateway starts")
            .unwrap_or_else(|e| panic!("the gateway does not start: {e}"));
        self.base = format!("http://{addr}");
        self.running = Some(Running {
            stop,
            done: std::sync::Mutex::new(done),
        });
    }

    /// Stops with SIGKILL: no chance to flush anything.
    pub fn kill9(&mut self) {
        assert!(
            self.mode == Mode::Process,
            "kill -9 needs a process: start this gateway with Gateway::process"
        );
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// Stops with SIGTERM and returns the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        assert!(
            self.mode == Mode::Process,
            "SIGTERM needs a process: start this gateway with Gateway::process"
        );
        let mut c = self.child.take().expect("running");
        let pid = c.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        for _ in 0..200 {
            if let Some(st) = c.try_wait().unwrap() {
                return st;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("gateway did not exit within 10 s of SIGTERM");
    }

    /// Stops, then starts again on the same data with `accounts` (a YAML
    /// `accounts:` section) in place of the two test accounts.
    pub fn restart_with_accounts(&mut self, accounts: &str) {
        self.running.take();
        if self.child.is_some() {
            assert!(self.terminate().success());
        }
        self.accounts = accounts.to_string();
        self.launch();
    }

    /// Starts again on the same data directory.
    pub fn restart_after_kill9(&mut self) {
        self.kill9();
        self.launch();
    }

    pub fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(k) = key {
            req = req.header("Trackingmore-Api-Key", k);
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().expect("request is answered");
        let status = resp.status().as_u16();
        let text = resp.text().unwrap();
        let v = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "raw": text }));
        (status, v)
    }

    /// POSTs raw bytes with extra headers; for push receivers.
    pub fn push(&self, path: &str, headers: &[(String, String)], body: &str) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .body(body.to_string());
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let resp = req.send().expect("push is answered");
        let status = resp.status().as_u16();
        let text = resp.text().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|_| json!({ "raw": text })),
        )
    }

    /// Polls `f` every 100 ms until it holds or `secs` pass.
    pub fn wait_until(&self, secs: u64, what: &str, mut f: impl FnMut(&Gateway) -> bool) {
        let end = std::time::Instant::now() + Duration::from_secs(secs);
        while std::time::Instant::now() < end {
            if f(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("timed out after {secs} s waiting for: {what}");
    }

    pub fn status_of(&self, carrier: &str, number: &str) -> String {
        self.get(&format!("/v2/trackings/{carrier}/{number}"))["data"]["status"]
            .as_str()
            .unwrap_or("?")
            .to_string()
    }

    pub fn get_as(&self, key: &str, path: &str) -> Value {
        self.send(reqwest::Method::GET, path, Some(key), None).1
    }
    pub fn post_as(&self, key: &str, path: &str, body: &Value) -> Value {
        self.send(
            reqwest::Method::POST,
            path,
            Some(key),
            Some(&body.to_string()),
        )
        .1
    }
    pub fn get(&self, path: &str) -> Value {
        self.get_as(KEY_A, path)
    }
    pub fn post(&self, path: &str, body: &Value) -> Value {
        self.post_as(KEY_A, path, body)
    }
    pub fn put(&self, path: &str, body: Option<&Value>) -> Value {
        let b = body.map(Value::to_string);
        self.send(reqwest::Method::PUT, path, Some(KEY_A), b.as_deref())
            .1
    }
    pub fn delete(&self, path: &str) -> Value {
        self.send(reqwest::Method::DELETE, path, Some(KEY_A), None)
            .1
    }

    /// Changes account A's notification settings and asserts success.
    pub fn put_settings(&self, body: &Value) -> Value {
        let (_, v) = self.send(
            reqwest::Method::PUT,
            "/v2/notifications/settings",
            Some(KEY_A),
            Some(&body.to_string()),
        );
        assert_eq!(code(&v), 200, "{v}");
        v
    }

    /// Creates a tracking for account A and asserts success.
    pub fn create(&self, number: &str, carrier: &str) -> Value {
        let v = self.post(
            "/v2/trackings/post",
            &json!({"tracking_number": number, "carrier_code": carrier}),
        );
        assert_eq!(code(&v), 200, "create {number}: {v}");
        v
    }

    /// Fetches a sandbox number now (registers it if needed).
    pub fn realtime(&self, number: &str) -> Value {
        let v = self.post(
            "/v2/trackings/realtime",
            &json!({"tracking_number": number, "carrier_code": "sandbox"}),
        );
        assert_eq!(code(&v), 200, "realtime {number}: {v}");
        v
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.running.take();
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap().flatten() {
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), to).unwrap();
        }
    }
}

/// A config file in a fresh temp dir for the `trackgate` binary: a free port,
/// `data_dir` inside the dir, then `rest`. Keep the dir alive while it runs.
pub fn temp_config(rest: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    let data = dir.path().join("data");
    let yaml = format!("listen: 127.0.0.1:0\ndata_dir: {}\n{rest}", data.display());
    std::fs::write(&path, yaml).unwrap();
    (dir, path)
}

/// Runs the `trackgate` binary with `args`: whether it exited 0, and what it
/// printed (stdout, then stderr).
pub fn run_trackgate<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trackgate"))
        .args(args)
        .env_remove("TRACKGATE_CONFIG")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `meta.code` of an answer.
pub fn code(v: &Value) -> i64 {
    v["meta"]["code"].as_i64().unwrap_or(-1)
}

/// A valid UPU S10 number with the given serial prefix, for unique test numbers.
pub fn s10(serial: u32, country: &str) -> String {
    let d: Vec<u32> = format!("{serial:08}")
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    let w = [8, 6, 4, 2, 3, 5, 9, 7];
    let sum: u32 = d.iter().zip(w).map(|(a, b)| a * b).sum();
    let c = match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    };
    format!("RR{serial:08}{c}{country}")
}

/// Serves `app` on a random loopback port from its own thread; returns the address.
pub fn serve(app: axum::Router) -> std::net::SocketAddr {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(l.local_addr().unwrap()).unwrap();
            axum::serve(l, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}
