//! SIGKILL while pushes stream in: every acknowledged push is there after restart,
//! no transition lost or doubled, and push-id dedupe survives the crash.

use crate::helpers::*;
use crate::signing::*;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Step `s` of a number: a scan `s` minutes after a fixed time, alternating
/// transit / pickup so that every step is a status change.
fn step_body(number: &str, s: u32) -> String {
    let status = if s % 2 == 1 { "transit" } else { "pickup" };
    json!({"carrier_code": "usps", "tracking_number": number, "status": status,
           "events": [{"time": (1_790_000_000 + i64::from(s) * 60).to_string(), "description": format!("step {s}"), "status": status}]})
    .to_string()
}

#[test]
fn after_sigkill_every_acknowledged_push_is_there_exactly_once() {
    let mut g = Gateway::process(&push_config());
    let numbers: Vec<String> = (0..8).map(|i| s10(500 + i, "US")).collect();
    for n in &numbers {
        g.create(n, "usps");
    }
    let acked: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let total = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let base = g.base.clone();
    let threads: Vec<_> = numbers
        .chunks(2)
        .map(|mine| {
            let (mine, acked, total, stop, base) = (
                mine.to_vec(),
                acked.clone(),
                total.clone(),
                stop.clone(),
                base.clone(),
            );
            std::thread::spawn(move || {
                let http = reqwest::blocking::Client::new();
                'outer: for s in 1..10_000u32 {
                    for n in &mine {
                        if stop.load(Ordering::SeqCst) {
                            break 'outer;
                        }
                        let body = step_body(n, s);
                        let mut req = http.post(format!("{base}/hooks/native")).body(body.clone());
                        for (k, v) in native_headers(&format!("msg-{n}-{s}"), now(), &body) {
                            req = req.header(k, v);
                        }
                        match req.send() {
                            Ok(r) if r.status().is_success() => {
                                acked.lock().unwrap().insert(n.clone(), s);
                                total.fetch_add(1, Ordering::SeqCst);
                            }
                            _ => break 'outer, // the server died mid-request
                        }
                    }
                }
            })
        })
        .collect();
    while total.load(Ordering::SeqCst) < 400 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    g.kill9();
    stop.store(true, Ordering::SeqCst);
    for t in threads {
        t.join().unwrap();
    }
    g.restart_after_kill9();
    let acked = acked.lock().unwrap().clone();
    for n in &numbers {
        let last_acked = acked.get(n).copied().unwrap_or(0);
        let h = g.get(&format!("/v2/history/usps/{n}"));
        let tr = h["data"]["transitions"].as_array().unwrap();
        let seqs: Vec<u64> = tr.iter().map(|t| t["seq"].as_u64().unwrap()).collect();
        assert_eq!(
            seqs,
            (1..=seqs.len() as u64).collect::<Vec<_>>(),
            "{n}: contiguous, no doubles"
        );
        // One push may have landed without its answer reaching the client.
        let n_tr = tr.len() as u32;
        assert!(
            n_tr == last_acked || n_tr == last_acked + 1,
            "{n}: {n_tr} transitions for {last_acked} acknowledged pushes"
        );
        for (k, t) in tr.iter().enumerate() {
            let want = if (k + 1) % 2 == 1 {
                "transit"
            } else {
                "pickup"
            };
            assert_eq!(t["to"], want, "{n}: transition {} is step {}", k + 1, k + 1);
        }
        let t = &g.get(&format!("/v2/trackings/usps/{n}"))["data"];
        assert_eq!(
            t["origin_info"]["trackinfo"].as_array().unwrap().len() as u32,
            n_tr
        );
        if last_acked > 0 {
            // The acknowledged id is still remembered: replaying it changes nothing.
            let body = step_body(n, last_acked);
            let (_, v) = g.push(
                "/hooks/native",
                &native_headers(&format!("msg-{n}-{last_acked}"), now(), &body),
                &body,
            );
            assert_eq!(
                v["duplicate"], true,
                "{n}: dedupe record survived the crash"
            );
        }
    }
    let counts = &g.get("/v2/trackings/getstatusnumber")["data"];
    let moving = counts["transit"].as_u64().unwrap()
        + counts["pickup"].as_u64().unwrap()
        + counts["pending"].as_u64().unwrap();
    assert_eq!(
        moving, 8,
        "counters agree with rows after the crash: {counts}"
    );
}
