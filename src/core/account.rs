//! Accounts: who a shop is, its keys, and how the configured accounts become the
//! stored ones. Every backend stores what [`plan_upsert`] and [`plan_retire`]
//! decide, and admits a key as [`Account::admits`] says.

use super::settings::Notify;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Internal id; scopes every tracking.
    pub id: u64,
    /// The account's email.
    pub email: String,
    /// Hex SHA-256 of each API key that works (several while one is rotated).
    pub key_sha256s: Vec<String>,
    /// Registered, unix seconds.
    pub created_at: i64,
    /// When a start found it no longer in the config (unix seconds): its keys
    /// are refused, its data kept. `None` while it is configured.
    #[serde(default)]
    pub disabled_at: Option<i64>,
    /// Notification channels and rules.
    #[serde(default)]
    pub notify: Notify,
    /// The shop's name as customers know it (emails, tracking page).
    #[serde(default)]
    pub name: Option<String>,
    /// The shop's logo (an http(s) URL) on the tracking page and in emails.
    #[serde(default)]
    pub logo_url: Option<String>,
    /// The IANA time zone customers are shown times in (page, emails); UTC when
    /// unset.
    #[serde(default)]
    pub timezone: Option<String>,
    /// The shop platforms whose order webhooks register its trackings.
    #[serde(default)]
    pub connect: crate::core::connect::settings::ConnectSettings,
}

/// How a shop presents itself to its customers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Profile<'a> {
    /// The shop's name.
    pub name: Option<&'a str>,
    /// The shop's logo URL.
    pub logo_url: Option<&'a str>,
    /// Its time zone (IANA name).
    pub timezone: Option<&'a str>,
}

impl Profile<'_> {
    /// The name, logo and time zone as stored: trimmed, blank ones absent.
    pub fn owned(&self) -> (Option<String>, Option<String>, Option<String>) {
        let set = |v: Option<&str>| v.map(str::trim).filter(|n| !n.is_empty()).map(String::from);
        (set(self.name), set(self.logo_url), set(self.timezone))
    }
}

/// Hex SHA-256 of an API key.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl Account {
    /// Whether a request presenting the key whose [`hash_key`] is `key_sha256`
    /// acts as this account: the key is one of its keys (each compared in
    /// constant time) and the account is not disabled.
    pub fn admits(&self, key_sha256: &str) -> bool {
        use subtle::ConstantTimeEq;
        let held = self.key_sha256s.iter().fold(false, |held, k| {
            held | bool::from(k.as_bytes().ct_eq(key_sha256.as_bytes()))
        });
        held && self.disabled_at.is_none()
    }
}

/// The key an account is found by: its email, trimmed and lower-cased.
pub fn email_key(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

/// An account as the config names it, to create or bring up to date.
pub struct AccountSpec<'a> {
    /// Its email.
    pub email: &'a str,
    /// Its name and logo.
    pub profile: Profile<'a>,
    /// Hex SHA-256 of each of its API keys, any case.
    pub key_sha256s: &'a [String],
    /// Settings the config names for it, if any.
    pub notify: Option<Notify>,
}

/// The account to store for `spec`: the `existing` one brought up to date (its
/// name, logo and keys as configured, enabled again if it was disabled; its
/// settings only when the config names some, so settings changed through the API
/// survive a restart otherwise), or a new one with id `new_id` (unused for an
/// existing one).
pub fn plan_upsert(
    existing: Option<Account>,
    spec: AccountSpec<'_>,
    new_id: u64,
    now: i64,
) -> Account {
    let (name, logo_url, timezone) = spec.profile.owned();
    let mut key_sha256s: Vec<String> = spec
        .key_sha256s
        .iter()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    key_sha256s.sort();
    key_sha256s.dedup();
    match existing {
        Some(mut a) => {
            if let Some(n) = spec.notify {
                a.notify = n.restated_over(&a.notify);
            }
            a.name = name;
            a.logo_url = logo_url;
            a.timezone = timezone;
            a.key_sha256s = key_sha256s;
            a.disabled_at = None;
            a
        }
        None => Account {
            id: new_id,
            email: spec.email.trim().to_string(),
            key_sha256s,
            created_at: now,
            disabled_at: None,
            notify: spec.notify.unwrap_or_default(),
            name,
            logo_url,
            timezone,
            connect: Default::default(),
        },
    }
}

/// What a start does with a stored account the config no longer names: disables
/// it (keys refused, data kept), or `None` when it already is.
pub fn plan_retire(existing: &Account, now: i64) -> Option<Account> {
    existing.disabled_at.is_none().then(|| Account {
        disabled_at: Some(now),
        ..existing.clone()
    })
}

/// The keys `before` held that `after` does not: the key index entries to drop.
pub fn keys_dropped<'a>(before: Option<&'a Account>, after: &Account) -> Vec<&'a str> {
    before
        .map(|b| {
            b.key_sha256s
                .iter()
                .filter(|k| !after.key_sha256s.contains(k))
                .map(String::as_str)
                .collect()
        })
        .unwrap_or_default()
}

/// Who decides an account's notification settings, by one rule: when the config
/// names any `notify` setting for the account, the config's settings replace the
/// stored ones at every start ([`plan_upsert`]); otherwise those set through the
/// API are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsOwner {
    /// `accounts[i].notify` in the config.
    Config {
        /// The account's place in the config's `accounts`.
        index: usize,
    },
    /// The API (`PUT /v2/notifications/settings`).
    Api,
}

impl SettingsOwner {
    /// The answer's `managed_by`.
    pub fn as_str(self) -> &'static str {
        match self {
            SettingsOwner::Config { .. } => "config",
            SettingsOwner::Api => "api",
        }
    }

    /// What that means, for the start's log and the API's answers.
    pub fn explain(self) -> String {
        match self {
            SettingsOwner::Config { index } => format!(
                "accounts[{index}].notify in the config sets these at every start: a change made through the API lasts until the next start (change the config to keep it)"
            ),
            SettingsOwner::Api => "set through the API and kept across restarts (the config names no notify settings for this account)".into(),
        }
    }
}
