//! Read limits, error envelopes and the answers the review found wrong, against the
//! real binary: stalled clients, oversized bodies, bad paths, redirects, readiness.

use crate::helpers::*;
use crate::receivers::*;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const FAST: &str = "limits:\n  list_per_second: 10000\n  header_timeout: \"1s\"\n  body_timeout: \"1s\"\n  max_body_bytes: 4096\n";

fn connect(g: &Gateway) -> TcpStream {
    let s = TcpStream::connect(g.base.trim_start_matches("http://")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
    s
}

/// Reads until the server closes or 8 s pass; returns what came and how long it took.
fn read_all(mut s: TcpStream) -> (String, Duration) {
    let t0 = Instant::now();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    (String::from_utf8_lossy(&out).into_owned(), t0.elapsed())
}

#[test]
fn a_client_stalled_mid_headers_or_mid_body_loses_its_socket() {
    let g = Gateway::with_config(FAST);
    let mut s = connect(&g);
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let (_, took) = read_all(s);
    assert!(took < Duration::from_secs(5), "headers: held for {took:?}");
    let mut s = connect(&g);
    s.write_all(
        b"POST /v2/trackings/post HTTP/1.1\r\nHost: x\r\nTrackingmore-Api-Key: key-shop-a\r\nContent-Length: 100\r\n\r\n{\"tracking",
    )
    .unwrap();
    let (answer, took) = read_all(s);
    assert!(took < Duration::from_secs(5), "body: held for {took:?}");
    assert!(answer.contains("not received within"), "{answer}");
}

#[test]
fn an_announced_body_over_the_limit_is_refused_before_it_is_sent() {
    let g = Gateway::with_config(FAST);
    for (path, key) in [
        ("/v2/trackings/post", "Trackingmore-Api-Key: key-shop-a\r\n"),
        ("/hooks/native", ""),
    ] {
        let mut s = connect(&g);
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\n{key}Content-Type: application/json\r\nContent-Length: 104857600\r\n\r\n{{}}"
        );
        s.write_all(head.as_bytes()).unwrap();
        let (answer, took) = read_all(s);
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(took < Duration::from_secs(3), "{path}: waited {took:?}");
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
        assert!(body.contains("larger than 4096 bytes"), "{path}: {body}");
    }
}

#[test]
fn sigterm_does_not_wait_for_a_stalled_client() {
    let mut g = Gateway::process("limits:\n  header_timeout: \"60s\"\n");
    let mut s = connect(&g);
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let t0 = Instant::now();
    let status = g.terminate();
    assert!(status.success(), "{status:?}");
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
}

#[test]
fn every_error_comes_in_our_envelope() {
    let g = Gateway::with_config(FAST);
    let (status, v) = g.send(
        reqwest::Method::GET,
        "/v2/trackings/usps/%FF%FE",
        Some(KEY_A),
        None,
    );
    assert_eq!((status, code(&v)), (200, 4012), "bad UTF-8 in a path: {v}");
    let (status, v) = g.send(reqwest::Method::POST, "/healthz", None, None);
    assert_eq!((status, code(&v)), (405, 405), "{v}");
    let big = "x".repeat(5000);
    let (status, v) = g.push("/hooks/native", &[], &big);
    assert_eq!(status, 413, "{v}");
    assert!(v["error"].as_str().unwrap().contains("larger than"), "{v}");
    let (_, v) = g.send(
        reqwest::Method::GET,
        "/v2/trackings/get",
        Some("wrong"),
        None,
    );
    let msg = v["meta"]["message"].as_str().unwrap();
    assert!(
        msg.contains("Trackingmore-Api-Key") && msg.contains("Tracking-Api-Key"),
        "{msg}"
    );
}

