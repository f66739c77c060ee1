//! What the log never holds, even at debug: a run through every receiver, a page
//! view and the settings leaves no configured secret, path or page token, API key
//! or customer address in it.

use crate::helpers::*;
use crate::signing::*;
use serde_json::json;

const PATH_TOKEN: &str = "PATHTOKEN-s3cr3t-0123456789abcdefXYZ";
const HOOK_SECRET: &str = "whsec_bG9nLXRlc3Qtd2ViaG9vay1zZWNyZXQ=";
const SLACK_TOKEN: &str = "T000/B000/slacksecretpart";
const CUSTOMER: &str = "jo.customer@example.org";

#[test]
fn a_debug_log_holds_no_secret_token_key_or_customer_address() {
    let cfg = push_config().replace(
        &format!(
            "trackingmore: {{ email: \"{TM_EMAIL}\", webhook_secret: \"{TM_WEBHOOK_SECRET}\" }}"
        ),
        &format!("trackingmore: {{ email: \"{TM_EMAIL}\", path_token: \"{PATH_TOKEN}\" }}"),
    ) + "allow_private_destinations: true\n";
    let g = Gateway::logging("debug", &cfg);
    g.put_settings(&json!({
        "webhook": {"url": "http://127.0.0.1:9/hook", "secret": HOOK_SECRET},
        "slack": {"url": format!("http://127.0.0.1:9/services/{SLACK_TOKEN}")},
    }));
    let n = s10(60, "CN");
    let v = g.post(
        "/v2/trackings/post",
        &json!({"tracking_number": n, "carrier_code": "china-post", "customer_email": CUSTOMER}),
    );
    assert_eq!(code(&v), 200, "{v}");
    let page_token = v["data"]["id"].as_str().unwrap().to_string();
    let verify = tm_verify(TM_EMAIL, &now().to_string());
    let body = json!({"meta": {"code": 200},
        "data": {"tracking_number": n, "carrier_code": "china-post", "status": "transit",
                 "origin_info": {"trackinfo": [{"Date": "2026-11-21 08:00", "StatusDescription": "Arrived", "Details": "BEIJING", "checkpoint_status": "transit"}]}},
        "verifyInfo": verify})
    .to_string();
    let (status, v) = g.push(&format!("/hooks/trackingmore/{PATH_TOKEN}"), &[], &body);
    assert_eq!(status, 200, "{v}");
    let (status, _) = g.push(&format!("/hooks/trackingmore/{PATH_TOKEN}x"), &[], &body);
    assert_eq!(status, 404, "a wrong token");
    let page = reqwest::blocking::get(format!("{}/t/{page_token}", g.base)).unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert_eq!(code(&g.get_as("wrong-key-xyz", "/v2/trackings/get")), 4001);
    g.wait_until(10, "the push's log line", |g| {
        g.log().iter().any(|l| l.contains("push accepted"))
    });
    let log = g.log().join("\n");
    assert!(
        log.contains("route=\"/hooks/trackingmore/{token}\""),
        "the span names the route template:\n{log}"
    );
    let loaded = format!("configuration: {}", g.config_path().display());
    assert!(
        log.contains(&loaded),
        "the log names the config file:\n{log}"
    );
    for secret in [
        PATH_TOKEN,
        &page_token,
        KEY_A,
        KEY_B,
        "wrong-key-xyz",
        HOOK_SECRET,
        SLACK_TOKEN,
        CUSTOMER,
        NATIVE_SECRET,
        AFTERSHIP_SECRET,
        SEVENTEEN_KEY,
    ] {
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
}
