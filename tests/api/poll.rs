//! Polling a local fake of the upstream TrackingMore v2 API.

use crate::helpers::*;
use crate::upstream::Upstream;
use serde_json::json;
use std::time::Duration;

#[test]
fn the_poller_fetches_new_trackings_from_the_upstream_and_stores_them() {
    let up = Upstream::start();
    let g = Gateway::with_config(&up.gateway_config());
    g.create("9400111899562537624326", "usps");
    g.wait_until(10, "the poll to store delivered", |g| {
        g.status_of("usps", "9400111899562537624326") == "delivered"
    });
    let t = &g.get("/v2/trackings/usps/9400111899562537624326")["data"];
    assert_eq!(t["origin_info"]["trackinfo"].as_array().unwrap().len(), 2);
    assert_eq!(t["original_country"], "China");
    let h = g.get("/v2/history/usps/9400111899562537624326");
    assert_eq!(h["data"]["transitions"][0]["source"], "poll:trackingmore");
    // That a delivered parcel is never polled again is checked on the manual clock
    // (tests/workers/polls.rs), not by waiting here.
}

#[test]
fn a_number_the_upstream_does_not_know_is_registered_there() {
    let up = Upstream::start();
    let g = Gateway::with_config(&up.gateway_config());
    g.create("UNKNOWN0001", "usps");
    g.wait_until(10, "the upstream registration", |_| {
        up.posts().contains(&"UNKNOWN0001".to_string())
    });
    g.wait_until(15, "the next poll to find it delivered", |g| {
        g.status_of("usps", "UNKNOWN0001") == "delivered"
    });
}

#[test]
fn rate_limits_meta_errors_garbage_and_hangs_never_stall_other_polls_or_corrupt_state() {
    let up = Upstream::start();
    let g = Gateway::with_config(&up.gateway_config());
    for n in ["HANG0001", "RATE0001", "METAERR0001", "GARBAGE0001"] {
        g.create(n, "usps");
    }
    g.create("GOOD0001", "usps");
    g.wait_until(8, "the good parcel despite the bad ones", |g| {
        g.status_of("usps", "GOOD0001") == "delivered"
    });
    for n in ["HANG0001", "RATE0001", "METAERR0001", "GARBAGE0001"] {
        g.wait_until(8, &format!("a poll of {n}"), |_| up.gets_for(n) >= 1);
        assert_eq!(
            g.status_of("usps", n),
            "pending",
            "{n} must be left as it was"
        );
    }
    // That a refused poll backs off rather than hammering the upstream is checked
    // on the manual clock (tests/workers/polls.rs).
}

#[test]
fn a_parcel_with_no_news_for_30_days_expires() {
    let up = Upstream::start();
    let g = Gateway::with_config(&up.gateway_config());
    // UPS is an express carrier: 30 days without news (postal operators get 60).
    g.create("OLD0000002", "ups");
    g.wait_until(10, "expiry", |g| {
        g.status_of("ups", "OLD0000002") == "expired"
    });
    let h = g.get("/v2/history/ups/OLD0000002");
    let tr = h["data"]["transitions"].as_array().unwrap();
    assert_eq!(tr.last().unwrap()["source"], "expiry", "{h}");
}

#[test]
fn realtime_fetches_through_the_upstream_with_a_timeout() {
    let up = Upstream::start();
    let g = Gateway::with_config(&up.gateway_config());
    let v = g.post(
        "/v2/trackings/realtime",
        &json!({"tracking_number": "GOOD0002", "carrier_code": "usps"}),
    );
    assert_eq!(code(&v), 200, "{v}");
    assert_eq!(v["data"]["items"][0]["status"], "delivered");
    let start = std::time::Instant::now();
    let (status, v) = g.send(
        reqwest::Method::POST,
        "/v2/trackings/realtime",
        Some(KEY_A),
        Some(r#"{"tracking_number":"HANG0002","carrier_code":"usps"}"#),
    );
    assert_eq!((status, code(&v)), (503, 503), "{v}");
    assert!(
        start.elapsed() < Duration::from_secs(6),
        "answered within the timeout"
    );
    let (_, v) = g.send(
        reqwest::Method::POST,
        "/v2/trackings/realtime",
        Some(KEY_A),
        Some(r#"{"tracking_number":"RATE0002","carrier_code":"usps"}"#),
    );
    assert_eq!(code(&v), 429, "{v}");
}
