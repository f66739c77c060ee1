//! The poller: claims due parcels from the due-poll index, fetches them from their
//! provider under that provider's concurrency and rate limits (as many per request
//! as the provider reads at once), and applies each result through the one write
//! path. Each request runs as its own task with a timeout, so an upstream that hangs
//! or answers garbage holds up only the parcels it was asked about.

use super::fetch;
use super::{FetchRequest, ProviderError, Providers};
use crate::core::apply::Update;
use crate::core::carriers::Carriers;
use crate::core::schedule::{is_quiet_past, PollPolicy};
use crate::core::time::Clock;
use crate::store::{Origin, PollTarget, Store, StoreError};
use crate::telemetry;
use crate::throttle::Keyed;
use crate::worker::{self, Outcome};
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// Poller settings.
#[derive(Debug, Clone, Copy)]
pub struct PollerConfig {
    /// Timings.
    pub policy: PollPolicy,
    /// Polls in flight per provider.
    pub concurrency: usize,
    /// Requests per second per provider.
    pub rate_per_second: f64,
    /// Per-fetch timeout.
    pub timeout: Duration,
}

/// The poller.
pub struct Poller {
    store: Store,
    providers: Providers,
    carriers: Arc<Carriers>,
    cfg: PollerConfig,
    lanes: Keyed,
    inflight: Arc<Semaphore>,
    clock: Clock,
}

/// Most polls in flight in all.
const MAX_INFLIGHT: usize = 64;
/// A claimed parcel whose poll never finished is polled again after this long.
const LEASE_SECS: i64 = 120;

impl Poller {
    /// A poller over `store`, reading the time from `clock`.
    pub fn new(
        store: Store,
        providers: Providers,
        carriers: Arc<Carriers>,
        cfg: PollerConfig,
        clock: Clock,
    ) -> Arc<Poller> {
        Arc::new(Poller {
            store,
            providers,
            carriers,
            lanes: Keyed::new(cfg.concurrency, Some(cfg.rate_per_second)),
            cfg,
            inflight: Arc::new(Semaphore::new(MAX_INFLIGHT)),
            clock,
        })
    }

    /// Claims what is due and starts a task per provider request: parcels that
    /// need no fetch one by one, the rest in batches of what their provider reads
    /// at once.
    pub async fn run_once(self: &Arc<Self>) -> Result<Outcome, StoreError> {
        let free = self.inflight.available_permits();
        if free == 0 {
            return Ok(Outcome::Busy);
        }
        let targets = self
            .store
            .claim_due_polls(self.clock.now(), free, LEASE_SECS)
            .await?;
        let me = self.clone();
        Ok(worker::spawn_each(
            &self.inflight,
            None,
            self.batches(targets),
            "poll failed to store",
            move |batch| {
                let me = me.clone();
                async move { me.poll_batch(batch).await }
            },
        )
        .await)
    }

    /// `targets` grouped by provider, each group cut to the provider's batch size.
    fn batches(&self, targets: Vec<PollTarget>) -> Vec<Vec<PollTarget>> {
        let mut groups: Vec<(&'static str, usize, Vec<PollTarget>)> = Vec::new();
        let mut out = Vec::new();
        for t in targets {
            let Some(provider) = self.providers.for_carrier(&t.parcel.carrier_code) else {
                out.push(vec![t]);
                continue;
            };
            let (name, limit) = (provider.name(), provider.batch_limit().max(1));
            match groups.iter_mut().find(|g| g.0 == name) {
                Some(g) => g.2.push(t),
                None => groups.push((name, limit, vec![t])),
            }
        }
        for (_, limit, mut group) in groups {
            while !group.is_empty() {
                let rest = group.split_off(group.len().min(limit));
                out.push(std::mem::replace(&mut group, rest));
            }
        }
        out
    }

    /// Waits until every poll started so far has been applied (for tests that drive
    /// [`Poller::run_once`] themselves).
    pub async fn settle(&self) {
        worker::settle(&self.inflight, MAX_INFLIGHT, None).await;
    }

    /// Runs until `shutdown`, then waits (up to 5 s) for polls in flight.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let me = self.clone();
        worker::run(
            "poller",
            shutdown,
            Duration::from_millis(500),
            None,
            move || {
                let me = me.clone();
                async move { me.run_once().await }
            },
        )
        .await;
        worker::settle(&self.inflight, MAX_INFLIGHT, Some(Duration::from_secs(5))).await;
    }

