//! Notifications out: the dispatcher claims due outbox jobs with a lease, renders,
//! sends, and records every attempt; retries on the configured schedule with jitter,
//! then dead-letters. Per-destination limits keep one slow endpoint from delaying
//! the others; Slack gets at most one message per second per webhook URL.

pub mod destination;
pub mod email;
pub mod retry;
pub mod templates;
pub mod webhook;

use crate::config::Config;
use crate::core::carriers::Carriers;
use crate::core::rules::{Attempt, Channel, Job};
use crate::core::time;
use crate::core::view::TrackingView;
use crate::store::{Next, Store, StoreError};
use crate::throttle::Keyed;
use crate::worker::{self, Outcome};
use email::Mailer;
use rand::Rng;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use templates::Templates;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// How one try ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Accepted by the receiver.
    Delivered {
        /// HTTP status or SMTP code.
        code: Option<u16>,
    },
    /// Failed, worth another try (`after` seconds, when the receiver said so).
    Retry {
        /// HTTP status or SMTP code, if any came back.
        code: Option<u16>,
        /// What went wrong.
        error: String,
        /// Retry-After, seconds.
        after: Option<i64>,
    },
    /// Failed for good; `disable` switches the destination off (410 Gone).
    Permanent {
        /// HTTP status or SMTP code, if any came back.
        code: Option<u16>,
        /// What went wrong.
        error: String,
        /// Switch the destination off.
        disable: bool,
    },
}

/// What a message is about.
struct Payload {
    tracking: Value,
    transition: Value,
    lang: Option<String>,
    customer_email: Option<String>,
}

/// Most sends in flight in all.
const MAX_INFLIGHT: usize = 128;

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
}

/// The HTTP status of a receiver's answer, classified.
fn classify(resp: &reqwest::Response) -> Sent {
    let s = resp.status();
    let code = Some(s.as_u16());
    if s.is_success() {
        return Sent::Delivered { code };
    }
    let error = format!("HTTP {}", s.as_u16());
    match s.as_u16() {
        410 => Sent::Permanent {
            code,
            error,
            disable: true,
        },
        // Redirects are never followed (one could lead past the address check), so
        // a 3xx cannot succeed on a later try either.
        300..=399 => Sent::Permanent {
            code,
            error: format!("{error}: redirects are not followed; set the final URL"),
            disable: false,
        },
        408 => Sent::Retry {
            code,
            error,
            after: None,
        },
        429 => {
            let after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok());
            Sent::Retry { code, error, after }
        }
        400..=499 => Sent::Permanent {
            code,
            error,
            disable: false,
        },
        _ => Sent::Retry {
            code,
            error,
            after: None,
        },
    }
}

fn transport_error(e: &reqwest::Error) -> Sent {
    if let Some(why) = destination::refusal(e) {
        return permanent(why);
    }
    let error = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else {
        "request failed".to_string()
    };
    Sent::Retry {
        code: None,
        error,
        after: None,
    }
}

fn permanent(error: impl Into<String>) -> Sent {
    Sent::Permanent {
        code: None,
        error: error.into(),
        disable: false,
    }
}

