//! Customer emails as a customer sees them: the shop's name, the order number, the
//! status in the customer's language, times with their zone; one file per
//! notification with the file transport.

use crate::helpers::*;
use serde_json::json;

#[test]
fn the_email_names_the_shop_and_order_in_the_customers_language() {
    let mail = tempfile::tempdir().unwrap();
    let g = Gateway::with_config(&format!(
        "poll:\n  enabled: false\nemail:\n  transport: file\n  dir: {}\n",
        mail.path().display()
    ));
    g.put_settings(&json!({"email": true}));
    let v = g.post(
        "/v2/trackings/realtime",
        &json!({"tracking_number": "SANDBOX-DELIVERED-5", "carrier_code": "sandbox",
                "customer_email": "kunde@example.de", "order_id": "B-4711", "lang": "de"}),
    );
    assert_eq!(code(&v), 200, "{v}");
    let mail_dir = mail.path();
    g.wait_until(10, "the email file", |g| {
        g.get("/v2/notifications?channel=email")["data"]["items"][0]["state"] == "delivered"
    });
    let id = g.get("/v2/notifications?channel=email")["data"]["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = mail_dir.join(format!("{id}.eml"));
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // Quoted-printable may fold long lines; read the text with soft breaks removed.
    let text = raw.replace("=\r\n", "").replace("=\n", "");
    assert!(text.contains("Shop A"), "{text}");
    assert!(text.contains("B-4711"), "{text}");
    assert!(text.contains("Zugestellt"), "{text}");
    assert!(!text.contains("has a new status: Delivered"), "{text}");
    assert!(text.contains("UTC"), "{text}");
    let tracking = g.get("/v2/trackings/sandbox/SANDBOX-DELIVERED-5");
    let page = tracking["data"]["tracking_url"].as_str().unwrap();
    assert!(
        text.contains(page),
        "the button leads to the tracking page {page}: {text}"
    );
}
