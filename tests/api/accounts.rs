//! Accounts follow the config: one removed from it is disabled at the next start
//! (keys refused, data kept), and an account may hold several keys so one can be
//! rotated with overlap.

use crate::helpers::*;
use serde_json::json;

fn accounts(a_keys: &str, with_b: bool) -> String {
    let b = if with_b {
        format!("  - email: b@shop-b.example\n    api_key: {KEY_B}\n")
    } else {
        String::new()
    };
    format!("accounts:\n  - email: a@shop-a.example\n{a_keys}{b}")
}

#[test]
fn an_account_removed_from_the_config_is_refused_after_restart_and_keeps_its_data() {
    let mut g = Gateway::logging("info", "");
    let n = s10(7, "GB");
    let made = g.post_as(
        KEY_B,
        "/v2/trackings/post",
        &json!({"tracking_number": n, "carrier_code": "royal-mail"}),
    );
    assert_eq!(code(&made), 200, "{made}");

    g.restart_with_accounts(&accounts(&format!("    api_key: {KEY_A}\n"), false));
    let path = format!("/v2/trackings/royal-mail/{n}");
    assert_eq!(code(&g.get_as(KEY_B, &path)), 4001, "B's key is refused");
    assert_eq!(code(&g.get("/v2/trackings/get")), 200, "A still works");
    let warned = g.log().iter().any(|l| {
        l.contains("WARN") && l.contains("b@shop-b.example") && l.contains("not in the config")
    });
    assert!(warned, "a WARN names the disabled account: {:#?}", g.log());

    // Put back, it works again with everything it had.
    g.restart_with_accounts(&accounts(&format!("    api_key: {KEY_A}\n"), true));
    let v = g.get_as(KEY_B, &path);
    assert_eq!(code(&v), 200, "{v}");
    assert_eq!(v["data"]["tracking_number"], n.as_str());
}

#[test]
fn a_key_is_rotated_with_overlap_then_the_old_one_is_refused() {
    let mut g = Gateway::start();
    let old_key = KEY_A;
    let new_key = "key-shop-a-2027";
    // Both at once: the old in clear, the new as its SHA-256, as a config would
    // carry it without the secret.
    let new_hash = trackgate::core::account::hash_key(new_key);
    g.restart_with_accounts(&accounts(
        &format!("    api_keys: [{old_key}]\n    api_key_sha256s: [\"{new_hash}\"]\n"),
        true,
    ));
    for key in [old_key, new_key] {
        assert_eq!(code(&g.get_as(key, "/v2/trackings/get")), 200, "{key}");
    }
    g.restart_with_accounts(&accounts(&format!("    api_key: {new_key}\n"), true));
    assert_eq!(code(&g.get_as(new_key, "/v2/trackings/get")), 200);
    assert_eq!(code(&g.get_as(old_key, "/v2/trackings/get")), 4001);
    assert_eq!(code(&g.get_as(KEY_B, "/v2/trackings/get")), 200);
}
