//! Notifications end to end with real peers: a local HTTP receiver and a real SMTP
//! server (mailin, in the test process).

use crate::helpers::*;
use crate::receivers::*;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::Duration;

const HOOK_SECRET: &str = "whsec_c2hvcC13ZWJob29rLXNlY3JldC0xMjM0NTY=";
const OLD_SECRET: &str = "whsec_b2xkLXNlY3JldC1zdGlsbC1hY2NlcHRlZA==";

fn config(smtp_port: u16, extra: &str) -> String {
    format!(
        "limits:\n  list_per_second: 10000\npoll:\n  enabled: false\nallow_private_destinations: true\n\
         templates_dir: {}/templates\n\
         email:\n  transport: smtp\n  from: \"Shop Tracking <tracking@shop.example>\"\n  smtp: {{ host: 127.0.0.1, port: {smtp_port}, security: none }}\n\
         delivery:\n  retry: [\"1s\", \"1s\"]\n  timeout: \"1s\"\n{extra}",
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
    assert_eq!(code(&v), 200, "{v}");
    v
}

/// Registers a sandbox number with a customer and fetches its journey: one
/// status change, pending → the outcome.
fn change(g: &Gateway, number: &str) {
    let v = g.post(
        "/v2/trackings/realtime",
        &json!({"tracking_number": number, "carrier_code": "sandbox", "customer_email": "jo.customer@example.net",
                "customer_name": "Jo", "order_id": "#77", "title": "Boots"}),
    );
    assert_eq!(code(&v), 200, "{v}");
}

fn notifications(g: &Gateway, query: &str) -> Vec<Value> {
    g.get(&format!("/v2/notifications?{query}"))["data"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn standard_sig(secret: &str, id: &str, ts: &str, body: &str) -> String {
    let key = B64.decode(secret.trim_start_matches("whsec_")).unwrap();
    let mut m = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    m.update(format!("{id}.{ts}.{body}").as_bytes());
    format!("v1,{}", B64.encode(m.finalize().into_bytes()))
}

#[test]
fn the_webhook_is_signed_and_carries_the_trackingmore_body_and_an_event() {
    let r = Receiver::start(vec![]);
    let g = Gateway::with_config(&config(free_port(), ""));
    settings(
        &g,
        json!({"webhook": {"url": r.url, "secrets": [HOOK_SECRET, OLD_SECRET]}}),
    );
    change(&g, "SANDBOX-DELIVERED-1");
    let got = r.wait_for(1, 10);
    let h = &got[0];
    let (id, ts) = (h.header("webhook-id"), h.header("webhook-timestamp"));
    let sigs: Vec<String> = h
        .header("webhook-signature")
        .split(' ')
        .map(String::from)
        .collect();
    assert!(
        sigs.contains(&standard_sig(HOOK_SECRET, &id, &ts, &h.body)),
        "signed with the current secret"
    );
    assert!(
        sigs.contains(&standard_sig(OLD_SECRET, &id, &ts, &h.body)),
        "and with the old one during rotation"
    );
    let b = h.json();
    assert_eq!(b["meta"]["code"], 200);
    assert_eq!(b["data"]["tracking_number"], "SANDBOX-DELIVERED-1");
    assert_eq!(b["data"]["status"], "delivered");
    assert!(b["verifyInfo"]["timeStr"].is_string() && b["verifyInfo"]["signature"].is_string());
    assert_eq!(b["event"]["id"], id, "the event id is the webhook-id");
    assert_eq!(
        (
            b["event"]["type"].as_str(),
            b["event"]["from"].as_str(),
            b["event"]["to"].as_str()
        ),
        (
            Some("tracking.status_changed"),
            Some("pending"),
            Some("delivered")
        )
    );
    // One job, delivered: nothing is left to send again.
    g.wait_until(5, "the job recorded as delivered", |g| {
        notifications(g, "channel=webhook&state=delivered").len() == 1
    });
    assert_eq!(
        (notifications(&g, "channel=webhook").len(), r.got().len()),
        (1, 1),
        "one notification per status change, not per scan"
    );
}

#[test]
fn a_500_then_200_is_retried_with_the_same_webhook_id() {
    let r = Receiver::start(vec![answer(500)]);
    let g = Gateway::with_config(&config(free_port(), ""));
    settings(
        &g,
        json!({"webhook": {"url": r.url, "secret": HOOK_SECRET}}),
    );
    change(&g, "SANDBOX-TRANSIT-1");
    let got = r.wait_for(2, 10);
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"));
    assert!(
        got[1].at - got[0].at >= Duration::from_millis(800),
        "retried after the 1 s schedule step"
    );
    let id = got[0].header("webhook-id");
    g.wait_until(5, "delivered", |g| {
        g.get(&format!("/v2/notifications/{id}"))["data"]["state"] == "delivered"
    });
    let n = g.get(&format!("/v2/notifications/{id}"));
    let log = n["data"]["attempt_log"].as_array().unwrap();
    assert_eq!(
        (log[0]["code"].as_u64(), log[0]["outcome"].as_str()),
        (Some(500), Some("retry"))
    );
    assert_eq!(
        (log[1]["code"].as_u64(), log[1]["outcome"].as_str()),
        (Some(200), Some("delivered"))
    );
    assert!(log[0]["latency_ms"].is_u64());
}

#[test]
fn a_400_is_permanent_and_a_410_switches_the_destination_off() {
    let r = Receiver::start(vec![answer(400)]);
    let g = Gateway::with_config(&config(free_port(), ""));
    settings(
        &g,
        json!({"webhook": {"url": r.url, "secret": HOOK_SECRET}}),
    );
    change(&g, "SANDBOX-TRANSIT-2");
    r.wait_for(1, 10);
    g.wait_until(5, "dead after 400", |g| {
        notifications(g, "state=dead").len() == 1
    });
    // Dead is final: no retry is scheduled.
    assert!(notifications(&g, "state=pending").is_empty());
    assert_eq!(notifications(&g, "state=dead")[0]["attempts"], 1);
    assert_eq!(r.got().len(), 1, "a 400 is not retried");

    r.always(answer(410));
    change(&g, "SANDBOX-TRANSIT-3");
    r.wait_for(2, 10);
    g.wait_until(5, "disabled after 410", |g| {
        !g.get("/v2/notifications/settings")["data"]["webhook"]["disabled"].is_null()
    });
    // A disabled destination gets nothing: no job, no send.
    change(&g, "SANDBOX-TRANSIT-4");
    assert_eq!(
        r.got().len(),
        2,
        "nothing is sent to a disabled destination"
    );
    let skipped = notifications(
        &g,
        "carrier_code=sandbox&tracking_number=SANDBOX-TRANSIT-4&channel=webhook",
    );
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["state"], "skipped");
    let reason = skipped[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("webhook destination is disabled"),
        "{reason}"
    );
    // Setting the URL again re-enables it.
    settings(&g, json!({"webhook": {"url": r.url}}));
    assert!(g.get("/v2/notifications/settings")["data"]["webhook"]["disabled"].is_null());
    r.always(answer(200));
    change(&g, "SANDBOX-TRANSIT-8");
    r.wait_for(3, 10);
}

#[test]
fn a_429_is_retried_after_its_retry_after() {
    let r = Receiver::start(vec![Answer {
        status: 429,
        retry_after: Some(3),
        delay: Duration::ZERO,
    }]);
    let g = Gateway::with_config(&config(free_port(), ""));
    settings(
        &g,
        json!({"webhook": {"url": r.url, "secret": HOOK_SECRET}}),
    );
    change(&g, "SANDBOX-PICKUP-1");
    let got = r.wait_for(2, 15);
    let gap = got[1].at - got[0].at;
    assert!(
        gap >= Duration::from_millis(2500),
        "waited for Retry-After (3 s), not the 1 s schedule: {gap:?}"
    );
}

#[test]
fn a_receiver_that_hangs_times_out_and_is_retried() {
    let r = Receiver::start(vec![Answer {
        status: 200,
        retry_after: None,
        delay: Duration::from_secs(5),
    }]);
    let g = Gateway::with_config(&config(free_port(), ""));
    settings(
        &g,
        json!({"webhook": {"url": r.url, "secret": HOOK_SECRET}}),
    );
    change(&g, "SANDBOX-PICKUP-2");
    let got = r.wait_for(2, 10);
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"));
    let id = got[0].header("webhook-id");
    g.wait_until(5, "delivered", |g| {
        g.get(&format!("/v2/notifications/{id}"))["data"]["state"] == "delivered"
    });
    let log = g.get(&format!("/v2/notifications/{id}"))["data"]["attempt_log"].clone();
    assert_eq!(log[0]["error"], "timed out", "{log}");
}

#[test]
fn one_slow_endpoint_does_not_hold_up_another_accounts_webhook() {
    let slow = Receiver::start(vec![]);
    slow.always(Answer {
        status: 200,
        retry_after: None,
        delay: Duration::from_secs(3),
    });
    let fast = Receiver::start(vec![]);
    let g = Gateway::with_config(&config(free_port(), ""));
    settings(
        &g,
        json!({"webhook": {"url": slow.url, "secret": HOOK_SECRET}}),
    );
    let (_, v) = g.send(
        reqwest::Method::PUT,
        "/v2/notifications/settings",
        Some(KEY_B),
        Some(&json!({"webhook": {"url": fast.url, "secret": HOOK_SECRET}}).to_string()),
    );
    assert_eq!(code(&v), 200);
    for i in 0..12 {
        change(&g, &format!("SANDBOX-TRANSIT-S{i}"));
    }
    let v = g.post_as(
        KEY_B,
        "/v2/trackings/realtime",
        &json!({"tracking_number": "SANDBOX-DELIVERED-F", "carrier_code": "sandbox"}),
    );
    assert_eq!(code(&v), 200);
    let t0 = std::time::Instant::now();
    fast.wait_for(1, 10);
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "the fast receiver waited {:?} behind the slow one",
        t0.elapsed()
    );
}

#[test]
fn slack_gets_text_naming_the_number_and_status_and_blocks() {
    let slack = Receiver::start(vec![]);
    let g = Gateway::with_config(&config(free_port(), ""));
    settings(&g, json!({"slack": {"url": slack.url}}));
    change(&g, "SANDBOX-DELIVERED-2"); // delivered: not a Slack status by default
    change(&g, "SANDBOX-EXCEPTION-1");
    let got = slack.wait_for(1, 10);
    // Jobs are made with the status change: the delivered one made none for Slack.
    assert_eq!(notifications(&g, "channel=slack").len(), 1);
    assert_eq!(slack.got().len(), 1, "only the exception reaches Slack");
    let b = got[0].json();
    let text = b["text"].as_str().unwrap();
    assert!(
        text.contains("SANDBOX-EXCEPTION-1") && text.contains("exception"),
        "{text}"
    );
    assert!(b["blocks"].as_array().is_some_and(|a| !a.is_empty()), "{b}");
}

#[test]
fn the_customer_gets_a_multipart_email_over_real_smtp() {
    let port = free_port();
    let smtp = Smtp::start(port);
    let g = Gateway::with_config(&config(port, ""));
    settings(&g, json!({"email": true}));
    change(&g, "SANDBOX-DELIVERED-3");
    let msgs = smtp.wait_for(1, 10);
    let m = &msgs[0];
    assert!(m.contains("To: jo.customer@example.net"), "{m}");
    assert!(
        m.contains("From: \"Shop Tracking\" <tracking@shop.example>")
            || m.contains("From: Shop Tracking <tracking@shop.example>"),
        "{m}"
    );
    assert!(
        m.contains("Subject: Delivered: your parcel SANDBOX-DELIVERED-3 has arrived"),
        "{m}"
    );
    assert!(m.contains("multipart/alternative"), "{m}");
    assert!(
        m.contains("Content-Type: text/plain") && m.contains("Content-Type: text/html"),
        "{m}"
    );
    let id = notifications(&g, "channel=email")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        m.contains(&format!("Message-ID: <{id}@trackgate>")),
        "Message-ID from the notification id:\n{m}"
    );
    assert_eq!(
        smtp.recipients()[0],
        vec!["jo.customer@example.net".to_string()]
    );
    // In-transit changes are not emailed, and the tracking's list says why.
    change(&g, "SANDBOX-TRANSIT-9");
    let skipped = notifications(
        &g,
        "channel=email&tracking_number=SANDBOX-TRANSIT-9&carrier_code=sandbox",
    );
    assert_eq!(
        (skipped[0]["state"].as_str(), skipped[0]["reason"].as_str()),
        (
            Some("skipped"),
            Some("rules.email does not include transit")
        )
    );
    assert_eq!(smtp.messages().len(), 1);
}

