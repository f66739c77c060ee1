//! Limits: concurrency and rate keyed by destination or provider, so one slow or
//! dead endpoint never delays the others; and the wrong-key throttle per client
//! address ([`guesses`]) and the calls per second of each account's API ([`api_calls`]).

pub mod api_calls;
pub mod guesses;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// At most one acquisition per `gap`; waiters are spaced out in arrival order.
pub struct RateLimit {
    gap: Duration,
    next: Mutex<Instant>,
}

impl RateLimit {
    /// `per_second` acquisitions per second.
    pub fn new(per_second: f64) -> RateLimit {
        RateLimit {
            gap: Duration::from_secs_f64(1.0 / per_second),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for this caller's slot.
    pub async fn acquire(&self) {
        let wait = {
            let mut next = self.next.lock().expect("rate-limit lock");
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.gap;
            slot - now
        };
        tokio::time::sleep(wait).await;
    }
}

/// One key's limits: concurrent slots and an optional rate.
pub struct Lane {
    /// Concurrent slots.
    pub slots: Semaphore,
    /// Acquisitions per second, if limited.
    pub rate: Option<RateLimit>,
}

impl Lane {
    /// Waits for a slot and, if rate limited, for this caller's turn.
    pub async fn enter(&self) -> tokio::sync::SemaphorePermit<'_> {
        let permit = self
            .slots
            .acquire()
            .await
            .expect("lane semaphores are never closed");
        if let Some(rate) = &self.rate {
            rate.acquire().await;
        }
        permit
    }
}

/// A semaphore and a rate limit per key, created on first use.
pub struct Keyed {
    slots: usize,
    per_second: Option<f64>,
    lanes: Mutex<HashMap<String, Arc<Lane>>>,
}

impl Keyed {
    /// `slots` in flight per key, and optionally `per_second` per key.
    pub fn new(slots: usize, per_second: Option<f64>) -> Keyed {
        Keyed {
            slots,
            per_second,
            lanes: Mutex::new(HashMap::new()),
        }
    }

    /// The lane of `key`.
    pub fn lane(&self, key: &str) -> Arc<Lane> {
        let mut lanes = self.lanes.lock().expect("lanes lock");
        lanes
            .entry(key.to_string())
            .or_insert_with(|| {
                Arc::new(Lane {
                    slots: Semaphore::new(self.slots),
                    rate: self.per_second.map(RateLimit::new),
                })
            })
            .clone()
    }
}
