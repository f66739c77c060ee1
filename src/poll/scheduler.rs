//! The poller: claims due parcels from the due-poll index, fetches each from its
//! provider under that provider's concurrency and rate limits, and applies the result
//! through the one write path. Each poll runs as its own task with a timeout, so an
//! upstream that hangs or answers garbage holds up only its own parcels.

use super::fetch::{self, FetchError};
use super::{FetchRequest, Providers};
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

    /// Claims what is due and starts a task per parcel.
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
            targets,
            "poll failed to store",
            move |target| {
                let me = me.clone();
                async move { me.poll_one(target).await }
            },
        )
        .await)
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

    async fn poll_one(&self, target: PollTarget) -> Result<(), StoreError> {
        let p = target.parcel;
        let (carrier, number) = (p.carrier_code.clone(), p.tracking_number.clone());
        let policy = self.cfg.policy;
        let now = self.clock.now();
        let quiet_limit = fetch::quiet_limit(&policy, &self.carriers, &carrier);
        if is_quiet_past(&p, quiet_limit, now) {
            // Nothing to fetch: the plan expires it, unless news came meanwhile.
            let quiet = Update {
                source: "expiry".into(),
                ..Update::default()
            };
            fetch::apply_news(
                &self.store,
                &carrier,
                &number,
                quiet,
                quiet_limit,
                Origin::Poll,
                now,
            )
            .await?;
            return Ok(());
        }
        let Some(provider) = self.providers.for_carrier(&carrier) else {
            // No provider serves this carrier: look again later (pushes may still come).
            self.store
                .reschedule_poll(&carrier, &number, now + policy.interval, false)
                .await?;
            return Ok(());
        };
        let lane = self.lanes.lane(provider.name());
        let _slot = lane.enter().await;
        let req = FetchRequest {
            carrier_code: carrier.clone(),
            tracking_number: number.clone(),
            registered_at: p.created_at,
        };
        let clock = &self.clock;
        let done = fetch::fetch_and_apply(
            &self.store,
            provider.as_ref(),
            &req,
            self.cfg.timeout,
            quiet_limit,
            Origin::Poll,
            || clock.now(),
        )
        .await;
        match done {
            Ok(_) => telemetry::poll(provider.name(), "ok"),
            Err(FetchError::Store(e)) => return Err(e),
            Err(FetchError::Provider(e)) => {
                telemetry::poll(provider.name(), "failed");
                tracing::warn!(provider = provider.name(), tracking_number = %number, error = %e, "poll failed; backing off");
                let jitter: f64 = rand::thread_rng().gen();
                let at = policy.retry_after(p.poll_failures, self.clock.now(), jitter);
                self.store
                    .reschedule_poll(&carrier, &number, at, true)
                    .await?;
            }
        }
        Ok(())
    }
}
