//! Input that one backend would store and the other refuse gets the same clear
//! answer on both, before it reaches a store: long non-ASCII order ids, control
//! characters in settings and push ids, absurd pages. Never a 500 (the outside
//! review's B7 found each of these answered 500 on PostgreSQL).

use crate::helpers::*;
use crate::signing::*;
use serde_json::json;

#[test]
fn order_ids_are_bounded_in_bytes_and_each_batch_item_stands_alone() {
    let g = Gateway::start();
    let emoji: String = (0..1000)
        .map(|i| char::from_u32(0x1F300 + i % 0x700).unwrap())
        .collect();
    let v = g.post(
        "/v2/trackings/post",
        &json!({"tracking_number": s10(70, "CN"), "carrier_code": "china-post", "order_id": emoji}),
    );
    assert_eq!(code(&v), 4012, "{v}");
    assert!(
        v["meta"]["message"]
            .as_str()
            .unwrap()
            .contains("1000 bytes"),
        "{v}"
    );
    // 250 four-byte characters: 1000 bytes, the most an order id may hold.
    let longest: String = emoji.chars().take(250).collect();
    let items: Vec<_> = (71..76)
        .map(|i| {
            let order = if i == 73 { emoji.clone() } else { longest.clone() };
            json!({"tracking_number": s10(i, "CN"), "carrier_code": "china-post", "order_id": order})
        })
        .collect();
    let v = g.post("/v2/trackings/batch", &json!(items));
    assert_eq!(code(&v), 200, "{v}");
    assert_eq!(v["data"]["added"], 4, "{v}");
    assert_eq!(v["data"]["errors"][0]["code"], 4012, "{v}");
    let found = g.get(&format!(
        "/v2/trackings/get?orders={}",
        percent_encoding::utf8_percent_encode(&longest, percent_encoding::NON_ALPHANUMERIC)
    ));
    assert_eq!(
        found["data"]["total"], "4",
        "found by the longest order id: {found}"
    );
}

#[test]
fn settings_with_control_characters_are_refused_naming_the_field() {
    let g = Gateway::with_config("allow_private_destinations: true\n");
    let before = g.get("/v2/notifications/settings");
    for (body, field) in [
        (
            json!({"slack": {"url": "http://127.0.0.1:9/\u{0}x"}}),
            "slack.url",
        ),
        (
            json!({"webhook": {"url": "http://127.0.0.1:9/h", "secret": "whsec_\u{0}"}}),
            "webhook.secret",
        ),
    ] {
        let (status, v) = g.send(
            reqwest::Method::PUT,
            "/v2/notifications/settings",
            Some(KEY_A),
            Some(&body.to_string()),
        );
        assert_eq!((status, code(&v)), (200, 4012), "{v}");
        assert!(
            v["meta"]["message"].as_str().unwrap().contains(field),
            "{v}"
        );
    }
    assert_eq!(g.get("/v2/notifications/settings"), before, "nothing saved");
}

#[test]
fn push_ids_are_bounded_and_clean_and_carrier_text_is_cleaned() {
    let g = Gateway::with_config(&push_config());
    let n = s10(77, "US");
    g.create(&n, "usps");
    let long = "w".repeat(6000);
    let body =
        json!({"carrier_code": "usps", "tracking_number": n, "status": "transit"}).to_string();
    let (status, v) = g.push("/hooks/native", &native_headers(&long, now(), &body), &body);
    assert_eq!(status, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("bytes"), "{v}");
    let aftership = |event_id: &str, tag: &str, message: &str| {
        json!({"event": "tracking_update", "event_id": event_id, "ts": now(),
               "msg": {"tracking_number": n, "slug": "usps", "tag": tag,
                       "checkpoints": [{"checkpoint_time": "2026-11-21T08:00:00+00:00", "message": message, "tag": tag}]}})
        .to_string()
    };
    let bad = aftership("ev\u{0}1", "InTransit", "Arrived");
    let (status, v) = g.push("/hooks/aftership", &aftership_header(&bad), &bad);
    assert_eq!(status, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("control"), "{v}");
    assert_eq!(
        g.status_of("usps", &n),
        "pending",
        "a refused push wrote nothing"
    );
    let odd = aftership("ev-2", "Odd\u{0}Tag", "Arri\u{0}ved");
    let (status, v) = g.push("/hooks/aftership", &aftership_header(&odd), &odd);
    assert_eq!(
        status, 200,
        "control characters in carrier text are dropped: {v}"
    );
}

#[test]
fn a_page_past_any_account_is_refused() {
    let g = Gateway::start();
    let v = g.get("/v2/trackings/get?page=9223372036854775807&limit=2000");
    assert_eq!(code(&v), 4012, "{v}");
    assert!(
        v["meta"]["message"].as_str().unwrap().contains("page"),
        "{v}"
    );
    let v = g.get("/v2/trackings/get?page=1000000&limit=2000");
    assert_eq!(code(&v), 200, "{v}");
}
