//! Push receivers with real signatures: valid, invalid, stale, replayed.

use crate::helpers::*;
use crate::signing::*;
use serde_json::{json, Value};

fn native_body(number: &str, status: &str, minute: u32) -> String {
    json!({"carrier_code": "usps", "tracking_number": number, "status": status,
           "events": [{"time": format!("2026-11-20T10:{minute:02}:00Z"), "description": format!("{status} scan"),
                       "location": "CHICAGO IL", "status": status}]})
    .to_string()
}

fn history_len(g: &Gateway, carrier: &str, number: &str) -> usize {
    g.get(&format!("/v2/history/{carrier}/{number}"))["data"]["transitions"]
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn a_signed_native_push_moves_the_status_and_records_one_transition() {
    let g = Gateway::with_config(&push_config());
    let n = s10(1, "US");
    g.create(&n, "usps");
    let body = native_body(&n, "transit", 0);
    let (status, v) = g.push(
        "/hooks/native",
        &native_headers("msg_1", now(), &body),
        &body,
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["matched"].as_i64(), v["transitions"].as_i64()),
        (Some(1), Some(1)),
        "{v}"
    );
    let t = &g.get(&format!("/v2/trackings/usps/{n}"))["data"];
    assert_eq!(t["status"], "transit");
    assert_eq!(
        t["origin_info"]["trackinfo"][0]["StatusDescription"],
        "transit scan"
    );
    assert_eq!(history_len(&g, "usps", &n), 1);
    assert_eq!(
        g.get("/v2/trackings/getstatusnumber")["data"]["transit"],
        1,
        "counters follow pushes"
    );
}

#[test]
fn unsigned_badly_signed_and_stale_native_pushes_get_401_and_write_nothing() {
    let g = Gateway::with_config(&push_config());
    let n = s10(2, "US");
    g.create(&n, "usps");
    let body = native_body(&n, "delivered", 5);
    let good = native_headers("msg_x", now(), &body);
    let mut wrong_sig = good.clone();
    wrong_sig[2].1 = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
    let tampered = body.replace("delivered", "exception");
    let cases: Vec<(&str, Headers, String)> = vec![
        ("unsigned", vec![], body.clone()),
        ("wrong signature", wrong_sig, body.clone()),
        ("tampered body", good.clone(), tampered),
        (
            "stale",
            native_headers("msg_y", now() - 600, &body),
            body.clone(),
        ),
        (
            "future",
            native_headers("msg_z", now() + 600, &body),
            body.clone(),
        ),
    ];
    for (what, headers, b) in cases {
        let (status, v) = g.push("/hooks/native", &headers, &b);
        assert_eq!(status, 401, "{what}: {v}");
    }
    assert_eq!(g.status_of("usps", &n), "pending");
    assert_eq!(history_len(&g, "usps", &n), 0);
}

#[test]
fn a_replayed_webhook_id_has_no_second_effect() {
    let g = Gateway::with_config(&push_config());
    let n = s10(3, "US");
    g.create(&n, "usps");
    let first = native_body(&n, "transit", 1);
    let (_, v) = g.push(
        "/hooks/native",
        &native_headers("msg_same", now(), &first),
        &first,
    );
    assert_eq!(v["duplicate"], false);
    let second = native_body(&n, "delivered", 2);
    let (status, v) = g.push(
        "/hooks/native",
        &native_headers("msg_same", now(), &second),
        &second,
    );
    assert_eq!((status, v["duplicate"].as_bool()), (200, Some(true)), "{v}");
    assert_eq!(g.status_of("usps", &n), "transit");
    assert_eq!(history_len(&g, "usps", &n), 1);
}

#[test]
fn a_batch_of_1000_updates_applies_in_one_push_and_1001_is_refused() {
    let g = Gateway::with_config(&push_config());
    let numbers: Vec<String> = (0..40).map(|i| s10(100 + i, "US")).collect();
    let items: Vec<Value> = numbers
        .iter()
        .map(|n| json!({"tracking_number": n, "carrier_code": "usps"}))
        .collect();
    assert_eq!(
        g.post("/v2/trackings/batch", &json!(items))["data"]["added"],
        40
    );
    // 1000 updates: 25 scans for each of the 40 numbers, the last one delivered.
    let updates: Vec<Value> = (0..1000)
        .map(|i| {
            let step = i / 40;
            let status = if step == 24 { "delivered" } else { "transit" };
            json!({"carrier_code": "usps", "tracking_number": numbers[i % 40],
                   "events": [{"time": format!("2026-11-{:02}T10:00:00Z", step + 1), "description": format!("scan {step}"), "status": status}]})
        })
        .collect();
    let body = json!(updates).to_string();
    let (status, v) = g.push(
        "/hooks/native",
        &native_headers("msg_batch", now(), &body),
        &body,
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["matched"], 1000);
    assert_eq!(
        v["transitions"], 80,
        "pending→transit and transit→delivered for each number: {v}"
    );
    for n in &numbers {
        let t = &g.get(&format!("/v2/trackings/usps/{n}"))["data"];
        assert_eq!(t["status"], "delivered");
        assert_eq!(t["origin_info"]["trackinfo"].as_array().unwrap().len(), 25);
    }
    let too_many: Vec<Value> = (0..1001).map(|_| updates[0].clone()).collect();
    let body = json!(too_many).to_string();
    let (status, v) = g.push(
        "/hooks/native",
        &native_headers("msg_big", now(), &body),
        &body,
    );
    assert_eq!(status, 400, "{v}");
}

