//! Shop connectors: Shopify's and WooCommerce's order webhooks, from fixtures built
//! on the platforms' documented samples (`tests/fixtures/{shopify,woocommerce}`),
//! signed exactly as the platforms sign them.

use crate::helpers::*;
use crate::receivers::free_port;
use crate::smtp::Smtp;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};

const SHOP: &str = "bobs-shop.myshopify.com";
const SHOPIFY_SECRET: &str = "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";
const SHOPIFY_NEXT: &str = "shpss_new_0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const WOO: &str = "https://tienda.example/";
/// WooCommerce keys the HMAC with the secret HTML-decoded: this one holds `&amp;`.
const WOO_SECRET: &str = "ck&amp;s3cret";

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn b64_hmac(key: &str, body: &str) -> String {
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    m.update(body.as_bytes());
    B64.encode(m.finalize().into_bytes())
}

fn accounts(notify: &str) -> String {
    format!(
        "accounts:\n  - email: a@shop-a.example\n    name: Bob's Shop\n    api_key: {KEY_A}\n{notify}    connect:\n      shopify: {{ shop_domain: {SHOP}, secrets: [\"{SHOPIFY_SECRET}\", \"{SHOPIFY_NEXT}\"] }}\n      woocommerce: {{ store_url: \"{WOO}\", secret: \"{WOO_SECRET}\" }}\n  - email: b@shop-b.example\n    api_key: {KEY_B}\n"
    )
}

fn gateway() -> Gateway {
    let mut g =
        Gateway::with_config("poll:\n  enabled: false\nlimits:\n  list_per_second: 10000\n");
    g.restart_with_accounts(&accounts(""));
    g
}

fn shopify(g: &Gateway, topic: &str, id: &str, body: &str, secret: &str) -> (u16, Value) {
    let h = vec![
        ("X-Shopify-Topic".to_string(), topic.to_string()),
        ("X-Shopify-Shop-Domain".into(), SHOP.into()),
        ("X-Shopify-Webhook-Id".into(), id.into()),
        ("X-Shopify-Hmac-Sha256".into(), b64_hmac(secret, body)),
        ("Content-Type".into(), "application/json".into()),
    ];
    g.push("/connect/shopify", &h, body)
}

fn woo(g: &Gateway, topic: &str, body: &str, secret: &str) -> (u16, Value) {
    let h = vec![
        ("X-WC-Webhook-Topic".to_string(), topic.to_string()),
        ("X-WC-Webhook-Source".into(), WOO.into()),
        ("X-WC-Webhook-Signature".into(), b64_hmac(secret, body)),
        (
            "X-WC-Webhook-Delivery-ID".into(),
            "0f1e2d3c4b5a69788796a5b4c3d2e1f0".into(),
        ),
        ("Content-Type".into(), "application/json".into()),
    ];
    g.push("/connect/woocommerce", &h, body)
}

fn tracking(g: &Gateway, carrier: &str, number: &str) -> Value {
    g.get(&format!("/v2/trackings/{carrier}/{number}"))["data"].clone()
}

/// A gateway mailing customers through a real SMTP server, with the push receivers on.
fn mailing_gateway(port: u16) -> Gateway {
    let mut g = Gateway::with_config(&format!(
        "poll:\n  enabled: false\nemail:\n  transport: smtp\n  from: \"Bob's Shop <track@bobs.example>\"\n  smtp: {{ host: 127.0.0.1, port: {port}, security: none }}\n{}",
        crate::signing::push_config().replace("poll:\n  enabled: false\n", "")
    ));
    g.restart_with_accounts(&accounts("    notify:\n      email: true\n"));
    g
}

/// The carrier says "delivered" for `number`; the email that follows, parsed:
/// (recipient, text).
fn delivered_email(g: &Gateway, smtp: &Smtp, carrier: &str, number: &str) -> (String, String) {
    let push = json!({"carrier_code": carrier, "tracking_number": number, "status": "delivered",
        "events": [{"time": "2026-11-21T15:00:00Z", "description": "Delivered, front door", "location": "HOME", "status": "delivered"}]})
    .to_string();
    let h = crate::signing::native_headers(&format!("msg_{number}"), crate::signing::now(), &push);
    assert_eq!(g.push("/hooks/native", &h, &push).0, 200);
    let raw = smtp.wait_for(1, 10).remove(0);
    let mail = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .unwrap();
    let to = mail
        .to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_string();
    (to, mail.body_text(0).unwrap().into_owned())
}

