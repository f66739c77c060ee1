//! Webhook endpoint health, as the dispatcher sees it: what a try tells the
//! endpoint (core's [`WebhookDest::record`] decides what follows, in the store's
//! write), and the Slack notice to the account when a failing endpoint is
//! switched off.

use super::dispatcher::Dispatcher;
use super::templates::Slack;
use crate::core::endpoints::{HealthEvent, FIRST};
use crate::core::rules::{Channel, Job};
use serde_json::json;

/// What a webhook try's outcome tells its endpoint.
pub(super) struct Tried<'a> {
    /// The try reached the network (a try that never left says nothing).
    pub left: bool,
    pub delivered: bool,
    pub error: Option<&'a str>,
    /// When the endpoint's current run of failures began, as the claim read it.
    pub failing_since: Option<i64>,
}

impl Dispatcher {
    /// The health change a webhook try makes, if any: a failure always (it counts
    /// in the run), a delivery only when it ends a run.
    pub(super) fn health_event(&self, job: &Job, t: &Tried<'_>) -> Option<HealthEvent> {
        if job.channel != Channel::Webhook || !t.left {
            return None;
        }
        if t.delivered {
            return t.failing_since.map(|_| HealthEvent::Delivered);
        }
        Some(HealthEvent::Failed {
            at: self.clock().now(),
            error: t.error.unwrap_or("failed").to_string(),
            disable_after: self.cfg().webhooks.disable_after_secs(),
        })
    }

    /// After a failure was recorded that may have switched its endpoint off: if it
    /// did, says so at WARN and posts a notice to the account's Slack (best
    /// effort: a notice that fails is only logged).
    pub(super) async fn notice_if_disabled(
        &self,
        job: &Job,
        event: &HealthEvent,
        since: Option<i64>,
    ) {
        let HealthEvent::Failed {
            at, disable_after, ..
        } = event
        else {
            return;
        };
        if since.is_none_or(|s| at - s < *disable_after) {
            return;
        }
        let Ok(Some(account)) = self.store().account(job.account).await else {
            return;
        };
        let id = job.endpoint.as_deref().unwrap_or(FIRST);
        let Some(reason) = account
            .notify
            .webhook_dest(Some(id))
            .and_then(|d| d.disabled.clone())
        else {
            return;
        };
        tracing::warn!(
            account = job.account,
            endpoint = id,
            reason = reason.as_str(),
            "webhook endpoint switched off after failing; PUT /v2/webhooks/{id} {{\"enabled\": true}} re-enables it"
        );
        let Some(slack) = account
            .notify
            .slack
            .as_ref()
            .filter(|s| s.disabled.is_none())
        else {
            return;
        };
        let text = format!(
            "Webhook endpoint {id} was switched off: {reason}. Notifications to it are not sent until it is enabled again (PUT /v2/webhooks/{id} with {{\"enabled\": true}})."
        );
        let message = Slack {
            blocks: json!([{"type": "section", "text": {"type": "mrkdwn", "text": text}}]),
            text,
        };
        let sent = super::slack::send(self.http(), &slack.url, &message).await;
        if !matches!(sent, super::outcome::Sent::Delivered { .. }) {
            tracing::warn!(
                account = job.account,
                endpoint = id,
                "the Slack notice of a switched-off endpoint failed"
            );
        }
    }
}
