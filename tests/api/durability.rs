//! Acknowledged writes survive restarts and SIGKILL.

use crate::helpers::*;
use serde_json::json;
use std::sync::{Arc, Mutex};

#[test]
fn acknowledged_writes_survive_a_graceful_restart_and_sigterm_exits_zero() {
    let mut g = Gateway::process("limits:\n  list_per_second: 10000\n");
    g.post(
        "/v2/trackings/post",
        &json!({"tracking_number": s10(1, "CH"), "carrier_code": "swiss-post", "title": "Watch"}),
    );
    g.realtime("SANDBOX-PICKUP-1");
    let status = g.terminate();
    assert!(status.success(), "{status:?}");
    g.restart_after_kill9();
    assert_eq!(
        g.get(&format!("/v2/trackings/swiss-post/{}", s10(1, "CH")))["data"]["title"],
        "Watch"
    );
    assert_eq!(
        g.get("/v2/trackings/sandbox/SANDBOX-PICKUP-1")["data"]["status"],
        "pickup"
    );
    assert_eq!(g.get("/v2/trackings/getstatusnumber")["data"]["pickup"], 1);
}

#[test]
fn every_acknowledged_create_survives_kill_9_mid_stream() {
    let mut g = Gateway::process("limits:\n  list_per_second: 10000\n");
    let acked = Arc::new(Mutex::new(Vec::new()));
    let base = g.base.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (acked, base, stop) = (acked.clone(), base.clone(), stop.clone());
            std::thread::spawn(move || {
                let http = reqwest::blocking::Client::new();
                for i in 0..10_000u32 {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let n = s10(w * 100_000 + i, "US");
                    let resp = http
                        .post(format!("{base}/v2/trackings/post"))
                        .header("Trackingmore-Api-Key", KEY_A)
                        .body(json!({"tracking_number": n, "carrier_code": "usps"}).to_string())
                        .send();
                    match resp.and_then(|r| r.json::<serde_json::Value>()) {
                        Ok(v) if code(&v) == 200 => acked.lock().unwrap().push(n),
                        _ => break, // the server died
                    }
                }
            })
        })
        .collect();
    // Let writes stream in, then kill without warning.
    while acked.lock().unwrap().len() < 300 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    g.kill9();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for w in writers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    g.restart_after_kill9();
    let mut missing = Vec::new();
    for chunk in acked.chunks(40) {
        let v = g.get(&format!(
            "/v2/trackings/get?limit=2000&numbers={}",
            chunk.join(",")
        ));
        let got = v["data"]["items"].as_array().map_or(0, Vec::len);
        if got != chunk.len() {
            missing.push(chunk.len() - got);
        }
    }
    assert!(
        missing.is_empty(),
        "{} acknowledged creates lost of {}",
        missing.iter().sum::<usize>(),
        acked.len()
    );
    let total: u64 = g.get("/v2/trackings/getstatusnumber")["data"]["total"]
        .as_u64()
        .unwrap();
    assert!(
        total >= acked.len() as u64,
        "counters agree with rows: {total} < {}",
        acked.len()
    );
    let listed: u64 = g.get("/v2/trackings/get?limit=1")["data"]["total"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(listed, total);
}