#[test]
fn a_shopify_fulfillment_becomes_a_tracking_and_a_delivered_push_emails_the_customer() {
    let port = free_port();
    let smtp = Smtp::start(port);
    let g = mailing_gateway(port);
    let body = fixture("shopify/fulfillments-create.json");
    let (status, v) = shopify(
        &g,
        "fulfillments/create",
        "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        &body,
        SHOPIFY_SECRET,
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["created"].as_i64(), v["updated"].as_i64()),
        (Some(1), Some(0)),
        "{v}"
    );
    let t = tracking(&g, "usps", "9400111899562537624326");
    assert_eq!(t["order_id"], "#1001");
    assert_eq!(t["customer_email"], "bob.norman@mail.example.com");
    assert_eq!(t["customer_name"], "Bob Norman");
    let (to, text) = delivered_email(&g, &smtp, "usps", "9400111899562537624326");
    assert_eq!(to, "bob.norman@mail.example.com");
    assert!(
        text.contains("Bob Norman") && text.contains("#1001"),
        "{text}"
    );
}

#[test]
fn a_woocommerce_order_becomes_a_tracking_and_a_delivered_push_emails_the_customer_in_spanish() {
    let port = free_port();
    let smtp = Smtp::start(port);
    let g = mailing_gateway(port);
    let body = fixture("woocommerce/order-updated.json");
    let (status, v) = woo(&g, "order.updated", &body, "ck&s3cret");
    assert_eq!((status, v["created"].as_i64()), (200, Some(1)), "{v}");
    let (to, text) = delivered_email(&g, &smtp, "usps", "9400111899562537624326");
    assert_eq!(to, "ana.ruiz@mail.example.com");
    assert!(text.contains("Ana Ruiz") && text.contains("727"), "{text}");
    assert!(
        text.contains("Entregado"),
        "the site language (wpml_language es): {text}"
    );
}

#[test]
fn shopify_replays_rotated_secrets_other_topics_and_refusals() {
    let g = gateway();
    let body = fixture("shopify/orders-updated.json");
    // Signed with the new secret during a rotation: taken.
    let (status, v) = shopify(&g, "orders/updated", "w-1", &body, SHOPIFY_NEXT);
    assert_eq!((status, v["created"].as_i64()), (200, Some(2)), "{v}");
    let t = tracking(&g, "dhl", "1234567890");
    assert_eq!(t["order_id"], "#1001");
    assert_eq!(t["lang"], "de", "customer_locale");
    assert_eq!(t["order_create_time"], "2026-11-19T18:03:21-05:00");
    // The same delivery again: no second effect.
    let (_, v) = shopify(&g, "orders/updated", "w-1", &body, SHOPIFY_SECRET);
    assert_eq!(v["duplicate"], true, "{v}");
    // Another topic about the same order, arriving late: nothing made twice.
    let f = fixture("shopify/fulfillments-create.json");
    let (_, v) = shopify(&g, "fulfillments/create", "w-2", &f, SHOPIFY_SECRET);
    assert_eq!(
        (v["created"].as_i64(), v["updated"].as_i64()),
        (Some(0), Some(1)),
        "{v}"
    );
    // A changed email is updated; a cancelled fulfillment stops updating.
    let changed = body
        .replace("bob.norman@mail.example.com", "bob@new.example.com")
        .replace(
            "\"status\": \"success\",\n      \"tracking_company\": \"DHL Express\"",
            "\"status\": \"cancelled\",\n      \"tracking_company\": \"DHL Express\"",
        );
    let (_, v) = shopify(&g, "orders/updated", "w-3", &changed, SHOPIFY_SECRET);
    assert_eq!(v["updated"].as_i64(), Some(2), "{v}");
    assert_eq!(
        tracking(&g, "usps", "9400111899562537624326")["customer_email"],
        "bob@new.example.com"
    );
    assert_eq!(tracking(&g, "dhl", "1234567890")["notupdate"], true);
    // Other topics are answered and ignored.
    let (status, v) = shopify(&g, "products/update", "w-4", "{}", SHOPIFY_SECRET);
    assert_eq!(
        (status, v["ignored"].as_str()),
        (200, Some("products/update"))
    );

    // Refusals write nothing.
    let other = fixture("shopify/fulfillments-create.json")
        .replace("9400111899562537624326", "9400111899562537624333");
    assert_eq!(
        shopify(&g, "fulfillments/create", "w-5", &other, "wrong-secret").0,
        401
    );
    let mut h = vec![
        (
            "X-Shopify-Topic".to_string(),
            "fulfillments/create".to_string(),
        ),
        (
            "X-Shopify-Shop-Domain".into(),
            "stranger.myshopify.com".into(),
        ),
        (
            "X-Shopify-Hmac-Sha256".into(),
            b64_hmac(SHOPIFY_SECRET, &other),
        ),
    ];
    assert_eq!(g.push("/connect/shopify", &h, &other).0, 404);
    h[1].1 = SHOP.into();
    let bad = r##"{"name": "#1002.1", "tracking_numbers": {"a": 1}}"##;
    h[2].1 = b64_hmac(SHOPIFY_SECRET, bad);
    let (status, v) = g.push("/connect/shopify", &h, bad);
    assert_eq!(status, 400, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("tracking_numbers"),
        "{v}"
    );
    assert_eq!(
        code(&g.get("/v2/trackings/usps/9400111899562537624333")),
        4017
    );
    let list = g.get("/v2/trackings/get");
    assert_eq!(
        list["data"]["total"], "2",
        "only the two numbers of order #1001"
    );
    // The other account sees none of them.
    assert_eq!(g.get_as(KEY_B, "/v2/trackings/get")["data"]["total"], "0");
}

