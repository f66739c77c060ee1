//! `webhooks`: how many endpoints an account may have, and when a failing one is
//! switched off (README "Webhook endpoints").

use super::values::HumanDuration;
use serde::Deserialize;
use std::time::Duration;

/// Webhook endpoints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// Endpoints per account, its first (`notify.webhook`) counted.
    pub max_per_account: usize,
    /// An endpoint whose tries have all failed for this long is switched off.
    pub disable_after: HumanDuration,
}

impl WebhooksConfig {
    /// `disable_after` in seconds.
    pub fn disable_after_secs(&self) -> i64 {
        self.disable_after.0.as_secs().min(i64::MAX as u64) as i64
    }
}

impl Default for WebhooksConfig {
    /// Ten endpoints, as AfterShip allows; off after five days failing, as Svix.
    fn default() -> WebhooksConfig {
        WebhooksConfig {
            max_per_account: 10,
            disable_after: HumanDuration(Duration::from_secs(5 * 86_400)),
        }
    }
}
