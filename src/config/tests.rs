//! Config loading tests.

use super::*;
use crate::config::Secret;
use std::io::Write;

fn file(yaml: &str) -> (tempfile::NamedTempFile, Source) {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(yaml.as_bytes()).unwrap();
    let src = Source::File(f.path().to_path_buf());
    (f, src)
}

fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

#[test]
fn built_in_defaults_carry_the_demo_account_on_loopback() {
    let cfg = load(&Source::Defaults, no_env()).unwrap();
    assert_eq!(cfg.listen, "127.0.0.1:8080");
    assert_eq!(cfg.accounts.len(), 1);
    assert_eq!(cfg.accounts[0].email, "shop@example.com");
    assert_eq!(cfg.email.transport, EmailTransport::File);
}

#[test]
fn an_unknown_key_is_an_error_naming_it() {
    let (_f, src) = file("listen: 127.0.0.1:1\nemail:\n  smtp:\n    hots: x\n");
    let err = load(&src, no_env()).unwrap_err().to_string();
    assert!(err.contains("email.smtp") && err.contains("hots"), "{err}");
}

#[test]
fn a_bad_value_names_the_key() {
    let (_f, src) = file("delivery:\n  timeout: soon\n");
    let err = load(&src, no_env()).unwrap_err().to_string();
    assert!(err.contains("delivery.timeout"), "{err}");
    let (_f, src) = file("listen: nowhere\naccounts:\n  - email: nope\n");
    let err = load(&src, no_env()).unwrap_err().to_string();
    assert!(
        err.contains("listen:") && err.contains("accounts[0].email"),
        "{err}"
    );
    assert!(
        err.contains("accounts[0]: api_key or api_key_sha256 is required"),
        "{err}"
    );
}

#[test]
fn sends_at_once_per_destination_default_to_eight_and_must_be_usable() {
    let cfg = load(&Source::Defaults, no_env()).unwrap();
    assert_eq!(cfg.delivery.concurrency, 8);
    let (_f, src) = file("delivery:\n  concurrency: 32\n");
    assert_eq!(load(&src, no_env()).unwrap().delivery.concurrency, 32);
    for bad in ["0", "129"] {
        let (_f, src) = file(&format!("delivery:\n  concurrency: {bad}\n"));
        let err = load(&src, no_env()).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "delivery.concurrency: {bad} is not between 1 and 128"
            )),
            "{err}"
        );
    }
}

#[test]
fn environment_overrides_the_file_and_nests_with_double_underscore() {
    let (_f, src) = file("listen: 127.0.0.1:1\nemail:\n  smtp:\n    port: 25\n");
    let env = vec![
        ("TRACKGATE_LISTEN".to_string(), "127.0.0.1:9".to_string()),
        (
            "TRACKGATE_EMAIL__SMTP__PORT".to_string(),
            "2526".to_string(),
        ),
        (
            "TRACKGATE_POLL__TRACKINGMORE__API_KEY".to_string(),
            "12345".to_string(),
        ),
        ("UNRELATED".to_string(), "x".to_string()),
    ];
    let cfg = load(&src, env).unwrap();
    assert_eq!(cfg.listen, "127.0.0.1:9");
    assert_eq!(cfg.email.smtp.port, 2526);
    assert_eq!(
        cfg.poll.trackingmore.api_key.expose(),
        "12345",
        "numeric-looking secrets stay strings"
    );
}

#[test]
fn an_unknown_env_key_is_an_error_too() {
    let err = load(
        &Source::Defaults,
        vec![("TRACKGATE_LISTNE".to_string(), "x".to_string())],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("listne"), "{err}");
}

#[test]
fn secrets_never_print() {
    let cfg = load(&Source::Defaults, no_env()).unwrap();
    let shown = format!("{cfg:?}");
    assert!(!shown.contains("demo-key"), "{shown}");
    assert_eq!(format!("{:?}", Secret::new("x")), "***");
}

