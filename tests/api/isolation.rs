//! One account never sees or touches another's trackings.

use crate::helpers::*;
use serde_json::json;

#[test]
fn an_account_cannot_read_change_count_or_delete_another_accounts_trackings() {
    let g = Gateway::start();
    let n = s10(42, "GB");
    g.post(
        "/v2/trackings/post",
        &json!({"tracking_number": n, "carrier_code": "royal-mail", "order_id": "SECRET-1"}),
    );
    let b = |path: &str| g.get_as(KEY_B, path);
    assert_eq!(code(&b(&format!("/v2/trackings/royal-mail/{n}"))), 4017);
    assert_eq!(b("/v2/trackings/get")["data"]["total"], "0");
    assert_eq!(
        b(&format!("/v2/trackings/get?numbers={n}"))["data"]["total"],
        "0"
    );
    assert_eq!(b("/v2/trackings/get?orders=SECRET-1")["data"]["total"], "0");
    assert_eq!(b("/v2/trackings/getstatusnumber")["data"]["total"], 0);
    assert_eq!(code(&b(&format!("/v2/history/royal-mail/{n}"))), 4017);
    let (_, v) = g.send(
        reqwest::Method::PUT,
        &format!("/v2/trackings/royal-mail/{n}"),
        Some(KEY_B),
        Some(r#"{"title":"x"}"#),
    );
    assert_eq!(code(&v), 4017);
    let (_, v) = g.send(
        reqwest::Method::DELETE,
        &format!("/v2/trackings/royal-mail/{n}"),
        Some(KEY_B),
        None,
    );
    assert_eq!(code(&v), 4017);
    let v = g.post_as(
        KEY_B,
        "/v2/trackings/delete",
        &json!([{"tracking_number": n, "carrier_code": "royal-mail"}]),
    );
    assert_eq!(v["data"]["deleted"], 0);
    let v = g.post_as(
        KEY_B,
        "/v2/trackings/update",
        &json!({"tracking_number": n, "carrier_code": "royal-mail", "update_carrier_code": "usps"}),
    );
    assert_eq!(code(&v), 4017);
    // B may track the same number independently.
    let v = g.post_as(
        KEY_B,
        "/v2/trackings/post",
        &json!({"tracking_number": n, "carrier_code": "royal-mail"}),
    );
    assert_eq!(code(&v), 200);
    assert!(v["data"].get("order_id").is_none());
    // A's tracking is untouched.
    assert_eq!(
        g.get(&format!("/v2/trackings/royal-mail/{n}"))["data"]["order_id"],
        "SECRET-1"
    );
    assert_eq!(g.get("/v2/trackings/getstatusnumber")["data"]["total"], 1);
}
