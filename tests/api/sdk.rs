//! TrackingMore's official Python SDK (`trackingmore-sdk-python` 0.1.4), unmodified,
//! against the gateway: `tests/fixtures/sdk/trackingmore_v4.py` makes every call it
//! has and prints what the SDK returned.
//!
//! It needs a Python that imports `trackingmore`: `TRACKGATE_TEST_TM_PYTHON` names
//! one (`.ci/run` makes a virtualenv with the SDK, which pins its own urllib3), else
//! `python3` is tried. Without one the test prints a loud SKIPPED notice, unless
//! `TRACKGATE_TEST_TM_SDK=required`.

use crate::helpers::*;
use serde_json::Value;
use std::process::Command;

fn python_with_sdk() -> Option<String> {
    let required = std::env::var("TRACKGATE_TEST_TM_SDK").is_ok_and(|v| v == "required");
    let candidates: Vec<String> = std::env::var("TRACKGATE_TEST_TM_PYTHON")
        .into_iter()
        .chain(["python3".to_string()])
        .collect();
    let found = candidates.into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import trackingmore.request"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            !required,
            "TRACKGATE_TEST_TM_SDK=required but no Python imports trackingmore (set TRACKGATE_TEST_TM_PYTHON)"
        );
        use std::io::Write;
        let _ = std::io::stderr().write_all(
            b"\n*** SKIPPED: the TrackingMore SDK test needs `pip install trackingmore-sdk-python==0.1.4` (or TRACKGATE_TEST_TM_PYTHON) ***\n",
        );
    }
    found
}

fn meta(v: &Value) -> i64 {
    v["meta"]["code"].as_i64().unwrap_or(-1)
}

#[test]
fn the_official_python_sdk_runs_every_call_unmodified() {
    let Some(python) = python_with_sdk() else {
        return;
    };
    let g = Gateway::with_config(
        "limits:\n  list_per_second: 10000\n  v4_create_per_second: 10000\n  v4_per_second: 10000\n",
    );
    let host = g.base.trim_start_matches("http://").to_string();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sdk/trackingmore_v4.py"
    );
    let out = Command::new(python)
        .args([script, &host, KEY_A])
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the SDK script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|_| panic!("{stdout}"));

    let created = &r["create"]["data"];
    assert_eq!(meta(&r["create"]), 200, "{}", r["create"]);
    assert_eq!(created["delivery_status"], "delivered", "fetched at create");
    assert_eq!(created["order_number"], "#1001");
    assert_eq!(meta(&r["batch"]), 200);
    assert_eq!(
        r["batch"]["data"]["success"].as_array().unwrap().len(),
        2,
        "{}",
        r["batch"]
    );
    let got = r["get"]["data"].as_array().unwrap();
    assert_eq!(
        got.len(),
        2,
        "the unencoded + of the time was read: {}",
        r["get"]
    );
    assert_eq!(r["update"]["data"]["customer_name"], "Jo Example");
    assert_eq!(r["update"]["data"]["note"], "leave at the door");
    assert_eq!(
        meta(&r["retrack_refused"]),
        4113,
        "{}",
        r["retrack_refused"]
    );
    assert_eq!(meta(&r["retrack"]), 200, "{}", r["retrack"]);
    assert_eq!(r["couriers"]["data"][0]["courier_code"], "usps");
    assert_eq!(
        r["detect"]["data"][0]["courier_code"], "usps",
        "{}",
        r["detect"]
    );
    assert_eq!(meta(&r["awb"]), 200, "POST /v4//awb: {}", r["awb"]);
    assert_eq!(r["delete"]["data"]["id"], created["id"]);
    assert_eq!(r["get_after_delete"]["data"].as_array().unwrap().len(), 0);
    // And the same account sees it all through v2.
    let v2 = g.get("/v2/trackings/usps/9400111899562537624326");
    assert_eq!(v2["data"]["id"], r["batch"]["data"]["success"][0]["id"]);
}
