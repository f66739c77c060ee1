//! The customer's tracking page, against the real binary: content, language,
//! privacy, headers, the 404 page, and the links that lead to it.

use crate::helpers::*;
use crate::receivers::*;
use serde_json::json;

/// The page of a tracking: its `tracking_url`'s path, fetched from the gateway.
fn page(g: &Gateway, carrier: &str, number: &str, lang: Option<&str>) -> (u16, String, String) {
    let v = g.get(&format!("/v2/trackings/{carrier}/{number}"));
    let url = v["data"]["tracking_url"]
        .as_str()
        .expect("tracking_url")
        .to_string();
    let id = v["data"]["id"].as_str().unwrap();
    assert!(url.ends_with(&format!("/t/{id}")), "{url}");
    let path = &url[url.find("/t/").unwrap()..];
    fetch(g, path, lang)
}

fn fetch(g: &Gateway, path: &str, lang: Option<&str>) -> (u16, String, String) {
    let mut req = reqwest::blocking::Client::new().get(format!("{}{path}", g.base));
    if let Some(l) = lang {
        req = req.header("Accept-Language", l);
    }
    let r = req.send().unwrap();
    let status = r.status().as_u16();
    let cache = r
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "HTML"
    );
    (status, r.text().unwrap(), cache)
}

#[test]
fn the_page_shows_the_parcel_newest_event_first_and_nothing_private() {
    let g = Gateway::start();
    let v = g.post(
        "/v2/trackings/realtime",
        &json!({"tracking_number": "SANDBOX-DELIVERED-1", "carrier_code": "sandbox",
                "customer_email": "jo.private@example.net", "customer_name": "Jo Private"}),
    );
    assert_eq!(code(&v), 200, "{v}");
    let (status, html, cache) = page(&g, "sandbox", "SANDBOX-DELIVERED-1", None);
    assert_eq!(status, 200);
    assert!(cache.contains("private"), "{cache}");
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains("SANDBOX-DELIVERED-1") && html.contains("Delivered"));
    assert!(html.contains("Shop A"), "the shop's name");
    let newest = html.find("Delivered, signed for by recipient").unwrap();
    let older = html.find("Out for delivery").unwrap();
    assert!(newest < older, "newest first");
    assert!(!html.contains("jo.private") && !html.contains("Jo Private"));
    assert!(!html.contains("<script"), "no JavaScript needed");
}

#[test]
fn the_page_speaks_the_trackings_language_else_the_browsers() {
    let g = Gateway::start();
    let v = g.post(
        "/v2/trackings/realtime",
        &json!({"tracking_number": "SANDBOX-TRANSIT-1", "carrier_code": "sandbox", "lang": "de"}),
    );
    assert_eq!(code(&v), 200, "{v}");
    let (_, html, _) = page(&g, "sandbox", "SANDBOX-TRANSIT-1", Some("en-US"));
    assert!(html.contains("<html lang=\"de\">") && html.contains("Sendungsverlauf"));
    assert!(html.contains("Unterwegs"), "the status in German");
    g.realtime("SANDBOX-PICKUP-1");
    let (_, html, _) = page(&g, "sandbox", "SANDBOX-PICKUP-1", Some("de-AT,de;q=0.9"));
    assert!(
        html.contains("<html lang=\"de\">"),
        "the browser's language"
    );
    let (_, html, _) = page(&g, "sandbox", "SANDBOX-PICKUP-1", Some("fr-FR"));
    assert!(html.contains("<html lang=\"fr\">"), "French is shipped");
    let (_, html, _) = page(&g, "sandbox", "SANDBOX-PICKUP-1", Some("it-IT"));
    assert!(
        html.contains("<html lang=\"en\">"),
        "English when there is no Italian"
    );
}

#[test]
fn an_unknown_token_gets_a_friendly_404_page() {
    let g = Gateway::start();
    for path in ["/t/0123456789abcdef0123456789abcdef", "/t/nope", "/t/%FF"] {
        let (status, html, cache) = fetch(&g, path, None);
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("not found"), "{html}");
        assert_eq!(cache, "no-store");
    }
    let (_, html, _) = fetch(&g, "/t/nope", Some("de"));
    assert!(html.contains("nicht gefunden"), "{html}");
}

#[test]
fn the_webhook_carries_the_page_url() {
    let r = Receiver::start(vec![]);
    let g = Gateway::with_config("poll:\n  enabled: false\nallow_private_destinations: true\n");
    g.put_settings(&json!({"webhook": {"url": r.url, "secret": "whsec_c2VjcmV0"}}));
    g.realtime("SANDBOX-DELIVERED-4");
    let got = r.wait_for(1, 10);
    let id = g.get("/v2/trackings/sandbox/SANDBOX-DELIVERED-4")["data"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        got[0].json()["event"]["tracking_url"],
        format!("http://127.0.0.1:8080/t/{id}")
    );
}

