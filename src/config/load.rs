//! Reading and validating the configuration.

use super::{Config, ConfigError, EmailTransport, Mapping, Source, Value};
use std::net::SocketAddr;

/// The account the built-in defaults carry, so a gateway started with no config
/// file can be tried at once. It listens on loopback only.
const DEMO_ACCOUNT: &str = "accounts:\n  - email: shop@example.com\n    api_key: demo-key\n";

/// The demo account's key, as README.md prints it.
const DEMO_KEY: &str = "demo-key";

/// Loads the configuration from `source` plus the `TRACKGATE_…` variables in `env`.
pub fn load(
    source: &Source,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ConfigError> {
    let mut root = match source {
        Source::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            parse_yaml(&text, path)?
        }
        Source::Defaults => parse_yaml(DEMO_ACCOUNT, "<built-in defaults>".as_ref())?,
    };
    let mut errors = Vec::new();
    let mut accounts_from_env = false;
    for (key, value) in env {
        let Some(rest) = key.strip_prefix("TRACKGATE_") else {
            continue;
        };
        // TRACKGATE_CONFIG names the file; TRACKGATE_TEST_* belong to the test
        // suites (which tools are required), not to the gateway.
        if rest == "CONFIG" || rest.is_empty() || rest.starts_with("TEST_") {
            continue;
        }
        let path: Vec<String> = rest.split("__").map(|p| p.to_ascii_lowercase()).collect();
        accounts_from_env |= path[0] == "accounts";
        if let Err(e) = set_path(&mut root, &path, env_value(&value)) {
            errors.push(format!("{key}: {e}"));
        }
    }
    if !errors.is_empty() {
        return Err(ConfigError::Invalid(errors));
    }
    let de = serde_yaml_ng::Value::Mapping(root);
    let cfg: Config = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        ConfigError::Invalid(vec![if path == "." {
            msg
        } else {
            format!("{path}: {msg}")
        }])
    })?;
    let mut problems = validate(&cfg);
    let demo_only = *source == Source::Defaults && !accounts_from_env;
    let loopback = cfg
        .listen
        .parse::<SocketAddr>()
        .is_ok_and(|a| a.ip().is_loopback());
    if demo_only && !loopback {
        problems.push(format!(
            "listen: {:?} is not a loopback address, and the built-in demo account is only served on loopback; \
             name your accounts in a config file or TRACKGATE_ACCOUNTS",
            cfg.listen
        ));
    } else if !loopback {
        // The demo key is printed in README.md: anyone could use it.
        let demo = crate::core::account::hash_key(DEMO_KEY);
        for (i, a) in cfg.accounts.iter().enumerate() {
            if a.key_sha256s().contains(&demo) {
                problems.push(format!(
                    "accounts[{i}]: its key is the demo key {DEMO_KEY:?} (published in README.md) and listen {:?} is not a loopback address; give it a key of its own",
                    cfg.listen
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(cfg)
    } else {
        Err(ConfigError::Invalid(problems))
    }
}

fn parse_yaml(text: &str, path: &std::path::Path) -> Result<Mapping, ConfigError> {
    let value: Value = serde_yaml_ng::from_str(text).map_err(|e| ConfigError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    match value {
        Value::Mapping(m) => Ok(m),
        Value::Null => Ok(Mapping::new()),
        _ => Err(ConfigError::Syntax {
            path: path.to_path_buf(),
            message: "the top level must be a mapping of keys".into(),
        }),
    }
}

/// Env values are read as YAML scalars/flows, so `8080`, `true` and `["5s"]` get
/// their types; anything that does not parse stays a string.
fn env_value(raw: &str) -> Value {
    match serde_yaml_ng::from_str::<Value>(raw) {
        Ok(v @ (Value::Number(_) | Value::Bool(_) | Value::Sequence(_) | Value::Mapping(_))) => v,
        _ => Value::String(raw.to_string()),
    }
}

fn set_path(root: &mut Mapping, path: &[String], value: Value) -> Result<(), String> {
    let (last, parents) = path.split_last().ok_or("empty key")?;
    let mut node = root;
    for p in parents {
        let entry = node
            .entry(Value::String(p.clone()))
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if entry.is_null() {
            *entry = Value::Mapping(Mapping::new());
        }
        node = entry
            .as_mapping_mut()
            .ok_or_else(|| format!("{p} is not a section that can be nested into"))?;
    }
    node.insert(Value::String(last.clone()), value);
    Ok(())
}

fn validate(cfg: &Config) -> Vec<String> {
    let mut errs = Vec::new();
    if cfg.listen.parse::<SocketAddr>().is_err() {
        errs.push(format!(
            "listen: {:?} is not an address like 127.0.0.1:8080",
            cfg.listen
        ));
    }
    if !(cfg.public_url.starts_with("http://") || cfg.public_url.starts_with("https://")) {
        errs.push(format!(
            "public_url: {:?} must start with http:// or https://",
            cfg.public_url
        ));
    }
    if cfg.store.backend == super::StoreBackend::Postgres {
        let url = cfg.store.url.expose();
        if url.is_empty() {
            errs.push(
                "store.url: required with store.backend: postgres (postgres://user:password@host:5432/db)"
                    .to_string(),
            );
        } else if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            errs.push("store.url: must be a postgres:// URL".to_string());
        }
        if cfg.store.pool_size == 0 {
            errs.push("store.pool_size: must be at least 1".to_string());
        }
    }
    if cfg.store.cache_mb == 0 {
        errs.push("store.cache_mb: must be at least 1".to_string());
    }
    let mut seen = std::collections::HashSet::new();
    let mut keys = std::collections::HashMap::new();
    for (i, a) in cfg.accounts.iter().enumerate() {
        let at = format!("accounts[{i}]");
        if let Err(e) = a.notify.alerts.change(&format!("{at}.notify.alerts")) {
            errs.extend(e);
        }
        if let Some(logo) = a.logo_url.as_deref().filter(|l| !l.is_empty()) {
            check_url(&mut errs, &format!("{at}.logo_url"), logo);
        }
        if let Some(tz) = a.timezone.as_deref().filter(|t| !t.trim().is_empty()) {
            if crate::core::time::Zone::parse(tz).is_none() {
                errs.push(format!(
                    "{at}.timezone: {tz:?} is not an IANA time zone (e.g. Europe/Paris, America/New_York)"
                ));
            }
        }
        if !looks_like_email(&a.email) {
            errs.push(format!("{at}.email: {:?} is not an email address", a.email));
        }
        if !seen.insert(a.email.to_ascii_lowercase()) {
            errs.push(format!("{at}.email: {:?} appears twice", a.email));
        }
        let clear = a.api_key.iter().chain(&a.api_keys);
        if clear.clone().any(|k| k.is_empty()) {
            errs.push(format!("{at}: an api_key (or api_keys entry) is empty"));
        }
        let hashed = a.api_key_sha256.iter().chain(&a.api_key_sha256s);
        for h in hashed.clone() {
            if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                errs.push(format!(
                    "{at}: api_key_sha256 {h:?} is not 64 hex characters"
                ));
            }
        }
        if clear.count() + hashed.count() == 0 {
            errs.push(format!(
                "{at}: api_key or api_key_sha256 is required (or api_keys / api_key_sha256s)"
            ));
        }
        for k in a.key_sha256s() {
            if let Some(other) = keys.insert(k, i) {
                errs.push(format!(
                    "{at}: one of its keys is also accounts[{other}]'s; a key belongs to one account"
                ));
            }
        }
        if let Some(w) = &a.notify.webhook {
            check_url(&mut errs, &format!("{at}.notify.webhook.url"), &w.url);
            if w.secret.is_empty() {
                errs.push(format!("{at}.notify.webhook.secret: must not be empty"));
            }
        }
        if let Some(s) = &a.notify.slack {
            check_url(&mut errs, &format!("{at}.notify.slack.url"), &s.url);
        }
    }
    errs.extend(super::connect::check(&cfg.accounts));
    if cfg.email.transport == EmailTransport::Smtp && cfg.email.smtp.host.trim().is_empty() {
        errs.push("email.smtp.host: required when email.transport is smtp".into());
    }
    if !cfg.email.from.contains('@') {
        errs.push(format!("email.from: {:?} has no address", cfg.email.from));
    }
    if cfg.delivery.timeout.0.is_zero() {
        errs.push("delivery.timeout: must be more than 0s".into());
    }
    let most = super::MAX_DELIVERY_CONCURRENCY;
    if !(1..=most).contains(&cfg.delivery.concurrency) {
        errs.push(format!(
            "delivery.concurrency: {} is not between 1 and {most} (sends at once per destination)",
            cfg.delivery.concurrency
        ));
    }
    if !matches!(cfg.poll.provider.as_str(), "trackingmore" | "sandbox") {
        errs.push(format!(
            "poll.provider: {:?} is not one of trackingmore, sandbox",
            cfg.poll.provider
        ));
    }
    if cfg.poll.interval.0.as_secs() < 1 {
        errs.push("poll.interval: must be at least 1s".into());
    }
    if !cfg.poll.trackingmore.base_url.is_empty() {
        check_url(
            &mut errs,
            "poll.trackingmore.base_url",
            &cfg.poll.trackingmore.base_url,
        );
    }
    if let Some(v) = &cfg.poll.trackingmore.api_version {
        if !matches!(v.as_str(), "v2" | "v4") {
            errs.push(format!(
                "poll.trackingmore.api_version: {v:?} is not one of v4, v2"
            ));
        }
    }
    if let Some(tm) = &cfg.push.trackingmore {
        for (key, name) in [
            ("signature_header", &tm.signature_header),
            ("timestamp_header", &tm.timestamp_header),
        ] {
            if axum::http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                errs.push(format!(
                    "push.trackingmore.{key}: {name:?} is not an HTTP header name"
                ));
            }
        }
    }
    for (key, rate) in [
        ("list_per_second", cfg.limits.list_per_second),
        ("v4_create_per_second", cfg.limits.v4_create_per_second),
        ("v4_per_second", cfg.limits.v4_per_second),
    ] {
        if rate.is_nan() || rate <= 0.0 {
            errs.push(format!("limits.{key}: must be more than 0"));
        }
    }
    if cfg.limits.max_body_bytes < 1024 {
        errs.push("limits.max_body_bytes: must be at least 1024".into());
    }
    errs
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && !s.chars().any(char::is_whitespace)
}

fn check_url(errs: &mut Vec<String>, key: &str, url: &str) {
    if reqwest::Url::parse(url).map_or(true, |u| !matches!(u.scheme(), "http" | "https")) {
        errs.push(format!("{key}: {url:?} is not an http(s) URL"));
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
