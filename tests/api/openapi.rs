//! `/openapi.json` against the real binary: it lists every route of the contract,
//! every route it lists answers, and (with schemathesis installed) no generated
//! request gets a server error or an answer off the schema.
//!
//! The schemathesis run needs the `st` command (PyPI `schemathesis`); without it
//! the test prints a loud SKIPPED notice, unless `TRACKGATE_TEST_SCHEMATHESIS=required`
//! (set by `.ci/run`) makes that a failure.

use crate::helpers::*;
use crate::signing::push_config;
use serde_json::Value;
use std::process::Command;

fn document(g: &Gateway) -> Value {
    let r = reqwest::blocking::get(format!("{}/openapi.json", g.base)).unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    r.json().unwrap()
}

const METHODS: [&str; 4] = ["get", "put", "post", "delete"];

#[test]
fn the_document_lists_every_route_of_the_contract_with_its_schemas() {
    let g = Gateway::with_config(&push_config());
    let doc = document(&g);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/v2/trackings/post", "post"),
        ("/v2/trackings/batch", "post"),
        ("/v2/trackings/get", "get"),
        ("/v2/trackings/get", "post"),
        ("/v2/trackings/{carrier}/{number}", "get"),
        ("/v2/trackings/{carrier}/{number}", "put"),
        ("/v2/trackings/{carrier}/{number}", "delete"),
        ("/v2/trackings/updatemore", "post"),
        ("/v2/trackings/delete", "post"),
        ("/v2/trackings/notupdate", "post"),
        ("/v2/trackings/update", "post"),
        ("/v2/trackings/getstatusnumber", "get"),
        ("/v2/trackings/getuserinfo", "get"),
        ("/v2/trackings/realtime", "post"),
        ("/v2/trackings/remote", "post"),
        ("/v2/trackings/costtime", "post"),
        ("/v2/trackings/aircargo", "post"),
        ("/v2/carriers", "get"),
        ("/v2/carriers/detect", "post"),
        ("/v2/notifications", "get"),
        ("/v2/notifications/settings", "put"),
        ("/v4/trackings/create", "post"),
        ("/v4/trackings/batch", "post"),
        ("/v4/trackings/get", "get"),
        ("/v4/trackings/update/{id}", "put"),
        ("/v4/trackings/delete/{id}", "delete"),
        ("/v4/trackings/retrack/{id}", "post"),
        ("/v4/couriers/all", "get"),
        ("/v4/couriers/detect", "post"),
        ("/v4/awb", "post"),
        ("/hooks/native", "post"),
        ("/hooks/trackingmore", "post"),
        ("/hooks/aftership", "post"),
        ("/hooks/17track", "post"),
        ("/t/{token}", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/openapi.json", "get"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not in the document");
        assert!(
            op["responses"]["200"].is_object(),
            "{method} {path} has no 200 answer"
        );
        if path.starts_with("/v2/") {
            let security = op["security"].as_array().expect("security");
            assert!(
                security.iter().any(|s| s.get("api_key").is_some()),
                "{method} {path} does not name the API key"
            );
            let ok = &op["responses"]["200"]["content"]["application/json"]["schema"];
            assert!(
                ok["oneOf"].to_string().contains("ErrorEnvelope"),
                "{method} {path}: the 200 answer may be a 4xxx error envelope"
            );
        }
        if path.starts_with("/v4/") {
            assert!(
                op["responses"]["400"]
                    .to_string()
                    .contains("V4ErrorEnvelope"),
                "{method} {path}: 41xx refusals come with HTTP 400"
            );
        }
        // Retries and retracks name their target in the path alone.
        if method == "post" && path != "/v2/notifications/retry" && !path.contains("/retrack/") {
            assert!(
                op["requestBody"].is_object(),
                "{method} {path} has no request body"
            );
        }
    }
    let scheme = &doc["components"]["securitySchemes"]["api_key"];
    assert_eq!(scheme["type"], "apiKey");
    assert_eq!(scheme["in"], "header");
    assert_eq!(scheme["name"], "Trackingmore-Api-Key");
    let view = &doc["components"]["schemas"]["TrackingView"]["properties"];
    for field in [
        "origin_info",
        "lastEvent",
        "substatus",
        "estimated_delivery",
    ] {
        assert!(view[field].is_object(), "TrackingView lacks {field}");
    }
    assert!(paths.len() >= 30, "only {} paths", paths.len());
}

/// Every route the document lists is one the server routes: none answers "no such
/// route" or "method not allowed".
#[test]
fn every_route_in_the_document_answers() {
    let g = Gateway::with_config(&push_config());
    let doc = document(&g);
    let http = reqwest::blocking::Client::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let url = format!("{}{}", g.base, path)
            .replace("{carrier}", "usps")
            .replace("{number}", "9400111899562537624326")
            .replace("{lang}", "en")
            .replace("{id}", "ntf_unknown")
            .replace("{token}", "unknown");
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            let r = http
                .request(method.to_uppercase().parse().unwrap(), &url)
                .header("Trackingmore-Api-Key", KEY_A)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .unwrap();
            let status = r.status().as_u16();
            let body = r.text().unwrap();
            assert_ne!(status, 405, "{method} {path}: {body}");
            assert!(
                !body.contains("\"code\":404"),
                "{method} {path} is documented but not routed: {body}"
            );
        }
    }
}

/// The schemathesis command, or `None` after a loud notice.
fn schemathesis() -> Option<String> {
    let required = std::env::var("TRACKGATE_TEST_SCHEMATHESIS").is_ok_and(|v| v == "required");
    let found = ["st", "schemathesis"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            !required,
            "TRACKGATE_TEST_SCHEMATHESIS=required but schemathesis (st) is not on PATH"
        );
        use std::io::Write;
        let _ = std::io::stderr().write_all(
            b"\n*** SKIPPED: the OpenAPI fuzz test needs schemathesis (pip install schemathesis) ***\n",
        );
    }
    found.map(String::from)
}

#[test]
fn schemathesis_finds_no_server_error_and_no_answer_off_the_schema() {
    let Some(st) = schemathesis() else { return };
    let g = Gateway::with_config(&push_config());
    g.create(&s10(7, "US"), "usps");
    g.create("SANDBOX-DELIVERED-1", "sandbox");
    let report = g.dir.path().join("schemathesis");
    let out = Command::new(st)
        .args(["run", &format!("{}/openapi.json", g.base)])
        .args(["--header", &format!("Trackingmore-Api-Key: {KEY_A}")])
        .args([
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
        ])
        .args(["--max-examples", "40", "--seed", "20261127", "--no-color"])
        .arg("--report-dir")
        .arg(&report)
        .output()
        .expect("schemathesis runs");
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}");
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cases = text
        .lines()
        .find(|l| l.contains(" generated, "))
        .unwrap_or_else(|| panic!("no test case count in:\n{text}"));
    assert!(
        !cases.contains("failed") && !cases.starts_with("  0 generated"),
        "schemathesis: {cases}"
    );
}
