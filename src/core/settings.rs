//! An account's notification settings: channels, destinations and rules. Plain
//! data plus the decisions that read only them (is a channel on, does a change go
//! out, switch a destination off).

use super::alerts::AlertSettings;
use super::rules::{Channel, Rules, Topic};
use super::status::Status;
use serde::{Deserialize, Serialize};

/// An account's notification channels and rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notify {
    /// Email the tracking's `customer_email`.
    #[serde(default)]
    pub email: bool,
    /// The shop backend's webhook.
    #[serde(default)]
    pub webhook: Option<WebhookDest>,
    /// The shop team's Slack incoming webhook.
    #[serde(default)]
    pub slack: Option<SlackDest>,
    /// Which status changes and alerts notify which channel.
    #[serde(default)]
    pub rules: Rules,
    /// When a parcel counts as stalled or late (`notify.alerts`).
    #[serde(default)]
    pub alerts: AlertSettings,
}

/// A webhook destination. Secrets are kept to sign with; never logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDest {
    /// Where to POST.
    pub url: String,
    /// Signing secrets; during rotation several, and every one signs each send.
    pub secrets: Vec<String>,
    /// Set when the receiver answered 410 Gone: no more sends until the URL changes.
    #[serde(default)]
    pub disabled: Option<String>,
}

/// A Slack destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlackDest {
    /// Incoming-webhook URL.
    pub url: String,
    /// Set when Slack answered 410 Gone.
    #[serde(default)]
    pub disabled: Option<String>,
}

impl Notify {
    /// Whether a channel can deliver at all for this account.
    pub fn enabled(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.email,
            Channel::Webhook => self.webhook.as_ref().is_some_and(|w| w.disabled.is_none()),
            Channel::Slack => self.slack.as_ref().is_some_and(|s| s.disabled.is_none()),
        }
    }

    /// Whether a status change to `to` goes out on `channel` for this account.
    pub fn wants(&self, channel: Channel, to: Status) -> bool {
        self.enabled(channel) && self.rules.selects(channel, to)
    }

    /// Switches a destination off (the receiver said 410 Gone) until its URL is set
    /// again; `reason` says when and why.
    pub fn disable(&mut self, channel: Channel, reason: String) {
        match channel {
            Channel::Webhook => {
                if let Some(w) = &mut self.webhook {
                    w.disabled = Some(reason);
                }
            }
            Channel::Slack => {
                if let Some(s) = &mut self.slack {
                    s.disabled = Some(reason);
                }
            }
            Channel::Email => {}
        }
    }
}

/// A change to an account's settings (`PUT /notifications/settings`): each field
/// given replaces the current one. Applied by the store to the settings as they are
/// when its write runs, with [`NotifyChange::apply`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyChange {
    pub email: Option<bool>,
    /// `Some(None)` removes the webhook.
    pub webhook: Option<Option<WebhookChange>>,
    /// `Some(None)` removes Slack.
    pub slack: Option<Option<String>>,
    /// Each channel's statuses given replace that channel's.
    pub rules: RulesChange,
    /// Thresholds given replace the current ones.
    pub alerts: AlertsChange,
}

/// New alert thresholds: per status, `Some(None)` turns `stalled` off for it;
/// `edd_missed`'s `Some(None)` turns it off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertsChange {
    pub stalled: Vec<(Status, Option<i64>)>,
    pub edd_missed: Option<Option<i64>>,
}

impl AlertsChange {
    /// A threshold as config and API write it: a humantime duration, or `off`.
    pub fn threshold(text: &str) -> Result<Option<i64>, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let d = humantime::parse_duration(text)
            .map_err(|e| format!("{text:?} is not a duration such as 3d or 36h, nor off ({e})"))?;
        i64::try_from(d.as_secs())
            .ok()
            .filter(|s| *s > 0)
            .map(Some)
            .ok_or_else(|| format!("{text:?} must be longer than a second"))
    }

    /// A status `stalled` can watch, by name: not a final one.
    pub fn stalled_status(name: &str) -> Result<Status, String> {
        match Status::parse(name) {
            Some(s) if !s.is_final() => Ok(s),
            Some(s) => Err(format!("{s} is final: a parcel in it cannot stall")),
            None => Err(format!("{name} is not a status")),
        }
    }

    /// `current` with this change.
    pub fn apply(&self, current: &AlertSettings) -> AlertSettings {
        let mut a = current.clone();
        for (status, secs) in &self.stalled {
            a.stalled.retain(|(s, _)| s != status);
            if let Some(secs) = secs {
                a.stalled.push((*status, *secs));
            }
        }
        a.stalled.sort();
        if let Some(grace) = self.edd_missed {
            a.edd_missed = grace;
        }
        a
    }
}

/// A new webhook destination; without secrets, the current ones stay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookChange {
    pub url: String,
    pub secrets: Option<Vec<String>>,
}

/// New statuses for some channels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RulesChange {
    pub email: Option<Vec<Topic>>,
    pub webhook: Option<Vec<Topic>>,
    pub slack: Option<Vec<Topic>>,
}

/// Why a change does not fit the current settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("webhook.secret is required")]
    WebhookSecretMissing,
}

impl NotifyChange {
    /// The settings after this change to `current`. Setting a URL re-enables a
    /// destination a 410 switched off.
    pub fn apply(&self, current: &Notify) -> Result<Notify, SettingsError> {
        let mut n = current.clone();
        if let Some(email) = self.email {
            n.email = email;
        }
        match &self.webhook {
            None => {}
            Some(None) => n.webhook = None,
            Some(Some(w)) => {
                let secrets = match &w.secrets {
                    Some(s) => s.clone(),
                    None => current
                        .webhook
                        .as_ref()
                        .map(|w| w.secrets.clone())
                        .unwrap_or_default(),
                };
                if secrets.is_empty() {
                    return Err(SettingsError::WebhookSecretMissing);
                }
                n.webhook = Some(WebhookDest {
                    url: w.url.clone(),
                    secrets,
                    disabled: None,
                });
            }
        }
        match &self.slack {
            None => {}
            Some(None) => n.slack = None,
            Some(Some(url)) => {
                n.slack = Some(SlackDest {
                    url: url.clone(),
                    disabled: None,
                })
            }
        }
        let r = &self.rules;
        for (given, rule) in [
            (&r.email, &mut n.rules.email),
            (&r.webhook, &mut n.rules.webhook),
            (&r.slack, &mut n.rules.slack),
        ] {
            if let Some(statuses) = given {
                *rule = statuses.clone();
            }
        }
        n.alerts = self.alerts.apply(&current.alerts);
        Ok(n)
    }
}
