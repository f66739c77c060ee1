//! The command line: `check-config` and start-up refusals.

use crate::helpers::temp_config;
use std::process::Command;

fn trackgate(args: &[&str], config: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    std::fs::write(&path, config).unwrap();
    let mut all: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    all.extend(["--config".into(), path.into_os_string()]);
    crate::helpers::run_trackgate(&all)
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

#[test]
fn check_config_says_in_a_sentence_what_the_gateway_will_do() {
    let (ok, text) = trackgate(
        &["check-config"],
        "accounts:\n  - email: shop@example.com\n    api_key: k\nemail:\n  transport: file\n",
    );
    assert!(ok, "{text}");
    assert!(text.contains("is valid: 1 account(s)"), "{text}");
    assert!(
        !text.contains("File(") && !text.contains("Source"),
        "Debug output: {text}"
    );
    assert!(
        text.contains("poll.trackingmore.api_key"),
        "no provider warned: {text}"
    );
    assert!(text.contains("public_url"), "loopback links warned: {text}");
}

#[test]
fn check_config_warns_of_a_trackingmore_receiver_without_a_path_token() {
    let base = "accounts:\n  - email: shop@example.com\n    api_key: k\npush:\n  trackingmore: ";
    let (ok, text) = trackgate(
        &["check-config"],
        &format!("{base}{{ email: tm@example.com }}\n"),
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("push.trackingmore has no path_token"),
        "{text}"
    );
    assert!(
        !text.contains("tm@example.com"),
        "the email is a secret: {text}"
    );
    let (ok, text) = trackgate(
        &["check-config"],
        &format!(
            "{base}{{ email: tm@example.com, path_token: k7Qp2xV9mT4sW8yB3nF6hJ1cL5dR0aZe }}\n"
        ),
    );
    assert!(ok, "{text}");
    assert!(!text.contains("path_token"), "{text}");
}

/// Starts `trackgate serve` and reads its log up to the line that it listens.
fn serve_until_listening(cfg: &std::path::Path) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trackgate"))
        .args(["serve", "--config"])
        .arg(cfg)
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = Vec::new();
    for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
        let done = line.contains("listening on");
        lines.push(line);
        if done {
            break;
        }
    }
    (child, lines.join("\n"))
}

/// A kernel that backs large mappings with 2 MiB pages keeps partly used ones
/// resident whole; the gateway opts out for itself (src/main.rs).
#[cfg(target_os = "linux")]
#[test]
fn the_gateway_runs_without_transparent_huge_pages() {
    let (_dir, cfg) = temp_config("");
    let (mut child, log) = serve_until_listening(&cfg);
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(log.contains("listening on"), "{log}");
    // The line is there from Linux 5.0 on; an older kernel has nothing to check.
    if let Some(line) = status.lines().find(|l| l.starts_with("THP_enabled:")) {
        assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
    }
}

#[test]
fn start_up_logs_a_summary_and_warns_without_secrets() {
    let (_dir, cfg) = temp_config(
        "accounts:\n  - email: shop@example.com\n    api_key: sekrit-key-123\npush:\n  native: { secret: whsec_c2VjcmV0 }\n",
    );
    let (mut child, log) = serve_until_listening(&cfg);
    let _ = child.kill();
    let _ = child.wait();
    assert!(log.contains("starting: 1 account(s)"), "{log}");
    assert!(log.contains("push receivers: native"), "{log}");
    assert!(
        log.contains("WARN") && log.contains("poll.trackingmore.api_key"),
        "{log}"
    );
    assert!(
        !log.contains("sekrit-key-123") && !log.contains("whsec_c2VjcmV0"),
        "{log}"
    );
}

