//! The TrackingMore v4 API, in the raw forms the official SDKs send
//! (`research/today-apis.md` §1.8): one tracking seen through `/v2` and `/v4`,
//! v4's codes with HTTP 400, and every client quirk.

use crate::helpers::*;
use serde_json::{json, Value};

/// Generous rates unless a test is about them.
const FAST: &str =
    "limits:\n  list_per_second: 10000\n  v4_create_per_second: 10000\n  v4_per_second: 10000\n";

/// A v4 call as the SDKs make it: `Tracking-Api-Key`, JSON both ways, and the
/// path sent exactly as given (repeated slashes included).
pub fn v4(g: &Gateway, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    v4_as(g, KEY_A, method, path, body)
}

fn v4_as(g: &Gateway, key: &str, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let http = reqwest::blocking::Client::new();
    let mut req = http
        .request(method.parse().unwrap(), format!("{}{path}", g.base))
        .header("Tracking-Api-Key", key)
        .header("Accept", "application/json")
        .header("Content-Type", "application/json");
    if let Some(b) = body {
        req = req.body(b.to_string());
    }
    let r = req.send().expect("answered");
    let status = r.status().as_u16();
    let text = r.text().unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, v)
}

fn meta(v: &Value) -> i64 {
    v["meta"]["code"].as_i64().unwrap_or(-1)
}

/// What the Go SDK's typed decoding needs: every value a string or null, but
/// `updating` (bool) and `transit_time` (integer), and the legs objects.
fn assert_go_decodable(t: &Value) {
    for (k, x) in t.as_object().expect("a tracking object") {
        match k.as_str() {
            "updating" => assert!(x.is_boolean(), "updating is {x}"),
            "transit_time" => assert!(x.is_i64() || x.is_null(), "transit_time is {x}"),
            "origin_info" | "destination_info" => {
                for c in x["trackinfo"].as_array().unwrap() {
                    for (ck, cx) in c.as_object().unwrap() {
                        assert!(cx.is_string() || cx.is_null(), "trackinfo {ck} is {cx}");
                    }
                }
            }
            _ => assert!(x.is_string() || x.is_null(), "{k} is {x}"),
        }
    }
}

#[test]
fn a_tracking_made_on_v2_is_the_same_on_v4_and_changes_made_on_v4_show_on_v2() {
    let g = Gateway::with_config(FAST);
    let n = s10(31, "US");
    let made = g.post(
        "/v2/trackings/post",
        &json!({"tracking_number": n, "carrier_code": "usps", "order_id": "1001",
                "customer_email": "jo@example.net", "comment": "fragile"}),
    );
    let id = made["data"]["id"].as_str().unwrap().to_string();
    let (status, got) = v4(
        &g,
        "GET",
        &format!("/v4/trackings/get?tracking_numbers={n}"),
        None,
    );
    assert_eq!((status, meta(&got)), (200, 200), "{got}");
    assert_eq!(got["meta"]["message"], "Request response is successful");
    let t = &got["data"][0];
    assert_eq!(t["id"], id.as_str());
    assert_eq!(t["courier_code"], "usps");
    assert_eq!(t["order_number"], "1001");
    assert_eq!(t["customer_email"], "jo@example.net");
    assert_eq!(t["note"], "fragile");
    assert_eq!(t["delivery_status"], "pending");
    assert_eq!(t["archived"], "tracking");
    assert_go_decodable(t);

    let (status, up) = v4(
        &g,
        "PUT",
        &format!("/v4/trackings/update/{id}"),
        Some(&json!({"customer_name": "Jo", "note": "", "archived_status": "archived"})),
    );
    assert_eq!(status, 200, "{up}");
    assert_eq!(up["data"]["customer_name"], "Jo");
    assert_eq!(
        up["data"]["note"], "fragile",
        "an empty string changes nothing"
    );
    let v2 = g.get(&format!("/v2/trackings/usps/{n}"));
    assert_eq!(v2["data"]["customer_name"], "Jo");
    assert_eq!(v2["data"]["archived"], true);

    let (status, del) = v4(&g, "DELETE", &format!("/v4/trackings/delete/{id}"), None);
    assert_eq!(status, 200, "{del}");
    assert_eq!(del["data"]["tracking_number"], n.as_str());
    assert_eq!(code(&g.get(&format!("/v2/trackings/usps/{n}"))), 4017);
    let (status, again) = v4(&g, "DELETE", &format!("/v4/trackings/delete/{id}"), None);
    assert_eq!((status, meta(&again)), (400, 4112), "{again}");
}

