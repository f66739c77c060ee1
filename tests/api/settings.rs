//! Who decides an account's notification settings, said at start and in every
//! answer: the config when it names any, else the API.

use crate::helpers::*;
use serde_json::json;

#[test]
fn settings_the_config_leaves_to_the_api_are_said_to_be_kept() {
    let g = Gateway::logging("info", "");
    let v = g.get("/v2/notifications/settings");
    assert_eq!(v["data"]["managed_by"], "api", "{v}");
    let put = g.put_settings(&json!({"email": true}));
    assert!(put["data"].get("warning").is_none(), "{put}");
    let said = g.log().iter().any(|l| {
        l.contains("notification settings")
            && l.contains("account=a@shop-a.example")
            && l.contains("managed_by=\"api\"")
    });
    assert!(said, "the start says who decides: {:#?}", g.log());
}

#[test]
fn config_notify_settings_replace_the_stored_ones_at_start_and_a_put_says_so() {
    let mut g = Gateway::start();
    let put = g.put_settings(&json!({"email": true}));
    assert_eq!(put["data"]["managed_by"], "api", "{put}");
    g.restart_with_accounts(&format!(
        "accounts:\n  - email: a@shop-a.example\n    api_key: {KEY_A}\n    notify:\n      rules:\n        email: [delivered]\n  - email: b@shop-b.example\n    api_key: {KEY_B}\n"
    ));
    let v = g.get("/v2/notifications/settings");
    let d = &v["data"];
    assert_eq!(d["managed_by"], "config", "{v}");
    assert!(
        d["note"].as_str().unwrap().contains("accounts[0].notify"),
        "{v}"
    );
    assert_eq!(
        d["email"], false,
        "the config's settings replaced the API's"
    );
    assert_eq!(d["rules"]["email"], json!(["delivered"]));
    assert_eq!(
        d["rules"]["slack"],
        json!([
            "exception",
            "undelivered",
            "expired",
            "stalled",
            "edd_missed"
        ]),
        "a channel the config leaves out keeps its default"
    );
    let put = g.put_settings(&json!({"email": true}));
    assert_eq!(put["data"]["email"], true);
    let warning = put["data"]["warning"].as_str().expect("a warning");
    assert!(warning.contains("next start"), "{warning}");
    // B names none: its API settings are its own.
    let b = g.get_as(KEY_B, "/v2/notifications/settings");
    assert_eq!(b["data"]["managed_by"], "api", "{b}");
}
