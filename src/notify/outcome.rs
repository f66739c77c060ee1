//! How a delivery try ended and what follows: the receiver's answer classified
//! (delivered, retry, permanent, disable on 410), and the retry schedule — pure
//! functions, tested without a network or a clock.

use super::destination;
use crate::core::time;
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

/// The HTTP status of a receiver's answer, classified.
pub fn classify(resp: &reqwest::Response) -> Sent {
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

pub fn transport_error(e: &reqwest::Error) -> Sent {
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

pub fn permanent(error: impl Into<String>) -> Sent {
    Sent::Permanent {
        code: None,
        error: error.into(),
        disable: false,
    }
}

/// What a try comes to: the attempt log's words and the job's next step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `delivered`, `retry` or `failed`.
    pub label: &'static str,
    /// HTTP status or SMTP code.
    pub code: Option<u16>,
    /// What went wrong.
    pub error: Option<String>,
    /// Delivered, retry at, or dead.
    pub next: Next,
    /// Why to switch the destination off (410 Gone), if so.
    pub disable: Option<String>,
}

/// Decides what follows a try: `schedule` is the configured retry delays, `tries`
/// the retries this round has used, `now` exact seconds, `jitter` in 0.9..1.1.
pub fn decide(sent: Sent, schedule: &[Duration], tries: usize, now: f64, jitter: f64) -> Decision {
    match sent {
        Sent::Delivered { code } => Decision {
            label: "delivered",
            code,
            error: None,
            next: Next::Delivered,
            disable: None,
        },
        Sent::Retry { code, error, after } => {
            let next = next_try(schedule, tries, after, now, jitter);
            let label = if next == Next::Dead {
                "failed"
            } else {
                "retry"
            };
            Decision {
                label,
                code,
                error: Some(error),
                next,
                disable: None,
            }
        }
        Sent::Permanent {
            code,
            error,
            disable,
        } => Decision {
            label: "failed",
            code,
            disable: disable.then(|| format!("{error} at {}", time::rfc3339(now as i64))),
            error: Some(error),
            next: Next::Dead,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: &[u64]) -> Vec<Duration> {
        secs.iter().map(|s| Duration::from_secs(*s)).collect()
    }

    #[test]
    fn a_410_is_dead_and_switches_the_destination_off() {
        let d = decide(
            Sent::Permanent {
                code: Some(410),
                error: "HTTP 410".into(),
                disable: true,
            },
            &s(&[5]),
            0,
            100.0,
            1.0,
        );
        assert_eq!((d.label, d.next.clone()), ("failed", Next::Dead));
        assert!(d.disable.is_some_and(|r| r.starts_with("HTTP 410 at ")));
    }

    #[test]
    fn a_retryable_failure_is_retried_until_the_schedule_is_spent() {
        let retry = || Sent::Retry {
            code: Some(503),
            error: "HTTP 503".into(),
            after: None,
        };
        let d = decide(retry(), &s(&[5]), 0, 100.0, 1.0);
        assert_eq!((d.label, d.next), ("retry", Next::RetryAt(105)));
        let d = decide(retry(), &s(&[5]), 1, 100.0, 1.0);
        assert_eq!((d.label, d.next), ("failed", Next::Dead));
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
