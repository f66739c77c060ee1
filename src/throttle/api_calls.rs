//! Calls per second per account and API, as TrackingMore v4 allows them (create
//! 3/s, the others 10/s): a token bucket per (account, API) that holds one
//! second's worth, refilled continuously. Read on the gateway's clock, so tests
//! on a manual clock see the limit without waiting.

use std::collections::HashMap;
use std::sync::Mutex;

struct Bucket {
    left: f64,
    at_ms: i64,
}

/// The buckets; one per account and API that was called (accounts are few, so
/// the table stays small).
#[derive(Default)]
pub struct ApiCalls {
    buckets: Mutex<HashMap<(u64, &'static str), Bucket>>,
}

impl ApiCalls {
    /// Counts one call of `api` by `account` at `now_ms`, or `Err(seconds to
    /// wait)` when it went over `per_second`.
    pub fn take(
        &self,
        account: u64,
        api: &'static str,
        per_second: f64,
        now_ms: i64,
    ) -> Result<(), u64> {
        let burst = per_second.max(1.0);
        let mut buckets = self
            .buckets
            .lock()
            .expect("the rate table is never poisoned");
        let b = buckets.entry((account, api)).or_insert(Bucket {
            left: burst,
            at_ms: now_ms,
        });
        let gained = (now_ms - b.at_ms).max(0) as f64 / 1000.0 * per_second;
        b.left = (b.left + gained).min(burst);
        b.at_ms = now_ms;
        if b.left >= 1.0 {
            b.left -= 1.0;
            return Ok(());
        }
        Err(((1.0 - b.left) / per_second).ceil().max(1.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_one_second_then_refills_per_account_and_api() {
        let c = ApiCalls::default();
        for _ in 0..3 {
            c.take(1, "create", 3.0, 0).unwrap();
        }
        assert_eq!(c.take(1, "create", 3.0, 0), Err(1));
        // Another account and another API have their own buckets.
        c.take(2, "create", 3.0, 0).unwrap();
        c.take(1, "get", 10.0, 0).unwrap();
        // A third of a second earns one call back.
        c.take(1, "create", 3.0, 334).unwrap();
        assert!(c.take(1, "create", 3.0, 334).is_err());
    }
}