#[test]
fn the_shops_logo_heads_the_page_preview() {
    let (_dir, cfg) = temp_config(&format!(
        "accounts:\n  - email: a@shop-a.example\n    name: Shop A\n    logo_url: https://shop-a.example/logo.png\n    api_key: {KEY_A}\n"
    ));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trackgate"))
        .args([
            "render",
            "--channel",
            "page",
            "--status",
            "transit",
            "--config",
        ])
        .arg(&cfg)
        .env(
            "TRACKGATE_TEMPLATES_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates"),
        )
        .output()
        .unwrap();
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(
        html.contains("src=\"https:&#x2f;&#x2f;shop-a.example&#x2f;logo.png\"")
            && html.contains("alt=\"Shop A\""),
        "{html}"
    );
}

#[test]
fn a_pushed_estimated_delivery_reaches_the_api_and_the_page() {
    let g = Gateway::with_config(&crate::signing::push_config());
    let n = s10(61, "US");
    g.create(&n, "usps");
    let body = json!({"carrier_code": "usps", "tracking_number": n, "status": "transit",
                      "estimated_delivery": "2030-01-15"})
    .to_string();
    let headers = crate::signing::native_headers("eta-1", crate::signing::now(), &body);
    assert_eq!(g.push("/hooks/native", &headers, &body).0, 200);
    let v = g.get(&format!("/v2/trackings/usps/{n}"));
    assert_eq!(v["data"]["estimated_delivery"], "2030-01-15", "{v}");
    let (_, html, _) = page(&g, "usps", &n, None);
    assert!(
        html.contains("Estimated delivery") && html.contains("2030-01-15"),
        "{html}"
    );
    let bad = json!({"carrier_code": "usps", "tracking_number": n, "status": "transit",
                     "estimated_delivery": "soon"})
    .to_string();
    let headers = crate::signing::native_headers("eta-2", crate::signing::now(), &bad);
    let (status, v) = g.push("/hooks/native", &headers, &bad);
    assert_eq!(status, 400, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("estimated_delivery"),
        "{v}"
    );
}

/// AfterShip's `expected_delivery` / `latest_estimated_delivery` and 17TRACK's
/// `time_metrics.estimated_delivery_date`, as each provider documents them.
#[test]
fn providers_estimated_deliveries_are_kept() {
    use crate::signing::{aftership_header, now, push_config, seventeen_header};
    let g = Gateway::with_config(&push_config());
    let (legacy, current, seventeen) = (s10(62, "US"), s10(63, "US"), s10(64, "CN"));
    g.create(&legacy, "usps");
    g.create(&current, "usps");
    g.create(&seventeen, "china-post");
    let aftership = |id: &str, number: &str, extra: serde_json::Value| {
        let mut msg = json!({"tracking_number": number, "slug": "usps", "tag": "InTransit", "checkpoints": []});
        msg.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"event": "tracking_update", "event_id": id, "ts": now(), "msg": msg}).to_string()
    };
    for body in [
        aftership(
            "eta-legacy",
            &legacy,
            json!({"expected_delivery": "2030-02-03"}),
        ),
        aftership(
            "eta-current",
            &current,
            json!({"expected_delivery": null,
                   "latest_estimated_delivery": {"type": "specific", "source": "Carrier EDD",
                       "datetime": "2030-02-05T18:00:00Z", "datetime_min": null, "datetime_max": null}}),
        ),
    ] {
        let (status, v) = g.push("/hooks/aftership", &aftership_header(&body), &body);
        assert_eq!(status, 200, "{v}");
    }
    let body = json!({"event": "TRACKING_UPDATED", "data": {"number": seventeen, "carrier": 3011,
        "track_info": {"latest_status": {"status": "InTransit", "sub_status": "InTransit_Other"},
            "time_metrics": {"days_after_order": 3, "days_of_transit": 3,
                "estimated_delivery_date": {"source": "Official", "from": "2030-02-07T00:00:00+00:00", "to": "2030-02-09T00:00:00+00:00"}},
            "tracking": {"providers": []}}}})
    .to_string();
    let (status, v) = g.push("/hooks/17track", &seventeen_header(&body), &body);
    assert_eq!(status, 200, "{v}");
    for (carrier, number, eta) in [
        ("usps", &legacy, "2030-02-03"),
        ("usps", &current, "2030-02-05"),
        ("china-post", &seventeen, "2030-02-09"),
    ] {
        let v = g.get(&format!("/v2/trackings/{carrier}/{number}"));
        assert_eq!(v["data"]["estimated_delivery"], eta, "{carrier} {v}");
    }
}

#[test]
fn the_page_and_its_404_may_not_be_framed_and_run_no_script() {
    let g = Gateway::start();
    g.realtime("SANDBOX-DELIVERED-1");
    let v = g.get("/v2/trackings/sandbox/SANDBOX-DELIVERED-1");
    let token = v["data"]["id"].as_str().unwrap();
    for path in [format!("/t/{token}"), "/t/no-such-token".to_string()] {
        let r = reqwest::blocking::get(format!("{}{path}", g.base)).unwrap();
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("script-src"), "no script allowed: {csp}");
        assert_eq!(r.headers()["x-frame-options"], "DENY", "{path}");
    }
}