#[test]
fn pushes_for_untracked_numbers_are_accepted_and_ignored() {
    let g = Gateway::with_config(&push_config());
    let body = native_body(&s10(9, "US"), "delivered", 3);
    let (status, v) = g.push(
        "/hooks/native",
        &native_headers("msg_u", now(), &body),
        &body,
    );
    assert_eq!(status, 200);
    assert_eq!(
        (v["matched"].as_i64(), v["ignored"].as_i64()),
        (Some(0), Some(1)),
        "{v}"
    );
    assert_eq!(g.get("/v2/trackings/getstatusnumber")["data"]["total"], 0);
}

#[test]
fn malformed_native_pushes_get_400_naming_the_field() {
    let g = Gateway::with_config(&push_config());
    for (body, names) in [
        ("{not json", "not valid JSON"),
        (
            r#"{"carrier_code":"usps","tracking_number":"9400111899562537624326"}"#,
            "both absent",
        ),
        (
            r#"{"carrier_code":"nope","tracking_number":"9400111899562537624326","status":"transit"}"#,
            "carrier_code",
        ),
        (
            r#"{"carrier_code":"usps","tracking_number":"9400111899562537624326","status":"flying"}"#,
            "status",
        ),
        (
            r#"[{"carrier_code":"usps","tracking_number":"9400111899562537624326","events":[{"time":"noon","description":"x"}]}]"#,
            "[0].events[0].time",
        ),
        (
            r#"{"carrier_code":"usps","tracking_number":"9400111899562537624326","events":[{"time":"2026-11-20T10:00:00Z"}]}"#,
            "events[0].description",
        ),
    ] {
        let (status, v) = g.push("/hooks/native", &native_headers("msg_m", now(), body), body);
        assert_eq!(status, 400, "{body}: {v}");
        assert!(v["error"].as_str().unwrap().contains(names), "{body}: {v}");
    }
}

#[test]
fn an_oversize_push_is_413_and_a_disabled_receiver_404() {
    let g = Gateway::with_config(&push_config());
    let body = "x".repeat(1_100_000);
    let (status, _) = g.push(
        "/hooks/native",
        &native_headers("msg_big", now(), &body),
        &body,
    );
    assert_eq!(status, 413);
    let plain = Gateway::start();
    let (status, v) = plain.push("/hooks/aftership", &[], "{}");
    assert_eq!(status, 404, "{v}");
}

fn tm_body(number: &str, status: &str, verify: Value) -> String {
    json!({"meta": {"code": 200, "type": "Success", "message": "Success"},
           "data": {"tracking_number": number, "carrier_code": "china-post", "status": status,
                    "origin_info": {"trackinfo": [{"Date": "2026-11-21 08:00", "StatusDescription": "Arrived", "Details": "BEIJING", "checkpoint_status": status}]},
                    "lastUpdateTime": "2026-11-21 08:00"},
           "verifyInfo": verify})
    .to_string()
}

#[test]
fn trackingmore_pushes_are_checked_with_the_account_email() {
    let g = Gateway::with_config(&push_config());
    let n = s10(20, "CN");
    g.create(&n, "china-post");
    let ts = now().to_string();
    let bad = tm_body(&n, "transit", tm_verify("someone@else.com", &ts));
    assert_eq!(g.push("/hooks/trackingmore", &[], &bad).0, 401);
    let stale = tm_body(
        &n,
        "transit",
        tm_verify(TM_EMAIL, &(now() - 900).to_string()),
    );
    assert_eq!(g.push("/hooks/trackingmore", &[], &stale).0, 401);
    let unsigned = tm_body(&n, "transit", json!(null)).replace(",\"verifyInfo\":null", "");
    assert_eq!(g.push("/hooks/trackingmore", &[], &unsigned).0, 401);
    assert_eq!(g.status_of("china-post", &n), "pending");
    let good = tm_body(&n, "transit", tm_verify(TM_EMAIL, &ts));
    let (status, v) = g.push("/hooks/trackingmore", &[], &good);
    assert_eq!((status, v["transitions"].as_i64()), (200, Some(1)), "{v}");
    assert_eq!(g.status_of("china-post", &n), "transit");
    let (_, v) = g.push("/hooks/trackingmore", &[], &good);
    assert_eq!(v["duplicate"], true, "the same body replayed");
}

