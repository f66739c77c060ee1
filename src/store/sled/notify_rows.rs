//! Notification settings as account rows of older releases wrote them. Before
//! alerts ([`NotifyV1`]): rules listed statuses only (postcard writes a status as
//! its variant number; today's rules write names, which an alert can also be), and
//! there were no alert thresholds. Before webhook endpoints ([`NotifyV2`]): one
//! webhook ([`WebhookDestV1`]) with no format, date, health or rotated-out secrets.
//! Read only by the account steps at open (`account_rows.rs`).

use crate::core::alerts::AlertSettings;
use crate::core::rules::{Rules, Topic};
use crate::core::settings::{Notify, SlackDest, WebhookDest};
use crate::core::status::Status;
use serde::{Deserialize, Serialize};

/// The webhook before endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct WebhookDestV1 {
    pub(super) url: String,
    pub(super) secrets: Vec<String>,
    #[serde(default)]
    pub(super) disabled: Option<String>,
}

impl From<WebhookDestV1> for WebhookDest {
    /// The same URL, secrets and state, in today's form (the trackgate body).
    fn from(w: WebhookDestV1) -> WebhookDest {
        WebhookDest {
            url: w.url,
            secrets: w.secrets,
            disabled: w.disabled,
            format: Default::default(),
            retiring: Vec::new(),
            created_at: 0,
            health: Default::default(),
        }
    }
}

/// `Notify` with alerts, before webhook endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct NotifyV2 {
    email: bool,
    webhook: Option<WebhookDestV1>,
    slack: Option<SlackDest>,
    rules: Rules,
    alerts: AlertSettings,
}

impl From<NotifyV2> for Notify {
    fn from(n: NotifyV2) -> Notify {
        Notify {
            email: n.email,
            webhook: n.webhook.map(Into::into),
            endpoints: Vec::new(),
            slack: n.slack,
            rules: n.rules,
            alerts: n.alerts,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct RulesV1 {
    #[serde(default)]
    email: Vec<Status>,
    #[serde(default)]
    webhook: Vec<Status>,
    #[serde(default)]
    slack: Vec<Status>,
}

/// `Notify` before alerts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct NotifyV1 {
    #[serde(default)]
    pub(super) email: bool,
    #[serde(default)]
    pub(super) webhook: Option<WebhookDestV1>,
    #[serde(default)]
    pub(super) slack: Option<SlackDest>,
    #[serde(default)]
    pub(super) rules: RulesV1,
}

impl RulesV1 {
    #[cfg(test)]
    pub(super) fn slack_only(statuses: &[Status]) -> RulesV1 {
        RulesV1 {
            slack: statuses.to_vec(),
            ..RulesV1::default()
        }
    }
}

impl From<NotifyV1> for Notify {
    /// The same channels and rules, and the default alert thresholds; an account
    /// that chose its rules gets no alert it did not name.
    fn from(n: NotifyV1) -> Notify {
        let topics = |s: Vec<Status>| s.into_iter().map(Topic::Status).collect();
        Notify {
            email: n.email,
            webhook: n.webhook.map(Into::into),
            endpoints: Vec::new(),
            slack: n.slack,
            rules: Rules {
                email: topics(n.rules.email),
                webhook: topics(n.rules.webhook),
                slack: topics(n.rules.slack),
            },
            alerts: Default::default(),
        }
    }
}
