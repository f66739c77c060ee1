//! Load benchmark for the TrackingMore API against the real release binary.
//!
//! ```text
//! cargo build --release && cargo run --release --example load -- [--trackings 100000] [--seconds 10] [--concurrency 64]
//! ```
//! It starts `target/release/trackgate` on a temp data dir, seeds the trackings
//! through `/v2/trackings/batch`, then measures GET one and durable single creates
//! on `/v2` and on `/v4` (`/v4/trackings/get?tracking_numbers=…`,
//! `/v4/trackings/create`), `/trackings/get?limit=2000`, and the server's RSS. Bounded in count and time;
//! loopback only.

mod common;
use common::{arg, rss_mib, Gateway};
use reqwest::Client;
use serde_json::{json, Value};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEY: &str = "bench-key";

fn s10(serial: u64) -> String {
    let d: Vec<u64> = format!("{serial:08}")
        .bytes()
        .map(|b| u64::from(b - b'0'))
        .collect();
    let sum: u64 = d
        .iter()
        .zip([8, 6, 4, 2, 3, 5, 9, 7])
        .map(|(a, b)| a * b)
        .sum();
    let c = match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    };
    format!("RR{serial:08}{c}US")
}

struct Stats {
    count: usize,
    per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn summarise(mut lat: Vec<Duration>, elapsed: Duration) -> Stats {
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Stats {
        count: lat.len(),
        per_sec: lat.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    }
}

/// Runs `op(i)` from `conc` tasks until `dur` passes; returns latencies of successes.
async fn drive<F, Fut>(conc: usize, dur: Duration, op: F) -> (Vec<Duration>, Duration)
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let (op, next) = (op.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while start.elapsed() < dur {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                if op(i).await {
                    lat.push(t.elapsed());
                }
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    (all, start.elapsed())
}

#[tokio::main]
async fn main() {
    let n = arg("--trackings", 100_000);
    let secs = Duration::from_secs(arg("--seconds", 10));
    let conc = arg("--concurrency", 64) as usize;
    let dir = tempfile::tempdir().unwrap(); // wrk scripts
    let gw = Gateway::start(
        KEY,
        "limits:\n  list_per_second: 1000000\n  v4_create_per_second: 1000000\n  v4_per_second: 1000000\n",
    );
    let addr = gw.addr.clone();
    let base = format!("http://{addr}/v2");
    let http = Client::builder()
        .pool_max_idle_per_host(conc * 2)
        .build()
        .unwrap();

    let t = Instant::now();
    let seeded_n = seed(&http, &base, n).await;
    let seed_elapsed = t.elapsed();
    println!(
        "seeded {seeded_n} trackings in {:.1} s ({:.0} creates/s in batches of 40, durable)",
        seed_elapsed.as_secs_f64(),
        seeded_n as f64 / seed_elapsed.as_secs_f64()
    );

    let have_wrk = Command::new("wrk").arg("--version").output().is_ok();
    let (create, get_one, list, create4, get4) = if have_wrk {
        let script = |name: &str, body: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, format!("{LUA_S10}\n{body}")).unwrap();
            path
        };
        // Single creates from numbers of their own per API (`first` + a range per
        // wrk thread); GETs of random seeded numbers.
        let create = |name: &str, first: u64, path: &str, header: &str, carrier: &str| {
            script(
                name,
                &format!(
                    r#"
local counter = 0
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function request()
  counter = counter + 1
  local n = s10({first} + (tid or 0) * 1000000 + counter)
  return wrk.format("POST", "{path}", {{["{header}"] = "{KEY}", ["Content-Type"] = "application/json"}},
    '{{"tracking_number":"' .. n .. '","{carrier}":"usps","title":"bench"}}')
end"#
                ),
            )
        };
        let get = |name: &str, prefix: &str, header: &str| {
            script(
                name,
                &format!(
                    r#"
math.randomseed(7)
function request()
  return wrk.format("GET", "{prefix}" .. s10(math.random(0, {max})), {{["{header}"] = "{KEY}"}})
end"#,
                    max = seeded_n.saturating_sub(1)
                ),
            )
        };
        let (v2_key, v4_key) = ("Trackingmore-Api-Key", "Tracking-Api-Key");
        let create_lua = create(
            "create.lua",
            50_000_000,
            "/v2/trackings/post",
            v2_key,
            "carrier_code",
        );
        let create4_lua = create(
            "create4.lua",
            70_000_000,
            "/v4/trackings/create",
            v4_key,
            "courier_code",
        );
        let get_lua = get("get.lua", "/v2/trackings/usps/", v2_key);
        let get4_lua = get("get4.lua", "/v4/trackings/get?tracking_numbers=", v4_key);
        // Reads first: measured after the write phase they would compete with
        // sled still flushing and cleaning up after it.
        let get = wrk(&addr, &get_lua, conc, secs);
        let get4 = wrk(&addr, &get4_lua, conc, secs);
        let list = list_pages(&http, &base).await;
        let create = wrk(&addr, &create_lua, conc, secs);
        let create4 = wrk(&addr, &create4_lua, conc, secs);
        (create, get, list, create4, get4)
    } else {
        eprintln!("wrk not found (apt-get install wrk): measuring with the in-process client");
        let root = format!("http://{addr}");
        let get = client_gets(&http, &root, conc, secs, seeded_n, Api::V2).await;
        let get4 = client_gets(&http, &root, conc, secs, seeded_n, Api::V4).await;
        let list = list_pages(&http, &base).await;
        let create = client_creates(&http, &root, conc, secs, Api::V2).await;
        let create4 = client_creates(&http, &root, conc, secs, Api::V4).await;
        (create, get, list, create4, get4)
    };

