//! TrackingMore v4 webhooks on `/hooks/trackingmore`, signed both ways its
//! documents describe (`research/today-apis.md` §1.7): base64 over the body, hex
//! over the timestamp.

use crate::helpers::*;
use crate::signing::*;
use serde_json::json;

/// A v4 webhook body: `{code, message, data: <v4 tracking object>}`.
fn v4_body(number: &str, status: &str, detail: &str) -> String {
    json!({"code": 200, "message": "Success",
           "data": {"id": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", "tracking_number": number,
                    "courier_code": "china-post", "delivery_status": status,
                    "substatus": null, "latest_checkpoint_time": "2026-11-21T08:00:00",
                    "origin_info": {"trackinfo": [
                        {"checkpoint_date": "2026-11-21T08:00:00", "tracking_detail": detail,
                         "location": "BEIJING", "checkpoint_delivery_status": status}]},
                    "destination_info": {"trackinfo": []}}})
    .to_string()
}

fn signed_body(body: &str) -> Vec<(String, String)> {
    vec![("signature".into(), tm_v4_body_signature(body))]
}

fn signed_time(ts: &str) -> Vec<(String, String)> {
    vec![
        ("timestamp".into(), ts.into()),
        ("signature".into(), tm_v4_time_signature(ts)),
    ]
}

#[test]
fn a_v4_webhook_signed_over_its_body_moves_the_status_once() {
    let g = Gateway::with_config(&push_config());
    let n = s10(90, "CN");
    g.create(&n, "china-post");
    let body = v4_body(&n, "transit", "Arrived at sorting center");
    let forged = vec![("signature".to_string(), tm_v4_body_signature("{}"))];
    assert_eq!(g.push("/hooks/trackingmore", &forged, &body).0, 401);
    assert_eq!(g.push("/hooks/trackingmore", &[], &body).0, 401, "unsigned");
    assert_eq!(
        g.status_of("china-post", &n),
        "pending",
        "refusals wrote nothing"
    );
    let (status, v) = g.push("/hooks/trackingmore", &signed_body(&body), &body);
    assert_eq!((status, v["transitions"].as_i64()), (200, Some(1)), "{v}");
    let t = &g.get(&format!("/v2/trackings/china-post/{n}"))["data"];
    assert_eq!(t["status"], "transit");
    assert_eq!(
        t["origin_info"]["trackinfo"][0]["StatusDescription"],
        "Arrived at sorting center"
    );
    let (_, v) = g.push("/hooks/trackingmore", &signed_body(&body), &body);
    assert_eq!(v["duplicate"], true, "the same push again: {v}");
    // A hex signature of the body works too.
    let later = v4_body(&n, "delivered", "Delivered");
    let hex = {
        use hmac::{Hmac, Mac};
        let mut m = Hmac::<sha2::Sha256>::new_from_slice(TM_WEBHOOK_SECRET.as_bytes()).unwrap();
        m.update(later.as_bytes());
        hex::encode(m.finalize().into_bytes())
    };
    let (status, v) = g.push("/hooks/trackingmore", &[("signature".into(), hex)], &later);
    assert_eq!((status, v["transitions"].as_i64()), (200, Some(1)), "{v}");
    assert_eq!(g.status_of("china-post", &n), "delivered");
}

#[test]
fn a_v4_webhook_signed_over_its_time_is_fresh_and_bound_to_one_body() {
    let g = Gateway::with_config(&push_config());
    let n = s10(91, "CN");
    g.create(&n, "china-post");
    let stale = (now() - 900).to_string();
    let body = v4_body(&n, "transit", "Arrived");
    assert_eq!(
        g.push("/hooks/trackingmore", &signed_time(&stale), &body).0,
        401
    );
    let ts = now().to_string();
    let (status, v) = g.push("/hooks/trackingmore", &signed_time(&ts), &body);
    assert_eq!((status, v["transitions"].as_i64()), (200, Some(1)), "{v}");
    // The same signed time on another body is a replay with a forged body.
    let forged = v4_body(&n, "delivered", "Delivered");
    assert_eq!(
        g.push("/hooks/trackingmore", &signed_time(&ts), &forged).0,
        401
    );
    assert_eq!(g.status_of("china-post", &n), "transit");
}

#[test]
fn the_v4_signature_headers_are_configurable_and_v4_alone_needs_no_email() {
    let g = Gateway::with_config(&format!(
        "poll:\n  enabled: false\npush:\n  trackingmore:\n    webhook_secret: \"{TM_WEBHOOK_SECRET}\"\n    signature_header: x-tm-signature\n"
    ));
    let n = s10(92, "CN");
    g.create(&n, "china-post");
    let body = v4_body(&n, "transit", "Arrived");
    assert_eq!(
        g.push("/hooks/trackingmore", &signed_body(&body), &body).0,
        401,
        "the default header is not read"
    );
    let h = vec![("x-tm-signature".to_string(), tm_v4_body_signature(&body))];
    let (status, v) = g.push("/hooks/trackingmore", &h, &body);
    assert_eq!(status, 200, "{v}");
    // A v2 push (verifyInfo) is refused here: no account email is configured.
    let ts = now().to_string();
    let v2 = json!({"meta": {"code": 200}, "data": {"tracking_number": n, "carrier_code": "china-post", "status": "delivered"},
                    "verifyInfo": tm_verify(TM_EMAIL, &ts)})
    .to_string();
    let (status, v) = g.push("/hooks/trackingmore", &[], &v2);
    assert_eq!(status, 404, "{v}");
    assert_eq!(g.status_of("china-post", &n), "transit");
}
