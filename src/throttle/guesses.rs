//! Throttling of wrong API keys per client address: a client may send a burst of
//! wrong keys (a typo, a rotated key), then one more per refill interval; past
//! that, every request of that address that carries a key is answered 429 with
//! `Retry-After` until the bucket refills, the right key included (else a right
//! guess would stand out). Other addresses are not affected.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses kept at most; past this, the ones whose bucket is full are dropped.
const MAX_TRACKED: usize = 10_000;

struct Bucket {
    /// Wrong keys still allowed, fractional while refilling.
    left: f64,
    at: Instant,
}

/// Wrong-key buckets per client address.
pub struct Guesses {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl Guesses {
    /// `burst` wrong keys at once, refilled at `per_minute`; `per_minute` 0 turns
    /// the throttle off.
    pub fn new(burst: u32, per_minute: u32) -> Guesses {
        Guesses {
            burst: f64::from(burst.max(1)),
            per_second: f64::from(per_minute) / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn off(&self) -> bool {
        self.per_second == 0.0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Bucket>> {
        self.buckets
            .lock()
            .expect("the guess table is never poisoned")
    }

    fn refill(&self, b: &mut Bucket, now: Instant) {
        let gained = now.duration_since(b.at).as_secs_f64() * self.per_second;
        b.left = (b.left + gained).min(self.burst);
        b.at = now;
    }

    /// `Err(retry after)` while `ip` has spent its wrong keys.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        if self.off() {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.lock();
        let Some(b) = buckets.get_mut(&ip) else {
            return Ok(());
        };
        self.refill(b, now);
        if b.left >= 1.0 {
            return Ok(());
        }
        Err(Duration::from_secs_f64((1.0 - b.left) / self.per_second).max(Duration::from_secs(1)))
    }

    /// Counts one wrong key from `ip`.
    pub fn failed(&self, ip: IpAddr) {
        if self.off() {
            return;
        }
        let now = Instant::now();
        let mut buckets = self.lock();
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&ip) {
            let (burst, per_second) = (self.burst, self.per_second);
            buckets.retain(|_, b| {
                b.left + now.duration_since(b.at).as_secs_f64() * per_second < burst
            });
        }
        let b = buckets.entry(ip).or_insert(Bucket {
            left: self.burst,
            at: now,
        });
        self.refill(b, now);
        b.left = (b.left - 1.0).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_wrong_keys_then_one_per_refill_and_other_addresses_untouched() {
        let g = Guesses::new(3, 60);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..3 {
            assert!(g.check(a).is_ok());
            g.failed(a);
        }
        let wait = g.check(a).unwrap_err();
        assert!(
            wait >= Duration::from_secs(1) && wait <= Duration::from_secs(2),
            "{wait:?}"
        );
        assert!(g.check(b).is_ok(), "another address");
    }

    #[test]
    fn zero_per_minute_turns_the_throttle_off() {
        let g = Guesses::new(1, 0);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..100 {
            g.failed(a);
        }
        assert!(g.check(a).is_ok());
    }
}
