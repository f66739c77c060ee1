//! The dispatcher: claims due outbox jobs with a lease, renders, sends through the
//! channel's sender, and records every attempt with what [`outcome::decide`] makes
//! of it. Per-destination limits keep one slow endpoint from delaying the others;
//! Slack gets at most one message per second per webhook URL.

use super::email::Mailer;
use super::outcome::{self, permanent, Decision, Sent};
use super::recorder::Recorder;
use super::subject::{Found, Subject, Subjects};
use super::templates::{self, Templates};
use super::{destination, slack, webhook};
use crate::config::Config;
use crate::core::carriers::Carriers;
use crate::core::rules::{Attempt, Channel, Job};
use crate::core::time::{self, Clock};
use crate::store::types::AttemptRecord;
use crate::store::{Store, StoreError};
use crate::throttle::Keyed;
use crate::worker::{self, Outcome};
use rand::Rng;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// Whether a webhook or Slack destination may be sent to: not switched off by a
/// 410, and a URL user-chosen destinations may reach.
fn usable(what: &str, url: &str, disabled: Option<&str>, allow_private: bool) -> Result<(), Sent> {
    if let Some(why) = disabled {
        return Err(permanent(format!(
            "the {what} is disabled ({why}); set it again to re-enable"
        )));
    }
    destination::check_url(url, allow_private).map_err(permanent)
}

/// Most sends in flight in all (and so the most `delivery.concurrency` may allow).
pub const MAX_INFLIGHT: usize = 128;

/// The dispatcher.
pub struct Dispatcher {
    store: Store,
    cfg: Arc<Config>,
    carriers: Arc<Carriers>,
    templates: Templates,
    mailer: Mailer,
    http: reqwest::Client,
    destinations: Keyed,
    slack_rate: Keyed,
    inflight: Arc<Semaphore>,
    recorder: Recorder,
    clock: Clock,
}

