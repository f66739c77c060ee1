//! `/metrics` against the real binary: Prometheus text with the contract's names,
//! counting what happened, and the optional bearer token.

use crate::helpers::*;
use crate::receivers::*;
use crate::signing::*;
use serde_json::json;

fn scrape(g: &Gateway, token: Option<&str>) -> (u16, String) {
    let mut req = reqwest::blocking::Client::new().get(format!("{}/metrics", g.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

#[test]
fn metrics_count_requests_pushes_transitions_polls_and_notifications() {
    let r = Receiver::start(vec![]);
    let g = Gateway::process(&format!(
        "{}allow_private_destinations: true\n",
        push_config().replace("poll:\n  enabled: false\n", "poll:\n  provider: sandbox\n")
    ));
    g.put_settings(&json!({"webhook": {"url": r.url, "secret": "whsec_c2VjcmV0"}}));
    g.create("SANDBOX-DELIVERED-9", "sandbox"); // polled at once by the sandbox
    let n = s10(51, "US");
    g.create(&n, "usps");
    let body =
        json!({"carrier_code": "usps", "tracking_number": n, "status": "transit"}).to_string();
    assert_eq!(
        g.push("/hooks/native", &native_headers("m1", now(), &body), &body)
            .0,
        200
    );
    assert_eq!(g.push("/hooks/native", &[], &body).0, 401);
    r.wait_for(2, 15);
    g.wait_until(10, "both notifications delivered", |g| {
        scrape(g, None)
            .1
            .contains("trackgate_notifications_total{channel=\"webhook\",outcome=\"delivered\"} 2")
    });
    let (status, text) = scrape(&g, None);
    assert_eq!(status, 200);
    for needle in [
        "trackgate_http_requests_total{route=\"/v2/trackings/post\",code=\"200\"} 2",
        "trackgate_pushes_total{source=\"native\",outcome=\"accepted\"} 1",
        "trackgate_pushes_total{source=\"native\",outcome=\"unauthorized\"} 1",
        "trackgate_transitions_total{to=\"delivered\"} 1",
        "trackgate_transitions_total{to=\"transit\"} 1",
        "trackgate_polls_total{provider=\"sandbox\",outcome=\"ok\"} 1",
        "trackgate_delivery_seconds_bucket{channel=\"webhook\",le=",
        "trackgate_outbox_pending 0",
        "trackgate_outbox_lag_seconds",
        // Per endpoint: the account's first one.
        "endpoint=\"ep_default\",outcome=\"delivered\"} 2",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

#[test]
fn a_metrics_token_is_required_when_set() {
    let g = Gateway::with_config("metrics:\n  token: scrape-secret-42\n");
    assert_eq!(scrape(&g, None).0, 401);
    assert_eq!(scrape(&g, Some("wrong")).0, 401);
    let (status, text) = scrape(&g, Some("scrape-secret-42"));
    assert_eq!(status, 200);
    assert!(text.contains("trackgate_outbox_pending"), "{text}");
}
