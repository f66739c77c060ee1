//! The shops' accounts: keys, profile and notification settings.

use super::values::Secret;
use serde::Deserialize;

/// One account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// The account's email; also its identity.
    pub email: String,
    /// The shop's name as its customers know it, shown in emails and on the
    /// tracking page.
    #[serde(default)]
    pub name: Option<String>,
    /// The shop's logo, an http(s) URL, shown in emails and on the tracking page.
    #[serde(default)]
    pub logo_url: Option<String>,
    /// The IANA time zone customers are shown times in (e.g. `Europe/Paris`);
    /// UTC when unset.
    #[serde(default)]
    pub timezone: Option<String>,
    /// The API key in clear (hashed before it is stored).
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// Or the hex SHA-256 of the API key.
    #[serde(default)]
    pub api_key_sha256: Option<String>,
    /// More keys in clear: every listed key works (rotation with overlap).
    #[serde(default)]
    pub api_keys: Vec<Secret>,
    /// More keys as hex SHA-256.
    #[serde(default)]
    pub api_key_sha256s: Vec<String>,
    /// Notification settings.
    #[serde(default)]
    pub notify: NotifyConfig,
    /// Shop platforms whose order webhooks register this account's trackings.
    #[serde(default)]
    pub connect: super::connect::ConnectConfig,
}

impl AccountConfig {
    /// The hex SHA-256 (lower case) of every key the account is given, in clear or
    /// hashed.
    pub fn key_sha256s(&self) -> Vec<String> {
        let clear = self.api_key.iter().chain(&self.api_keys);
        let hashed = self.api_key_sha256.iter().chain(&self.api_key_sha256s);
        clear
            .map(|k| crate::core::account::hash_key(k.expose()))
            .chain(hashed.map(|h| h.to_ascii_lowercase()))
            .collect()
    }

    /// How the shop presents itself to its customers.
    pub fn profile(&self) -> crate::store::Profile<'_> {
        crate::store::Profile {
            name: self.name.as_deref(),
            logo_url: self.logo_url.as_deref(),
            timezone: self.timezone.as_deref(),
        }
    }
}

impl super::Config {
    /// Who decides the notification settings of the account with this email.
    pub fn settings_owner(&self, email: &str) -> crate::core::account::SettingsOwner {
        use crate::core::account::{email_key, SettingsOwner};
        let key = email_key(email);
        self.accounts
            .iter()
            .position(|a| email_key(&a.email) == key && a.notify.is_set())
            .map_or(SettingsOwner::Api, |index| SettingsOwner::Config { index })
    }
}

/// Per-account notification channels.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// Email the tracking's `customer_email`.
    pub email: bool,
    /// The shop backend's webhook.
    pub webhook: Option<WebhookTarget>,
    /// The shop team's Slack incoming webhook.
    pub slack: Option<SlackTarget>,
    /// Which status changes and alerts notify which channel; defaults to the
    /// contract's rules.
    pub rules: Option<crate::core::rules::Rules>,
    /// When a parcel counts as stalled or late; each threshold left out keeps
    /// its default.
    pub alerts: AlertsConfig,
}

/// `notify.alerts`: humantime thresholds, or `off`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Per status: how long it may stay unchanged.
    pub stalled: std::collections::BTreeMap<String, String>,
    /// How long after the estimated delivery a parcel not delivered is late.
    pub edd_missed: Option<String>,
}

impl AlertsConfig {
    /// The change to the default thresholds, or what is wrong (each problem
    /// names its key under `at`).
    pub fn change(&self, at: &str) -> Result<crate::core::settings::AlertsChange, Vec<String>> {
        use crate::core::settings::AlertsChange;
        let mut change = AlertsChange::default();
        let mut errs = Vec::new();
        for (name, text) in &self.stalled {
            let key = format!("{at}.stalled.{name}");
            match (
                AlertsChange::stalled_status(name),
                AlertsChange::threshold(text),
            ) {
                (Ok(s), Ok(t)) => change.stalled.push((s, t)),
                (Err(e), _) | (_, Err(e)) => errs.push(format!("{key}: {e}")),
            }
        }
        if let Some(text) = &self.edd_missed {
            match AlertsChange::threshold(text) {
                Ok(t) => change.edd_missed = Some(t),
                Err(e) => errs.push(format!("{at}.edd_missed: {e}")),
            }
        }
        if errs.is_empty() {
            Ok(change)
        } else {
            Err(errs)
        }
    }
}

/// A signed-webhook destination.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookTarget {
    /// Where to POST.
    pub url: String,
    /// Standard Webhooks secret (`whsec_<base64>`).
    pub secret: Secret,
}

/// A Slack incoming-webhook destination.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackTarget {
    /// Incoming-webhook URL.
    pub url: String,
}

impl NotifyConfig {
    /// Whether the config says anything about notifications for this account.
    pub fn is_set(&self) -> bool {
        self.email
            || self.webhook.is_some()
            || self.slack.is_some()
            || self.rules.is_some()
            || !self.alerts.stalled.is_empty()
            || self.alerts.edd_missed.is_some()
    }

    /// The stored form of these settings.
    pub fn to_settings(&self) -> crate::core::settings::Notify {
        crate::core::settings::Notify {
            email: self.email,
            webhook: self.webhook.as_ref().map(|w| {
                crate::core::settings::WebhookDest::new(
                    w.url.clone(),
                    w.secret.expose().to_string(),
                    Default::default(),
                    0,
                )
            }),
            endpoints: Vec::new(),
            slack: self
                .slack
                .as_ref()
                .map(|s| crate::core::settings::SlackDest {
                    url: s.url.clone(),
                    disabled: None,
                }),
            rules: self.rules.clone().unwrap_or_default(),
            // Checked at load (`validate`): a bad threshold never gets this far.
            alerts: self
                .alerts
                .change("alerts")
                .map(|c| c.apply(&Default::default()))
                .unwrap_or_default(),
        }
    }
}