#[test]
fn email_waits_out_an_smtp_server_that_is_down_then_delivers() {
    let port = free_port();
    let g = Gateway::with_config(&config(port, "").replace(
        "retry: [\"1s\", \"1s\"]",
        "retry: [\"1s\", \"1s\", \"1s\", \"1s\", \"1s\"]",
    ));
    settings(&g, json!({"email": true}));
    change(&g, "SANDBOX-UNDELIVERED-1");
    g.wait_until(10, "a failed try", |g| {
        notifications(g, "channel=email")
            .first()
            .is_some_and(|n| n["attempts"].as_u64() >= Some(1))
    });
    let smtp = Smtp::start(port);
    let msgs = smtp.wait_for(1, 10);
    assert!(msgs[0].contains("Delivery attempt failed"), "{}", msgs[0]);
    g.wait_until(5, "delivered", |g| {
        notifications(g, "channel=email")[0]["state"] == "delivered"
    });
}

#[test]
fn a_dead_notification_can_be_retried_by_hand() {
    let r = Receiver::start(vec![]);
    r.always(answer(503));
    let g = Gateway::with_config(&config(free_port(), ""));
    settings(
        &g,
        json!({"webhook": {"url": r.url, "secret": HOOK_SECRET}}),
    );
    change(&g, "SANDBOX-TRANSIT-5");
    change(&g, "SANDBOX-TRANSIT-6");
    g.wait_until(10, "both dead after the schedule", |g| {
        notifications(g, "state=dead").len() == 2
    });
    assert_eq!(r.got().len(), 6, "first try + 2 retries each");
    r.always(answer(200));
    let id = notifications(&g, "state=dead")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v = g.post(&format!("/v2/notifications/{id}/retry"), &json!({}));
    assert_eq!(v["data"]["requeued"], 1);
    g.wait_until(5, "the retried one delivered", |g| {
        notifications(g, "state=delivered").len() == 1
    });
    let v = g.post("/v2/notifications/retry", &json!({"since": 0}));
    assert_eq!(v["data"]["requeued"], 1);
    g.wait_until(5, "all delivered", |g| {
        notifications(g, "state=delivered").len() == 2
    });
    let by_tracking = notifications(&g, "carrier_code=sandbox&tracking_number=SANDBOX-TRANSIT-5");
    let states: Vec<_> = by_tracking
        .iter()
        .map(|n| (n["channel"].as_str().unwrap(), n["state"].as_str().unwrap()))
        .collect();
    assert!(states.contains(&("webhook", "delivered")), "{states:?}");
    assert_eq!(states.len(), 3, "each channel, sent or skipped: {states:?}");
    assert_eq!(
        notifications(&g, "").len(),
        2,
        "the account's whole list leaves skipped ones out"
    );
    assert_eq!(code(&g.get("/v2/notifications?state=lost")), 4012);
    assert_eq!(
        code(&g.get_as(KEY_B, &format!("/v2/notifications/{id}"))),
        4031,
        "not another account's"
    );
}