#[test]
fn a_redirecting_webhook_is_dead_at_once_with_its_status_logged() {
    let r = Receiver::start(vec![answer(302)]);
    let g = Gateway::with_config(
        "poll:\n  enabled: false\nallow_private_destinations: true\ndelivery:\n  retry: [\"1s\", \"1s\"]\n",
    );
    g.put_settings(&json!({"webhook": {"url": r.url, "secret": "whsec_c2VjcmV0"}}));
    g.realtime("SANDBOX-DELIVERED-1");
    g.wait_until(10, "dead", |g| {
        g.get("/v2/notifications?limit=5")["data"]["items"][0]["state"] == "dead"
    });
    let id = g.get("/v2/notifications?limit=5")["data"]["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let one = g.get(&format!("/v2/notifications/{id}"));
    let log = one["data"]["attempt_log"].as_array().unwrap();
    assert_eq!(log.len(), 1, "no retry: {one}");
    assert_eq!(log[0]["code"], 302, "{one}");
    assert_eq!(r.got().len(), 1);
}

#[test]
fn readyz_reports_the_real_outbox() {
    let r = Receiver::start(vec![]);
    r.always(answer(503));
    let g = Gateway::with_config(
        "poll:\n  enabled: false\nallow_private_destinations: true\ndelivery:\n  retry: [\"1h\"]\n",
    );
    let ready = |g: &Gateway| g.send(reqwest::Method::GET, "/readyz", None, None).1;
    assert_eq!(ready(&g)["outbox_pending"], 0);
    g.put_settings(&json!({"webhook": {"url": r.url, "secret": "whsec_c2VjcmV0"}}));
    g.realtime("SANDBOX-DELIVERED-1");
    g.realtime("SANDBOX-EXCEPTION-1");
    r.wait_for(2, 10);
    let v: Value = ready(&g);
    assert_eq!(v["outbox_pending"], 2, "two retries waiting: {v}");
    assert!(v["outbox_lag_seconds"].is_i64(), "{v}");
    assert!(v["poll_backlog"].is_u64(), "{v}");
}

#[test]
fn bad_bounds_are_refused_at_the_door() {
    let g = Gateway::start();
    let (_, v) = g.send(
        reqwest::Method::PUT,
        "/v2/notifications/settings",
        Some(KEY_A),
        Some(
            &json!({"webhook": {"url": "http://hooks.example/x", "secrets": ["whsec_a", 42]}})
                .to_string(),
        ),
    );
    assert_eq!(code(&v), 4012, "{v}");
    assert!(
        v["meta"]["message"]
            .as_str()
            .unwrap()
            .contains("secrets[1]"),
        "{v}"
    );
    for bad in [
        "a@example.com, b@example.com",
        "jo@localhost",
        "jo example.com",
    ] {
        let v = g.post(
            "/v2/trackings/post",
            &json!({"tracking_number": s10(41, "US"), "carrier_code": "usps", "customer_email": bad}),
        );
        assert_eq!(code(&v), 4012, "{bad}: {v}");
    }
    assert_eq!(
        code(&g.get(&format!("/v2/trackings/usps/{}", s10(41, "US")))),
        4017
    );
}

#[test]
fn dpd_numbers_are_detected_in_both_published_forms() {
    let g = Gateway::start();
    for n in ["09980000020034D", "008182709980000020033350276C"] {
        let v = g.post("/v2/carriers/detect", &json!({"tracking_number": n}));
        let codes: Vec<&str> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["code"].as_str())
            .collect();
        assert!(codes.contains(&"dpd"), "{n}: {v}");
    }
}

#[test]
fn a_single_create_is_polled_like_a_batch_one() {
    let g = Gateway::with_config("poll:\n  provider: sandbox\n  rate_per_second: 50\n");
    g.create("SANDBOX-DELIVERED-7", "sandbox");
    g.wait_until(15, "the first poll", |g| {
        g.status_of("sandbox", "SANDBOX-DELIVERED-7") == "delivered"
    });
}

#[test]
fn a_huge_retry_after_is_held_to_twice_the_scheduled_delay() {
    let r = Receiver::start(vec![Answer {
        status: 429,
        retry_after: Some(10_000_000),
        delay: Duration::ZERO,
    }]);
    let g = Gateway::with_config(
        "poll:\n  enabled: false\nallow_private_destinations: true\ndelivery:\n  retry: [\"30s\"]\n",
    );
    g.put_settings(&json!({"webhook": {"url": r.url, "secret": "whsec_c2VjcmV0"}}));
    g.realtime("SANDBOX-DELIVERED-1");
    r.wait_for(1, 10);
    g.wait_until(5, "the retry is scheduled", |g| {
        g.get("/v2/notifications?limit=5")["data"]["items"][0]["attempts"] == 1
    });
    let n = &g.get("/v2/notifications?limit=5")["data"]["items"][0];
    let next = chrono::DateTime::parse_from_rfc3339(n["next_attempt_at"].as_str().unwrap())
        .unwrap()
        .timestamp();
    let now = chrono::Utc::now().timestamp();
    assert!(
        next - now <= 61,
        "retry in {} s, not ~116 days: {n}",
        next - now
    );
    assert!(next - now >= 55, "{n}");
}

