//! Single-tracking routes: create, get, put, delete, change carrier, realtime.

use crate::helpers::*;
use serde_json::json;

#[test]
fn creating_a_tracking_echoes_exactly_the_submitted_fields() {
    let g = Gateway::start();
    let v = g.post(
        "/v2/trackings/post",
        &json!({"tracking_number": "rr 050349575 ph", "carrier_code": "phlpost", "title": "Shoes",
                "customer_email": "jo@example.com", "order_id": 1234, "lang": "en"}),
    );
    assert_eq!(code(&v), 200, "{v}");
    assert_eq!(v["meta"]["type"], "Success");
    let d = v["data"].as_object().unwrap();
    let mut keys: Vec<&str> = d.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "carrier_code",
            "created_at",
            "customer_email",
            "id",
            "order_id",
            "status",
            "title",
            "tracking_number"
        ]
    );
    assert_eq!(
        d["tracking_number"], "RR050349575PH",
        "numbers are normalised"
    );
    assert_eq!(d["status"], "pending");
    assert_eq!(d["order_id"], "1234", "numeric order ids are kept as text");
    assert_eq!(d["id"].as_str().unwrap().len(), 32);
}

#[test]
fn creating_the_same_tracking_twice_answers_4016() {
    let g = Gateway::start();
    g.create("RR050349575PH", "phlpost");
    let v = g.post(
        "/v2/trackings/post",
        &json!({"tracking_number": "RR050349575PH", "carrier_code": "phlpost"}),
    );
    assert_eq!(code(&v), 4016);
}

#[test]
fn a_created_tracking_reads_back_with_trackingmore_field_names() {
    let g = Gateway::start();
    g.post(
        "/v2/trackings/post",
        &json!({"tracking_number": "RR050349575PH", "carrier_code": "phlpost", "customer_name": "Jo",
                "destination_code": "US", "order_create_time": "2017-08-26 16:48"}),
    );
    for path in [
        "/v2/trackings/phlpost/RR050349575PH",
        "/v2/trackings/phlpost/RR050349575PH/",
        "/v2/trackings/phlpost/RR050349575PH/en",
        "/v2/trackings/phlpost/rr050349575ph",
    ] {
        let v = g.get(path);
        assert_eq!(code(&v), 200, "{path}: {v}");
        let d = &v["data"];
        assert_eq!(d["tracking_number"], "RR050349575PH");
        assert_eq!(d["status"], "pending");
        assert_eq!(d["customer_name"], "Jo");
        assert_eq!(
            d["original_country"], "Philippines",
            "S10 suffix gives the origin"
        );
        assert_eq!(d["destination_country"], "United States");
        assert_eq!(d["order_create_time"], "2017-08-26 16:48");
        assert!(d["origin_info"]["trackinfo"].is_array());
        for k in [
            "lastEvent",
            "lastUpdateTime",
            "itemTimeLength",
            "substatus",
            "archived",
            "updated_at",
        ] {
            assert!(d.get(k).is_some(), "{k} missing");
        }
    }
    assert_eq!(code(&g.get("/v2/trackings/phlpost/RR000000000PH")), 4017);
}

#[test]
fn updating_a_tracking_changes_its_fields_and_an_empty_put_changes_nothing() {
    let g = Gateway::start();
    g.create("RR050349575PH", "phlpost");
    let v = g.put(
        "/v2/trackings/phlpost/RR050349575PH",
        Some(&json!({"title": "Boots", "archived": "true"})),
    );
    assert_eq!(code(&v), 200, "{v}");
    assert_eq!(v["data"]["title"], "Boots");
    assert_eq!(v["data"]["archived"], true);
    let v = g.put("/v2/trackings/phlpost/RR050349575PH", None);
    assert_eq!(code(&v), 200, "{v}");
    assert_eq!(v["data"]["title"], "Boots");
    assert_eq!(
        code(&g.put("/v2/trackings/phlpost/RR000000000PH", None)),
        4017
    );
}

