//! A throwaway PostgreSQL server for the tests, shared by every test of one test
//! binary: `TRACKGATE_TEST_DATABASE_URL` (an admin URL) when set, else a server
//! started here with initdb + postgres on a free port in a temp dir, from PATH or
//! /usr/lib/postgresql/*/bin (as the `postgres` user when run as root). It stops
//! when the test process exits. Each caller gets a fresh database of its own.
//!
//! Without either, `database()` prints a loud SKIPPED notice and returns `None`,
//! unless `TRACKGATE_TEST_POSTGRES=required` (set by `.ci/run`) makes that a failure.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The admin URL of the shared server, or `None` when there is none.
fn server() -> Option<&'static str> {
    static SERVER: OnceLock<Option<String>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            if let Ok(url) = std::env::var("TRACKGATE_TEST_DATABASE_URL") {
                return Some(url);
            }
            let bin = find_bin()?;
            Some(start(&bin))
        })
        .as_deref()
}

fn find_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    debian.sort();
    debian.reverse();
    on_path
        .into_iter()
        .chain(debian)
        .find(|d| d.join("initdb").is_file() && d.join("postgres").is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A command run as the `postgres` user when we are root (the server refuses root).
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(bin: &Path) -> String {
    let dir = std::env::temp_dir().join(format!(
        "trackgate-pg-{}-{:x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    if is_root() {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "chown of {} to postgres failed", dir.display());
    }
    let data = dir.join("data");
    let out = as_server_user(&bin.join("initdb"))
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-instructions",
            "-D",
        ])
        .arg(&data)
        .output()
        .expect("initdb runs");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    // The server dies with this test process: a watcher stops it once our pid is gone.
    let script = format!(
        "{postgres} -D {data} -p {port} -k {dir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=64MB > {dir}/log 2>&1 & pg=$!; \
         while [ -d /proc/{me} ] && kill -0 $pg 2>/dev/null; do sleep 0.5; done; kill -TERM $pg 2>/dev/null; wait $pg; rm -rf {dir}",
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
        me = std::process::id(),
    );
    let mut watcher = as_server_user(Path::new("/bin/sh"))
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the PostgreSQL server starts");
    // Reaped when it ends (after this process, usually).
    std::thread::spawn(move || watcher.wait());
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            && admin(&url, "SELECT 1").is_ok()
        {
            return url;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "PostgreSQL did not start: {}",
        std::fs::read_to_string(dir.join("log")).unwrap_or_default()
    );
}

/// Runs SQL on the database at `url`, on a runtime of its own (callers may be
/// inside another).
pub fn execute(url: &str, sql: &str) -> Result<(), String> {
    admin(url, sql)
}

fn admin(url: &str, sql: &str) -> Result<(), String> {
    let sql = sql.to_string();
    on_own_runtime(url, move |client| async move {
        client.batch_execute(&sql).await.map_err(|e| e.to_string())
    })
}

/// Connects to `url` on a thread and runtime of their own (callers may be inside
/// another runtime) and runs `f` with the client.
fn on_own_runtime<T, F, Fut>(url: &str, f: F) -> Result<T, String>
where
    T: Send + 'static,
    F: FnOnce(tokio_postgres::Client) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let url = url.to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            f(client).await
        })
    })
    .join()
    .unwrap()
}

/// The URL of a fresh, empty database; `None` (after a loud notice) when there is
/// no PostgreSQL here and it is not required.
pub fn database() -> Option<String> {
    let Some(url) = server() else {
        let required = std::env::var("TRACKGATE_TEST_POSTGRES").is_ok_and(|v| v == "required");
        assert!(
            !required,
            "TRACKGATE_TEST_POSTGRES=required but no PostgreSQL server binaries (initdb, postgres) were found and TRACKGATE_TEST_DATABASE_URL is not set"
        );
        use std::io::Write;
        let _ = std::io::stderr().write_all(
            b"\n*** SKIPPED: PostgreSQL test needs initdb/postgres (apt-get install postgresql) or TRACKGATE_TEST_DATABASE_URL ***\n",
        );
        return None;
    };
    let name = format!("t_{:016x}", rand::random::<u64>());
    admin(url, &format!("CREATE DATABASE {name}")).expect("a test database is created");
    let (base, _) = url
        .rsplit_once('/')
        .expect("the admin URL names a database");
    Some(format!("{base}/{name}"))
}

