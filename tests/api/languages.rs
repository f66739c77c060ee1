//! A customer whose tracking says `lang: fr` gets a French email and page with no
//! English word of the templates in them, and times in the shop's zone, named.

use crate::helpers::*;
use crate::receivers::free_port;
use crate::smtp::Smtp;
use serde_json::json;

/// Words of the English templates (emails and page) a French text must not hold.
const ENGLISH: &[&str] = &[
    "Hello",
    "Your parcel",
    "your parcel",
    "new status",
    "Order",
    "Estimated",
    "Latest",
    "Follow",
    "Tracking",
    "Sent for",
    "Carrier",
    "history",
    "Last updated",
    "No scans",
    "arrived",
    "Delivered",
    "In transit",
    "UTC",
];

/// `text` without what the carrier and the sandbox said (English data, not
/// template words).
fn templates_only(text: &str) -> String {
    let mut t = text.to_string();
    for data in [
        "Delivered, signed for by recipient",
        "Out for delivery",
        "Arrived at sorting center",
        "Picked up by carrier",
        "Shipment information received",
        "Sandbox Carrier",
    ] {
        t = t.replace(data, "");
    }
    t
}

fn assert_french(what: &str, text: &str) {
    let t = templates_only(text);
    for w in ENGLISH {
        assert!(!t.contains(w), "{what} holds the English {w:?}:\n{text}");
    }
    // HTML escapes the slash.
    let named = t.contains("Europe/Paris") || t.contains("Europe&#x2f;Paris");
    assert!(named, "{what} names the shop's zone:\n{text}");
}

#[test]
fn a_french_customer_gets_a_french_email_and_page_in_the_shops_time_zone() {
    let port = free_port();
    let smtp = Smtp::start(port);
    let mut g = Gateway::with_config(&format!(
        "poll:\n  enabled: false\nemail:\n  transport: smtp\n  from: \"Boutique <suivi@boutique.example>\"\n  smtp: {{ host: 127.0.0.1, port: {port}, security: none }}\n"
    ));
    g.restart_with_accounts(&format!(
        "accounts:\n  - email: a@shop-a.example\n    name: Boutique A\n    timezone: Europe/Paris\n    api_key: {KEY_A}\n    notify:\n      email: true\n"
    ));
    let v = g.post(
        "/v2/trackings/realtime",
        &json!({"tracking_number": "SANDBOX-DELIVERED-9", "carrier_code": "sandbox", "lang": "fr",
                "customer_email": "claire@example.fr", "customer_name": "Claire", "order_id": "#42"}),
    );
    assert_eq!(code(&v), 200, "{v}");
    let raw = smtp.wait_for(1, 10).remove(0);
    let mail = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a MIME message");
    let subject = mail.subject().unwrap_or_default().to_string();
    assert!(subject.starts_with("Livré"), "{subject}");
    let text = mail.body_text(0).expect("a text part").into_owned();
    let html = mail.body_html(0).expect("an HTML part").into_owned();
    assert!(text.contains("Bonjour Claire"), "{text}");
    assert_french("the email's text", &format!("{subject}\n{text}"));
    assert_french("the email's HTML", &html);

    // The newest scan's time, as the API has it (UTC), is shown in Paris time.
    let v = g.get("/v2/trackings/sandbox/SANDBOX-DELIVERED-9");
    let newest = v["data"]["origin_info"]["trackinfo"][0]["Date"]
        .as_str()
        .unwrap()
        .to_string();
    let paris = trackgate::core::time::Zone::parse("Europe/Paris").unwrap();
    assert!(
        text.contains(&paris.shift(&newest)),
        "{newest} in Paris time:\n{text}"
    );

    let link = text
        .split_whitespace()
        .find(|w| w.contains("/t/"))
        .expect("the page link");
    let path = &link[link.find("/t/").unwrap()..];
    let page = reqwest::blocking::get(format!("{}{path}", g.base))
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("lang=\"fr\""), "{page}");
    assert!(page.contains("Livré"), "{page}");
    assert_french("the page", &page);
}

#[test]
fn spanish_is_shipped_and_a_language_without_templates_falls_back_to_english() {
    let g = Gateway::start();
    for (lang, word) in [
        ("es", "Entregado"),
        ("es-MX", "Entregado"),
        ("it", "Delivered"),
    ] {
        let n = format!(
            "SANDBOX-DELIVERED-{}",
            lang.len() * 10 + lang.as_bytes()[1] as usize
        );
        let v = g.post(
            "/v2/trackings/realtime",
            &json!({"tracking_number": n, "carrier_code": "sandbox", "lang": lang}),
        );
        assert_eq!(code(&v), 200, "{v}");
        let v = g.get(&format!("/v2/trackings/sandbox/{n}"));
        let url = v["data"]["tracking_url"].as_str().unwrap();
        let path = &url[url.find("/t/").unwrap()..];
        let page = reqwest::blocking::get(format!("{}{path}", g.base))
            .unwrap()
            .text()
            .unwrap();
        assert!(page.contains(&format!("<h1>{word}</h1>")), "{lang}: {page}");
        assert!(page.contains(" UTC"), "no zone set: UTC, named");
    }
}
