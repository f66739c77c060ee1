//! An account's notification settings: channels, destinations and rules. Plain
//! data plus the decisions that read only them (is a channel on, does a change go
//! out, switch a destination off).

use super::rules::{Channel, Rules};
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
    /// Which status changes notify which channel.
    #[serde(default)]
    pub rules: Rules,
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
    pub email: Option<Vec<Status>>,
    pub webhook: Option<Vec<Status>>,
    pub slack: Option<Vec<Status>>,
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
        Ok(n)
    }
}
