//! The tracking page and an HTML email in a real browser (Debian's headless
//! Chromium, driven over WebDriver by chromedriver) at phone width: the content is
//! there and nothing overflows sideways. Screenshots are kept in
//! `target/test-artifacts/`. Without Chromium the tests say so loudly and skip,
//! unless `TRACKGATE_TEST_BROWSER=required` (set by `.ci/run`) makes that a failure.

use crate::helpers::*;
use crate::receivers::free_port;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PHONE: (u32, u32) = (390, 844);

fn find(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(|c| c.to_string())
}

/// A headless Chromium session at phone width; `None` (after a loud notice) when
/// there is no browser and it is not required.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::blocking::Client,
}

impl Browser {
    fn start() -> Option<Browser> {
        let required = std::env::var("TRACKGATE_TEST_BROWSER").is_ok_and(|v| v == "required");
        let (Some(driver), Some(chromium)) = (
            find(&["chromedriver", "/usr/bin/chromedriver"]),
            find(&["/usr/bin/chromium", "chromium", "chromium-browser"]),
        ) else {
            assert!(
                !required,
                "TRACKGATE_TEST_BROWSER=required but chromium/chromedriver are missing"
            );
            // Straight to stderr, past the test harness's capture, so a normal
            // `cargo test` run shows it.
            use std::io::Write;
            let _ = std::io::stderr().write_all(
                b"\n*** SKIPPED: browser test needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver) ***\n",
            );
            return None;
        };
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let end = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().is_err() {
            assert!(Instant::now() < end, "chromedriver did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        let user_data = tempfile::tempdir().unwrap().keep();
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium,
                "mobileEmulation": {"deviceMetrics": {"width": PHONE.0, "height": PHONE.1, "pixelRatio": 1.0}},
                "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                format!("--user-data-dir={}", user_data.display()),
                format!("--window-size={},{}", PHONE.0, PHONE.1)]}}}});
        let v: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .unwrap()
            .json()
            .unwrap();
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        Some(Browser {
            driver: child,
            base,
            session,
            http,
        })
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}/{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if !body.is_null() {
            req = req.json(&body);
        }
        let v: Value = req.send().unwrap().json().unwrap();
        v["value"].clone()
    }

    fn open(&self, url: &str) {
        self.call(reqwest::Method::POST, "url", json!({"url": url}));
    }

    /// (document width, viewport width, `<html lang>`, visible text).
    fn layout(&self) -> (u64, u64, String, String) {
        let v = self.call(
            reqwest::Method::POST,
            "execute/sync",
            json!({"script": "return [document.documentElement.scrollWidth, window.innerWidth, document.documentElement.lang, document.body.innerText];", "args": []}),
        );
        (
            v[0].as_u64().unwrap_or(0),
            v[1].as_u64().unwrap_or(0),
            v[2].as_str().unwrap_or("").to_string(),
            v[3].as_str().unwrap_or("").to_string(),
        )
    }

    fn screenshot(&self, name: &str) -> PathBuf {
        let v = self.call(reqwest::Method::GET, "screenshot", Value::Null);
        let png = B64
            .decode(v.as_str().unwrap_or_else(|| panic!("no screenshot: {v}")))
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let dir = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/target/test-artifacts"
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, png).unwrap();
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[test]
fn the_tracking_page_reads_well_on_a_phone() {
    let Some(b) = Browser::start() else {
        return;
    };
    let g = Gateway::start();
    let v = g.post(
        "/v2/trackings/realtime",
        &json!({"tracking_number": "SANDBOX-DELIVERED-1", "carrier_code": "sandbox", "lang": "de"}),
    );
    assert_eq!(code(&v), 200, "{v}");
    let url = g.get("/v2/trackings/sandbox/SANDBOX-DELIVERED-1")["data"]["tracking_url"]
        .as_str()
        .unwrap()
        .to_string();
    b.open(&format!("{}{}", g.base, &url[url.find("/t/").unwrap()..]));
    let (doc, view, lang, text) = b.layout();
    assert_eq!(lang, "de");
    assert!(
        text.contains("SANDBOX-DELIVERED-1") && text.contains("Zugestellt"),
        "{text}"
    );
    assert!(text.contains("Sendungsverlauf"), "{text}");
    assert_eq!(view, u64::from(PHONE.0), "a phone's width");
    assert!(doc <= view, "overflows sideways: {doc} > {view}");
    let shot = b.screenshot("tracking-page-phone.png");
    eprintln!("screenshot: {}", shot.display());
}

#[test]
fn the_html_email_reads_well_on_a_phone() {
    let Some(b) = Browser::start() else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_trackgate"))
        .args(["render", "--channel", "email", "--status", "delivered"])
        .env(
            "TRACKGATE_TEMPLATES_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates"),
        )
        .env_remove("TRACKGATE_CONFIG")
        .output()
        .unwrap();
    let rendered = String::from_utf8_lossy(&out.stdout).into_owned();
    let html = rendered
        .split("--- text/html ---\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no HTML part: {rendered}"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("email.html");
    std::fs::write(&file, html).unwrap();
    b.open(&format!("file://{}", file.display()));
    let (doc, view, _, text) = b.layout();
    assert!(
        text.contains("Delivered") && text.contains("Follow your parcel"),
        "{text}"
    );
    assert!(
        view > 0 && doc <= view,
        "overflows sideways: {doc} > {view}"
    );
    b.screenshot("email-delivered-phone.png");
}