fn aftership_body(number: &str, tag: &str, event_id: &str, ts: i64) -> String {
    json!({"event": "tracking_update", "event_id": event_id, "is_tracking_first_tag": true, "ts": ts,
           "msg": {"id": "as1", "tracking_number": number, "slug": "usps", "tag": tag, "subtag": format!("{tag}_001"),
                   "checkpoints": [
                       {"checkpoint_time": "2026-11-19T09:00:00", "message": "Shipment picked up", "city": "DENVER", "state": "CO", "tag": "InTransit"},
                       {"checkpoint_time": "2026-11-21T09:00:00", "message": "Out for delivery", "location": "BOSTON, MA", "tag": tag}]}})
    .to_string()
}

#[test]
fn aftership_pushes_map_tags_and_check_the_body_hmac() {
    let g = Gateway::with_config(&push_config());
    let n = s10(30, "US");
    g.create(&n, "usps");
    let body = aftership_body(&n, "OutForDelivery", "evt-1", now());
    assert_eq!(g.push("/hooks/aftership", &[], &body).0, 401, "unsigned");
    assert_eq!(
        g.push(
            "/hooks/aftership",
            &aftership_header(&body.replace("evt-1", "evt-2")),
            &body
        )
        .0,
        401,
        "wrong"
    );
    let old = aftership_body(&n, "OutForDelivery", "evt-old", now() - 3 * 86_400);
    assert_eq!(
        g.push("/hooks/aftership", &aftership_header(&old), &old).0,
        401,
        "stale beyond the replay memory"
    );
    let (status, v) = g.push("/hooks/aftership", &aftership_header(&body), &body);
    assert_eq!(status, 200, "{v}");
    let t = &g.get(&format!("/v2/trackings/usps/{n}"))["data"];
    assert_eq!(
        (t["status"].as_str(), t["substatus"].as_str()),
        (Some("pickup"), Some("pickup001"))
    );
    assert_eq!(t["origin_info"]["trackinfo"][1]["Details"], "DENVER, CO");
    let (_, v) = g.push("/hooks/aftership", &aftership_header(&body), &body);
    assert_eq!(v["duplicate"], true);
    let odd = aftership_body(&n, "Teleported", "evt-3", now());
    let (status, _) = g.push("/hooks/aftership", &aftership_header(&odd), &odd);
    assert_eq!(status, 200);
    assert_eq!(
        g.status_of("usps", &n),
        "pickup",
        "an unknown tag changes no status"
    );
}

fn seventeen_body(number: &str, status: &str) -> String {
    json!({"event": "TRACKING_UPDATED", "data": {"number": number, "carrier": 3011, "param": null, "tag": null,
        "track_info": {"latest_status": {"status": status, "sub_status": format!("{status}_Other")},
            "tracking": {"providers_hash": 1, "providers": [{"provider": {"key": 3011, "name": "China Post"},
                "events": [{"time_iso": "2026-11-22T10:00:00+08:00", "time_utc": "2026-11-22T02:00:00Z",
                            "description": "Delivered to addressee", "location": "RIGA", "stage": "Delivered",
                            "sub_status": format!("{status}_Other")}]}]}}}})
    .to_string()
}

#[test]
fn seventeentrack_pushes_match_by_number_and_check_the_sign_header() {
    let g = Gateway::with_config(&push_config());
    let n = s10(40, "CN");
    g.create(&n, "china-post");
    let body = seventeen_body(&n, "Delivered");
    assert_eq!(g.push("/hooks/17track", &[], &body).0, 401);
    assert_eq!(
        g.push("/hooks/17track", &seventeen_header("{}"), &body).0,
        401
    );
    let (status, v) = g.push("/hooks/17track", &seventeen_header(&body), &body);
    assert_eq!((status, v["matched"].as_i64()), (200, Some(1)), "{v}");
    assert_eq!(g.status_of("china-post", &n), "delivered");
    let (_, v) = g.push("/hooks/17track", &seventeen_header(&body), &body);
    assert_eq!(v["duplicate"], true);
    let stopped =
        json!({"event": "TRACKING_STOPPED", "data": {"number": n, "carrier": 3011}}).to_string();
    let (status, _) = g.push("/hooks/17track", &seventeen_header(&stopped), &stopped);
    assert_eq!(status, 200);
    assert_eq!(g.status_of("china-post", &n), "delivered");
}