#[test]
fn a_body_near_the_size_limit_is_taken() {
    let g = gateway();
    // About 900 KiB of line items, under the default 1 MiB limit.
    let items: Vec<Value> = (0..7000)
        .map(|i| json!({"id": i, "title": "Replacement part, assorted sizes", "sku": format!("SKU-{i:06}"), "quantity": 1, "price": "19.99", "vendor": "Acme Parts Ltd."}))
        .collect();
    let body = json!({"name": "#3000", "email": "big@example.net", "line_items": items,
        "fulfillments": [{"status": "success", "tracking_company": "USPS", "tracking_number": s10(900, "US")}]})
    .to_string();
    assert!(
        body.len() > 800 * 1024 && body.len() < 1024 * 1024,
        "{}",
        body.len()
    );
    let (status, v) = shopify(&g, "orders/fulfilled", "w-big", &body, SHOPIFY_SECRET);
    assert_eq!((status, v["created"].as_i64()), (200, Some(1)), "{v}");
}

#[test]
fn an_order_with_50_numbers_is_taken_in_one_delivery() {
    let g = gateway();
    let numbers: Vec<String> = (0..50).map(|i| s10(500 + i, "US")).collect();
    let body = json!({"name": "#2000", "email": "big@example.net", "created_at": "2026-11-19T18:03:21-05:00",
        "fulfillments": [{"status": "success", "tracking_company": "USPS", "tracking_numbers": numbers}]})
    .to_string();
    let (status, v) = shopify(&g, "orders/fulfilled", "w-50", &body, SHOPIFY_SECRET);
    assert_eq!((status, v["created"].as_i64()), (200, Some(50)), "{v}");
    assert_eq!(
        g.get("/v2/trackings/get?orders=%232000")["data"]["total"],
        "50"
    );
}