#[test]
fn a_parcel_keeps_its_newest_events_only() {
    let g = Gateway::with_config(&crate::signing::push_config());
    let n = s10(42, "US");
    g.create(&n, "usps");
    let base = chrono::Utc::now().timestamp() - 400 * 60;
    let events: Vec<Value> = (0..350)
        .map(|i| {
            json!({"time": chrono::DateTime::from_timestamp(base + i * 60, 0).unwrap().to_rfc3339(),
                   "description": format!("scan {i}"), "status": "transit"})
        })
        .collect();
    let body = json!({"carrier_code": "usps", "tracking_number": n, "events": events}).to_string();
    let headers = crate::signing::native_headers("msg_many", crate::signing::now(), &body);
    assert_eq!(g.push("/hooks/native", &headers, &body).0, 200);
    let t = g.get(&format!("/v2/trackings/usps/{n}"));
    let info = t["data"]["origin_info"]["trackinfo"].as_array().unwrap();
    assert_eq!(info.len(), 300);
    assert_eq!(info[0]["StatusDescription"], "scan 349");
}

/// A NUL or another control character in a path or query parameter is refused
/// with our envelope; in a carrier's text it is dropped. Neither reaches the store
/// (PostgreSQL cannot hold a NUL in text): no 500, on either backend.
#[test]
fn control_characters_are_refused_in_requests_and_dropped_from_carrier_text() {
    let g = Gateway::with_config(&crate::signing::push_config());
    for path in [
        "/v2/notifications?tracking_number=%00X&carrier_code=usps",
        "/v2/trackings/get?numbers=RR%00",
        "/v2/notifications/msg_%00",
        "/v2/trackings/usps/RR%0A1",
    ] {
        let (status, v) = g.send(reqwest::Method::GET, path, Some(KEY_A), None);
        assert_eq!((status, code(&v)), (200, 4012), "{path}: {v}");
        assert!(
            v["meta"]["message"]
                .as_str()
                .unwrap()
                .contains("control characters"),
            "{v}"
        );
    }
    let r = reqwest::blocking::get(format!("{}/t/%00abc", g.base)).unwrap();
    assert_eq!(r.status(), 404);
    let n = s10(71, "US");
    g.create(&n, "usps");
    let body = serde_json::json!({"carrier_code": "usps", "tracking_number": n, "status": "transit",
        "events": [{"time": "2026-11-20T10:00:00Z", "description": "Arrived\u{0}at hub", "location": "RIGA\u{1}"}]})
    .to_string();
    let headers = crate::signing::native_headers("nul-1", crate::signing::now(), &body);
    let (status, v) = g.push("/hooks/native", &headers, &body);
    assert_eq!(status, 200, "{v}");
    let t = &g.get(&format!("/v2/trackings/usps/{n}"))["data"];
    assert_eq!(
        t["origin_info"]["trackinfo"][0]["StatusDescription"],
        "Arrivedat hub"
    );
    assert_eq!(t["origin_info"]["trackinfo"][0]["Details"], "RIGA");
}

#[test]
fn a_client_guessing_keys_is_throttled_and_other_clients_are_not() {
    let g = Gateway::with_config(
        "limits:\n  list_per_second: 10000\n  failed_key_burst: 5\n  failed_keys_per_minute: 6\n",
    );
    let from = |ip: &str| {
        reqwest::blocking::Client::builder()
            .local_address(ip.parse::<std::net::IpAddr>().unwrap())
            .build()
            .unwrap()
    };
    let get = |client: &reqwest::blocking::Client, key: &str| {
        let r = client
            .get(format!("{}/v2/trackings/getuserinfo", g.base))
            .header("Trackingmore-Api-Key", key)
            .send()
            .unwrap();
        let retry = r
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let v: serde_json::Value = r.json().unwrap();
        (code(&v), retry)
    };
    let guesser = from("127.0.0.1");
    for i in 0..5 {
        assert_eq!(get(&guesser, &format!("guess-{i}")).0, 4001, "guess {i}");
    }
    let (c, retry) = get(&guesser, "guess-5");
    assert_eq!(c, 429, "the sixth wrong key in a burst");
    let secs: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!((1..=10).contains(&secs), "{secs}");
    assert_eq!(
        get(&guesser, KEY_A).0,
        429,
        "a right guess must not stand out"
    );
    let other = from("127.0.0.2");
    assert_eq!(get(&other, KEY_A).0, 200, "another client is not throttled");
    assert_eq!(get(&other, "typo").0, 4001);
}
