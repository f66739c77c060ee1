//! Batch routes: batch create, updatemore, delete, notupdate.

use crate::helpers::*;
use serde_json::{json, Value};

#[test]
fn a_batch_creates_the_valid_items_and_reports_each_bad_one() {
    let g = Gateway::start();
    g.create(&s10(1, "CN"), "china-post");
    let body = json!([
        {"tracking_number": s10(2, "CN"), "carrier_code": "china-post", "title": "ok"},
        {"tracking_number": s10(1, "CN"), "carrier_code": "china-post"},
        {"tracking_number": "", "carrier_code": "china-post"},
        {"tracking_number": "AB", "carrier_code": "china-post"},
        {"tracking_number": s10(3, "CN"), "carrier_code": "pigeon-post"},
        {"tracking_number": s10(4, "CN"), "carrier_code": "china-post", "customer_email": "not-an-email"},
        {"tracking_number": s10(5, "CN"), "carrier_code": "china-post"},
    ]);
    let v = g.post("/v2/trackings/batch", &body);
    assert_eq!(code(&v), 200, "{v}");
    let d = &v["data"];
    assert_eq!(d["submitted"], 7);
    assert_eq!(d["added"], 2);
    assert_eq!(d["trackings"][0]["title"], "ok");
    let codes: Vec<i64> = d["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_i64().unwrap())
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(sorted, [4012, 4013, 4014, 4015, 4016], "{v}");
    for e in d["errors"].as_array().unwrap() {
        assert!(
            e.get("tracking_number").is_some()
                && e.get("carrier_code").is_some()
                && e["message"].is_string()
        );
    }
    assert_eq!(g.get("/v2/trackings/getstatusnumber")["data"]["total"], 3);
}

#[test]
fn a_batch_of_41_is_rejected_whole_and_writes_nothing() {
    let g = Gateway::start();
    let body: Vec<Value> = (0..41)
        .map(|i| json!({"tracking_number": s10(100 + i, "GB"), "carrier_code": "royal-mail"}))
        .collect();
    let v = g.post("/v2/trackings/batch", &json!(body));
    assert_eq!(code(&v), 4020, "{v}");
    assert_eq!(g.get("/v2/trackings/getstatusnumber")["data"]["total"], 0);
    let v = g.post("/v2/trackings/batch", &json!(body[..40]));
    assert_eq!(v["data"]["added"], 40);
}

#[test]
fn a_batch_may_not_name_the_same_tracking_twice() {
    let g = Gateway::start();
    let n = s10(7, "DE");
    let v = g.post(
        "/v2/trackings/batch",
        &json!([{"tracking_number": n, "carrier_code": "deutsche-post"}, {"tracking_number": n, "carrier_code": "deutsche-post"}]),
    );
    assert_eq!(v["data"]["added"], 1);
    assert_eq!(v["data"]["errors"][0]["code"], 4016);
    assert_eq!(g.get("/v2/trackings/getstatusnumber")["data"]["total"], 1);
}

#[test]
fn updatemore_delete_and_notupdate_answer_per_item() {
    let g = Gateway::start();
    let (a, b) = (s10(11, "FR"), s10(12, "FR"));
    g.create(&a, "laposte");
    g.create(&b, "laposte");
    let v = g.post(
        "/v2/trackings/updatemore",
        &json!([
            {"tracking_number": a, "carrier_code": "laposte", "title": "Hat", "status": 7},
            {"tracking_number": s10(13, "FR"), "carrier_code": "laposte", "title": "x"},
            {"tracking_number": b, "carrier_code": "laposte", "status": 9},
        ]),
    );
    assert_eq!(v["data"]["updated"], 1, "{v}");
    let codes: Vec<i64> = v["data"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [4033, 4017]);
    let got = g.get(&format!("/v2/trackings/laposte/{a}"));
    assert_eq!(
        (
            got["data"]["title"].as_str(),
            got["data"]["status"].as_str()
        ),
        (Some("Hat"), Some("exception"))
    );

    let v = g.post(
        "/v2/trackings/notupdate",
        &json!([{"tracking_number": b, "carrier_code": "laposte"}]),
    );
    assert_eq!(v["data"]["updated"], 1);
    assert_eq!(
        g.get(&format!("/v2/trackings/laposte/{b}"))["data"]["notupdate"],
        true
    );

    let v = g.post(
        "/v2/trackings/delete",
        &json!([{"tracking_number": a, "carrier_code": "laposte"}, {"tracking_number": a, "carrier_code": "laposte"}]),
    );
    assert_eq!(v["data"]["deleted"], 1, "{v}");
    assert_eq!(v["data"]["errors"][0]["code"], 4017);
    assert_eq!(g.get("/v2/trackings/getstatusnumber")["data"]["total"], 1);
}