    /// Polls one batch (all of one provider, or a single parcel): the quiet ones
    /// expire without a fetch, the rest are fetched in one request.
    async fn poll_batch(&self, batch: Vec<PollTarget>) -> Result<(), StoreError> {
        let policy = self.cfg.policy;
        let now = self.clock.now();
        let mut fetch = Vec::with_capacity(batch.len());
        for target in batch {
            let p = &target.parcel;
            let quiet_limit = fetch::quiet_limit(&policy, &self.carriers, &p.carrier_code);
            if is_quiet_past(p, quiet_limit, now) {
                // Nothing to fetch: the plan expires it, unless news came meanwhile.
                let quiet = Update {
                    source: "expiry".into(),
                    ..Update::default()
                };
                fetch::apply_news(
                    &self.store,
                    &p.carrier_code,
                    &p.tracking_number,
                    quiet,
                    quiet_limit,
                    Origin::Poll,
                    now,
                )
                .await?;
            } else if self.providers.for_carrier(&p.carrier_code).is_none() {
                // No provider serves this carrier: look again later (pushes may still come).
                self.store
                    .reschedule_poll(
                        &p.carrier_code,
                        &p.tracking_number,
                        now + policy.interval,
                        false,
                    )
                    .await?;
            } else {
                fetch.push(target);
            }
        }
        let Some(provider) = fetch
            .first()
            .and_then(|t| self.providers.for_carrier(&t.parcel.carrier_code))
        else {
            return Ok(());
        };
        let lane = self.lanes.lane(provider.name());
        let _slot = lane.enter().await;
        let reqs: Vec<FetchRequest> = fetch
            .iter()
            .map(|t| FetchRequest {
                carrier_code: t.parcel.carrier_code.clone(),
                tracking_number: t.parcel.tracking_number.clone(),
                registered_at: t.parcel.created_at,
            })
            .collect();
        let results = fetch::fetch_batch_within(provider.as_ref(), &reqs, self.cfg.timeout).await;
        for (target, result) in fetch.iter().zip(results) {
            let p = &target.parcel;
            let (carrier, number) = (&p.carrier_code, &p.tracking_number);
            let quiet_limit = fetch::quiet_limit(&policy, &self.carriers, carrier);
            match result {
                Ok(update) => {
                    let now = self.clock.now();
                    fetch::apply_news(
                        &self.store,
                        carrier,
                        number,
                        update,
                        quiet_limit,
                        Origin::Poll,
                        now,
                    )
                    .await?;
                    telemetry::poll(provider.name(), "ok");
                }
                Err(ProviderError::Paused(wait)) => {
                    // The provider's own wait, for every parcel alike: not a failure
                    // of this one, so no backoff grows from it.
                    telemetry::poll(provider.name(), "paused");
                    let at = self.clock.now() + wait.as_secs().max(1) as i64;
                    self.store
                        .reschedule_poll(carrier, number, at, false)
                        .await?;
                }
                Err(e) => {
                    telemetry::poll(provider.name(), "failed");
                    tracing::warn!(provider = provider.name(), tracking_number = %number, error = %e, "poll failed; backing off");
                    let jitter: f64 = rand::thread_rng().gen();
                    let at = policy.retry_after(p.poll_failures, self.clock.now(), jitter);
                    self.store
                        .reschedule_poll(carrier, number, at, true)
                        .await?;
                }
            }
        }
        Ok(())
    }
}
