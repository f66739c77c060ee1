//! Several webhook endpoints per account (`/v2/webhooks`), end to end with real
//! HTTP receivers: filters, each provider's body format, rotation with both
//! secrets signing, the test message, auto-disable with its Slack notice, and bad
//! input refused with nothing written.

use crate::helpers::*;
use crate::receivers::*;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const FIRST_SECRET: &str = "whsec_c2hvcC13ZWJob29rLXNlY3JldC0xMjM0NTY=";

fn config(extra: &str) -> String {
    format!(
        "limits:\n  list_per_second: 10000\npoll:\n  enabled: false\nallow_private_destinations: true\n\
         delivery:\n  retry: [\"1s\", \"1s\", \"1s\", \"1s\", \"1s\", \"1s\"]\n  timeout: \"1s\"\n{extra}"
    )
}

fn sig(secret: &str, h: &Got) -> String {
    let key = B64.decode(secret.trim_start_matches("whsec_")).unwrap();
    let mut m = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    let (id, ts) = (h.header("webhook-id"), h.header("webhook-timestamp"));
    m.update(format!("{id}.{ts}.{}", h.body).as_bytes());
    format!("v1,{}", B64.encode(m.finalize().into_bytes()))
}

fn signed_by(secret: &str, h: &Got) -> bool {
    h.header("webhook-signature")
        .split(' ')
        .any(|s| s == sig(secret, h))
}

fn create(g: &Gateway, body: Value) -> Value {
    let v = g.post("/v2/webhooks", &body);
    assert_eq!(code(&v), 200, "{v}");
    v["data"].clone()
}

fn delivered(g: &Gateway, number: &str) {
    let v = g.post(
        "/v2/trackings/realtime",
        &json!({"tracking_number": number, "carrier_code": "sandbox"}),
    );
    assert_eq!(code(&v), 200, "{v}");
}