#[test]
fn the_demo_account_is_refused_off_loopback() {
    let env = vec![("TRACKGATE_LISTEN".to_string(), "0.0.0.0:8080".to_string())];
    let err = load(&Source::Defaults, env).unwrap_err().to_string();
    assert!(err.contains("demo account"), "{err}");
    let env = vec![
        ("TRACKGATE_LISTEN".to_string(), "0.0.0.0:8080".to_string()),
        (
            "TRACKGATE_ACCOUNTS".to_string(),
            "[{email: shop@example.com, api_key: s3cret}]".to_string(),
        ),
    ];
    let cfg = load(&Source::Defaults, env).unwrap();
    assert_eq!(cfg.accounts[0].api_key.as_ref().unwrap().expose(), "s3cret");
}

#[test]
fn the_store_section_has_contract_defaults_and_refuses_what_is_not_there() {
    let cfg = load(&Source::Defaults, std::iter::empty()).unwrap();
    assert_eq!(cfg.store.cache_mb, 64);
    assert_eq!(cfg.store.backend, crate::config::StoreBackend::Sled);
    let env = [(
        "TRACKGATE_STORE__BACKEND".to_string(),
        "postgres".to_string(),
    )];
    let err = load(&Source::Defaults, env).unwrap_err().to_string();
    assert!(err.contains("store.url: required"), "{err}");
    let env = [
        (
            "TRACKGATE_STORE__BACKEND".to_string(),
            "postgres".to_string(),
        ),
        (
            "TRACKGATE_STORE__URL".to_string(),
            "postgres://gw:pw@db.internal:5433/trackgate".to_string(),
        ),
    ];
    let cfg = load(&Source::Defaults, env).unwrap();
    assert_eq!(cfg.store.backend, crate::config::StoreBackend::Postgres);
    let summary = cfg.summary();
    assert!(
        summary.contains("postgres at db.internal:5433/trackgate (16 connections)")
            && !summary.contains("pw"),
        "{summary}"
    );
}

#[test]
fn test_suite_variables_are_not_config_keys() {
    let env = [("TRACKGATE_TEST_BROWSER".to_string(), "required".to_string())];
    assert!(load(&Source::Defaults, env).is_ok());
}

#[test]
fn every_listed_key_counts_and_a_key_belongs_to_one_account() {
    let hash = "ab".repeat(32);
    let (_f, src) = file(&format!(
        "accounts:\n  - email: a@example.com\n    api_key: one\n    api_keys: [two]\n    api_key_sha256s: [\"{}\"]\n",
        hash.to_uppercase()
    ));
    let cfg = load(&src, no_env()).unwrap();
    let keys = cfg.accounts[0].key_sha256s();
    let want = [
        crate::core::account::hash_key("one"),
        crate::core::account::hash_key("two"),
        hash,
    ];
    assert_eq!(keys, want);
    let (_f, src) = file(
        "accounts:\n  - email: a@example.com\n    api_keys: [shared, \"\"]\n  - email: b@example.com\n    api_key_sha256s: [nothex]\n    api_key: shared\n",
    );
    let err = load(&src, no_env()).unwrap_err().to_string();
    for want in [
        "accounts[0]: an api_key (or api_keys entry) is empty",
        "accounts[1]: api_key_sha256 \"nothex\" is not 64 hex characters",
        "accounts[1]: one of its keys is also accounts[0]'s",
    ] {
        assert!(err.contains(want), "{want} in {err}");
    }
}

#[test]
fn the_demo_key_in_a_config_file_is_refused_off_loopback() {
    let yaml =
        "listen: 0.0.0.0:8080\naccounts:\n  - email: shop@example.com\n    api_key: demo-key\n";
    let (_f, src) = file(yaml);
    let err = load(&src, no_env()).unwrap_err().to_string();
    assert!(
        err.contains("accounts[0]: its key is the demo key"),
        "{err}"
    );
    let (_f, src) = file(&yaml.replace("0.0.0.0", "127.0.0.1"));
    assert!(load(&src, no_env()).is_ok(), "on loopback it is fine");
}
