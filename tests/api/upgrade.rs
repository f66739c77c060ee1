//! Data directories written by older releases open, are migrated at start, and keep
//! everything. Both were made by `tests/fixtures/make-release-0.1-data.sh` with the
//! older binary:
//! - `release-0.1-data`: before the compact store format (JSON rows);
//! - `tree-per-table-data`: compact rows, one sled tree per table (before every
//!   table moved into one tree).

use crate::helpers::*;
use serde_json::json;
use std::path::Path;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn an_older_data_directory_opens_with_every_tracking_and_notification() {
    opens_with_everything("release-0.1-data");
}

#[test]
fn a_data_directory_with_a_tree_per_table_opens_with_everything() {
    opens_with_everything("tree-per-table-data");
}

fn opens_with_everything(name: &str) {
    let mut g = Gateway::process_with_data(
        &fixture(name),
        "poll:\n  enabled: false\nlimits:\n  list_per_second: 10000\n",
    );
    let all = |g: &Gateway, key: &str| {
        g.get_as(key, "/v2/trackings/get?limit=200")["data"]["total"]
            .as_str()
            .unwrap_or("?")
            .to_string()
    };
    assert_eq!(all(&g, KEY_A), "44", "40 + 4 sandbox trackings of shop A");
    assert_eq!(all(&g, KEY_B), "1");
    for i in [1, 17, 40] {
        let v = g.get(&format!("/v2/trackings/usps/OLD{i:06}"));
        assert_eq!(v["data"]["order_id"], format!("#{i}"), "{v}");
    }
    assert_eq!(g.status_of("sandbox", "SANDBOX-DELIVERED-1"), "delivered");
    assert_eq!(g.status_of("sandbox", "SANDBOX-EXCEPTION-1"), "exception");
    let by_order = g.get("/v2/trackings/get?orders=%2317");
    assert_eq!(
        by_order["data"]["items"][0]["tracking_number"], "OLD000017",
        "{by_order}"
    );
    let by_number = g.get_as(KEY_B, "/v2/trackings/get?numbers=OLD000001");
    assert_eq!(
        by_number["data"]["items"][0]["order_id"], "#b1",
        "{by_number}"
    );
    let history = g.get("/v2/history/sandbox/SANDBOX-DELIVERED-1");
    assert!(!history["data"]["transitions"]
        .as_array()
        .unwrap()
        .is_empty());
    let cost = g.post(
        "/v2/trackings/costtime",
        &json!([{"carrier_code": "sandbox", "original": "CN", "destination": "DE"}]),
    );
    assert_eq!(
        cost["data"][0]["delivered"], 2,
        "routes rebuilt per account: {cost}"
    );
    let notes = g.get("/v2/notifications?limit=50")["data"]["items"]
        .as_array()
        .unwrap()
        .clone();
    assert!(notes.len() >= 4, "the old outbox is kept: {}", notes.len());
    // Each notification's tries (rows of their own before layout 4) are in its log,
    // and a tracking's notifications are found without the old per-tracking index.
    let tried = notes.iter().filter(|n| n["attempts"] != 0).count();
    assert!(
        tried > 0,
        "the fixture's webhook failed at least once: {notes:?}"
    );
    for n in &notes {
        let id = n["id"].as_str().unwrap();
        let one = g.get(&format!("/v2/notifications/{id}"));
        let log = one["data"]["attempt_log"].as_array().unwrap();
        assert_eq!(json!(log.len()), n["attempts"], "{one}");
        let numbers: Vec<_> = log.iter().map(|a| a["number"].clone()).collect();
        let want: Vec<_> = (1..=log.len()).map(|i| json!(i)).collect();
        assert_eq!(numbers, want, "tries oldest first: {one}");
        let (c, t) = (&n["carrier_code"], &n["tracking_number"]);
        let of_tracking = g.get(&format!(
            "/v2/notifications?carrier_code={}&tracking_number={}",
            c.as_str().unwrap(),
            t.as_str().unwrap()
        ));
        let ids: Vec<_> = of_tracking["data"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].clone())
            .collect();
        assert!(ids.contains(&n["id"]), "{id} in {of_tracking}");
    }
    let ready = g.send(reqwest::Method::GET, "/readyz", None, None).1;
    assert!(ready["outbox_pending"].as_u64().is_some(), "{ready}");
    // Trackings from before the tracking page have one (ids indexed at start).
    let url = g.get("/v2/trackings/usps/OLD000017")["data"]["tracking_url"]
        .as_str()
        .unwrap()
        .to_string();
    let path = &url[url.find("/t/").unwrap()..];
    let page = reqwest::blocking::get(format!("{}{path}", g.base)).unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().unwrap().contains("OLD000017"));
    // Writes after the migration, and a restart on the migrated directory.
    g.create("NEW0000001", "usps");
    g.restart_after_kill9();
    assert_eq!(all(&g, KEY_A), "45");
    assert_eq!(
        g.get("/v2/trackings/usps/OLD000017")["data"]["order_id"],
        "#17"
    );
}
