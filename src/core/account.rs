//! Accounts: who a shop is, its key, and how a configured account becomes a
//! stored one. Every backend stores what [`plan_upsert`] decides.

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
    /// Hex SHA-256 of the API key.
    pub key_sha256: String,
    /// Registered, unix seconds.
    pub created_at: i64,
    /// Notification channels and rules.
    #[serde(default)]
    pub notify: Notify,
    /// The shop's name as customers know it (emails, tracking page).
    #[serde(default)]
    pub name: Option<String>,
    /// The shop's logo (an http(s) URL) on the tracking page and in emails.
    #[serde(default)]
    pub logo_url: Option<String>,
}

/// How a shop presents itself to its customers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Profile<'a> {
    /// The shop's name.
    pub name: Option<&'a str>,
    /// The shop's logo URL.
    pub logo_url: Option<&'a str>,
}

impl Profile<'_> {
    /// The name and logo as stored: trimmed, blank ones absent.
    pub fn owned(&self) -> (Option<String>, Option<String>) {
        let set = |v: Option<&str>| v.map(str::trim).filter(|n| !n.is_empty()).map(String::from);
        (set(self.name), set(self.logo_url))
    }
}

/// Hex SHA-256 of an API key.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl Account {
    /// Whether `key_sha256` (a presented key's [`hash_key`]) is this account's,
    /// compared in constant time.
    pub fn holds_key(&self, key_sha256: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.key_sha256
            .as_bytes()
            .ct_eq(key_sha256.as_bytes())
            .into()
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
    /// Hex SHA-256 of its API key, any case.
    pub key_sha256: &'a str,
    /// Settings the config names for it, if any.
    pub notify: Option<Notify>,
}

/// The account to store for `spec`: the `existing` one brought up to date (its
/// name, logo and key as configured; its settings only when the config names
/// some, so settings changed through the API survive a restart otherwise), or a
/// new one with id `new_id` (unused for an existing one).
pub fn plan_upsert(
    existing: Option<Account>,
    spec: AccountSpec<'_>,
    new_id: u64,
    now: i64,
) -> Account {
    let (name, logo_url) = spec.profile.owned();
    let key_sha256 = spec.key_sha256.to_ascii_lowercase();
    match existing {
        Some(mut a) => {
            if let Some(n) = spec.notify {
                a.notify = n;
            }
            a.name = name;
            a.logo_url = logo_url;
            a.key_sha256 = key_sha256;
            a
        }
        None => Account {
            id: new_id,
            email: spec.email.trim().to_string(),
            key_sha256,
            created_at: now,
            notify: spec.notify.unwrap_or_default(),
            name,
            logo_url,
        },
    }
}
