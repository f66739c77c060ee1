//! Retention, black-box on both backends: finished trackings go after
//! `retention.after_final` from every read, list, count and page; nothing else
//! is touched; a kill -9 mid-pass loses or corrupts nothing.

use crate::helpers::*;
use serde_json::{json, Value};

fn config(after_final: &str) -> String {
    format!(
        "limits:\n  list_per_second: 10000\npoll:\n  enabled: false\n\
         retention:\n  after_final: \"{after_final}\"\n  check_every: \"100ms\"\n"
    )
}

/// Creates `n` trackings and forces them delivered (TrackingMore's status 4),
/// 40 per call.
fn delivered(g: &Gateway, prefix: u32, n: u32) {
    for start in (0..n).step_by(40) {
        let items: Vec<Value> = (start..(start + 40).min(n))
            .map(|i| json!({"tracking_number": s10(prefix + i, "US"), "carrier_code": "usps"}))
            .collect();
        let v = g.post("/v2/trackings/batch", &json!(items));
        assert_eq!(code(&v), 200, "{v}");
        let forced: Vec<Value> = items
            .iter()
            .map(|t| json!({"tracking_number": t["tracking_number"], "carrier_code": "usps", "status": 4}))
            .collect();
        let v = g.post("/v2/trackings/updatemore", &json!(forced));
        assert_eq!(v["data"]["updated"], forced.len(), "{v}");
    }
}

fn counts(g: &Gateway) -> (i64, i64) {
    let v = g.get("/v2/trackings/getstatusnumber");
    (
        v["data"]["delivered"].as_i64().unwrap(),
        v["data"]["total"].as_i64().unwrap(),
    )
}