#[test]
fn woocommerce_orders_register_their_tracking_items_and_the_ping_is_answered() {
    let g = gateway();
    // The ping WooCommerce sends when the webhook is saved: unsigned, a form body.
    let (status, _) = g.push(
        "/connect/woocommerce",
        &[(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        "webhook_id=17",
    );
    assert_eq!(status, 200);
    assert_eq!(
        g.get("/v2/trackings/get")["data"]["total"],
        "0",
        "the ping writes nothing"
    );

    let body = fixture("woocommerce/order-updated.json");
    // Keyed with the secret as typed (not HTML-decoded): refused.
    assert_eq!(woo(&g, "order.updated", &body, WOO_SECRET).0, 401);
    let (status, v) = woo(&g, "order.updated", &body, "ck&s3cret");
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["created"].as_i64(), Some(1), "{v}");
    let refused = v["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{v}");
    assert_eq!(refused[0]["tracking_number"], "PIGEON-42");
    assert!(
        refused[0]["reason"]
            .as_str()
            .unwrap()
            .contains("Pigeon Post"),
        "{v}"
    );
    let t = tracking(&g, "usps", "9400111899562537624326");
    assert_eq!(t["order_id"], "727");
    assert_eq!(t["customer_email"], "ana.ruiz@mail.example.com");
    assert_eq!(t["customer_name"], "Ana Ruiz");
    assert_eq!(t["lang"], "es");
    // The same body again has no second effect; a cancelled order stops updating.
    let (_, v) = woo(&g, "order.updated", &body, "ck&s3cret");
    assert_eq!(v["duplicate"], true, "{v}");
    let cancelled = body.replace("\"status\": \"completed\"", "\"status\": \"cancelled\"");
    let (_, v) = woo(&g, "order.updated", &cancelled, "ck&s3cret");
    assert_eq!(v["updated"].as_i64(), Some(1), "{v}");
    assert_eq!(
        tracking(&g, "usps", "9400111899562537624326")["notupdate"],
        true
    );
    let mut h = vec![
        (
            "X-WC-Webhook-Topic".to_string(),
            "order.updated".to_string(),
        ),
        (
            "X-WC-Webhook-Source".into(),
            "https://elsewhere.example/".into(),
        ),
        (
            "X-WC-Webhook-Signature".into(),
            b64_hmac("ck&s3cret", &body),
        ),
    ];
    assert_eq!(g.push("/connect/woocommerce", &h, &body).0, 404);
    h[1].1 = WOO.into();
    h[0].1 = "coupon.created".into();
    let (status, v) = g.push("/connect/woocommerce", &h, &body);
    assert_eq!(
        (status, v["ignored"].as_str()),
        (200, Some("coupon.created"))
    );
}

#[test]
fn check_config_refuses_a_store_connected_twice_or_without_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    std::fs::write(
        &path,
        format!(
            "accounts:\n  - email: a@x.example\n    api_key: k1-long-enough\n    connect:\n      shopify: {{ shop_domain: {SHOP} }}\n  - email: b@x.example\n    api_key: k2-long-enough\n    connect:\n      shopify: {{ shop_domain: {SHOP}, secret: s }}\n"
        ),
    )
    .unwrap();
    let (ok, out) = run_trackgate(&["check-config", "--config", path.to_str().unwrap()]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("accounts[0].connect.shopify: secret (or secrets) is required"),
        "{out}"
    );
    assert!(
        out.contains("accounts[1].connect.shopify.shop_domain: also accounts[0]'s"),
        "{out}"
    );
}

#[test]
fn connectors_set_through_the_api_work_at_once_survive_a_restart_and_never_show_secrets() {
    let mut g = Gateway::with_config("poll:\n  enabled: false\n");
    let body = fixture("shopify/fulfillments-create.json");
    assert_eq!(
        shopify(&g, "fulfillments/create", "a-1", &body, SHOPIFY_SECRET).0,
        404,
        "not connected yet"
    );

    let put = |g: &Gateway, key: &str, v: Value| {
        g.send(
            reqwest::Method::PUT,
            "/v2/connect/settings",
            Some(key),
            Some(&v.to_string()),
        )
        .1
    };
    let v = put(
        &g,
        KEY_A,
        json!({"shopify": {"shop_domain": "https://Bobs-Shop.myshopify.com/", "secret": SHOPIFY_SECRET}}),
    );
    assert_eq!(code(&v), 200, "{v}");
    assert_eq!(v["data"]["shopify"]["shop_domain"], SHOP);
    assert_eq!(v["data"]["shopify"]["secrets"], 1);
    assert_eq!(v["data"]["managed_by"], "api");
    assert!(
        !v.to_string().contains(SHOPIFY_SECRET),
        "a secret is never shown back: {v}"
    );
    let (status, r) = shopify(&g, "fulfillments/create", "a-2", &body, SHOPIFY_SECRET);
    assert_eq!(
        (status, r["created"].as_i64()),
        (200, Some(1)),
        "taken without a restart: {r}"
    );

    // Rotation: the new secret replaces the old one.
    let v = put(
        &g,
        KEY_A,
        json!({"shopify": {"shop_domain": SHOP, "secrets": [SHOPIFY_NEXT]}}),
    );
    assert_eq!(code(&v), 200, "{v}");
    assert_eq!(
        shopify(&g, "fulfillments/create", "a-3", &body, SHOPIFY_SECRET).0,
        401
    );
    assert_eq!(
        shopify(&g, "fulfillments/create", "a-4", &body, SHOPIFY_NEXT).0,
        200
    );

    // Bad input names the field and changes nothing.
    for (bad, field) in [
        (
            json!({"shopify": {"shop_domain": ""}}),
            "shopify.shop_domain",
        ),
        (
            json!({"woocommerce": {"store_url": "shop.example", "secret": "s"}}),
            "woocommerce.store_url",
        ),
        (
            json!({"woocommerce": {"store_url": "https://shop.example/"}}),
            "woocommerce.secret",
        ),
        (json!({"bigcommerce": {}}), "bigcommerce"),
    ] {
        let v = put(&g, KEY_A, bad);
        assert_eq!(code(&v), 4012, "{v}");
        assert!(
            v["meta"]["message"].as_str().unwrap().contains(field),
            "{field}: {v}"
        );
    }
    // A store belongs to one account.
    let v = put(
        &g,
        KEY_B,
        json!({"shopify": {"shop_domain": SHOP, "secret": "other"}}),
    );
    assert_eq!(code(&v), 4012, "{v}");
    assert!(
        v["meta"]["message"]
            .as_str()
            .unwrap()
            .contains("another account"),
        "{v}"
    );

    // Kept across a restart (the config names no connectors for this account).
    g.restart_with_accounts(&format!(
        "accounts:\n  - email: a@shop-a.example\n    api_key: {KEY_A}\n  - email: b@shop-b.example\n    api_key: {KEY_B}\n"
    ));
    let v = g.get("/v2/connect/settings");
    assert_eq!(v["data"]["shopify"]["shop_domain"], SHOP, "{v}");
    assert_eq!(
        shopify(&g, "fulfillments/create", "a-5", &body, SHOPIFY_NEXT).0,
        200
    );
    // Disconnected: the store is unknown again.
    let v = put(&g, KEY_A, json!({"shopify": null}));
    assert!(v["data"]["shopify"].is_null(), "{v}");
    assert_eq!(
        shopify(&g, "fulfillments/create", "a-6", &body, SHOPIFY_NEXT).0,
        404
    );
}

