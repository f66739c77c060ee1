//! `retention`: how long finished trackings and delivered notifications' tries
//! are kept (README "Retention").

use super::values::HumanDuration;
use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// A humantime duration, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep(pub Option<Duration>);

impl Keep {
    /// Seconds, or `None` for `off`.
    pub fn secs(self) -> Option<i64> {
        self.0.map(|d| d.as_secs().min(i64::MAX as u64) as i64)
    }
}

impl<'de> Deserialize<'de> for Keep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Keep, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().eq_ignore_ascii_case("off") {
            return Ok(Keep(None));
        }
        humantime::parse_duration(s.trim())
            .map(|d| Keep(Some(d)))
            .map_err(|e| {
                serde::de::Error::custom(format!(
                    "{s:?} is not a duration such as 120d, nor off ({e})"
                ))
            })
    }
}

/// Retention.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// A tracking delivered or expired is deleted this long after it became so.
    pub after_final: Keep,
    /// Delivered notifications' tries are dropped this long after delivery.
    pub attempt_logs: Keep,
    /// Time between deletion passes.
    pub check_every: HumanDuration,
}

impl RetentionConfig {
    /// The policy in seconds.
    pub fn policy(&self) -> crate::core::retention::Policy {
        crate::core::retention::Policy {
            after_final: self.after_final.secs(),
            attempt_logs: self.attempt_logs.secs(),
        }
    }
}

impl Default for RetentionConfig {
    fn default() -> RetentionConfig {
        RetentionConfig {
            after_final: Keep(Some(Duration::from_secs(
                crate::core::retention::DEFAULT_AFTER_FINAL as u64,
            ))),
            attempt_logs: Keep(Some(Duration::from_secs(30 * 86_400))),
            check_every: HumanDuration(Duration::from_secs(600)),
        }
    }
}