fn endpoints(g: &Gateway) -> Vec<Value> {
    g.get("/v2/webhooks")["data"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn each_endpoint_gets_the_changes_it_asked_for_in_its_own_format_and_secret() {
    let (first, exceptions, aftership, v4, v2) = (
        Receiver::start(vec![]),
        Receiver::start(vec![]),
        Receiver::start(vec![]),
        Receiver::start(vec![]),
        Receiver::start(vec![]),
    );
    let g = Gateway::with_config(&config(""));
    g.put_settings(&json!({"webhook": {"url": first.url, "secret": FIRST_SECRET}}));
    let ex = create(
        &g,
        json!({"url": exceptions.url, "events": ["tracking.status_changed"], "statuses": ["exception"]}),
    );
    let asp = create(
        &g,
        json!({"url": aftership.url, "statuses": ["delivered"], "format": "aftership",
               "events": ["tracking.status_changed"]}),
    );
    let tm4 = create(&g, json!({"url": v4.url, "format": "trackingmore-v4"}));
    let tm2 = create(&g, json!({"url": v2.url, "format": "trackingmore-v2"}));
    let list = endpoints(&g);
    assert_eq!(list.len(), 5, "{list:?}");
    assert_eq!(
        list[0]["id"], "ep_default",
        "notify.webhook is the first endpoint"
    );
    assert!(
        list.iter().all(|e| e.get("secret").is_none()),
        "secrets are shown once"
    );
    assert_eq!(ex["statuses"], json!(["exception"]));

    delivered(&g, "SANDBOX-DELIVERED-31");

    let h = &first.wait_for(1, 10)[0];
    assert!(signed_by(FIRST_SECRET, h));
    assert_eq!(h.json()["event"]["type"], "tracking.status_changed");

    let h = &aftership.wait_for(1, 10)[0];
    assert!(
        signed_by(asp["secret"].as_str().unwrap(), h),
        "Standard Webhooks headers too"
    );
    let mut m = Hmac::<Sha256>::new_from_slice(asp["secret"].as_str().unwrap().as_bytes()).unwrap();
    m.update(h.body.as_bytes());
    assert_eq!(
        h.header("aftership-hmac-sha256"),
        B64.encode(m.finalize().into_bytes()),
        "AfterShip's signature: base64 HMAC of the raw body"
    );
    let b = h.json();
    assert_eq!(
        (b["event"].as_str(), b["msg"]["tag"].as_str()),
        (Some("tracking_update"), Some("Delivered"))
    );
    assert_eq!(b["msg"]["tracking_number"], "SANDBOX-DELIVERED-31");
    assert_eq!(b["msg"]["slug"], "sandbox");
    assert!(b["ts"].is_i64() && b["event_id"].as_str().is_some_and(|s| s.len() == 36));

    let h = &v4.wait_for(1, 10)[0];
    assert!(signed_by(tm4["secret"].as_str().unwrap(), h));
    let b = h.json();
    assert_eq!(
        (b["code"].as_i64(), b["data"]["delivery_status"].as_str()),
        (Some(200), Some("delivered"))
    );
    assert_eq!(b["data"]["courier_code"], "sandbox");

    let h = &v2.wait_for(1, 10)[0];
    assert!(signed_by(tm2["secret"].as_str().unwrap(), h));
    let b = h.json();
    assert_eq!(b["data"]["status"], "delivered");
    assert!(
        b["verifyInfo"]["signature"].is_string() && b.get("event").is_none(),
        "{b}"
    );

    // The exceptions-only endpoint was told nothing, and the list says why.
    let all = g.get("/v2/notifications?channel=webhook")["data"]["items"].clone();
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(4),
        "one per endpoint sent to: {all}"
    );
    assert!(exceptions.got().is_empty());
    let items = g.get("/v2/notifications?channel=webhook&state=skipped")["data"]["items"].clone();
    assert_eq!(items[0]["endpoint"], ex["id"], "{items}");
    assert!(items[0]["reason"]
        .as_str()
        .unwrap()
        .contains("does not take changes to delivered"));
}

#[test]
fn a_rotated_secret_and_its_predecessor_both_sign_during_the_grace() {
    let r = Receiver::start(vec![]);
    let g = Gateway::with_config(&config(""));
    let e = create(&g, json!({"url": r.url}));
    let old = e["secret"].as_str().unwrap().to_string();
    let id = e["id"].as_str().unwrap();
    let v = g.post(
        &format!("/v2/webhooks/{id}/rotate-secret"),
        &json!({"grace_seconds": 3600}),
    );
    assert_eq!(code(&v), 200, "{v}");
    let new = v["data"]["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    delivered(&g, "SANDBOX-DELIVERED-32");
    let h = &r.wait_for(1, 10)[0];
    assert!(
        signed_by(&new, h) && signed_by(&old, h),
        "{}",
        h.header("webhook-signature")
    );

    // Without a grace, the old secret stops signing at once.
    let v = g.post(
        &format!("/v2/webhooks/{id}/rotate-secret"),
        &json!({"grace_seconds": 0}),
    );
    let newest = v["data"]["secret"].as_str().unwrap().to_string();
    let t = g.post(&format!("/v2/webhooks/{id}/test"), &json!(null));
    assert_eq!(t["data"]["delivered"], true, "{t}");
    let h = &r.wait_for(2, 10)[1];
    assert_eq!(h.json()["event"]["type"], "webhook.test");
    assert!(signed_by(&newest, h));
    assert!(!signed_by(&new, h) && !signed_by(&old, h));
}

#[test]
fn an_endpoint_failing_past_its_window_is_switched_off_with_a_slack_notice_and_re_enabled() {
    let (r, slack) = (Receiver::start(vec![]), Receiver::start(vec![]));
    r.always(answer(500));
    let g = Gateway::with_config(&config("webhooks:\n  disable_after: \"2s\"\n"));
    g.put_settings(&json!({"slack": {"url": slack.url}, "rules": {"slack": ["exception"]}}));
    let e = create(&g, json!({"url": r.url}));
    let id = e["id"].as_str().unwrap().to_string();
    delivered(&g, "SANDBOX-DELIVERED-33");
    g.wait_until(20, "the endpoint switched off", |g| {
        g.get(&format!("/v2/webhooks/{id}"))["data"]["enabled"] == false
    });
    let e = g.get(&format!("/v2/webhooks/{id}"))["data"].clone();
    assert!(
        e["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("failing since"),
        "{e}"
    );
    assert!(e["health"]["failure_streak"].as_u64().unwrap() >= 2, "{e}");
    assert_eq!(e["health"]["last_error"], "HTTP 500");
    let notice = &slack.wait_for(1, 10)[0];
    assert!(notice.json()["text"].as_str().unwrap().contains(&id));
    let tries = r.got().len();

    // Re-enabled: the streak starts again from nothing.
    let v = g.put(
        &format!("/v2/webhooks/{id}"),
        Some(&json!({"enabled": true})),
    );
    assert_eq!(code(&v), 200, "{v}");
    assert_eq!(v["data"]["enabled"], true);
    assert_eq!(v["data"]["health"]["failure_streak"], 0);
    assert_eq!(v["data"]["disabled_reason"], Value::Null);
    assert!(
        r.got().len() <= tries + 1,
        "nothing that died meanwhile is resent"
    );
}

#[test]
fn bad_endpoint_input_is_refused_naming_the_field_and_writes_nothing() {
    let g = Gateway::with_config(
        "limits:\n  list_per_second: 10000\npoll:\n  enabled: false\nwebhooks:\n  max_per_account: 2\n",
    );
    for (body, field) in [
        (json!({"url": "ftp://shop.example/hook"}), "url"),
        (
            json!({"url": "http://127.0.0.1:9/hook"}),
            "allow_private_destinations",
        ),
        (
            json!({"url": "https://shop.example/h", "events": ["tracking.lost"]}),
            "events[0]",
        ),
        (
            json!({"url": "https://shop.example/h", "statuses": ["flying"]}),
            "statuses[0]",
        ),
        (
            json!({"url": "https://shop.example/h", "format": "xml"}),
            "format",
        ),
        (
            json!({"url": "https://shop.example/h", "colour": "red"}),
            "colour",
        ),
        (json!({"events": []}), "url"),
    ] {
        let v = g.post("/v2/webhooks", &body);
        assert_eq!(code(&v), 4012, "{body}: {v}");
        assert!(
            v["meta"]["message"].as_str().unwrap().contains(field),
            "{body}: {v}"
        );
    }
    assert!(endpoints(&g).is_empty(), "nothing written");
    create(&g, json!({"url": "https://shop.example/1"}));
    let e = create(&g, json!({"url": "https://shop.example/2"}));
    let v = g.post("/v2/webhooks", &json!({"url": "https://shop.example/3"}));
    assert_eq!(code(&v), 4012, "{v}");
    assert!(
        v["meta"]["message"].as_str().unwrap().contains("at most 2"),
        "{v}"
    );
    let id = e["id"].as_str().unwrap();
    assert_eq!(code(&g.delete(&format!("/v2/webhooks/{id}"))), 200);
    assert_eq!(code(&g.get(&format!("/v2/webhooks/{id}"))), 4031);
    assert_eq!(code(&g.get_as(KEY_B, "/v2/webhooks")), 200);
    assert_eq!(endpoints(&g).len(), 1);
}

/// Each provider's format, read by a receiver written from that provider's
/// documentation: a second gateway's `/hooks/aftership` and `/hooks/trackingmore`
/// (v2) take what the first one sends and move the parcel.
#[test]
fn the_aftership_and_trackingmore_formats_are_taken_by_receivers_of_those_providers() {
    use crate::signing::{push_config, AFTERSHIP_SECRET, TM_EMAIL};
    let receiver = Gateway::with_config(&push_config());
    let sender = Gateway::with_config(&config(""));
    for (number, format, secret, path) in [
        (
            "SANDBOX-DELIVERED-41",
            "aftership",
            AFTERSHIP_SECRET,
            "/hooks/aftership",
        ),
        // TrackingMore v2 signs `verifyInfo` with the account email; the endpoint's
        // secret takes its place, so a v2 receiver configured with it verifies.
        (
            "SANDBOX-DELIVERED-42",
            "trackingmore-v2",
            TM_EMAIL,
            "/hooks/trackingmore",
        ),
    ] {
        receiver.create(number, "sandbox");
        let e = create(
            &sender,
            json!({"url": format!("{}{path}", receiver.base), "format": format, "secret": secret}),
        );
        delivered(&sender, number);
        receiver.wait_until(
            10,
            &format!("{format}: the receiver's parcel delivered"),
            |g| g.status_of("sandbox", number) == "delivered",
        );
        // The next format is checked alone.
        let id = e["id"].as_str().unwrap();
        assert_eq!(code(&sender.delete(&format!("/v2/webhooks/{id}"))), 200);
    }
}
