//! The outside review's security findings, each against the real binary with real
//! peers: DNS rebinding, push forgery and replay, Slack injection, event times.

use crate::dns::Dns;
use crate::helpers::*;
use crate::receivers::*;
use crate::signing::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const HOOK_SECRET: &str = "whsec_c2hvcC13ZWJob29rLXNlY3JldC0xMjM0NTY=";

fn notifications(g: &Gateway) -> Vec<Value> {
    g.get("/v2/notifications?limit=50")["data"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn hex_hmac(key: &str, msg: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    m.update(msg.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

#[test]
fn a_name_that_rebinds_to_loopback_never_reaches_it() {
    // Each lookup answers in turn: first an address the old check let through
    // (198.18/15, benchmarking), then 127.0.0.1. Checking one lookup and
    // connecting with another reached the loopback receiver.
    let dns = Dns::alternating(vec![
        "198.18.0.7".parse().unwrap(),
        "127.0.0.1".parse().unwrap(),
    ]);
    let r = Receiver::start(vec![]);
    let port = r.url.split(':').nth(2).unwrap().split('/').next().unwrap();
    let g = Gateway::with_config(&format!(
        "poll:\n  enabled: false\ndelivery:\n  retry: [\"1s\", \"1s\"]\n  timeout: \"2s\"\n  nameserver: \"{}\"\n",
        dns.addr
    ));
    g.put_settings(&json!({"webhook": {"url": format!("http://rebind.example:{port}/hook"), "secret": HOOK_SECRET}}),
    );
    g.realtime("SANDBOX-DELIVERED-1");
    g.wait_until(15, "the notification is dead", |g| {
        notifications(g)
            .first()
            .is_some_and(|n| n["state"] == "dead")
    });
    assert!(r.got().is_empty(), "the loopback receiver was reached");
    assert!(dns.a_queries() >= 1, "the gateway asked our DNS server");
    let id = notifications(&g)[0]["id"].as_str().unwrap().to_string();
    let one = g.get(&format!("/v2/notifications/{id}"));
    let err = one["data"]["attempt_log"][0]["error"]
        .as_str()
        .unwrap_or("");
    assert!(err.contains("private, loopback or reserved"), "{one}");
}

#[test]
fn our_webhook_cannot_be_replayed_as_a_trackingmore_push() {
    // The shop's webhook receiver sees our verifyInfo; keyed by the account email
    // it was exactly what /hooks/trackingmore accepts.
    let r = Receiver::start(vec![]);
    let g = Gateway::with_config(&format!(
        "{}allow_private_destinations: true\n",
        push_config().replace(TM_EMAIL, "a@shop-a.example")
    ));
    g.put_settings(&json!({"webhook": {"url": r.url, "secret": HOOK_SECRET}}));
    g.realtime("SANDBOX-TRANSIT-1");
    let got = r.wait_for(1, 10);
    let body = got[0].json();
    let vi = &body["verifyInfo"];
    let ts = vi["timeStr"].as_str().unwrap();
    assert_eq!(
        vi["signature"],
        hex_hmac(HOOK_SECRET, ts),
        "keyed by the secret"
    );
    assert_ne!(vi["signature"], hex_hmac("a@shop-a.example", ts));
    // Replayed as a push for another of the shop's numbers: refused.
    let n = s10(31, "CN");
    g.create(&n, "china-post");
    let forged = json!({"meta": body["meta"], "verifyInfo": vi,
        "data": {"tracking_number": n, "carrier_code": "china-post", "status": "delivered"}});
    let (status, v) = g.push("/hooks/trackingmore", &[], &forged.to_string());
    assert_eq!(status, 401, "{v}");
    assert_eq!(g.status_of("china-post", &n), "pending");
}

fn tm_push(number: &str, status: &str, verify: Value) -> String {
    json!({"meta": {"code": 200},
           "data": {"tracking_number": number, "carrier_code": "china-post", "status": status},
           "verifyInfo": verify})
    .to_string()
}

#[test]
fn trackingmore_time_strings_must_be_recent_integers_and_each_signature_signs_one_body() {
    let g = Gateway::with_config(&push_config());
    let (a, b) = (s10(32, "CN"), s10(33, "CN"));
    g.create(&a, "china-post");
    g.create(&b, "china-post");
    let word = tm_push(&a, "transit", tm_verify(TM_EMAIL, "yesterday"));
    assert_eq!(g.push("/hooks/trackingmore", &[], &word).0, 401);
    let verify = tm_verify(TM_EMAIL, &now().to_string());
    let first = tm_push(&a, "transit", verify.clone());
    assert_eq!(g.push("/hooks/trackingmore", &[], &first).0, 200);
    let (_, v) = g.push("/hooks/trackingmore", &[], &first);
    assert_eq!(v["duplicate"], true, "a resend of the same body: {v}");
    let other = tm_push(&b, "delivered", verify);
    let (status, v) = g.push("/hooks/trackingmore", &[], &other);
    assert_eq!(status, 401, "the same signature on another body: {v}");
    assert_eq!(g.status_of("china-post", &b), "pending");
}

#[test]
fn a_trackingmore_path_token_hides_the_plain_receiver() {
    let cfg = push_config().replace(
        &format!("trackingmore: {{ email: \"{TM_EMAIL}\", webhook_secret: \"{TM_WEBHOOK_SECRET}\" }}"),
        &format!("trackingmore: {{ email: \"{TM_EMAIL}\", path_token: \"k7Qp2xV9mT4sW8yB3nF6hJ1cL5dR0aZe\" }}"),
    );
    let g = Gateway::with_config(&cfg);
    let n = s10(34, "CN");
    g.create(&n, "china-post");
    let body = tm_push(&n, "transit", tm_verify(TM_EMAIL, &now().to_string()));
    assert_eq!(g.push("/hooks/trackingmore", &[], &body).0, 404);
    assert_eq!(g.push("/hooks/trackingmore/guess", &[], &body).0, 404);
    let (status, v) = g.push(
        "/hooks/trackingmore/k7Qp2xV9mT4sW8yB3nF6hJ1cL5dR0aZe",
        &[],
        &body,
    );
    assert_eq!((status, v["transitions"].as_i64()), (200, Some(1)), "{v}");
}

#[test]
fn with_a_path_token_every_push_trackingmore_signs_in_one_second_is_taken() {
    let token = "k7Qp2xV9mT4sW8yB3nF6hJ1cL5dR0aZe";
    let cfg = push_config().replace(
        &format!(
            "trackingmore: {{ email: \"{TM_EMAIL}\", webhook_secret: \"{TM_WEBHOOK_SECRET}\" }}"
        ),
        &format!("trackingmore: {{ email: \"{TM_EMAIL}\", path_token: \"{token}\" }}"),
    );
    let g = Gateway::with_config(&cfg);
    // TrackingMore signs only the time: every push of one second carries this.
    let verify = tm_verify(TM_EMAIL, &now().to_string());
    let numbers: Vec<String> = (40..45).map(|i| s10(i, "CN")).collect();
    for n in &numbers {
        g.create(n, "china-post");
    }
    let path = format!("/hooks/trackingmore/{token}");
    for n in &numbers {
        let (status, v) = g.push(&path, &[], &tm_push(n, "transit", verify.clone()));
        assert_eq!(
            (status, v["transitions"].as_i64()),
            (200, Some(1)),
            "{n}: {v}"
        );
    }
    let (_, v) = g.push(&path, &[], &tm_push(&numbers[0], "transit", verify));
    assert_eq!(v["duplicate"], true, "the same body again: {v}");
    for n in &numbers {
        assert_eq!(g.status_of("china-post", n), "transit");
    }
}

#[test]
fn an_aftership_ts_string_and_an_empty_native_id_are_refused() {
    let g = Gateway::with_config(&push_config());
    let n = s10(35, "US");
    g.create(&n, "usps");
    let old = json!({"event": "tracking_update", "event_id": "e1", "ts": (now() - 30 * 86_400).to_string(),
        "msg": {"tracking_number": n, "slug": "usps", "tag": "Delivered"}})
    .to_string();
    let (status, v) = g.push("/hooks/aftership", &aftership_header(&old), &old);
    assert_eq!(status, 401, "{v}");
    let body =
        json!({"carrier_code": "usps", "tracking_number": n, "status": "delivered"}).to_string();
    let (status, v) = g.push("/hooks/native", &native_headers("", now(), &body), &body);
    assert_eq!(status, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("webhook-id"), "{v}");
    assert_eq!(g.status_of("usps", &n), "pending");
}

#[test]
fn slack_sees_user_text_as_text_never_as_mentions_or_links() {
    let r = Receiver::start(vec![]);
    let g = Gateway::with_config(&format!(
        "{}allow_private_destinations: true\n",
        push_config()
    ));
    g.put_settings(&json!({"slack": {"url": r.url}}));
    let n = s10(36, "US");
    let v = g.post(
        "/v2/trackings/post",
        &json!({"tracking_number": n, "carrier_code": "usps", "order_id": "<!channel>", "title": "<!here> & co"}),
    );
    assert_eq!(code(&v), 200, "{v}");
    let body = json!({"carrier_code": "usps", "tracking_number": n, "status": "exception",
        "events": [{"time": "2026-11-20T10:00:00Z", "description": "<http://evil.example|click here>", "status": "exception"}]})
    .to_string();
    assert_eq!(
        g.push(
            "/hooks/native",
            &native_headers("msg_slack", now(), &body),
            &body
        )
        .0,
        200
    );
    let got = r.wait_for(1, 10);
    let all = got[0].body.clone();
    for raw in ["<!channel>", "<!here>", "<http://evil"] {
        assert!(!all.contains(raw), "{raw} reached Slack: {all}");
    }
    assert!(
        all.contains("&lt;http://evil.example|click here&gt;"),
        "{all}"
    );
    assert!(all.contains("&lt;!channel&gt;"), "{all}");
}

#[test]
fn a_scan_dated_2099_is_ignored_and_real_news_still_moves_the_parcel() {
    let g = Gateway::with_config(&push_config());
    let n = s10(37, "US");
    g.create(&n, "usps");
    let at = |s: i64| chrono_like(now() + s);
    let body = json!({"carrier_code": "usps", "tracking_number": n, "events": [
        {"time": "2099-01-01T00:00:00Z", "description": "Delivered in 2099", "status": "delivered"},
        {"time": at(-3600), "description": "Picked up", "status": "transit"}]})
    .to_string();
    let (status, v) = g.push(
        "/hooks/native",
        &native_headers("msg_t1", now(), &body),
        &body,
    );
    assert_eq!(
        (status, v["ignored_events"].as_i64()),
        (200, Some(1)),
        "{v}"
    );
    assert_eq!(g.status_of("usps", &n), "transit");
    let body = json!({"carrier_code": "usps", "tracking_number": n, "events": [
        {"time": at(-60), "description": "Out for delivery", "status": "pickup"}]})
    .to_string();
    g.push(
        "/hooks/native",
        &native_headers("msg_t2", now(), &body),
        &body,
    );
    assert_eq!(g.status_of("usps", &n), "pickup");
    let events = g.get(&format!("/v2/trackings/usps/{n}"))["data"]["origin_info"]["trackinfo"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(events, 2, "the 2099 scan is not stored");
}

/// RFC 3339 for a unix time.
fn chrono_like(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).unwrap().to_rfc3339()
}