impl Dispatcher {
    /// Builds the dispatcher; fails on an unusable email transport.
    pub fn new(
        store: Store,
        cfg: Arc<Config>,
        carriers: Arc<Carriers>,
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
            destinations: Keyed::new(8, None),
            slack_rate: Keyed::new(1, Some(1.0)),
            inflight: Arc::new(Semaphore::new(MAX_INFLIGHT)),
            store,
            cfg,
            carriers,
        }))
    }

    /// Claims due jobs and starts a task per job.
    pub async fn run_once(self: &Arc<Self>) -> Result<Outcome, StoreError> {
        let free = self.inflight.available_permits();
        if free == 0 {
            return Ok(Outcome::Idle);
        }
        let jobs = self
            .store
            .claim_due_jobs(time::now(), free, self.lease_secs())
            .await?;
        let me = self.clone();
        Ok(worker::spawn_each(
            &self.inflight,
            jobs,
            "could not record a delivery attempt",
            move |job| {
                let me = me.clone();
                async move { me.deliver(job).await }
            },
        )
        .await)
    }

    fn lease_secs(&self) -> i64 {
        // The lease outlives any one try (timeout plus waiting for a slot).
        (self.cfg.delivery.timeout.0.as_secs() as i64) * 3 + 30
    }

    /// Runs until `shutdown`, then lets sends in flight finish (up to 8 s).
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        match self
            .store
            .release_leases(time::now(), self.lease_secs())
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(jobs = n, "resending notifications interrupted by a crash"),
            Err(e) => tracing::error!(error = %e, "could not release stale leases"),
        }
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
        let _ = tokio::time::timeout(
            Duration::from_secs(8),
            self.inflight.acquire_many(MAX_INFLIGHT as u32),
        )
        .await;
    }

    #[tracing::instrument(skip_all, fields(job = %job.id, channel = job.channel.as_str()))]
    async fn deliver(&self, job: Job) -> Result<(), StoreError> {
        let at_ms = chrono::Utc::now().timestamp_millis();
        let t0 = Instant::now();
        let sent = self.attempt(&job).await;
        let latency_ms = t0.elapsed().as_millis() as u64;
        let now = time::now();
        let schedule = |after: Option<i64>| -> Next {
            let delays: Vec<Duration> = self.cfg.delivery.retry.iter().map(|d| d.0).collect();
            let now_exact = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
            let jitter = rand::thread_rng().gen_range(0.9..1.1);
            retry::next_try(&delays, job.round_tries as usize, after, now_exact, jitter)
        };
        let (outcome, code, error, next, disable) = match sent {
            Sent::Delivered { code } => ("delivered", code, None, Next::Delivered, None),
            Sent::Retry { code, error, after } => {
                let next = schedule(after);
                let label = if next == Next::Dead {
                    "failed"
                } else {
                    "retry"
                };
                (label, code, Some(error), next, None)
            }
            Sent::Permanent {
                code,
                error,
                disable,
            } => {
                let reason = disable.then(|| format!("{error} at {}", time::rfc3339(now)));
                ("failed", code, Some(error), Next::Dead, reason)
            }
        };
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
        self.store
            .record_attempt(&job.id, attempt, next, disable)
            .await?;
        Ok(())
    }

    /// The tracking object and transition a job is about, as messages show them.
    fn payload(&self, job: &Job) -> Result<Option<Payload>, StoreError> {
        let Some((t, p)) =
            self.store
                .tracking(job.account, &job.carrier_code, &job.tracking_number)?
        else {
            return Ok(None);
        };
        let view = serde_json::to_value(TrackingView::new(&t, &p, &self.carriers, time::now()))
            .unwrap_or(Value::Null);
        let tr = &job.transition;
        let transition = json!({
            "from": tr.from, "to": tr.to, "from_substatus": tr.from_substatus,
            "to_substatus": tr.to_substatus, "at": time::rfc3339(tr.at),
        });
        Ok(Some(Payload {
            tracking: view,
            transition,
            lang: t.fields.lang.clone(),
            customer_email: t.fields.customer_email.clone(),
        }))
    }

    async fn attempt(&self, job: &Job) -> Sent {
        let account = match self.store.account(job.account) {
            Ok(Some(a)) => a,
            Ok(None) => return permanent("the account no longer exists"),
            Err(e) => {
                return Sent::Retry {
                    code: None,
                    error: format!("store: {e}"),
                    after: None,
                }
            }
        };
        let Payload {
            tracking,
            transition,
            lang,
            customer_email: customer,
        } = match self.payload(job) {
            Ok(Some(x)) => x,
            Ok(None) => return permanent("the tracking was deleted"),
            Err(e) => {
                return Sent::Retry {
                    code: None,
                    error: format!("store: {e}"),
                    after: None,
                }
            }
        };
        let carrier = self
            .carriers
            .resolve(&job.carrier_code)
            .map(|c| serde_json::to_value(c).unwrap_or(Value::Null))
            .unwrap_or(Value::Null);
        let ctx = templates::context(
            &tracking,
            &transition,
            &carrier,
            account.name.as_deref().unwrap_or(""),
            &self.cfg.public_url,
            &job.id,
        );
        let status = job.transition.to;
        let allow_private = self.cfg.allow_private_destinations;
        match job.channel {
            Channel::Webhook => {
                let Some(dest) = &account.notify.webhook else {
                    return permanent("no webhook is configured");
                };
                if let Some(why) = &dest.disabled {
                    return permanent(format!(
                        "the webhook is disabled ({why}); set it again to re-enable"
                    ));
                }
                if let Err(e) = destination::check_url(&dest.url, allow_private) {
                    return permanent(e);
                }
                let now = time::now();
                let Some(secret) = dest.secrets.first() else {
                    return permanent("the webhook has no signing secret");
                };
                let body = webhook::body(&tracking, &transition, &job.id, secret, now).to_string();
                let mut req = self.http.post(&dest.url).body(body.clone());
                for (k, v) in webhook::headers(&dest.secrets, &job.id, now, body.as_bytes()) {
                    req = req.header(k, v);
                }
                let lane = self.destinations.lane(&dest.url);
                let _slot = lane.enter().await;
                match req.send().await {
                    Ok(r) => classify(&r),
                    Err(e) => transport_error(&e),
                }
            }
            Channel::Slack => {
                let Some(dest) = &account.notify.slack else {
                    return permanent("no Slack webhook is configured");
                };
                if let Some(why) = &dest.disabled {
                    return permanent(format!(
                        "the Slack webhook is disabled ({why}); set it again to re-enable"
                    ));
                }
                if let Err(e) = destination::check_url(&dest.url, allow_private) {
                    return permanent(e);
                }
                let msg = match self.templates.slack(status, lang.as_deref(), &ctx) {
                    Ok(m) => m,
                    Err(e) => return permanent(e.to_string()),
                };
                let lane = self.slack_rate.lane(&dest.url);
                let _slot = lane.enter().await;
                match self
                    .http
                    .post(&dest.url)
                    .json(&json!({"text": msg.text, "blocks": msg.blocks}))
                    .send()
                    .await
                {
                    Ok(r) => classify(&r),
                    Err(e) => transport_error(&e),
                }
            }
            Channel::Email => {
                let Some(to) = customer else {
                    return permanent("the tracking has no customer_email");
                };
                let email = match self.templates.email(status, lang.as_deref(), &ctx) {
                    Ok(m) => m,
                    Err(e) => return permanent(e.to_string()),
                };
                let lane = self.destinations.lane("smtp");
                let _slot = lane.enter().await;
                self.mailer
                    .send(&self.cfg.email.from, &to, &job.id, &email)
                    .await
            }
        }
    }
}