#[test]
fn a_put_on_connectors_the_config_names_warns_that_the_next_start_replaces_it() {
    let g = gateway();
    let v = g.put(
        "/v2/connect/settings",
        Some(&json!({"woocommerce": {"store_url": "https://other.example/", "secret": "x"}})),
    );
    assert_eq!(code(&v), 200, "{v}");
    assert_eq!(v["data"]["managed_by"], "config");
    assert!(
        v["data"]["warning"]
            .as_str()
            .unwrap()
            .contains("next start"),
        "{v}"
    );
    assert_eq!(
        v["data"]["shopify"]["secrets"], 2,
        "the Shopify store was left as it was"
    );
}

#[test]
fn the_platforms_tracking_link_is_kept_and_shown_on_the_page() {
    let g = gateway();
    let n = s10(950, "US");
    let body = json!({"name": "#4000.1", "status": "success", "tracking_company": "USPS",
        "tracking_numbers": [n], "tracking_urls": ["https://bobs-shop.example/track?n=950"]})
    .to_string();
    let (status, v) = shopify(&g, "fulfillments/create", "w-link", &body, SHOPIFY_SECRET);
    assert_eq!((status, v["created"].as_i64()), (200, Some(1)), "{v}");
    let t = tracking(&g, "usps", &n);
    assert_eq!(
        t["shop_tracking_url"],
        "https://bobs-shop.example/track?n=950"
    );
    let page_url = g.get(&format!("/v2/trackings/usps/{n}"))["data"]["tracking_url"]
        .as_str()
        .unwrap()
        .to_string();
    let path = &page_url[page_url.find("/t/").unwrap()..];
    let page = reqwest::blocking::get(format!("{}{path}", g.base))
        .unwrap()
        .text()
        .unwrap();
    assert!(
        page.contains("bobs-shop.example"),
        "the shop's link on the page:\n{page}"
    );
    // A link that is not http(s) is not kept.
    let odd = body
        .replace(
            "https://bobs-shop.example/track?n=950",
            "javascript:alert(1)",
        )
        .replace("#4000.1", "#4000.2");
    let (_, v) = shopify(&g, "fulfillments/update", "w-link-2", &odd, SHOPIFY_SECRET);
    assert_eq!(v["updated"].as_i64(), Some(1), "{v}");
    assert_eq!(
        tracking(&g, "usps", &n)["shop_tracking_url"],
        "https://bobs-shop.example/track?n=950"
    );
}

#[test]
fn a_field_we_cannot_use_is_left_out_rather_than_losing_the_tracking() {
    let g = gateway();
    let n = s10(960, "US");
    let body = json!({"name": "#5000", "email": "not an address", "created_at": "last Tuesday",
        "fulfillments": [{"status": "success", "tracking_company": "USPS", "tracking_number": n}]})
    .to_string();
    let (status, v) = shopify(&g, "orders/fulfilled", "w-odd", &body, SHOPIFY_SECRET);
    assert_eq!((status, v["created"].as_i64()), (200, Some(1)), "{v}");
    let t = tracking(&g, "usps", &n);
    assert_eq!(t["order_id"], "#5000");
    assert!(
        t["customer_email"].is_null() && t["order_create_time"].is_null(),
        "{t}"
    );
}