#[test]
fn create_fetches_from_the_status_provider_and_retrack_is_for_expired_ones_only() {
    let g = Gateway::with_config(FAST);
    let (status, made) = v4(
        &g,
        "POST",
        "/v4/trackings/create",
        Some(&json!({"tracking_number": "SANDBOX-DELIVERED-7", "courier_code": "sandbox"})),
    );
    assert_eq!(status, 200, "{made}");
    let t = &made["data"];
    assert_eq!(
        t["delivery_status"], "delivered",
        "create is real-time: {t}"
    );
    assert_eq!(t["updating"], false);
    let scans = t["origin_info"]["trackinfo"].as_array().unwrap();
    assert!(scans.len() >= 2, "{t}");
    assert_eq!(scans[0]["checkpoint_delivery_status"], "delivered");
    assert_eq!(t["latest_checkpoint_time"], scans[0]["checkpoint_date"]);
    assert!(
        !t["latest_checkpoint_time"].as_str().unwrap().contains('+'),
        "no offset"
    );
    assert_go_decodable(t);
    let id = t["id"].as_str().unwrap();
    let (status, r) = v4(&g, "POST", &format!("/v4/trackings/retrack/{id}"), None);
    assert_eq!((status, meta(&r)), (400, 4113), "{r}");

    let (_, exp) = v4(
        &g,
        "POST",
        "/v4/trackings/create",
        Some(&json!({"tracking_number": "SANDBOX-EXPIRED-7", "courier_code": "sandbox"})),
    );
    assert_eq!(exp["data"]["delivery_status"], "expired", "{exp}");
    let id = exp["data"]["id"].as_str().unwrap();
    let (status, r) = v4(&g, "POST", &format!("/v4/trackings/retrack/{id}"), None);
    assert_eq!((status, meta(&r)), (200, 200), "{r}");

    let (status, dup) = v4(
        &g,
        "POST",
        "/v4/trackings/create",
        Some(&json!({"tracking_number": "SANDBOX-EXPIRED-7", "courier_code": "sandbox"})),
    );
    assert_eq!((status, meta(&dup)), (400, 4101), "{dup}");
}

#[test]
fn batch_answers_success_and_error_lists_in_camel_case() {
    let g = Gateway::with_config(FAST);
    let a = s10(41, "US");
    let items = json!([
        {"tracking_number": a, "courier_code": "usps"},
        {"tracking_number": a, "courier_code": "usps"},
        {"tracking_number": "", "courier_code": "usps"},
        {"tracking_number": s10(42, "US"), "courier_code": "no-such-courier"},
    ]);
    let (status, r) = v4(&g, "POST", "/v4/trackings/batch", Some(&items));
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["data"]["success"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["data"]["success"][0]["tracking_number"], a.as_str());
    let errors: Vec<i64> = r["data"]["error"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["errorCode"].as_i64().unwrap())
        .collect();
    assert_eq!(errors.len(), 3, "{r}");
    for want in [4101, 4111, 4120] {
        assert!(errors.contains(&want), "{want} missing in {r}");
    }
    assert!(r["data"]["error"][0]["errorMessage"].is_string());
    let many: Vec<Value> = (0..41)
        .map(|i| json!({"tracking_number": s10(100 + i, "US"), "courier_code": "usps"}))
        .collect();
    let (status, r) = v4(&g, "POST", "/v4/trackings/batch", Some(&json!(many)));
    assert_eq!((status, meta(&r)), (400, 4103), "{r}");
    assert!(r["data"].is_null());
}

#[test]
fn the_sdks_quirks_are_served_slashes_plus_signs_bare_get_and_empty_strings() {
    let g = Gateway::with_config(FAST);
    // Go sends every field, unset ones as "".
    let go_form = json!({
        "tracking_number": s10(51, "FR"), "courier_code": "usps", "order_number": "",
        "order_id": "", "order_date": "", "origin_country_iso2": "", "destination_country_iso2": "",
        "customer_name": "", "customer_email": "", "customer_sms": "", "recipient_postcode": "",
        "title": "", "logistics_channel": "", "note": "", "label": "", "language": "",
        "auto_correct": "", "tracking_courier_account": "", "tracking_postal_code": "",
        "tracking_origin_country": "", "tracking_destination_country": "",
        "tracking_ship_date": "", "tracking_key": "",
    });
    let (status, made) = v4(&g, "POST", "/v4/trackings/create", Some(&go_form));
    assert_eq!(status, 200, "{made}");
    assert!(made["data"]["customer_email"].is_null());
    assert_eq!(
        made["data"]["origin_country"], "FR",
        "read from the S10 number"
    );
    // PHP's reused client: repeated slashes.
    let (status, bare) = v4(&g, "GET", "/v4/trackings//get", None);
    assert_eq!(status, 200, "{bare}");
    // Node drops the query: a bare GET answers the newest trackings.
    assert_eq!(bare["data"].as_array().unwrap().len(), 1);
    // Python and Java do not encode the `+` of an offset.
    let (status, r) = v4(
        &g,
        "GET",
        "/v4/trackings/get?created_date_min=2020-01-01T00:00:00+08:00&created_date_max=2020-01-02T00:00:00+08:00",
        None,
    );
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["data"].as_array().unwrap().len(),
        0,
        "nothing created in 2020"
    );
    let (_, r) = v4(
        &g,
        "GET",
        "/v4/trackings/get?created_date_min=2020-01-01T00:00:00+08:00&courier_code=usps&items_amount=10&pages_amount=1",
        None,
    );
    assert_eq!(r["data"].as_array().unwrap().len(), 1, "{r}");
    let (status, r) = v4(&g, "GET", "/v4/trackings/get?created_date_min=soon", None);
    assert_eq!((status, meta(&r)), (400, 4130), "{r}");
    assert!(r["meta"]["message"]
        .as_str()
        .unwrap()
        .contains("created_date_min"));
    // Python and Node post the air waybill to /v4//awb.
    let (status, awb) = v4(
        &g,
        "POST",
        "/v4//awb",
        Some(&json!({"awb_number": "235-69030430"})),
    );
    assert_eq!(status, 200, "{awb}");
    assert_eq!(awb["data"]["awb_number"], "235-69030430");
    let (status, r) = v4(
        &g,
        "POST",
        "/v4/awb",
        Some(&json!({"awb_number": "235-69030431"})),
    );
    assert_eq!((status, meta(&r)), (400, 4160), "{r}");
}