#[test]
fn private_destinations_are_refused_unless_allowed() {
    let r = Receiver::start(vec![]);
    let g = Gateway::with_config(&config(free_port(), "").replace(
        "allow_private_destinations: true",
        "allow_private_destinations: false",
    ));
    let before = g.get("/v2/notifications/settings");
    for body in [
        json!({"webhook": {"url": r.url, "secret": HOOK_SECRET}}),
        json!({"slack": {"url": r.url}}),
    ] {
        let (_, v) = g.send(
            reqwest::Method::PUT,
            "/v2/notifications/settings",
            Some(KEY_A),
            Some(&body.to_string()),
        );
        let message = v["meta"]["message"].as_str().unwrap_or("");
        assert_eq!(code(&v), 4012, "{v}");
        assert!(
            message.contains(".url") && message.contains("allow_private_destinations"),
            "names the setting and the way out: {message}"
        );
    }
    assert_eq!(
        g.get("/v2/notifications/settings"),
        before,
        "nothing written"
    );
    change(&g, "SANDBOX-TRANSIT-7");
    assert!(notifications(&g, "channel=webhook").is_empty());
    assert!(r.got().is_empty());
}

#[test]
fn settings_are_validated_never_show_secrets_and_survive_a_restart() {
    let mut g = Gateway::process(&config(free_port(), ""));
    let (_, v) = g.send(
        reqwest::Method::PUT,
        "/v2/notifications/settings",
        Some(KEY_A),
        Some(r#"{"webhook":{"url":"ftp://x","secret":"s"}}"#),
    );
    assert_eq!(code(&v), 4012, "{v}");
    let (_, v) = g.send(
        reqwest::Method::PUT,
        "/v2/notifications/settings",
        Some(KEY_A),
        Some(r#"{"rules":{"email":["lost"]}}"#),
    );
    assert_eq!(code(&v), 4033, "{v}");
    let v = settings(
        &g,
        json!({"webhook": {"url": "https://shop.example/hook", "secret": HOOK_SECRET}, "rules": {"slack": ["exception"]}}),
    );
    assert_eq!(v["data"]["webhook"]["secrets"], 1);
    assert!(!v.to_string().contains(HOOK_SECRET));
    assert_eq!(v["data"]["rules"]["slack"], json!(["exception"]));
    assert_eq!(
        v["data"]["rules"]["email"],
        json!(["pickup", "delivered", "undelivered", "exception"]),
        "others keep their defaults"
    );
    g.restart_after_kill9();
    let v = g.get("/v2/notifications/settings");
    assert_eq!(
        v["data"]["webhook"]["url"], "https://shop.example/hook",
        "API settings survive a restart: {v}"
    );
}

#[test]
fn after_sigkill_mid_burst_every_notification_is_delivered_at_least_once_under_one_id() {
    let r = Receiver::start(vec![]);
    r.always(Answer {
        status: 200,
        retry_after: None,
        delay: Duration::from_millis(30),
    });
    let mut g = Gateway::process(&config(free_port(), ""));
    settings(
        &g,
        json!({"webhook": {"url": r.url, "secret": HOOK_SECRET}}),
    );
    let numbers: Vec<String> = (0..60).map(|i| format!("SANDBOX-TRANSIT-K{i}")).collect();
    for n in &numbers {
        change(&g, n);
    }
    // Kill while deliveries are in flight.
    r.wait_for(5, 10);
    g.kill9();
    let before = r.got().len();
    g.restart_after_kill9();
    let expected: std::collections::HashSet<String> = g.get("/v2/notifications?limit=1000")["data"]
        ["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        expected.len(),
        60,
        "one webhook job per status change survived the crash"
    );
    let end = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let ids: std::collections::HashSet<String> =
            r.got().iter().map(|x| x.header("webhook-id")).collect();
        if ids == expected {
            break;
        }
        assert!(
            std::time::Instant::now() < end,
            "only {} of 60 delivered after restart; readyz {}; pending {:?}",
            ids.len(),
            g.send(reqwest::Method::GET, "/readyz", None, None).1,
            notifications(&g, "state=pending&limit=2")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let got = r.got();
    let dups = got.len() - expected.len();
    eprintln!(
        "{before} received before the kill; {} in all, {dups} duplicates",
        got.len()
    );
    // Duplicates are re-sends of the same notification: same id, same event.
    let mut by_id: std::collections::HashMap<String, Vec<Value>> = Default::default();
    for x in &got {
        by_id
            .entry(x.header("webhook-id"))
            .or_default()
            .push(x.json()["event"].clone());
    }
    for (id, events) in by_id {
        assert!(
            events
                .iter()
                .all(|e| e == &events[0] && e["id"] == id.as_str()),
            "{id}: {events:?}"
        );
    }
    // On sled a restart releases the dead process's leases at once; on PostgreSQL
    // they are released once the killed node misses its heartbeats (10 s).
    g.wait_until(30, "all marked delivered", |g| {
        notifications(g, "state=delivered&limit=1000").len() == 60
    });
    // Each one's log holds every recorded try, the last one the delivery.
    for id in &expected {
        let one = g.get(&format!("/v2/notifications/{id}"))["data"].clone();
        let log = one["attempt_log"].as_array().unwrap();
        assert_eq!(json!(log.len()), one["attempts"], "{one}");
        assert_eq!(log.last().unwrap()["outcome"], "delivered", "{one}");
    }
}