#[test]
fn a_status_can_be_forced_to_delivered_or_exception_and_released_with_8() {
    let g = Gateway::start();
    g.create("RR050349575PH", "phlpost");
    let path = "/v2/trackings/phlpost/RR050349575PH";
    assert_eq!(
        g.put(path, Some(&json!({"status": 4})))["data"]["status"],
        "delivered"
    );
    assert_eq!(
        g.get("/v2/trackings/getstatusnumber")["data"]["delivered"],
        1
    );
    assert_eq!(
        g.put(path, Some(&json!({"status": "7"})))["data"]["status"],
        "exception"
    );
    assert_eq!(
        g.put(path, Some(&json!({"status": 8})))["data"]["status"],
        "pending"
    );
    let v = g.put(path, Some(&json!({"status": 5})));
    assert_eq!(code(&v), 4033, "{v}");
    let counts = &g.get("/v2/trackings/getstatusnumber")["data"];
    assert_eq!(
        (counts["pending"].as_i64(), counts["delivered"].as_i64()),
        (Some(1), Some(0))
    );
}

#[test]
fn deleting_a_tracking_answers_empty_data_and_it_is_gone() {
    let g = Gateway::start();
    g.create("RR050349575PH", "phlpost");
    let v = g.delete("/v2/trackings/phlpost/RR050349575PH");
    assert_eq!(code(&v), 200);
    assert_eq!(v["data"], json!([]));
    assert_eq!(code(&g.get("/v2/trackings/phlpost/RR050349575PH")), 4017);
    assert_eq!(code(&g.delete("/v2/trackings/phlpost/RR050349575PH")), 4017);
    assert_eq!(g.get("/v2/trackings/getstatusnumber")["data"]["total"], 0);
}

#[test]
fn changing_the_carrier_moves_the_tracking_and_keeps_its_fields() {
    let g = Gateway::start();
    g.post(
        "/v2/trackings/post",
        &json!({"tracking_number": "LK664578623CN", "carrier_code": "china-ems", "order_id": "#9"}),
    );
    let v = g.post(
        "/v2/trackings/update",
        &json!({"tracking_number": "LK664578623CN", "carrier_code": "china-ems", "update_carrier_code": "usps"}),
    );
    assert_eq!(code(&v), 200, "{v}");
    assert_eq!(v["data"]["carrier_code"], "usps");
    assert_eq!(
        g.get("/v2/trackings/usps/LK664578623CN")["data"]["order_id"],
        "#9"
    );
    assert_eq!(code(&g.get("/v2/trackings/china-ems/LK664578623CN")), 4017);
    let v = g.post(
        "/v2/trackings/update",
        &json!({"tracking_number": "LK664578623CN", "carrier_code": "usps", "update_carrier_code": "nowhere"}),
    );
    assert_eq!(code(&v), 4015);
}

#[test]
fn realtime_on_a_sandbox_number_stores_the_scripted_journey_and_its_history() {
    let g = Gateway::start();
    let v = g.realtime("SANDBOX-DELIVERED-7");
    let item = &v["data"]["items"][0];
    assert_eq!(item["status"], "delivered");
    assert_eq!(item["substatus"], "delivered001");
    let info = item["origin_info"]["trackinfo"].as_array().unwrap();
    assert_eq!(info.len(), 5);
    assert_eq!(
        info[0]["StatusDescription"],
        "Delivered, signed for by recipient"
    );
    assert_eq!(info[0]["checkpoint_status"], "delivered");
    assert!(item["lastEvent"].as_str().unwrap().starts_with("Delivered"));
    // Stored, not just answered:
    assert_eq!(
        g.get("/v2/trackings/sandbox/SANDBOX-DELIVERED-7")["data"]["status"],
        "delivered"
    );
    let h = g.get("/v2/history/sandbox/SANDBOX-DELIVERED-7");
    let tr = h["data"]["transitions"].as_array().unwrap();
    assert_eq!(tr.len(), 1, "{h}");
    assert_eq!(
        (tr[0]["from"].as_str(), tr[0]["to"].as_str()),
        (Some("pending"), Some("delivered"))
    );
    // A second fetch finds nothing new: no new transition.
    g.realtime("SANDBOX-DELIVERED-7");
    let h = g.get("/v2/history/sandbox/SANDBOX-DELIVERED-7");
    assert_eq!(h["data"]["transitions"].as_array().unwrap().len(), 1);
}

#[test]
fn realtime_for_a_carrier_without_a_provider_is_503_and_writes_nothing() {
    let g = Gateway::start();
    let (status, v) = g.send(
        reqwest::Method::POST,
        "/v2/trackings/realtime",
        Some(KEY_A),
        Some(r#"{"tracking_number":"RR050349575PH","carrier_code":"phlpost"}"#),
    );
    assert_eq!((status, code(&v)), (503, 503), "{v}");
    assert_eq!(code(&g.get("/v2/trackings/phlpost/RR050349575PH")), 4017);
}
