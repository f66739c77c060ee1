//! `trackgate migrate`: a sled deployment moved to PostgreSQL with everything it
//! held, counted on both sides; a non-empty target refused; a stopped copy run
//! again to its end.

use crate::helpers::*;
use crate::pg_server;
use crate::receivers::*;
use serde_json::json;

fn migrate(config: &std::path::Path, to: &str) -> (bool, String) {
    let args: [&std::ffi::OsStr; 5] = [
        "migrate".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--to".as_ref(),
        to.as_ref(),
    ];
    run_trackgate(&args)
}

/// The count of `name` on both sides, from migrate's closing table.
fn counted(text: &str, name: &str) -> (u64, u64) {
    let line = text
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no {name} line in:\n{text}"));
    let n: Vec<u64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (n[0], n[1])
}

#[test]
fn a_sled_store_moves_to_postgres_with_everything_it_held() {
    let Some(db) = pg_server::database() else {
        return;
    };
    let hook = Receiver::start(vec![]);
    let extra = "poll:\n  enabled: false\nallow_private_destinations: true\nlimits:\n  list_per_second: 10000\n";
    let mut g = Gateway::process_on_store("", extra);
    let v = g.put_settings(&json!({"webhook": {"url": hook.url, "secret": "whsec_c2hvcC13ZWJob29rLXNlY3JldC0xMjM0NTY="}}));
    assert_eq!(code(&v), 200, "{v}");
    for i in 0..5 {
        g.create(&s10(300 + i, "GB"), "royal-mail");
    }
    for n in ["SANDBOX-DELIVERED-7", "SANDBOX-TRANSIT-7"] {
        let v = g.post(
            "/v2/trackings/realtime",
            &json!({"tracking_number": n, "carrier_code": "sandbox"}),
        );
        assert_eq!(code(&v), 200, "{v}");
    }
    g.post_as(
        KEY_B,
        "/v2/trackings/post",
        &json!({"tracking_number": s10(399, "GB"), "carrier_code": "royal-mail"}),
    );
    g.wait_until(10, "the webhooks delivered", |g| {
        g.get("/v2/notifications?state=delivered")["data"]["count"].as_u64() >= Some(2)
    });
    let before = g.get("/v2/trackings/get");
    let history = g.get("/v2/history/sandbox/SANDBOX-DELIVERED-7");
    g.terminate();

    let (ok, text) = migrate(&g.config_path(), &db);
    assert!(ok, "{text}");
    for name in [
        "accounts",
        "trackings",
        "parcels",
        "transitions",
        "notifications",
        "delivery tries",
    ] {
        let (sled, pg) = counted(&text, name);
        assert_eq!(sled, pg, "{name}: {text}");
        assert!(sled > 0, "{name} copied: {text}");
    }
    assert_eq!(counted(&text, "trackings").0, 8);

    // Again, into the now full database: refused, nothing changed.
    let (ok, again) = migrate(&g.config_path(), &db);
    assert!(!ok && again.contains("not empty"), "{again}");

    // A copy stopped midway (here: its tries and some jobs lost, unfinished) is
    // run again to the same end.
    pg_server::execute(
        &db,
        "DELETE FROM attempts; UPDATE trackgate_copy SET finished = false",
    )
    .unwrap();
    let (ok, resumed) = migrate(&g.config_path(), &db);
    assert!(ok, "{resumed}");
    assert_eq!(
        counted(&resumed, "delivery tries"),
        counted(&text, "delivery tries")
    );

    // The gateway on PostgreSQL serves what sled held.
    let pg = Gateway::process_on_database(&db, extra);
    assert_eq!(pg.get("/v2/trackings/get")["data"], before["data"]);
    assert_eq!(pg.get("/v2/history/sandbox/SANDBOX-DELIVERED-7"), history);
    let counts = pg.get("/v2/trackings/getstatusnumber");
    assert_eq!(counts["data"]["total"], 7, "{counts}");
    assert_eq!(pg.get_as(KEY_B, "/v2/trackings/get")["data"]["total"], "1");
    assert_eq!(
        code(&pg.create(&s10(398, "GB"), "royal-mail")),
        200,
        "new writes work"
    );
}
