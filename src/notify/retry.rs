//! When a failed delivery is tried again: the configured schedule with jitter, or
//! the receiver's `Retry-After` within bounds; dead once the schedule is spent.

use crate::store::Next;
use std::time::Duration;

/// Longest `Retry-After` honoured, whatever the schedule says.
pub const MAX_RETRY_AFTER_SECS: i64 = 86_400;

/// The next step after a failed try that may be retried.
///
/// `tries` is how many retries this round has used; `after` is the receiver's
/// `Retry-After` in seconds; `now` is exact (fractional seconds); `jitter` scales the
/// scheduled delay (the caller draws it from 0.9..1.1). Due times are whole seconds,
/// rounded up, so a retry never comes sooner than its delay. A `Retry-After` is
/// clamped to at most twice the scheduled delay and 24 h: a receiver cannot park a
/// notification for ever.
pub fn next_try(
    schedule: &[Duration],
    tries: usize,
    after: Option<i64>,
    now: f64,
    jitter: f64,
) -> Next {
    let Some(planned) = schedule.get(tries) else {
        return Next::Dead;
    };
    let planned = planned.as_secs_f64();
    let delay = match after {
        Some(secs) => {
            let cap = (2.0 * planned).min(MAX_RETRY_AFTER_SECS as f64).max(1.0);
            (secs as f64).clamp(1.0, cap)
        }
        None => (planned * jitter).max(1.0),
    };
    Next::RetryAt((now + delay).ceil() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: &[u64]) -> Vec<Duration> {
        secs.iter().map(|s| Duration::from_secs(*s)).collect()
    }

    #[test]
    fn the_schedule_is_followed_then_the_job_is_dead() {
        let sched = s(&[5, 300]);
        assert_eq!(next_try(&sched, 0, None, 100.0, 1.0), Next::RetryAt(105));
        assert_eq!(next_try(&sched, 1, None, 100.0, 1.0), Next::RetryAt(400));
        assert_eq!(next_try(&sched, 2, None, 100.0, 1.0), Next::Dead);
        assert_eq!(next_try(&sched, 2, Some(1), 100.0, 1.0), Next::Dead);
    }

    #[test]
    fn jitter_never_brings_a_retry_before_one_second() {
        assert_eq!(next_try(&s(&[0]), 0, None, 100.2, 0.9), Next::RetryAt(102));
        assert_eq!(next_try(&s(&[10]), 0, None, 100.0, 0.9), Next::RetryAt(109));
    }

    #[test]
    fn retry_after_is_honoured_within_twice_the_delay_and_a_day() {
        let sched = s(&[300, 36_000 * 4]);
        assert_eq!(next_try(&sched, 0, Some(120), 0.0, 1.0), Next::RetryAt(120));
        assert_eq!(
            next_try(&sched, 0, Some(10_000), 0.0, 1.0),
            Next::RetryAt(600)
        );
        assert_eq!(
            next_try(&sched, 1, Some(10_000_000), 0.0, 1.0),
            Next::RetryAt(MAX_RETRY_AFTER_SECS)
        );
        assert_eq!(next_try(&sched, 0, Some(-5), 0.0, 1.0), Next::RetryAt(1));
    }
}
