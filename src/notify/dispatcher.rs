//! The dispatcher: claims due outbox jobs with a lease, lets each into its
//! destination's lane ([`lanes`]) or hands it back for later, sends through the
//! channel's sender, and records every attempt with what [`outcome::decide`] makes
//! of it. A job takes a send slot only once its lane lets it send, and starts
//! sending well before its lease ends, so one slow endpoint never delays the others
//! and no job is sent twice for waiting; Slack gets at most one message per second
//! per webhook URL, on a schedule.

use super::destination;
use super::email::Mailer;
use super::lanes::{Admission, Lanes, Ticket};
use super::outcome::Sent;
use super::prepare::Prepared;
use super::recorder::Recorder;
use super::subject::Subjects;
use super::templates::Templates;
use crate::config::Config;
use crate::core::carriers::Carriers;
use crate::core::rules::Job;
use crate::core::time::Clock;
use crate::store::{Store, StoreError};
use crate::worker::{self, Outcome};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// Most sends in flight in all (and so the most `delivery.concurrency` may allow).
pub const MAX_INFLIGHT: usize = crate::config::MAX_DELIVERY_CONCURRENCY;

/// Most jobs claimed and not finished: sending, or let into a lane and waiting
/// for its slot. A claim takes at most [`MAX_INFLIGHT`] at a time.
pub const MAX_ADMITTED: usize = 4 * MAX_INFLIGHT;

/// How soon a job's send must be able to start for its lane to let it in.
const WAIT_BUDGET: Duration = Duration::from_secs(5);

/// The dispatcher.
pub struct Dispatcher {
    store: Store,
    cfg: Arc<Config>,
    carriers: Arc<Carriers>,
    templates: Arc<Templates>,
    mailer: Mailer,
    http: reqwest::Client,
    lanes: Arc<Lanes>,
    /// Claimed and not finished: what a claim may still take.
    admitted: Arc<Semaphore>,
    /// Sends under way.
    sending: Semaphore,
    /// Ids of the jobs this process holds, so a claim never starts one twice.
    holding: Mutex<HashSet<String>>,
    recorder: Recorder,
    clock: Clock,
}

/// A claimed job and what becomes of it.
struct Task {
    job: Job,
    /// Its message and lane place, or how its try ends without a send.
    plan: Result<(Prepared, Ticket), Sent>,
    /// When its send must have started, for its lease to outlast the send.
    start_by: tokio::time::Instant,
}

impl Dispatcher {
    /// Builds the dispatcher with templates of its own from `cfg.templates_dir`
    /// (see [`Dispatcher::with_templates`]).
    pub fn new(
        store: Store,
        cfg: Arc<Config>,
        carriers: Arc<Carriers>,
        clock: Clock,
    ) -> Result<Arc<Dispatcher>, String> {
        let templates = Arc::new(Templates::new(&cfg.templates_dir));
        Dispatcher::with_templates(store, cfg, carriers, clock, templates)
    }

    /// Builds the dispatcher over templates shared with the rest of the gateway;
    /// fails on an unusable email transport. It reads the time from `clock`
    /// (tests pass a manual one).
    pub fn with_templates(
        store: Store,
        cfg: Arc<Config>,
        carriers: Arc<Carriers>,
        clock: Clock,
        templates: Arc<Templates>,
    ) -> Result<Arc<Dispatcher>, String> {
        let timeout = cfg.delivery.timeout.0;
        Ok(Arc::new(Dispatcher {
            mailer: Mailer::new(&cfg.email, timeout)?,
            templates,
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
            lanes: Lanes::new(WAIT_BUDGET.min(start_window(timeout) / 2)),
            admitted: Arc::new(Semaphore::new(MAX_ADMITTED)),
            sending: Semaphore::new(MAX_INFLIGHT),
            holding: Mutex::new(HashSet::new()),
            recorder: Recorder::start(store.clone()),
            store,
            cfg,
            carriers,
            clock,
        }))
    }

    pub(super) fn cfg(&self) -> &Config {
        &self.cfg
    }
    pub(super) fn templates(&self) -> &Templates {
        &self.templates
    }
    pub(super) fn http(&self) -> &reqwest::Client {
        &self.http
    }
    pub(super) fn mailer(&self) -> &Mailer {
        &self.mailer
    }
    pub(super) fn clock(&self) -> &Clock {
        &self.clock
    }
    pub(super) fn carriers(&self) -> &Carriers {
        &self.carriers
    }
    pub(super) fn store(&self) -> &Store {
        &self.store
    }
    pub(super) fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    fn holding(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.holding
            .lock()
            .expect("the held-jobs set is never poisoned")
    }

