//! What the load tools share: their arguments and a release gateway on a temp dir.

#![allow(dead_code)] // each tool uses a different part

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

/// `target/release/trackgate` on a temp data dir with one account (`api_key`) and
/// `extra` config YAML; killed on drop.
pub struct Gateway {
    pub child: Child,
    pub addr: String,
    _dir: tempfile::TempDir,
}

impl Gateway {
    pub fn start(api_key: &str, extra: &str) -> Gateway {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.yaml");
        std::fs::write(
            &cfg,
            format!(
                "listen: 127.0.0.1:0\ndata_dir: {}\naccounts:\n  - email: bench@example.com\n    api_key: {api_key}\n{extra}",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let mut child = Command::new("target/release/trackgate")
            .args(["serve", "--config"])
            .arg(&cfg)
            .env("RUST_LOG", "warn")
            .stderr(Stdio::piped())
            .spawn()
            .expect("build first: cargo build --release");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = loop {
            let l = lines.next().expect("gateway output").unwrap();
            if let Some(a) = l.split("listening on ").nth(1) {
                break a.trim().to_string();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Gateway {
            child,
            addr,
            _dir: dir,
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