impl Dispatcher {
    /// Builds the dispatcher; fails on an unusable email transport. It reads the
    /// time from `clock` (tests pass a manual one).
    pub fn new(
        store: Store,
        cfg: Arc<Config>,
        carriers: Arc<Carriers>,
        clock: Clock,
    ) -> Result<Arc<Dispatcher>, String> {
        let timeout = cfg.delivery.timeout.0;
        Ok(Arc::new(Dispatcher {
            mailer: Mailer::new(&cfg.email, timeout)?,
            templates: Templates::new(&cfg.templates_dir),
            http: reqwest::Client::builder()
                .timeout(timeout)
                // A redirect could lead past the private-address check.
                .redirect(reqwest::redirect::Policy::none())
                // Every connection's addresses come from here, checked: no rebinding.
                .dns_resolver(Arc::new(destination::GuardedResolver::new(
                    cfg.delivery.nameserver,
                    cfg.allow_private_destinations,
                )))
                .user_agent(concat!("trackgate/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| e.to_string())?,
            // Config validation keeps it in 1..=MAX_INFLIGHT; 0 would stall every send.
            destinations: Keyed::new(cfg.delivery.concurrency.max(1), None),
            slack_rate: Keyed::new(1, Some(1.0)),
            inflight: Arc::new(Semaphore::new(MAX_INFLIGHT)),
            recorder: Recorder::start(store.clone()),
            store,
            cfg,
            carriers,
            clock,
        }))
    }

    /// Claims due jobs in one commit, reads what they are about once, and starts
    /// a task per job.
    pub async fn run_once(self: &Arc<Self>) -> Result<Outcome, StoreError> {
        let free = self.inflight.available_permits();
        if free == 0 {
            return Ok(Outcome::Busy);
        }
        let now = self.clock.now();
        let jobs = self
            .store
            .claim_due_jobs(now, free, self.lease_secs())
            .await?;
        let subjects = Arc::new(
            Subjects::gather(
                &self.store,
                &self.carriers,
                &self.cfg.public_url,
                now,
                &jobs,
            )
            .await,
        );
        let me = self.clone();
        // The store's wake-up also says a slot has freed: both mean "look again".
        Ok(worker::spawn_each(
            &self.inflight,
            Some(&self.store.jobs_ready()),
            jobs,
            "could not record a delivery attempt",
            move |job| {
                let me = me.clone();
                let subject = subjects.of(&job);
                async move { me.deliver(job, subject).await }
            },
        )
        .await)
    }

    fn lease_secs(&self) -> i64 {
        // The lease outlives any one try (timeout plus waiting for a slot).
        (self.cfg.delivery.timeout.0.as_secs() as i64) * 3 + 30
    }

    /// Waits until every send started so far has been recorded (for tests that
    /// drive [`Dispatcher::run_once`] themselves).
    pub async fn settle(&self) {
        worker::settle(&self.inflight, MAX_INFLIGHT, None).await;
    }

    /// Runs until `shutdown`, then lets sends in flight finish (up to 8 s).
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let me = self.clone();
        worker::run(
            "dispatcher",
            shutdown,
            Duration::from_millis(500),
            Some(self.store.jobs_ready()),
            move || {
                let me = me.clone();
                async move { me.run_once().await }
            },
        )
        .await;
        worker::settle(&self.inflight, MAX_INFLIGHT, Some(Duration::from_secs(8))).await;
    }

    #[tracing::instrument(skip_all, fields(job = %job.id, channel = job.channel.as_str()))]
    async fn deliver(&self, job: Job, subject: Found) -> Result<(), StoreError> {
        let at_ms = self.clock.now_ms();
        let t0 = Instant::now();
        let sent = match subject {
            Ok(subject) => self.attempt(&job, &subject).await,
            Err(sent) => sent,
        };
        let latency_ms = t0.elapsed().as_millis() as u64;
        let delays: Vec<Duration> = self.cfg.delivery.retry.iter().map(|d| d.0).collect();
        let now_exact = self.clock.now_ms() as f64 / 1000.0;
        let jitter = rand::thread_rng().gen_range(0.9..1.1);
        let Decision {
            label: outcome,
            code,
            error,
            next,
            disable,
        } = outcome::decide(sent, &delays, job.round_tries as usize, now_exact, jitter);
        crate::telemetry::delivery(job.channel.as_str(), outcome, latency_ms as f64 / 1000.0);
        tracing::info!(
            outcome,
            code,
            error = error.as_deref().unwrap_or(""),
            latency_ms,
            "notification attempt"
        );
        let attempt = Attempt {
            number: job.attempts + 1,
            at_ms,
            outcome: outcome.into(),
            code,
            error,
            latency_ms,
        };
        self.recorder
            .record(AttemptRecord {
                job_id: job.id,
                attempt,
                next,
                disable,
            })
            .await
    }

    async fn attempt(&self, job: &Job, subject: &Subject) -> Sent {
        let tr = &job.transition;
        let transition = json!({
            "from": tr.from, "to": tr.to, "from_substatus": tr.from_substatus,
            "to_substatus": tr.to_substatus, "at": time::rfc3339(tr.at),
        });
        let account = &subject.account;
        // Only email and Slack render templates; a webhook sends the JSON as is.
        let ctx = || {
            templates::context(
                subject.tracking(),
                &transition,
                &subject.carrier,
                &subject.shop,
                &self.cfg.public_url,
                &job.id,
            )
        };
        let lang = subject.lang.as_deref();
        let status = job.transition.to;
        let allow_private = self.cfg.allow_private_destinations;
        match job.channel {
            Channel::Webhook => {
                let Some(dest) = &account.notify.webhook else {
                    return permanent("no webhook is configured");
                };
                if let Err(sent) = usable(
                    "webhook",
                    &dest.url,
                    dest.disabled.as_deref(),
                    allow_private,
                ) {
                    return sent;
                }
                let now = self.clock.now();
                let Some(secret) = dest.secrets.first() else {
                    return permanent("the webhook has no signing secret");
                };
                let body = webhook::body_text(
                    &subject.tracking_json,
                    &transition,
                    &job.id,
                    secret,
                    &subject.link,
                    now,
                );
                let lane = self.destinations.lane(&dest.url);
                let _slot = lane.enter().await;
                webhook::send(&self.http, &dest.url, &dest.secrets, &job.id, now, body).await
            }
            Channel::Slack => {
                let Some(dest) = &account.notify.slack else {
                    return permanent("no Slack webhook is configured");
                };
                if let Err(sent) = usable(
                    "Slack webhook",
                    &dest.url,
                    dest.disabled.as_deref(),
                    allow_private,
                ) {
                    return sent;
                }
                let msg = match self.templates.slack(status, lang, &ctx()) {
                    Ok(m) => m,
                    Err(e) => return permanent(e.to_string()),
                };
                let lane = self.slack_rate.lane(&dest.url);
                let _slot = lane.enter().await;
                slack::send(&self.http, &dest.url, &msg).await
            }
            Channel::Email => {
                let Some(to) = &subject.customer_email else {
                    return permanent("the tracking has no customer_email");
                };
                let email = match self.templates.email(status, lang, &ctx()) {
                    Ok(m) => m,
                    Err(e) => return permanent(e.to_string()),
                };
                let lane = self.destinations.lane("smtp");
                let _slot = lane.enter().await;
                self.mailer
                    .send(&self.cfg.email.from, to, &job.id, &email)
                    .await
            }
        }
    }
}
