//! Alerts beyond status changes, black-box: thresholds of seconds in config and
//! API, real Slack and webhook receivers, on both store backends.

use crate::helpers::*;
use crate::receivers::*;
use crate::signing::*;
use serde_json::{json, Value};

const HOOK_SECRET: &str = "whsec_c2hvcC13ZWJob29rLXNlY3JldC0xMjM0NTY=";

fn config() -> String {
    format!(
        "poll:\n  enabled: false\nallow_private_destinations: true\ntemplates_dir: {}/templates\n\
         alerts:\n  check_every: \"200ms\"\ndelivery:\n  retry: [\"1s\"]\n  timeout: \"2s\"\n",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn settings(g: &Gateway, body: Value) -> Value {
    let (_, v) = g.send(
        reqwest::Method::PUT,
        "/v2/notifications/settings",
        Some(KEY_A),
        Some(&body.to_string()),
    );
    v
}

/// The webhook bodies of one event type.
fn events(r: &Receiver, kind: &str) -> Vec<Value> {
    r.got()
        .iter()
        .map(Got::json)
        .filter(|b| b["event"]["type"] == kind)
        .collect()
}

#[test]
fn a_stalled_parcel_reaches_slack_and_the_webhook_once_per_spell() {
    let (slack, hook) = (Receiver::start(vec![]), Receiver::start(vec![]));
    let g = Gateway::with_config(&config());
    let v = settings(
        &g,
        json!({"slack": {"url": slack.url}, "webhook": {"url": hook.url, "secret": HOOK_SECRET},
               "alerts": {"stalled": {"transit": "1s", "exception": "1s"}, "edd_missed": "off"}}),
    );
    assert_eq!(code(&v), 200, "{v}");
    assert_eq!(v["data"]["alerts"]["stalled"]["transit"], "1s", "{v}");
    assert_eq!(
        v["data"]["alerts"]["stalled"]["pending"], "3days",
        "a status left out keeps its default"
    );
    assert_eq!(v["data"]["alerts"]["edd_missed"], "off");
    let r = g.post(
        "/v2/trackings/realtime",
        &json!({"tracking_number": "SANDBOX-TRANSIT-7", "carrier_code": "sandbox", "order_id": "#1042"}),
    );
    assert_eq!(r["data"]["items"][0]["status"], "transit", "{r}");

    let first = slack.wait_for(1, 15);
    let text = first[0].json()["text"].as_str().unwrap().to_string();
    assert!(
        text.contains("SANDBOX-TRANSIT-7") && text.contains("stalled"),
        "{text}"
    );
    assert!(
        text.contains("#1042") && text.contains("/t/"),
        "order and page link: {text}"
    );
    g.wait_until(10, "the webhook hears of it", |_| {
        !events(&hook, "tracking.stalled").is_empty()
    });
    let e = &events(&hook, "tracking.stalled")[0];
    assert_eq!(
        (e["event"]["from"].as_str(), e["event"]["to"].as_str()),
        (Some("transit"), Some("transit"))
    );
    assert!(e["event"]["since"].is_string(), "{e}");
    assert_eq!(e["data"]["tracking_number"], "SANDBOX-TRANSIT-7");

    // A new spell (the shop forces exception) stalls again; the old one never
    // fires twice, however many looks pass meanwhile.
    let put = g.put(
        "/v2/trackings/sandbox/SANDBOX-TRANSIT-7",
        Some(&json!({"status": 7})),
    );
    assert_eq!(put["data"]["status"], "exception", "{put}");
    let both = slack.wait_for(2, 15);
    let second = both[1].json()["text"].as_str().unwrap().to_string();
    assert!(
        second.contains("stalled") && second.contains("Delivery problem"),
        "{second}"
    );
    g.wait_until(10, "the second spell's webhook", |_| {
        events(&hook, "tracking.stalled").len() == 2
    });
    let stalled = events(&hook, "tracking.stalled");
    let tos: Vec<_> = stalled.iter().map(|e| e["event"]["to"].clone()).collect();
    assert_eq!(tos, vec![json!("transit"), json!("exception")]);
    assert_ne!(stalled[0]["event"]["id"], stalled[1]["event"]["id"]);
    assert_eq!(slack.got().len(), 2, "one Slack message per spell");
    let listed = g.get("/v2/notifications?carrier_code=sandbox&tracking_number=SANDBOX-TRANSIT-7");
    let types: Vec<&str> = listed["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["event"]["type"].as_str())
        .filter(|t| *t == "tracking.stalled")
        .collect();
    assert_eq!(
        types.len(),
        4,
        "two spells, Slack and webhook each: {listed}"
    );
    let m = reqwest::blocking::get(format!("{}/metrics", g.base))
        .unwrap()
        .text()
        .unwrap();
    assert!(
        m.contains("trackgate_alerts_total{alert=\"stalled\"} 2"),
        "{m}"
    );
}

fn late_push(number: &str, estimate: &str, minute: u32) -> String {
    json!({"carrier_code": "usps", "tracking_number": number, "status": "transit",
           "estimated_delivery": estimate,
           "events": [{"time": format!("2026-10-20T10:{minute:02}:00Z"), "description": "Arrived at hub",
                       "location": "CHICAGO IL", "status": "transit"}]})
    .to_string()
}

#[test]
fn a_missed_estimate_alerts_once_per_estimate_across_a_kill_9_and_a_revision_is_told() {
    let (slack, hook) = (Receiver::start(vec![]), Receiver::start(vec![]));
    let extra = format!(
        "{}push:\n  native: {{ secret: \"{NATIVE_SECRET}\" }}\n",
        config()
    );
    let mut g = Gateway::process(&extra);
    let v = settings(
        &g,
        json!({"slack": {"url": slack.url}, "webhook": {"url": hook.url, "secret": HOOK_SECRET},
               "alerts": {"stalled": {"transit": "off"}, "edd_missed": "1s"}}),
    );
    assert_eq!(code(&v), 200, "{v}");
    let n = s10(77, "US");
    g.create(&n, "usps");
    let body = late_push(&n, "2026-11-01", 0);
    let (status, v) = g.push(
        "/hooks/native",
        &native_headers("msg_late1", now(), &body),
        &body,
    );
    assert_eq!(status, 200, "{v}");
    let got = slack.wait_for(1, 15);
    let text = got[0].json()["text"].as_str().unwrap().to_string();
    assert!(
        text.contains(&n) && text.contains("was due on 2026-11-01"),
        "{text}"
    );
    g.wait_until(10, "the webhook hears of it", |_| {
        !events(&hook, "tracking.edd_missed").is_empty()
    });
    assert_eq!(
        events(&hook, "tracking.edd_missed")[0]["event"]["estimated_delivery"],
        "2026-11-01"
    );

    g.kill9();
    g.restart_after_kill9();
    // A new estimate: told as a revision, and missed again in its turn; the old
    // one is not told twice, however many looks ran since.
    let body = late_push(&n, "2026-11-03", 1);
    let (status, v) = g.push(
        "/hooks/native",
        &native_headers("msg_late2", now(), &body),
        &body,
    );
    assert_eq!(status, 200, "{v}");
    slack.wait_for(2, 15);
    g.wait_until(10, "the revision and the second miss", |_| {
        !events(&hook, "tracking.edd_revised").is_empty()
            && events(&hook, "tracking.edd_missed").len() == 2
    });
    assert_eq!(
        events(&hook, "tracking.edd_revised")[0]["event"]["estimated_delivery"],
        "2026-11-03"
    );
    let texts: Vec<String> = slack
        .got()
        .iter()
        .map(|r| r.json()["text"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(texts.len(), 2, "no revision on Slack by default: {texts:?}");
    assert!(texts[1].contains("was due on 2026-11-03"), "{texts:?}");
    let m = reqwest::blocking::get(format!("{}/metrics", g.base))
        .unwrap()
        .text()
        .unwrap();
    assert!(
        m.contains("trackgate_alerts_total{alert=\"edd_missed\"} 1"),
        "after the restart: {m}"
    );
}

#[test]
fn bad_alert_settings_are_refused_naming_the_field_and_change_nothing() {
    let g = Gateway::start();
    for (body, needle) in [
        (
            json!({"alerts": {"stalled": {"delivered": "1d"}}}),
            "delivered is final",
        ),
        (
            json!({"alerts": {"stalled": {"moving": "1d"}}}),
            "moving is not a status",
        ),
        (
            json!({"alerts": {"stalled": {"transit": "soon"}}}),
            "alerts.stalled.transit",
        ),
        (json!({"alerts": {"edd_missed": 3}}), "alerts.edd_missed"),
        (json!({"alerts": {"late": "1d"}}), "alerts.late is not"),
        (
            json!({"rules": {"slack": ["stuck"]}}),
            "\"stuck\" is neither a status nor an alert",
        ),
    ] {
        let v = settings(&g, body.clone());
        assert_ne!(code(&v), 200, "{body}: {v}");
        assert!(
            v["meta"]["message"].as_str().unwrap_or("").contains(needle),
            "{body}: {v}"
        );
    }
    let v = g.get("/v2/notifications/settings");
    assert_eq!(v["data"]["alerts"]["stalled"]["transit"], "7days", "{v}");
    assert_eq!(v["data"]["alerts"]["edd_missed"], "1day");
    let ok = settings(&g, json!({"rules": {"webhook": ["delivered", "stalled"]}}));
    assert_eq!(
        ok["data"]["rules"]["webhook"],
        json!(["delivered", "stalled"]),
        "{ok}"
    );
}

#[test]
fn alert_thresholds_in_the_config_are_checked_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "accounts:\n  - email: a@example.com\n    api_key: k\n    notify:\n      alerts:\n        stalled: { transit: soon, expired: 1d }\n        edd_missed: off\n",
    )
    .unwrap();
    let (ok, out) = run_trackgate(&["check-config", "--config", path.to_str().unwrap()]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("accounts[0].notify.alerts.stalled.transit"),
        "{out}"
    );
    assert!(
        out.contains("accounts[0].notify.alerts.stalled.expired: expired is final"),
        "{out}"
    );
}