#[test]
fn refusals_come_with_v4_codes_http_statuses_and_write_nothing() {
    let g = Gateway::with_config(FAST);
    let (status, r) = v4_as(&g, "wrong", "GET", "/v4/trackings/get", None);
    assert_eq!((status, meta(&r)), (401, 401), "{r}");
    let (status, r) = v4(
        &g,
        "PUT",
        &format!("/v4/trackings/update/{}", "a".repeat(32)),
        Some(&json!({})),
    );
    assert_eq!((status, meta(&r)), (400, 4112), "{r}");
    let (status, r) = v4(
        &g,
        "POST",
        "/v4/trackings/create",
        Some(&json!({"courier_code": "usps"})),
    );
    assert_eq!((status, meta(&r)), (400, 4111), "{r}");
    let (status, r) = v4(
        &g,
        "POST",
        "/v4/trackings/create",
        Some(
            &json!({"tracking_number": s10(61, "US"), "courier_code": "usps", "customer_email": "not-an-address"}),
        ),
    );
    assert_eq!((status, meta(&r)), (400, 4130), "{r}");
    assert!(r["meta"]["message"]
        .as_str()
        .unwrap()
        .contains("customer_email"));
    let (status, r) = v4(
        &g,
        "POST",
        "/v4/couriers/detect",
        Some(&json!({"tracking_number": "ZZQQ-NOBODY-KNOWS"})),
    );
    assert_eq!((status, meta(&r)), (400, 4121), "{r}");
    let (status, r) = v4(&g, "GET", "/v4/no/such/route", None);
    assert_eq!((status, meta(&r)), (404, 404), "{r}");
    let (_, list) = v4(&g, "GET", "/v4/trackings/get", None);
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        0,
        "nothing was written"
    );
    // Another account's tracking is not found by its id.
    let id = g.create(&s10(62, "US"), "usps")["data"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, r) = v4_as(
        &g,
        KEY_B,
        "DELETE",
        &format!("/v4/trackings/delete/{id}"),
        None,
    );
    assert_eq!((status, meta(&r)), (400, 4112), "{r}");
}

#[test]
fn each_api_has_its_own_rate_per_account() {
    // A clock that stands still: no call earns another back.
    let clock = trackgate::core::time::Clock::manual(1_800_000_000);
    let g = Gateway::with_clock(
        clock,
        "limits:\n  v4_create_per_second: 2\n  v4_per_second: 3\n",
    );
    let create = |i: u32| {
        v4(
            &g,
            "POST",
            "/v4/trackings/create",
            Some(&json!({"tracking_number": s10(70 + i, "US"), "courier_code": "usps"})),
        )
    };
    let codes: Vec<u16> = (0..3).map(|i| create(i).0).collect();
    assert_eq!(
        codes,
        [200, 200, 429],
        "the third create in the second is refused"
    );
    let (status, r) = create(9);
    assert_eq!((status, meta(&r)), (429, 429), "{r}");
    // The get API keeps its own budget, and the other account its own.
    assert_eq!(v4(&g, "GET", "/v4/trackings/get", None).0, 200);
    assert_eq!(
        v4_as(
            &g,
            KEY_B,
            "POST",
            "/v4/trackings/create",
            Some(&json!({"tracking_number": s10(80, "US"), "courier_code": "usps"}))
        )
        .0,
        200
    );
}

#[test]
fn couriers_all_and_detect_answer_v4_courier_objects() {
    let g = Gateway::with_config(FAST);
    let (status, all) = v4(&g, "GET", "/v4/couriers/all", None);
    assert_eq!(status, 200);
    let list = all["data"].as_array().unwrap();
    assert!(list.len() > 1000, "{}", list.len());
    let usps = list
        .iter()
        .find(|c| c["courier_code"] == "usps")
        .expect("usps");
    assert_eq!(usps["courier_name"], "USPS");
    let (status, d) = v4(
        &g,
        "POST",
        "/v4/couriers/detect",
        Some(&json!({"tracking_number": "9400111899562537624326"})),
    );
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["data"][0]["courier_code"], "usps", "{d}");
}