    let rss = rss_mib(gw.child.id());

    println!("\n| measure | requests | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|");
    for (name, s) in [
        ("/v2 create (durable, single)", &create),
        ("/v4 create (durable, single)", &create4),
        ("/v2 GET one", &get_one),
        ("/v4 get, one number", &get4),
        ("/v2 list limit=2000", &list),
    ] {
        println!(
            "| {name} | {} | {:.0} | {:.2} | {:.2} |",
            s.count, s.per_sec, s.p50_ms, s.p99_ms
        );
    }
    // Counted by the gateway: a create answered with "already exists" (4016 comes
    // with HTTP 200) would otherwise pass for one that stored something.
    let stored = http
        .get(format!("{base}/trackings/getuserinfo"))
        .header("Trackingmore-Api-Key", KEY)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["data"]["trackings"]
        .as_u64()
        .unwrap_or(0);
    let answered = seeded_n + (create.count + create4.count) as u64;
    println!(
        "\nserver RSS after the run: {rss:.0} MiB; data dir {:.0} MiB ({stored} trackings stored, {answered} creates answered 200)",
        gw.data_bytes() as f64 / (1024.0 * 1024.0),
    );
}

/// 30 sequential `/trackings/get?limit=2000` calls, timed to the last byte.
async fn list_pages(http: &Client, base: &str) -> Stats {
    let mut list_lat = Vec::new();
    let t = Instant::now();
    for page in 1..=30u64 {
        let s = Instant::now();
        // Timed to the last byte of the body; not parsed into a tree (that would time the client).
        let body = http
            .get(format!(
                "{base}/trackings/get?limit=2000&page={}",
                page % 40 + 1
            ))
            .header("Trackingmore-Api-Key", KEY)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(
            body.windows(12).any(|w| w == b"\"count\":2000"),
            "a full page of 2000"
        );
        list_lat.push(s.elapsed());
    }
    summarise(list_lat, t.elapsed())
}

/// Which API a client measure speaks.
#[derive(Clone, Copy)]
enum Api {
    V2,
    V4,
}