#[test]
fn healthcheck_exits_zero_only_while_the_gateway_serves() {
    let g = crate::helpers::Gateway::start();
    let run = |url: &str| {
        Command::new(env!("CARGO_BIN_EXE_trackgate"))
            .args(["healthcheck", "--url", url])
            .output()
            .unwrap()
            .status
            .success()
    };
    assert!(run(&format!("{}/healthz", g.base)));
    let port = crate::receivers::free_port();
    assert!(!run(&format!("http://127.0.0.1:{port}/healthz")));
}

#[test]
fn render_previews_a_sample_that_has_reached_the_status() {
    let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let (ok, text) = trackgate(
        &[
            "render",
            "--channel",
            "email",
            "--status",
            "undelivered",
            "--lang",
            "de",
        ],
        &format!("templates_dir: {templates}\n"),
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("recipient not at home"),
        "undelivered events: {text}"
    );
    assert!(
        !text.contains("signed for by recipient"),
        "a delivered sample: {text}"
    );
    let (ok, text) = trackgate(
        &[
            "render",
            "--channel",
            "email",
            "--status",
            "delivered",
            "--lang",
            "de",
        ],
        &format!("templates_dir: {templates}\n"),
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("Zugestellt") && !text.contains("Delivered:"),
        "{text}"
    );
    assert!(text.contains("UTC"), "times carry their zone: {text}");
}

#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trackgate"))
        .args(["render", "--channel", "page", "--status", "delivered"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("TRACKGATE_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before reading anything (as `| head -0` would).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_second_gateway_on_the_same_data_directory_is_refused_naming_it() {
    let g = crate::helpers::Gateway::process_on_store("", "");
    let out = Command::new(env!("CARGO_BIN_EXE_trackgate"))
        .args(["serve", "--config"])
        .arg(g.config_path())
        .env_remove("TRACKGATE_CONFIG")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("another trackgate holds"), "{err}");
    assert!(
        err.contains(&g.dir.path().join("data").display().to_string()),
        "{err}"
    );
}

#[test]
fn a_missing_templates_dir_is_named_with_the_working_directory() {
    let (ok, text) = trackgate(&["check-config"], "templates_dir: nowhere/templates\n");
    assert!(!ok);
    assert!(
        text.contains("templates_dir nowhere/templates (relative to the working directory"),
        "{text}"
    );
}

#[test]
fn an_undefined_template_variable_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    copy(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/templates")),
        &templates,
    );
    std::fs::write(
        templates.join("email/default/subject.txt"),
        "{{ status_label }}\n{{ shop.nmae }}\n",
    )
    .unwrap();
    let (ok, text) = trackgate(
        &["check-config"],
        &format!("templates_dir: {}\n", templates.display()),
    );
    assert!(!ok);
    assert!(
        text.contains("email/default/subject.txt: line 2: \"shop.nmae\" is not defined"),
        "{text}"
    );
}

fn copy(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn footprint_says_where_the_bytes_go_per_table() {
    let mut g = crate::helpers::Gateway::process("");
    let items: Vec<serde_json::Value> = (0..30)
        .map(|i| serde_json::json!({"tracking_number": crate::helpers::s10(700 + i, "US"), "carrier_code": "usps"}))
        .collect();
    let made = g.post("/v2/trackings/batch", &serde_json::json!(items));
    assert_eq!(made["data"]["added"], 30, "{made}");
    assert!(g.terminate().success());
    let config = g.config_path();
    let (ok, out) = crate::helpers::run_trackgate(&[
        std::ffi::OsStr::new("footprint"),
        "--config".as_ref(),
        config.as_os_str(),
    ]);
    assert!(ok, "{out}");
    let line = |table: &str| {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(table))
            .unwrap_or_else(|| panic!("no {table} line in:\n{out}"))
            .to_string()
    };
    // Two test accounts' worth of nothing, and 30 trackings of account A.
    let trackings = line("trackings");
    assert_eq!(trackings.split_whitespace().nth(1), Some("30"), "{out}");
    assert!(out.contains("total"), "{out}");
    if !crate::helpers::on_postgres() {
        assert!(out.contains("the data directory holds"), "{out}");
    }
}
