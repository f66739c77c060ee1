//! An account's notification settings: channels, destinations and rules. Plain
//! data plus the decisions that read only them (is a channel on, does a change go
//! out, switch a destination off).

use super::alerts::AlertSettings;
use super::endpoint_change::EndpointOp;
use super::endpoints::{Endpoint, EndpointRef, Format, Health, Retiring, FIRST};
use super::rules::{Channel, Rules, Topic};
use super::status::Status;
use serde::{Deserialize, Serialize};

/// An account's notification channels and rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notify {
    /// Email the tracking's `customer_email`.
    #[serde(default)]
    pub email: bool,
    /// The shop backend's webhook: its first endpoint.
    #[serde(default)]
    pub webhook: Option<WebhookDest>,
    /// Its other webhook endpoints, oldest first.
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
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
    /// Set when the receiver answered 410 Gone, when it failed for too long, or
    /// when its account switched it off: no more sends until it is re-enabled (or,
    /// the first endpoint, its URL set again).
    #[serde(default)]
    pub disabled: Option<String>,
    /// The body it is sent.
    #[serde(default)]
    pub format: Format,
    /// Rotated-out secrets still signing during their grace.
    #[serde(default)]
    pub retiring: Vec<Retiring>,
    /// When it was made, unix seconds (0: before endpoints were dated).
    #[serde(default)]
    pub created_at: i64,
    /// Its recent failures.
    #[serde(default)]
    pub health: Health,
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
            Channel::Webhook => self.webhooks().iter().any(|e| e.dest.disabled.is_none()),
            Channel::Slack => self.slack.as_ref().is_some_and(|s| s.disabled.is_none()),
        }
    }

    /// Whether a status change to `to` goes out on `channel` for this account.
    pub fn wants(&self, channel: Channel, to: Status) -> bool {
        self.enabled(channel) && self.rules.selects(channel, to)
    }

    /// Every webhook endpoint, the first (`webhook`, following `rules.webhook`)
    /// first.
    pub fn webhooks(&self) -> Vec<EndpointRef<'_>> {
        let first = self.webhook.iter().map(|dest| EndpointRef {
            id: FIRST,
            dest,
            topics: &self.rules.webhook,
        });
        first
            .chain(self.endpoints.iter().map(|e| EndpointRef {
                id: &e.id,
                dest: &e.dest,
                topics: &e.topics,
            }))
            .collect()
    }

    /// The webhook endpoint a job names (`None`: the first).
    pub fn webhook_dest(&self, endpoint: Option<&str>) -> Option<&WebhookDest> {
        match endpoint {
            None | Some(FIRST) => self.webhook.as_ref(),
            Some(id) => self.endpoints.iter().find(|e| e.id == id).map(|e| &e.dest),
        }
    }

    /// The same, to change.
    pub fn webhook_dest_mut(&mut self, endpoint: Option<&str>) -> Option<&mut WebhookDest> {
        match endpoint {
            None | Some(FIRST) => self.webhook.as_mut(),
            Some(id) => self
                .endpoints
                .iter_mut()
                .find(|e| e.id == id)
                .map(|e| &mut e.dest),
        }
    }

    /// Switches a destination off (the receiver said 410 Gone) until it is set or
    /// enabled again; `reason` says when and why. `endpoint` names a webhook
    /// endpoint (`None`: the first).
    pub fn disable(&mut self, channel: Channel, endpoint: Option<&str>, reason: String) {
        match channel {
            Channel::Webhook => {
                if let Some(w) = self.webhook_dest_mut(endpoint) {
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
    /// A change to one webhook endpoint (`/v2/webhooks`).
    pub endpoint: Option<EndpointOp>,
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
    /// When the change is made, unix seconds (a new destination's `created_at`).
    pub now: i64,
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
    #[error("no webhook endpoint {0}")]
    NoSuchEndpoint(String),
    #[error(
        "an account has at most {0} webhook endpoints (webhooks.max_per_account); delete one first"
    )]
    TooManyEndpoints(usize),
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
                let kept = current.webhook.as_ref().filter(|d| d.url == w.url);
                n.webhook = Some(WebhookDest {
                    url: w.url.clone(),
                    secrets,
                    disabled: None,
                    format: kept.map_or(Format::default(), |d| d.format),
                    retiring: kept.map_or(Vec::new(), |d| d.retiring.clone()),
                    created_at: kept.map_or(w.now, |d| d.created_at),
                    health: Health::default(),
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
        if let Some(op) = &self.endpoint {
            op.apply(&mut n)?;
        }
        Ok(n)
    }
}