    /// Claims due jobs in one commit, reads what they are about once, lets each
    /// into its lane or hands it back, and starts a task per job let in.
    pub async fn run_once(self: &Arc<Self>) -> Result<Outcome, StoreError> {
        let free = self.admitted.available_permits().min(MAX_INFLIGHT);
        if free == 0 {
            return Ok(Outcome::Busy);
        }
        let now = self.clock.now();
        let lease = self.lease_secs();
        let start_by = tokio::time::Instant::now()
            + start_window(self.cfg.delivery.timeout.0).min(2 * WAIT_BUDGET);
        let jobs = self.store.claim_due_jobs(now, free, lease).await?;
        let jobs: Vec<Job> = {
            // A job whose lease ran out while this process still holds it is not
            // started again.
            let mut holding = self.holding();
            jobs.into_iter()
                .filter(|j| holding.insert(j.id.clone()))
                .collect()
        };
        let subjects = Subjects::gather(
            &self.store,
            &self.carriers,
            &self.cfg.public_url,
            now,
            &jobs,
        )
        .await;
        let (mut tasks, mut back) = (Vec::new(), Vec::new());
        for job in jobs {
            let plan = match subjects.of(&job) {
                Ok(subject) => self.prepare(&job, &subject),
                Err(sent) => Err(sent),
            };
            let plan = match plan {
                Ok(p) => match self.lanes.admit(&p.lane, p.limits) {
                    Admission::Admitted(ticket) => Ok((p, ticket)),
                    Admission::Defer(wait) => {
                        back.push(self.hand_back(job, wait));
                        continue;
                    }
                },
                Err(sent) => Err(sent),
            };
            tasks.push(Task {
                job,
                plan,
                start_by,
            });
        }
        let handed_back = back.len();
        self.defer(back).await;
        let me = self.clone();
        // The store's wake-up also says a slot has freed: both mean "look again".
        let started = worker::spawn_each(
            &self.admitted,
            Some(&self.store.jobs_ready()),
            tasks,
            "could not record a delivery attempt",
            move |task| {
                let me = me.clone();
                async move { me.run_task(task).await }
            },
        )
        .await;
        // Only handed back: look again once a slot frees (or shortly), not at
        // once, so a lane still showing its speed is not handed its whole backlog.
        Ok(match started {
            Outcome::Idle if handed_back > 0 => Outcome::Busy,
            other => other,
        })
    }

    /// The job due again after `wait`, released by this process.
    fn hand_back(&self, job: Job, wait: Duration) -> Job {
        self.holding().remove(&job.id);
        let due = self.clock.now() + wait.as_secs_f64().ceil() as i64;
        job.deferred(due)
    }

    /// Writes handed-back jobs; if that fails, their leases run out instead.
    async fn defer(&self, jobs: Vec<Job>) {
        if jobs.is_empty() {
            return;
        }
        tracing::debug!(jobs = jobs.len(), "handed back to the outbox for later");
        if let Err(e) = self.store.defer_jobs(&jobs).await {
            tracing::warn!(error = %e, "could not hand jobs back; they come due when their lease ends");
        }
    }

    fn lease_secs(&self) -> i64 {
        lease_for(self.cfg.delivery.timeout.0)
    }

    /// Waits until every job started so far has been recorded or handed back (for
    /// tests that drive [`Dispatcher::run_once`] themselves).
    pub async fn settle(&self) {
        worker::settle(&self.admitted, MAX_ADMITTED, None).await;
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
        worker::settle(&self.admitted, MAX_ADMITTED, Some(Duration::from_secs(8))).await;
    }

    #[tracing::instrument(skip_all, fields(job = %task.job.id, channel = task.job.channel.as_str()))]
    async fn run_task(&self, task: Task) -> Result<(), StoreError> {
        let Task {
            job,
            plan,
            start_by,
        } = task;
        let id = job.id.clone();
        let result = match plan {
            Err(sent) => self.record(job, sent, Duration::ZERO, None, None).await,
            Ok((prepared, ticket)) => match ticket.enter(start_by).await {
                Ok(lane_slot) => {
                    let send_slot = self
                        .sending
                        .acquire()
                        .await
                        .expect("the send semaphore is never closed");
                    let t0 = Instant::now();
                    let destination = prepared.message.destination(self.mailer());
                    let failing_since = prepared.failing_since;
                    let sent = self.send(&job, prepared.message).await;
                    let took = t0.elapsed();
                    // The destination is free for the next send while this try is
                    // recorded (which waits for a durable commit).
                    drop((send_slot, lane_slot));
                    self.record(job, sent, took, Some(destination), failing_since)
                        .await
                }
                Err(wait) => {
                    let job = self.hand_back(job, wait);
                    self.defer(vec![job]).await;
                    Ok(())
                }
            },
        };
        self.holding().remove(&id);
        result
    }
}

/// A claim's lease: it outlasts any one try (the timeout) and the wait for a send
/// to start ([`start_window`]), with room to record the try.
pub fn lease_for(timeout: Duration) -> i64 {
    (timeout.as_secs() as i64) * 3 + 30
}

/// How long after its claim a job's send may start: what is left of the lease
/// after the send itself and 10 s to record it. A job that cannot start by then
/// is handed back, so no lease runs out under a job still waiting.
pub fn start_window(timeout: Duration) -> Duration {
    let lease = Duration::from_secs(lease_for(timeout) as u64);
    lease.saturating_sub(timeout + Duration::from_secs(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_started_at_the_end_of_its_window_ends_within_the_lease() {
        for secs in [1, 3, 10, 30, 120] {
            let timeout = Duration::from_secs(secs);
            let lease = Duration::from_secs(lease_for(timeout) as u64);
            assert!(start_window(timeout) + timeout < lease, "timeout {secs} s");
            assert!(
                start_window(timeout) >= Duration::from_secs(10),
                "timeout {secs} s"
            );
        }
    }
}
