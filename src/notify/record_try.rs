//! Recording a try: what the answer comes to (core's retry schedule and dead
//! letter, through [`outcome::decide`]), what it tells a webhook endpoint's
//! health, the log lines and counters, and the write.

use super::dispatcher::Dispatcher;
use super::outcome::{self, Decision, Sent};
use crate::core::rules::{Attempt, Job};
use crate::store::types::AttemptRecord;
use crate::store::StoreError;
use rand::Rng;
use std::time::Duration;

impl Dispatcher {
    /// Records a try (sent to `destination`, unless it never left) and what
    /// follows it, with what it tells a webhook endpoint in a run of failures
    /// since `failing_since`; a notification given up on, or a destination
    /// switched off, is logged at WARN.
    pub(super) async fn record(
        &self,
        job: Job,
        sent: Sent,
        took: Duration,
        destination: Option<String>,
        failing_since: Option<i64>,
    ) -> Result<(), StoreError> {
        let at_ms = self.clock().now_ms();
        let latency_ms = took.as_millis() as u64;
        let delays: Vec<Duration> = self.cfg().delivery.retry.iter().map(|d| d.0).collect();
        let now_exact = self.clock().now_ms() as f64 / 1000.0;
        let jitter = rand::thread_rng().gen_range(0.9..1.1);
        let Decision {
            label: outcome,
            code,
            error,
            next,
            disable,
        } = outcome::decide(sent, &delays, job.round_tries as usize, now_exact, jitter);
        crate::telemetry::delivery(job.channel.as_str(), outcome, took.as_secs_f64());
        if job.channel == crate::core::rules::Channel::Webhook && destination.is_some() {
            let endpoint = job
                .endpoint
                .as_deref()
                .unwrap_or(crate::core::endpoints::FIRST);
            crate::telemetry::endpoint_delivery(job.account, endpoint, outcome);
        }
        let health = self.health_event(
            &job,
            &super::health::Tried {
                left: destination.is_some(),
                delivered: next == crate::core::rules::Next::Delivered,
                error: error.as_deref(),
                failing_since,
            },
        );
        let to = destination.as_deref().unwrap_or("");
        let why = error.as_deref().unwrap_or("");
        tracing::info!(
            outcome,
            code,
            error = why,
            latency_ms,
            destination = to,
            "notification attempt"
        );
        if next == crate::core::rules::Next::Dead {
            tracing::warn!(
                account = job.account,
                destination = to,
                error = why,
                tries = job.attempts + 1,
                "notification given up on (dead): POST /v2/notifications/{}/retry sends it again",
                job.id
            );
        }
        if let Some(reason) = &disable {
            tracing::warn!(
                account = job.account,
                destination = to,
                reason = reason.as_str(),
                "{} destination switched off; set its URL again to re-enable",
                job.channel.as_str()
            );
        }
        let attempt = Attempt {
            number: job.attempts + 1,
            at_ms,
            outcome: outcome.into(),
            code,
            error,
            latency_ms,
            destination,
        };
        let notice = health.clone().map(|h| (job.clone(), h));
        self.recorder()
            .record(AttemptRecord {
                job,
                attempt,
                next,
                disable,
                health,
            })
            .await?;
        if let Some((job, event)) = notice {
            self.notice_if_disabled(&job, &event, failing_since).await;
        }
        Ok(())
    }
}