/// Single durable creates from the in-process client.
async fn client_creates(http: &Client, root: &str, conc: usize, secs: Duration, api: Api) -> Stats {
    let (http, root) = (http.clone(), root.to_string());
    let (lat, el) = drive(conc, secs, move |i| {
        let (http, root) = (http.clone(), root.clone());
        async move {
            let r = match api {
                Api::V2 => {
                    let body = json!({"tracking_number": s10(50_000_000 + i), "carrier_code": "usps", "title": "bench"});
                    http.post(format!("{root}/v2/trackings/post")).header("Trackingmore-Api-Key", KEY).json(&body)
                }
                Api::V4 => {
                    let body = json!({"tracking_number": s10(70_000_000 + i), "courier_code": "usps", "title": "bench"});
                    http.post(format!("{root}/v4/trackings/create")).header("Tracking-Api-Key", KEY).json(&body)
                }
            };
            matches!(r.send().await, Ok(r) if r.status().is_success())
        }
    })
    .await;
    summarise(lat, el)
}

/// GET one from the in-process client.
async fn client_gets(
    http: &Client,
    root: &str,
    conc: usize,
    secs: Duration,
    seeded: u64,
    api: Api,
) -> Stats {
    let (http, root) = (http.clone(), root.to_string());
    let (lat, el) = drive(conc, secs, move |i| {
        let (http, root) = (http.clone(), root.clone());
        async move {
            let num = s10((i * 7919) % seeded.max(1));
            let req = match api {
                Api::V2 => http
                    .get(format!("{root}/v2/trackings/usps/{num}"))
                    .header("Trackingmore-Api-Key", KEY),
                Api::V4 => http
                    .get(format!("{root}/v4/trackings/get?tracking_numbers={num}"))
                    .header("Tracking-Api-Key", KEY),
            };
            match req.send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
    })
    .await;
    summarise(lat, el)
}

/// The S10 number generator in Lua, for wrk scripts (same numbers as `s10`).
const LUA_S10: &str = r#"
function s10(serial)
  local s = string.format("%08d", serial)
  local w = {8, 6, 4, 2, 3, 5, 9, 7}
  local sum = 0
  for i = 1, 8 do sum = sum + tonumber(s:sub(i, i)) * w[i] end
  local c = 11 - sum % 11
  if c == 10 then c = 0 elseif c == 11 then c = 5 end
  return "RR" .. s .. c .. "US"
end"#;

/// Runs wrk with a Lua script; reads requests/s and the latency percentiles.
fn wrk(addr: &str, script: &std::path::Path, conc: usize, secs: Duration) -> Stats {
    let out = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{conc}"),
            &format!("-d{}s", secs.as_secs()),
            "--latency",
            "-s",
        ])
        .arg(script)
        .arg(format!("http://{addr}"))
        .output()
        .expect("wrk runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let ms = |label: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.split_whitespace().nth(1))
            .map_or(0.0, |v| {
                let (num, unit) =
                    v.split_at(v.find(|c: char| c.is_alphabetic()).unwrap_or(v.len()));
                let n: f64 = num.parse().unwrap_or(0.0);
                match unit {
                    "us" => n / 1000.0,
                    "s" => n * 1000.0,
                    _ => n,
                }
            })
    };
    let field = |label: &str| {
        text.lines()
            .find(|l| l.contains(label))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let requests = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if text.contains("Non-2xx") {
        eprintln!("wrk saw errors:\n{text}");
    }
    Stats {
        count: requests,
        per_sec: field("Requests/sec:"),
        p50_ms: ms("50%"),
        p99_ms: ms("99%"),
    }
}

/// Creates `n` trackings through `/trackings/batch`, 40 per call, 16 calls in flight.
async fn seed(http: &Client, base: &str, n: u64) -> u64 {
    let next = Arc::new(AtomicU64::new(0));
    let added = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (http, base, next, added) =
            (http.clone(), base.to_string(), next.clone(), added.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let b = next.fetch_add(1, Ordering::Relaxed);
                if b * 40 >= n {
                    break;
                }
                let items: Vec<Value> = (b * 40..((b + 1) * 40).min(n))
                    .map(|i| json!({"tracking_number": s10(i), "carrier_code": "usps", "order_id": format!("O{i}")}))
                    .collect();
                let v: Value = http
                    .post(format!("{base}/trackings/batch"))
                    .header("Trackingmore-Api-Key", KEY)
                    .json(&items)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                added.fetch_add(v["data"]["added"].as_u64().unwrap_or(0), Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    added.load(Ordering::Relaxed)
}
