//! `POST /v2/notifications/{id}/retry` on each kind of notification: what it does
//! and what it answers.

use crate::helpers::*;
use crate::receivers::*;
use serde_json::{json, Value};

const SECRET: &str = "whsec_c2hvcC13ZWJob29rLXNlY3JldC0xMjM0NTY=";

fn notifications(g: &Gateway) -> Vec<Value> {
    g.get("/v2/notifications")["data"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn a_retry_brings_a_waiting_one_forward_resends_a_delivered_one_and_says_so() {
    // The first try fails; the schedule's next try is an hour away.
    let r = Receiver::start(vec![answer(503)]);
    let g = Gateway::with_config(
        "poll:\n  enabled: false\nallow_private_destinations: true\ndelivery:\n  retry: [\"1h\"]\n",
    );
    let v = g.put_settings(&json!({"webhook": {"url": r.url, "secret": SECRET},
        "rules": {"webhook": ["transit", "delivered"], "email": [], "slack": []}}));
    assert_eq!(code(&v), 200, "{v}");
    let v = g.post(
        "/v2/trackings/realtime",
        &json!({"tracking_number": "SANDBOX-DELIVERED-3", "carrier_code": "sandbox"}),
    );
    assert_eq!(code(&v), 200, "{v}");
    r.wait_for(1, 10);
    g.wait_until(10, "the failed try recorded", |g| {
        notifications(g)
            .first()
            .is_some_and(|n| n["attempts"] == 1 && n["state"] == "pending")
    });
    let id = notifications(&g)[0]["id"].as_str().unwrap().to_string();

    let v = g.post(&format!("/v2/notifications/{id}/retry"), &json!({}));
    assert_eq!(v["data"]["requeued"], 1, "{v}");
    assert_eq!(v["data"]["action"], "brought_forward", "{v}");
    assert!(v["data"]["was_due"].is_string(), "{v}");
    let first = r.wait_for(2, 10);
    g.wait_until(10, "delivered", |g| {
        notifications(g)[0]["state"] == "delivered"
    });

    let v = g.post(&format!("/v2/notifications/{id}/retry"), &json!({}));
    assert_eq!(v["data"]["action"], "resent", "{v}");
    let got = r.wait_for(3, 10);
    assert_eq!(
        got[2].header("webhook-id"),
        first[1].header("webhook-id"),
        "the same id, so a receiver that has it can tell"
    );
    g.wait_until(10, "delivered again", |g| {
        let n = &notifications(g)[0];
        n["state"] == "delivered" && n["attempts"] == 3
    });

    let v = g.post("/v2/notifications/msg_nope/retry", &json!({}));
    assert_eq!(code(&v), 4031, "{v}");
}
