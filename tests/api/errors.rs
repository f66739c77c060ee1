//! Bad input: the right code, a message naming the field, and nothing written.

use crate::helpers::*;
use serde_json::json;

#[test]
fn requests_without_a_valid_key_get_4001_and_the_other_header_works() {
    let g = Gateway::start();
    let (status, v) = g.send(reqwest::Method::GET, "/v2/trackings/get", None, None);
    assert_eq!((status, code(&v)), (200, 4001));
    let (_, v) = g.send(
        reqwest::Method::GET,
        "/v2/trackings/get",
        Some("wrong"),
        None,
    );
    assert_eq!(code(&v), 4001);
    let resp = reqwest::blocking::Client::new()
        .get(format!("{}/v2/trackings/getuserinfo", g.base))
        .header("Tracking-Api-Key", KEY_A)
        .send()
        .unwrap();
    let v: serde_json::Value = resp.json().unwrap();
    assert_eq!(code(&v), 200, "{v}");
}

#[test]
fn malformed_bodies_get_4012_naming_the_problem_and_write_nothing() {
    let g = Gateway::start();
    let cases = [
        (
            r#"{"tracking_number": "RR050349575PH", "carrier_code": "phlpost""#,
            4012,
            "not valid JSON",
        ),
        (r#"["RR050349575PH"]"#, 4012, "JSON object"),
        (
            r#"{"tracking_number": ["RR050349575PH"], "carrier_code": "phlpost"}"#,
            4012,
            "tracking_number must be a string",
        ),
        (
            r#"{"tracking_number": "RR050349575PH", "carrier_code": "phlpost", "title": {"a": 1}}"#,
            4012,
            "title",
        ),
        (
            r#"{"tracking_number": "RR050349575PH"}"#,
            4012,
            "carrier_code is required",
        ),
        (r#"{"carrier_code": "phlpost"}"#, 4013, "tracking_number"),
        (
            r#"{"tracking_number": "RR05$$", "carrier_code": "phlpost"}"#,
            4014,
            "tracking_number",
        ),
        (
            r#"{"tracking_number": "RR050349575PH", "carrier_code": "nope"}"#,
            4015,
            "carrier_code",
        ),
        (
            r#"{"tracking_number": "RR050349575PH", "carrier_code": "phlpost", "order_create_time": "soon"}"#,
            4012,
            "order_create_time",
        ),
        (
            r#"{"tracking_number": "RR050349575PH", "carrier_code": "phlpost", "destination_code": "XX1"}"#,
            4012,
            "destination_code",
        ),
        (
            r#"{"tracking_number": "RR050349575PH", "carrier_code": "phlpost", "tracking_ship_date": "someday"}"#,
            4012,
            "tracking_ship_date",
        ),
    ];
    for (body, want, names) in cases {
        let (status, v) = g.send(
            reqwest::Method::POST,
            "/v2/trackings/post",
            Some(KEY_A),
            Some(body),
        );
        assert_eq!((status, code(&v)), (200, want), "{body}: {v}");
        let msg = v["meta"]["message"].as_str().unwrap();
        assert!(msg.contains(names), "{body}: {msg}");
    }
    assert_eq!(g.get("/v2/trackings/getstatusnumber")["data"]["total"], 0);
    let v = g.post(
        "/v2/trackings/batch",
        &json!([{"tracking_number": "RR050349575PH", "carrier_code": "phlpost", "title": 5.5}, 7]),
    );
    assert_eq!(code(&v), 4012, "{v}");
    assert!(
        v["meta"]["message"].as_str().unwrap().contains("[1]"),
        "{v}"
    );
    assert_eq!(
        g.get("/v2/trackings/getstatusnumber")["data"]["total"],
        0,
        "a rejected batch writes nothing"
    );
}

#[test]
fn a_body_over_1_mib_is_refused_with_413_and_writes_nothing() {
    let g = Gateway::start();
    let big = format!(
        r#"{{"tracking_number":"RR050349575PH","carrier_code":"phlpost","title":"{}"}}"#,
        "x".repeat(1_100_000)
    );
    let (status, v) = g.send(
        reqwest::Method::POST,
        "/v2/trackings/post",
        Some(KEY_A),
        Some(&big),
    );
    assert_eq!(
        (status, code(&v)),
        (413, 413),
        "{}",
        v.to_string().chars().take(200).collect::<String>()
    );
    assert_eq!(code(&g.get("/v2/trackings/phlpost/RR050349575PH")), 4017);
}

#[test]
fn unknown_routes_are_404_and_wrong_methods_405_in_the_envelope() {
    let g = Gateway::start();
    let (status, v) = g.send(reqwest::Method::GET, "/v2/nothing/here", Some(KEY_A), None);
    assert_eq!((status, code(&v)), (404, 404));
    let (status, v) = g.send(
        reqwest::Method::DELETE,
        "/v2/trackings/post",
        Some(KEY_A),
        None,
    );
    assert_eq!((status, code(&v)), (405, 405), "{v}");
}

#[test]
fn health_and_readiness_answer() {
    let g = Gateway::start();
    let (s, _) = g.send(reqwest::Method::GET, "/healthz", None, None);
    assert_eq!(s, 200);
    let (s, v) = g.send(reqwest::Method::GET, "/readyz", None, None);
    assert_eq!(s, 200);
    assert!(v.get("outbox_lag_seconds").is_some(), "{v}");
}
