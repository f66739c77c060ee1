//! Polling a local fake of the upstream TrackingMore v4 API.

use crate::helpers::*;
use crate::upstream_v4::UpstreamV4;
use serde_json::{json, Value};

#[test]
fn the_poller_reads_up_to_40_numbers_per_call_and_maps_v4_objects() {
    let up = UpstreamV4::start();
    let g = Gateway::with_config(&up.gateway_config());
    let numbers: Vec<String> = (0..45).map(|i| s10(300 + i, "CN")).collect();
    for chunk in numbers.chunks(40) {
        let items: Vec<Value> = chunk
            .iter()
            .map(|n| json!({"tracking_number": n, "carrier_code": "usps"}))
            .collect();
        assert_eq!(code(&g.post("/v2/trackings/batch", &json!(items))), 200);
    }
    g.wait_until(20, "every parcel delivered by poll", |g| {
        numbers
            .iter()
            .all(|n| g.status_of("usps", n) == "delivered")
    });
    let gets = up.gets();
    assert!(gets.iter().all(|g| g.len() <= 40), "{gets:?}");
    assert!(
        gets.len() < numbers.len() / 4,
        "45 parcels took {} upstream reads: not batched",
        gets.len()
    );
    let t = &g.get(&format!("/v2/trackings/usps/{}", numbers[0]))["data"];
    assert_eq!(t["origin_info"]["trackinfo"].as_array().unwrap().len(), 2);
    assert_eq!(
        t["origin_info"]["trackinfo"][0]["StatusDescription"],
        "Delivered"
    );
    assert_eq!(t["original_country"], "China");
    let h = g.get(&format!("/v2/history/usps/{}", numbers[0]));
    assert_eq!(h["data"]["transitions"][0]["source"], "poll:trackingmore");
}

#[test]
fn an_unknown_number_is_registered_then_read_with_its_estimated_delivery() {
    let up = UpstreamV4::start();
    let g = Gateway::with_config(&up.gateway_config());
    g.create("UNKNOWN4001", "usps");
    g.wait_until(10, "the upstream registration", |_| {
        up.log.lock().unwrap().registered.contains("UNKNOWN4001")
    });
    g.wait_until(15, "the next poll to find it in transit", |g| {
        g.status_of("usps", "UNKNOWN4001") == "transit"
    });
    let t = &g.get("/v2/trackings/usps/UNKNOWN4001")["data"];
    assert_eq!(t["substatus"], "transit001");
    assert_eq!(t["estimated_delivery"], "2030-01-15");
}

#[test]
fn realtime_registers_with_v4_create_and_answers_what_it_found() {
    let up = UpstreamV4::start();
    let g = Gateway::with_config(&up.gateway_config());
    let r = g.post(
        "/v2/trackings/realtime",
        &json!({"tracking_number": "UNKNOWN4002", "carrier_code": "usps"}),
    );
    assert_eq!(code(&r), 200, "{r}");
    assert_eq!(r["data"]["items"][0]["status"], "transit", "{r}");
}

#[test]
fn after_a_429_the_poller_asks_nothing_until_the_wait_is_over() {
    let up = UpstreamV4::start();
    let g = Gateway::with_config(&up.gateway_config());
    g.create("RATE4001", "usps");
    g.wait_until(10, "a refused read", |_| {
        !up.log.lock().unwrap().refused.is_empty()
    });
    g.create(&s10(400, "CN"), "usps");
    g.wait_until(15, "the other parcel read after the wait", |g| {
        g.status_of("usps", &s10(400, "CN")) == "delivered"
    });
    let l = up.log.lock().unwrap();
    let refused = l.refused[0];
    let next = l
        .gets
        .iter()
        .map(|(at, _)| *at)
        .find(|at| *at > refused)
        .expect("a read after the refusal");
    assert!(
        next.duration_since(refused) >= std::time::Duration::from_millis(1900),
        "the next read came {:?} after a 429 asking for 2 s",
        next.duration_since(refused)
    );
    drop(l);
    g.wait_until(15, "the refused parcel read after the wait too", |g| {
        g.status_of("usps", "RATE4001") == "delivered"
    });
}
