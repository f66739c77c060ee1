//! `/trackings/get`, `/trackings/getstatusnumber`, `/trackings/getuserinfo`.

use crate::helpers::*;
use serde_json::json;

/// A manual clock standing at the present second.
fn now_clock() -> trackgate::core::time::Clock {
    trackgate::core::time::Clock::manual(trackgate::core::time::now())
}

fn numbers(v: &serde_json::Value) -> Vec<String> {
    v["data"]["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {v}"))
        .iter()
        .map(|i| i["tracking_number"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn listing_pages_through_trackings_newest_first_with_total_as_a_string() {
    let g = Gateway::with_clock(now_clock(), "limits:\n  list_per_second: 10000\n");
    for i in 0..3 {
        g.create(&s10(i, "NL"), "postnl-parcels");
        g.clock.advance(1); // distinct created_at seconds
    }
    let v = g.get("/v2/trackings/get?page=1&limit=2");
    assert_eq!(code(&v), 200, "{v}");
    assert_eq!(v["data"]["total"], "3");
    assert_eq!(
        (v["data"]["page"].as_i64(), v["data"]["limit"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(numbers(&v), [s10(2, "NL"), s10(1, "NL")]);
    let v = g.get("/v2/trackings/get?page=2&limit=2");
    assert_eq!(numbers(&v), [s10(0, "NL")]);
    assert_eq!(v["data"]["count"], 1);
    assert_eq!(numbers(&g.get("/v2/trackings/get?page=9&limit=2")).len(), 0);
}

#[test]
fn every_list_filter_narrows_the_result() {
    let g = Gateway::start();
    let before = chrono_now() - 1;
    g.post(
        "/v2/trackings/post",
        &json!({"tracking_number": s10(1, "SE"), "carrier_code": "sweden-posten",
        "order_id": "A-1", "order_create_time": "2020-01-01 10:00"}),
    );
    g.post(
        "/v2/trackings/post",
        &json!({"tracking_number": s10(2, "SE"), "carrier_code": "sweden-posten",
        "order_id": "A-2", "order_create_time": "2021-06-01 10:00"}),
    );
    g.realtime("SANDBOX-EXCEPTION-1");
    g.put(
        &format!("/v2/trackings/sweden-posten/{}", s10(2, "SE")),
        Some(&json!({"archived": true})),
    );
    let after = chrono_now() + 1;

    assert_eq!(
        numbers(&g.get("/v2/trackings/get?status=exception")),
        ["SANDBOX-EXCEPTION-1"]
    );
    assert_eq!(numbers(&g.get("/v2/trackings/get?status=pending")).len(), 2);
    assert_eq!(
        numbers(&g.get(&format!(
            "/v2/trackings/get?created_at_min={before}&created_at_max={after}"
        )))
        .len(),
        3
    );
    assert_eq!(
        numbers(&g.get(&format!("/v2/trackings/get?created_at_max={before}"))).len(),
        0
    );
    assert_eq!(
        numbers(&g.get(&format!("/v2/trackings/get?update_time_min={before}"))).len(),
        3
    );
    assert_eq!(
        numbers(&g.get("/v2/trackings/get?update_time_max=1000")).len(),
        0
    );
    // 2020-06-01 .. 2022-01-01
    assert_eq!(
        numbers(&g.get(
            "/v2/trackings/get?order_created_time_min=1590969600&order_created_time_max=1640995200"
        )),
        [s10(2, "SE")]
    );
    let both = format!("{},{}", s10(1, "SE"), "SANDBOX-EXCEPTION-1");
    assert_eq!(
        numbers(&g.get(&format!("/v2/trackings/get?numbers={both}"))).len(),
        2
    );
    assert_eq!(
        numbers(&g.get("/v2/trackings/get?orders=A-1")),
        [s10(1, "SE")]
    );
    assert_eq!(
        numbers(&g.get("/v2/trackings/get?archived=true")),
        [s10(2, "SE")]
    );
    assert_eq!(numbers(&g.get("/v2/trackings/get?archived=false")).len(), 2);
    assert_eq!(numbers(&g.get("/v2/trackings/get?archived=maybe")).len(), 3);
    assert_eq!(
        numbers(&g.get("/v2/trackings/get?status=pending&archived=true")),
        [s10(2, "SE")]
    );
    let v = g.get("/v2/trackings/get?status=pending&archived=false&limit=1");
    assert_eq!(v["data"]["total"], "1");
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn the_list_accepts_post_bodies_empty_query_values_and_a_lang() {
    let g = Gateway::start();
    g.create(&s10(1, "IT"), "poste-italiane");
    let v = g.post(
        "/v2/trackings/get",
        &json!({"page": 1, "limit": "10", "numbers": [s10(1, "IT")]}),
    );
    assert_eq!(numbers(&v), [s10(1, "IT")]);
    let v = g.get("/v2/trackings/get?page=&limit=&status=&numbers=&lang=en&created_at_min=");
    assert_eq!(v["data"]["total"], "1", "{v}");
}

#[test]
fn the_list_allows_one_request_per_second_per_key() {
    let g = Gateway::with_clock(now_clock(), "");
    assert_eq!(code(&g.get("/v2/trackings/get")), 200);
    let (status, v) = g.send(reqwest::Method::GET, "/v2/trackings/get", Some(KEY_A), None);
    assert_eq!((status, code(&v)), (429, 429), "{v}");
    assert_eq!(
        code(&g.get_as(KEY_B, "/v2/trackings/get")),
        200,
        "another key has its own budget"
    );
    g.clock.advance(1);
    assert_eq!(code(&g.get("/v2/trackings/get")), 200);
}

#[test]
fn bad_list_parameters_get_a_code_naming_the_parameter() {
    let g = Gateway::start();
    for (query, want, names) in [
        ("limit=2001", 4012, "limit"),
        ("limit=0", 4012, "limit"),
        ("page=-1", 4012, "page"),
        ("page=two", 4012, "page"),
        ("created_at_min=yesterday", 4012, "created_at_min"),
        (
            "update_time_min=5&update_time_max=4",
            4012,
            "update_time_min",
        ),
        ("status=lost", 4033, "status"),
    ] {
        let v = g.get(&format!("/v2/trackings/get?{query}"));
        assert_eq!(code(&v), want, "{query}: {v}");
        assert!(
            v["meta"]["message"].as_str().unwrap().contains(names),
            "{query}: {v}"
        );
    }
    let many: Vec<String> = (0..41).map(|i| s10(i, "CN")).collect();
    let v = g.get(&format!("/v2/trackings/get?numbers={}", many.join(",")));
    assert_eq!(code(&v), 4020, "{v}");
    let v = g.get(&format!("/v2/trackings/get?orders={}", many.join(",")));
    assert_eq!(code(&v), 4020, "{v}");
}

#[test]
fn getstatusnumber_counts_every_status_and_honours_time_filters() {
    let g = Gateway::start();
    for outcome in [
        "DELIVERED",
        "EXCEPTION",
        "TRANSIT",
        "PICKUP",
        "UNDELIVERED",
        "EXPIRED",
        "NOTFOUND",
    ] {
        g.realtime(&format!("SANDBOX-{outcome}-1"));
    }
    g.create(&s10(1, "US"), "usps");
    let v = g.get("/v2/trackings/getstatusnumber");
    let d = &v["data"];
    for s in [
        "pending",
        "notfound",
        "transit",
        "pickup",
        "delivered",
        "undelivered",
        "exception",
        "expired",
    ] {
        assert_eq!(d[s], 1, "{s}: {v}");
    }
    assert_eq!(d["total"], 8);
    let v = g.get("/v2/trackings/getstatusnumber?created_at_max=1000");
    assert_eq!(v["data"]["total"], 0, "{v}");
    let v = g.get(&format!(
        "/v2/trackings/getstatusnumber?created_at_min=1000&created_at_max={}",
        chrono_now() + 5
    ));
    assert_eq!(v["data"]["total"], 8, "{v}");
}

#[test]
fn getuserinfo_names_the_account() {
    let g = Gateway::start();
    g.create(&s10(1, "US"), "usps");
    let v = g.get("/v2/trackings/getuserinfo");
    assert_eq!(v["data"]["email"], "a@shop-a.example");
    assert_eq!(v["data"]["trackings"], 1);
}
