//! Several `trackgate serve` processes over one PostgreSQL database, and the
//! database going away under a running gateway. Each test starts real binaries on
//! the tests' throwaway PostgreSQL (see `tests/support/postgres.rs`); without one
//! they print a loud SKIPPED notice, unless `TRACKGATE_TEST_POSTGRES=required`.

use crate::helpers::*;
use crate::pg_server::{self, OwnServer};
use crate::receivers::*;
use crate::signing::*;
use crate::upstream::Upstream;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

fn node_config() -> String {
    format!("{}allow_private_destinations: true\ndelivery:\n  retry: [\"1s\", \"1s\"]\n  timeout: \"1s\"\n", push_config())
}

fn webhook_to(g: &Gateway, r: &Receiver) {
    let v = g.put_settings(&json!({"webhook": {"url": r.url, "secret": "whsec_c2VjcmV0"}}));
    assert_eq!(code(&v), 200, "{v}");
}

fn push_transit(g: &Gateway, id: &str, number: &str) -> (u16, serde_json::Value) {
    let body =
        json!({"carrier_code": "usps", "tracking_number": number, "status": "transit"}).to_string();
    g.push("/hooks/native", &native_headers(id, now(), &body), &body)
}

#[test]
fn an_unreachable_database_stops_the_start_with_a_clear_error() {
    let stderr = failed_start(&format!(
        "store:\n  backend: postgres\n  url: postgres://gw:hunter2@127.0.0.1:{}/trackgate\n",
        free_port()
    ));
    assert!(
        stderr.contains("store.url") && stderr.contains("database"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2"),
        "the password is not logged: {stderr}"
    );
}

/// A `serve` over `store_yaml` that must fail to start; its stderr.
fn failed_start(store_yaml: &str) -> String {
    let (_dir, cfg) = temp_config(&format!(
        "{store_yaml}accounts:\n  - email: a@shop.example\n    api_key: k-123456\n"
    ));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trackgate"))
        .args(["serve", "--config"])
        .arg(&cfg)
        .env_remove("TRACKGATE_CONFIG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "it started: {stderr}");
    stderr
}

#[test]
fn a_database_from_a_newer_release_is_refused_with_a_clear_message() {
    let Some(db) = pg_server::database() else {
        return;
    };
    drop(Gateway::on_database(&db, "")); // migrates the empty database
    pg_server::execute(&db, "UPDATE trackgate_schema SET version = 99").unwrap();
    let stderr = failed_start(&format!("store:\n  backend: postgres\n  url: {db}\n"));
    assert!(
        stderr.contains("schema is version 99") && stderr.contains("upgrade trackgate"),
        "{stderr}"
    );
}

#[test]
fn two_nodes_share_trackings_and_notify_each_change_once() {
    let Some(db) = pg_server::database() else {
        return;
    };
    let r = Receiver::start(vec![]);
    let a = Gateway::on_database(&db, &node_config());
    let b = Gateway::on_database(&db, &node_config());
    webhook_to(&a, &r);
    let numbers: Vec<String> = (0..20).map(|i| s10(700 + i, "US")).collect();
    for n in &numbers {
        let created = a.create(n, "usps");
        let read = b.get(&format!("/v2/trackings/usps/{n}"));
        assert_eq!(read["data"]["id"], created["data"]["id"], "{read}");
    }
    // The same push reaches both nodes (a retrying provider, a load balancer):
    // one applies it, the other sees its id and does nothing.
    let mut duplicates = 0;
    for (i, n) in numbers.iter().enumerate() {
        let id = format!("both-{i}");
        let (sa, va) = push_transit(&a, &id, n);
        let (sb, vb) = push_transit(&b, &id, n);
        assert_eq!((sa, sb), (200, 200), "{va} {vb}");
        duplicates += [&va, &vb].iter().filter(|v| v["duplicate"] == true).count();
    }
    assert_eq!(duplicates, 20);
    r.wait_for(20, 20);
    std::thread::sleep(Duration::from_secs(2));
    let got = r.got();
    let ids: HashSet<String> = got.iter().map(|x| x.header("webhook-id")).collect();
    assert_eq!(
        (got.len(), ids.len()),
        (20, 20),
        "each change notified exactly once"
    );
    for n in &numbers {
        assert_eq!(b.status_of("usps", n), "transit");
    }
}

#[test]
fn two_nodes_fire_each_alert_once() {
    let Some(db) = pg_server::database() else {
        return;
    };
    let r = Receiver::start(vec![]);
    let config = format!("{}alerts:\n  check_every: \"100ms\"\n", node_config());
    let a = Gateway::on_database(&db, &config);
    let b = Gateway::on_database(&db, &config);
    let v = a.put_settings(
        &json!({"webhook": {"url": r.url, "secret": "whsec_c2VjcmV0"},
                                   "alerts": {"stalled": {"pending": "1s"}}}),
    );
    assert_eq!(code(&v), 200, "{v}");
    let stalled = |r: &Receiver| -> Vec<String> {
        r.got()
            .iter()
            .filter(|x| x.json()["event"]["type"] == "tracking.stalled")
            .map(|x| x.header("webhook-id"))
            .collect()
    };
    for i in 0..30 {
        let g = if i % 2 == 0 { &a } else { &b };
        g.create(&s10(720 + i, "US"), "usps");
    }
    a.wait_until(20, "30 stalled alerts", |_| stalled(&r).len() >= 30);
    // One more, alerted later: both nodes have looked many times meanwhile.
    b.create(&s10(760, "US"), "usps");
    a.wait_until(20, "the last one's alert", |_| stalled(&r).len() >= 31);
    let ids = stalled(&r);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (31, 31), "each alert fired once");
}

#[test]
fn each_due_parcel_is_polled_by_one_node() {
    let Some(db) = pg_server::database() else {
        return;
    };
    let up = Upstream::start();
    let a = Gateway::on_database(&db, &up.gateway_config());
    let _b = Gateway::on_database(&db, &up.gateway_config());
    let numbers: Vec<String> = (0..30).map(|i| format!("POLLED{i:04}X")).collect();
    for n in &numbers {
        a.create(n, "usps");
    }
    a.wait_until(30, "every parcel polled to delivered", |g| {
        numbers
            .iter()
            .all(|n| g.status_of("usps", n) == "delivered")
    });
    std::thread::sleep(Duration::from_secs(3));
    let polls: HashMap<&String, usize> = numbers.iter().map(|n| (n, up.gets_for(n))).collect();
    assert!(
        polls.values().all(|n| *n == 1),
        "each parcel fetched once, by one of the two nodes: {polls:?}"
    );
}

#[test]
fn a_killed_nodes_deliveries_are_taken_over_under_the_same_ids() {
    let Some(db) = pg_server::database() else {
        return;
    };
    let r = Receiver::start(vec![]);
    r.always(Answer {
        status: 200,
        retry_after: None,
        delay: Duration::from_millis(30),
    });
    let mut a = Gateway::process_on_database(&db, &node_config());
    let b = Gateway::on_database(&db, &node_config());
    webhook_to(&a, &r);
    let numbers: Vec<String> = (0..40).map(|i| s10(800 + i, "US")).collect();
    for n in &numbers {
        a.create(n, "usps");
    }
    for (i, n) in numbers.iter().enumerate() {
        assert_eq!(push_transit(&a, &format!("k-{i}"), n).0, 200);
    }
    r.wait_for(5, 10);
    a.kill9();
    let expected: HashSet<String> = b.get("/v2/notifications?limit=1000")["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        expected.len(),
        40,
        "every acknowledged change has its notification"
    );
    b.wait_until(40, "every notification delivered and recorded", |g| {
        g.get("/v2/notifications?state=delivered&limit=1000")["data"]["count"] == 40
    });
    let got = r.got();
    let received: HashSet<String> = got.iter().map(|x| x.header("webhook-id")).collect();
    assert_eq!(received, expected, "re-sends keep their webhook-id");
    for x in &got {
        assert_eq!(x.json()["event"]["id"], x.header("webhook-id"));
    }
}

#[test]
fn a_lost_database_answers_503_and_recovers_without_a_restart() {
    let Some(server) = OwnServer::start() else {
        return;
    };
    let g = Gateway::on_database(&server.database(), &push_config());
    let before = s10(901, "US");
    g.create(&before, "usps");
    server.stop();
    let (status, v) = g.send(
        reqwest::Method::GET,
        &format!("/v2/trackings/usps/{before}"),
        Some(KEY_A),
        None,
    );
    assert_eq!(
        (status, v["meta"]["code"].as_i64()),
        (503, Some(503)),
        "{v}"
    );
    let (status, _) = g.send(reqwest::Method::GET, "/readyz", None, None);
    assert_eq!(status, 503);
    let (status, v) = push_transit(&g, "while-down", &before);
    assert_eq!(status, 503, "a push is refused, to be retried: {v}");
    server.resume();
    g.wait_until(20, "the gateway answers again", |g| {
        g.send(reqwest::Method::GET, "/readyz", None, None).0 == 200
    });
    assert_eq!(
        g.status_of("usps", &before),
        "pending",
        "what was acknowledged is there"
    );
    let after = s10(902, "US");
    assert_eq!(code(&g.create(&after, "usps")), 200);
    assert_eq!(push_transit(&g, "after", &before).0, 200);
    assert_eq!(g.status_of("usps", &before), "transit");
}

/// A database at schema version 1 (before the status counters, the list index,
/// the poll owner and the key table) is brought up to date at start, its counters
/// counted from the rows there and its keys still working.
#[test]
fn an_older_schema_is_migrated_at_start_with_its_counts() {
    let Some(db) = pg_server::database() else {
        return;
    };
    let mut g = Gateway::process_on_database(&db, "limits:\n  list_per_second: 10000\n");
    for i in 0..3 {
        g.create(&s10(950 + i, "US"), "usps");
    }
    g.terminate();
    pg_server::execute(
        &db,
        "DROP TABLE status_counts; ALTER TABLE parcels DROP COLUMN poll_owner;
         ALTER TABLE accounts ADD COLUMN key_sha256 text;
         UPDATE accounts SET key_sha256 = row->'key_sha256s'->>0,
             row = (row - 'key_sha256s' - 'disabled_at')
                 || jsonb_build_object('key_sha256', row->'key_sha256s'->0);
         DROP TABLE api_keys; ALTER TABLE accounts ALTER COLUMN key_sha256 SET NOT NULL;
         DROP TABLE trackgate_copy;
         ALTER TABLE trackings DROP COLUMN stalled_since, DROP COLUMN edd_due, DROP COLUMN final_since;
         DROP TABLE attempts_pruned;
         UPDATE trackgate_schema SET version = 1",
    )
    .unwrap();
    let g = Gateway::on_database(&db, "limits:\n  list_per_second: 10000\n");
    let v = g.get("/v2/trackings/getstatusnumber");
    assert_eq!(
        (v["data"]["pending"].as_i64(), v["data"]["total"].as_i64()),
        (Some(3), Some(3)),
        "{v}"
    );
    g.create(&s10(960, "US"), "usps");
    assert_eq!(g.get("/v2/trackings/get")["data"]["total"], "4");
}

/// `sslmode=require` in `store.url`: the connection is TLS, and the server's
/// certificate must chain to a trusted CA (`store.ca_file` adds one).
#[test]
fn the_database_connection_is_tls_and_its_certificate_is_checked() {
    let Some((server, ca)) = OwnServer::start_tls() else {
        return;
    };
    let db = server.database();
    let url = format!("{db}?sslmode=require");
    let stderr = failed_start(&format!("store:\n  backend: postgres\n  url: {url}\n"));
    assert!(
        stderr.to_lowercase().contains("certificate"),
        "an unknown CA is refused: {stderr}"
    );
    let g = Gateway::on_store(
        &format!(
            "store:\n  backend: postgres\n  url: {url}\n  ca_file: {}\n",
            ca.display()
        ),
        "",
    );
    let n = s10(990, "US");
    assert_eq!(code(&g.create(&n, "usps")), 200);
    let name = db.rsplit('/').next().unwrap();
    let tls = pg_server::query_i64(
        &db,
        &format!(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE s.ssl AND a.datname = '{name}' AND a.pid <> pg_backend_pid()"
        ),
    );
    let plain = pg_server::query_i64(
        &db,
        &format!(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE NOT s.ssl AND a.datname = '{name}' AND a.pid <> pg_backend_pid()"
        ),
    );
    assert!(
        tls >= 1 && plain == 0,
        "{tls} TLS and {plain} plain connections"
    );
}

/// Two nodes take batches over the same trackings in opposite orders, shop updates
/// and carrier pushes at once: every writer locks in key order, so none deadlocks
/// (PostgreSQL would abort one, and a client would see an error).
#[test]
fn opposite_order_batches_on_two_nodes_all_succeed() {
    let Some(db) = pg_server::database() else {
        return;
    };
    let a = Gateway::on_database(&db, &push_config());
    let b = Gateway::on_database(&db, &push_config());
    let numbers: Vec<String> = (0..40).map(|i| s10(600 + i, "US")).collect();
    let items: Vec<serde_json::Value> = numbers
        .iter()
        .map(|n| json!({"tracking_number": n, "carrier_code": "usps"}))
        .collect();
    assert_eq!(code(&a.post("/v2/trackings/batch", &json!(items))), 200);
    std::thread::scope(|s| {
        for (g, reverse) in [(&a, false), (&b, true)] {
            let numbers = &numbers;
            s.spawn(move || {
                for round in 0..15 {
                    let mut order: Vec<&String> = numbers.iter().collect();
                    if reverse {
                        order.reverse();
                    }
                    let patch: Vec<_> = order
                        .iter()
                        .map(|n| json!({"tracking_number": n, "carrier_code": "usps", "title": format!("round {round}")}))
                        .collect();
                    let v = g.post("/v2/trackings/updatemore", &json!(patch));
                    assert_eq!(code(&v), 200, "{v}");
                    assert_eq!(v["data"]["updated"], 40, "{v}");
                    let status = if round % 2 == 0 { "transit" } else { "pickup" };
                    let news: Vec<_> = order
                        .iter()
                        .map(|n| json!({"carrier_code": "usps", "tracking_number": n, "status": status}))
                        .collect();
                    let body = json!(news).to_string();
                    let id = format!("{reverse}-{round}");
                    let (st, v) = g.push("/hooks/native", &native_headers(&id, now(), &body), &body);
                    assert_eq!(st, 200, "{v}");
                }
            });
        }
    });
}

/// A node killed while its poll of a parcel hangs: another node polls the parcel
/// again once the killed one misses its heartbeats, not after the 120 s poll lease.
#[test]
fn a_killed_nodes_polls_are_taken_over() {
    let Some(db) = pg_server::database() else {
        return;
    };
    let up = Upstream::start();
    let mut a = Gateway::process_on_database(&db, &up.gateway_config());
    let number = "HANG0001X";
    a.create(number, "usps");
    a.wait_until(10, "the first poll reached the upstream", |_| {
        up.gets_for(number) == 1
    });
    a.kill9();
    let b = Gateway::on_database(&db, &up.gateway_config());
    b.wait_until(30, "the parcel polled again by the other node", |_| {
        up.gets_for(number) >= 2
    });
}
