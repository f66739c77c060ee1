//! Carriers, detection, remote areas, courier aging, air cargo.

use crate::helpers::*;
use serde_json::json;

#[test]
fn carriers_lists_the_whole_trackingmore_catalogue() {
    let g = Gateway::start();
    let v = g.get("/v2/carriers");
    let list = v["data"].as_array().unwrap();
    assert!(list.len() >= 1073, "{}", list.len());
    let usps = list.iter().find(|c| c["code"] == "usps").unwrap();
    assert_eq!(usps["name"], "USPS");
    assert_eq!(usps["type"], "globalpost");
    for k in ["homepage", "phone", "country_code", "track_url", "name_cn"] {
        assert!(usps.get(k).is_some(), "{k}");
    }
    assert!(list.iter().any(|c| c["code"] == "sandbox"));
}

#[test]
fn detect_ranks_candidates_and_answers_4032_when_nothing_fits() {
    let g = Gateway::start();
    let v = g.post(
        "/v2/carriers/detect",
        &json!({"tracking_number": "EA152563251CN"}),
    );
    assert_eq!(v["data"][0]["code"], "china-ems", "{v}");
    assert!(v["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["code"] == "china-post"));
    let v = g.post(
        "/v2/carriers/detect",
        &json!({"tracking_number": "1Z999AA10123456784"}),
    );
    assert_eq!(v["data"][0]["code"], "ups");
    assert_eq!(
        code(&g.post(
            "/v2/carriers/detect",
            &json!({"tracking_number": "HELLO-WORLD"})
        )),
        4032
    );
    assert_eq!(code(&g.post("/v2/carriers/detect", &json!({}))), 4013);
}

#[test]
fn remote_answers_from_the_table_and_rejects_unknown_countries() {
    let table =
        "# test table\nJP\t762*\tdhl\tShikoku outskirts\nNZ\tPapaaroha\t*\ttown without postcode\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("remote.tsv");
    std::fs::write(&path, table).unwrap();
    let g = Gateway::with_config(&format!("remote_areas_file: {}\n", path.display()));
    let v = g.post(
        "/v2/trackings/remote",
        &json!([{"country": "Japan", "postcode": "7621094"}, {"country": "NZ", "postcode": "Papaaroha"},
                {"country": "JP", "postcode": "1000001"}, {"country": "JP", "postcode": "7621094", "company": "fedex"}]),
    );
    assert_eq!(code(&v), 200, "{v}");
    // TrackingMore's form: submitted, one entry per remote match, the rest as other.
    assert_eq!(v["data"]["submitted"], 4, "{v}");
    let remote = v["data"]["remote"].as_array().unwrap();
    assert_eq!(remote.len(), 2, "{v}");
    assert_eq!(remote[0]["far_express_company"], "dhl");
    assert_eq!(remote[0]["two_code"], "JP");
    assert_eq!(remote[0]["far_country"], "Japan");
    assert_eq!(remote[0]["far_city_postcode"], "7621094");
    assert_eq!(remote[0]["note"], "Shikoku outskirts");
    assert_eq!(remote[1]["two_code"], "NZ");
    assert_eq!(remote[1]["far_city_postcode"], "Papaaroha");
    let other = v["data"]["other"].as_array().unwrap();
    let other_codes: Vec<(&str, &str)> = other
        .iter()
        .map(|o| {
            (
                o["two_code"].as_str().unwrap(),
                o["far_city_postcode"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(other_codes, [("JP", "1000001"), ("JP", "7621094")]);
    let v = g.post(
        "/v2/trackings/remote",
        &json!([{"country": "Atlantis", "postcode": "1"}]),
    );
    assert_eq!(code(&v), 4012);
    assert!(
        v["meta"]["message"]
            .as_str()
            .unwrap()
            .contains("[0].country"),
        "{v}"
    );
}

#[test]
fn costtime_reports_delivery_shares_per_route_from_our_own_trackings() {
    let g = Gateway::start();
    g.realtime("SANDBOX-DELIVERED-1");
    g.realtime("SANDBOX-DELIVERED-2");
    g.realtime("SANDBOX-TRANSIT-1");
    let v = g.post(
        "/v2/trackings/costtime",
        &json!([{"carrier_code": "sandbox", "original": "CN", "destination": "DE"},
                {"carrier_code": "usps", "original": "US", "destination": "CA"}]),
    );
    assert_eq!(code(&v), 200, "{v}");
    let r = &v["data"][0];
    assert_eq!(
        (r["total"].as_i64(), r["delivered"].as_i64()),
        (Some(3), Some(2)),
        "{v}"
    );
    assert_eq!(r["range1"], 100.0, "the sandbox journey takes 12 hours");
    assert_eq!(v["data"][1]["total"], 0);
    // Another shop sees none of this shop's volume on the route.
    let b = g.post_as(
        KEY_B,
        "/v2/trackings/costtime",
        &json!([{"carrier_code": "sandbox", "original": "CN", "destination": "DE"}]),
    );
    assert_eq!(
        (
            b["data"][0]["total"].as_i64(),
            b["data"][0]["delivered"].as_i64()
        ),
        (Some(0), Some(0)),
        "{b}"
    );
    assert_eq!(
        code(&g.post(
            "/v2/trackings/costtime",
            &json!([{"carrier_code": "usps", "original": "US"}])
        )),
        4012
    );
}

#[test]
fn aircargo_checks_the_mod7_digit_and_names_the_airline() {
    let g = Gateway::start();
    let v = g.post(
        "/v2/trackings/aircargo",
        &json!({"track_number": ["172-28891936", "17228891935", "12-3"], "lang": "en"}),
    );
    assert_eq!(code(&v), 200, "{v}");
    assert_eq!(v["data"]["items"][0]["airline"]["name"], "Cargolux");
    let errors = v["data"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("check digit"));
    assert_eq!(code(&g.post("/v2/trackings/aircargo", &json!({}))), 4013);
}
