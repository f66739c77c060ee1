//! The command line: `check-config` and start-up refusals.

use std::process::Command;

fn trackgate(args: &[&str], config: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    std::fs::write(&path, config).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_trackgate"))
        .args(args)
        .arg("--config")
        .arg(&path)
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

#[test]
fn check_config_accepts_the_shipped_example() {
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.yaml"))
            .unwrap();
    let (ok, text) = trackgate(&["check-config"], &example);
    assert!(ok, "{text}");
}

#[test]
fn check_config_names_every_problem_and_exits_non_zero() {
    let (ok, text) = trackgate(
        &["check-config"],
        "listen: somewhere\npoll:\n  provider: carrier-pigeon\naccounts:\n  - email: shop@example.com\n",
    );
    assert!(!ok);
    for needle in ["listen", "poll.provider", "accounts[0]"] {
        assert!(text.contains(needle), "{needle} not named in:\n{text}");
    }
}

#[test]
fn serve_refuses_an_unknown_key_naming_it() {
    let (ok, text) = trackgate(&["serve"], "listen: 127.0.0.1:0\nlisten_backlog: 5\n");
    assert!(!ok);
    assert!(text.contains("listen_backlog"), "{text}");
}

#[test]
fn check_config_reports_a_broken_remote_area_table() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("remote.tsv");
    std::fs::write(&table, "JP\t1-\tdhl\n").unwrap();
    let (ok, text) = trackgate(
        &["check-config"],
        &format!("remote_areas_file: {}\n", table.display()),
    );
    assert!(!ok);
    assert!(
        text.contains("remote_areas_file") && text.contains("line 1"),
        "{text}"
    );
}