#[test]
fn a_finished_tracking_goes_from_every_read_after_its_time_and_nothing_else_does() {
    let g = Gateway::with_config(&config("1s"));
    let done = g.realtime("SANDBOX-DELIVERED-3");
    let token = done["data"]["items"][0]["id"].as_str().unwrap().to_string();
    g.realtime("SANDBOX-TRANSIT-3");
    let other = g.post_as(
        KEY_B,
        "/v2/trackings/realtime",
        &json!({"tracking_number": "SANDBOX-TRANSIT-4", "carrier_code": "sandbox"}),
    );
    assert_eq!(code(&other), 200, "{other}");
    let page = |g: &Gateway| {
        reqwest::blocking::get(format!("{}/t/{token}", g.base))
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(page(&g), 200);

    g.wait_until(15, "the delivered tracking is deleted", |g| {
        counts(g).1 == 1
    });
    assert_eq!(counts(&g), (0, 1));
    let v = g.get("/v2/trackings/sandbox/SANDBOX-DELIVERED-3");
    assert_eq!(code(&v), 4017, "{v}");
    let list = g.get("/v2/trackings/get?page=1&limit=200");
    let numbers: Vec<&str> = list["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["tracking_number"].as_str())
        .collect();
    assert_eq!(numbers, vec!["SANDBOX-TRANSIT-3"], "{list}");
    let filtered = g.get("/v2/trackings/get?page=1&limit=200&status=delivered");
    assert_eq!(
        filtered["data"]["items"].as_array().map(Vec::len),
        Some(0),
        "{filtered}"
    );
    assert_eq!(page(&g), 404, "its page is the 404 page");
    // The rest is as it was: the other tracking, its history, the other account.
    let kept = g.get("/v2/trackings/sandbox/SANDBOX-TRANSIT-3");
    assert_eq!(kept["data"]["status"], "transit", "{kept}");
    let history = g.get("/v2/history/sandbox/SANDBOX-TRANSIT-3");
    assert!(
        !history["data"]["transitions"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{history}"
    );
    let b = g.get_as(KEY_B, "/v2/trackings/sandbox/SANDBOX-TRANSIT-4");
    assert_eq!(b["data"]["status"], "transit", "{b}");
    // Tracked again, the number starts afresh.
    let again = g.realtime("SANDBOX-DELIVERED-3");
    assert_ne!(again["data"]["items"][0]["id"], json!(token));
}

#[test]
fn a_kill_9_while_deleting_loses_and_corrupts_nothing() {
    let mut g = Gateway::process(&config("2s"));
    delivered(&g, 1000, 1_200);
    g.create(&s10(5000, "US"), "usps");
    g.wait_until(15, "deletion has begun", |g| counts(g).1 < 1_201);
    g.restart_after_kill9();
    g.wait_until(30, "every finished tracking is gone", |g| counts(g).1 == 1);
    assert_eq!(counts(&g), (0, 1));
    let list = g.get("/v2/trackings/get?page=1&limit=200");
    assert_eq!(
        list["data"]["items"].as_array().map(Vec::len),
        Some(1),
        "{list}"
    );
    assert_eq!(
        g.get(&format!("/v2/trackings/usps/{}", s10(5000, "US")))["data"]["status"],
        "pending"
    );
}

#[test]
fn what_is_about_to_be_deleted_can_be_exported_as_json_lines() {
    let mut g = Gateway::process(&config("30d"));
    delivered(&g, 2000, 3);
    g.create(&s10(2100, "US"), "usps");
    if !on_postgres() {
        g.terminate(); // one process per sled directory
    }
    let path = g.config_path();
    let (ok, out) = run_trackgate(&["retention-export", "--config", path.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert!(out.contains("0 tracking(s)"), "none due yet: {out}");
    let (ok, out) = run_trackgate(&[
        "retention-export",
        "--config",
        path.to_str().unwrap(),
        "--within",
        "31d",
    ]);
    assert!(ok, "{out}");
    let lines: Vec<Value> = out
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines.iter().all(|l| l["tracking"]["status"] == "delivered"),
        "{out}"
    );
    assert!(out.contains("3 tracking(s)"), "{out}");
}

#[test]
fn delivered_notifications_lose_their_tries_after_attempt_logs_and_dead_ones_keep_them() {
    use crate::receivers::*;
    let bad = Receiver::start(vec![answer(400)]);
    let good = Receiver::start(vec![]);
    let g = Gateway::with_config(
        "poll:\n  enabled: false\nallow_private_destinations: true\n\
         retention:\n  after_final: off\n  attempt_logs: \"1s\"\n  check_every: \"100ms\"\n",
    );
    let log = |id: &str| -> Vec<Value> {
        g.get(&format!("/v2/notifications/{id}"))["data"]["attempt_log"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let hook = |r: &Receiver| {
        let v = g.put_settings(&json!({"webhook": {"url": r.url, "secret": "whsec_c2VjcmV0"}}));
        assert_eq!(code(&v), 200, "{v}");
    };
    hook(&bad);
    g.realtime("SANDBOX-TRANSIT-5");
    let dead = bad.wait_for(1, 10)[0].header("webhook-id");
    g.wait_until(10, "the 400 makes it dead", |g| {
        g.get(&format!("/v2/notifications/{dead}"))["data"]["state"] == "dead"
    });
    hook(&good);
    g.realtime("SANDBOX-DELIVERED-5");
    let delivered = good.wait_for(1, 10)[0].header("webhook-id");
    let state = |id: &str| g.get(&format!("/v2/notifications/{id}"))["data"]["state"].clone();
    g.wait_until(10, "the delivered one's tries are dropped", |_| {
        state(&delivered) == "delivered" && log(&delivered).is_empty()
    });
    let v = g.get(&format!("/v2/notifications/{delivered}"))["data"].clone();
    assert_eq!(
        (v["state"].as_str(), v["attempts"].as_i64()),
        (Some("delivered"), Some(1)),
        "{v}"
    );
    assert_eq!(
        log(&dead).len(),
        1,
        "a dead notification keeps its tries for the operator"
    );
}
