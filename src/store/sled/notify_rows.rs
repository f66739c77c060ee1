//! Notification settings as account rows of releases before alerts wrote them:
//! rules listed statuses only (postcard writes a status as its variant number;
//! today's rules write names, which an alert can also be), and there were no
//! alert thresholds. Read only by the account steps at open (`account_rows.rs`).

use crate::core::rules::{Rules, Topic};
use crate::core::settings::{Notify, SlackDest, WebhookDest};
use crate::core::status::Status;
use serde::{Deserialize, Serialize};

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
    pub(super) webhook: Option<WebhookDest>,
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
            webhook: n.webhook,
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
