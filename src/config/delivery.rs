//! How notifications are delivered: retries, timeouts, concurrency.

use super::values::HumanDuration;
use serde::Deserialize;
use std::time::Duration;

/// The most sends the dispatcher has in flight in all, and so the most
/// `delivery.concurrency` may allow to one destination.
pub const MAX_DELIVERY_CONCURRENCY: usize = 128;

/// Notification delivery.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// Delays after the first try; then dead letter.
    pub retry: Vec<HumanDuration>,
    /// Per-attempt timeout.
    pub timeout: HumanDuration,
    /// DNS server (`ip:port`) for webhook and Slack host names; the system
    /// resolver when unset. Every answer is checked before it is connected to.
    pub nameserver: Option<std::net::SocketAddr>,
    /// Sends in flight at once to one webhook URL (and to the SMTP relay), per
    /// node: a slow endpoint holds up only its own sends.
    pub concurrency: usize,
}

impl Default for DeliveryConfig {
    fn default() -> DeliveryConfig {
        let retry = ["5s", "5m", "30m", "2h", "5h", "10h", "10h"]
            .iter()
            .map(|s| HumanDuration(humantime::parse_duration(s).expect("valid default")))
            .collect();
        DeliveryConfig {
            retry,
            timeout: HumanDuration(Duration::from_secs(10)),
            nameserver: None,
            concurrency: 8,
        }
    }
}