/// A PostgreSQL server of one test's own, which it may stop and start again (to
/// test a database lost while the gateway runs). `None` like [`database`].
pub struct OwnServer {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    options: String,
}

impl OwnServer {
    pub fn start() -> Option<OwnServer> {
        OwnServer::start_with(false)
    }

    /// A server with TLS on, its certificate (for 127.0.0.1) signed by a CA made
    /// here; with the CA's PEM file. `None` also when `openssl` is missing.
    pub fn start_tls() -> Option<(OwnServer, PathBuf)> {
        let s = OwnServer::start_with(true)?;
        let ca = s.dir.join("ca.pem");
        Some((s, ca))
    }

    fn start_with(tls: bool) -> Option<OwnServer> {
        if std::env::var("TRACKGATE_TEST_DATABASE_URL").is_ok() || find_bin().is_none() {
            // An outside server cannot be stopped by a test: say so like `database`.
            database()?;
            use std::io::Write;
            let _ = std::io::stderr().write_all(
                b"\n*** SKIPPED: this test stops its own PostgreSQL server and needs initdb/postgres locally ***\n",
            );
            return None;
        }
        let bin = find_bin()?;
        let dir =
            std::env::temp_dir().join(format!("trackgate-pg-own-{:x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .unwrap();
        }
        let out = as_server_user(&bin.join("initdb"))
            .args(["-A", "trust", "-U", "postgres", "--no-instructions", "-D"])
            .arg(dir.join("data"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut options = String::new();
        if tls {
            make_certificates(&dir)?;
            options = format!(
                " -c ssl=on -c ssl_cert_file={d}/server.crt -c ssl_key_file={d}/server.key",
                d = dir.display()
            );
        }
        let s = OwnServer {
            bin,
            dir,
            port: free_port(),
            options,
        };
        s.resume();
        Some(s)
    }

    fn pg_ctl(&self, args: &[&str]) {
        let out = as_server_user(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts (again) on the same port and data.
    pub fn resume(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1{}",
            self.port,
            self.dir.display(),
            self.options
        );
        let log = self.dir.join("log");
        self.pg_ctl(&["-w", "-o", &opts, "-l", log.to_str().unwrap(), "start"]);
    }

    /// Stops at once, dropping every connection.
    pub fn stop(&self) {
        self.pg_ctl(&["-w", "-m", "fast", "stop"]);
    }

    /// A fresh database on this server.
    pub fn database(&self) -> String {
        let admin_url = format!("postgres://postgres@127.0.0.1:{}/postgres", self.port);
        let name = format!("t_{:016x}", rand::random::<u64>());
        admin(&admin_url, &format!("CREATE DATABASE {name}")).unwrap();
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = as_server_user(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A CA and a server certificate for 127.0.0.1 in `dir`, readable by the server.
fn make_certificates(dir: &Path) -> Option<()> {
    let run = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .ok()?;
    let ok = run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=trackgate test CA",
    ]) && run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]) && run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
    if !ok {
        use std::io::Write;
        let _ = std::io::stderr()
            .write_all(b"\n*** SKIPPED: the database TLS test needs the openssl command ***\n");
        return None;
    }
    if is_root() {
        Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir)
            .status()
            .ok()?;
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .ok()
}

/// The first column of the first row of `sql`, as an integer.
pub fn query_i64(url: &str, sql: &str) -> i64 {
    let sql = sql.to_string();
    on_own_runtime(url, move |client| async move {
        let row = client
            .query_one(&sql, &[])
            .await
            .map_err(|e| e.to_string())?;
        Ok(row.get::<_, i64>(0))
    })
    .unwrap()
}
