//! Polling a status provider.

use super::values::{HumanDuration, Secret};
use serde::Deserialize;
use std::time::Duration;

/// Polling fallback.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PollConfig {
    /// Poll at all.
    pub enabled: bool,
    /// Base interval.
    pub interval: HumanDuration,
    /// Default provider: `trackingmore` or `sandbox`.
    pub provider: String,
    /// Upstream TrackingMore v2.
    pub trackingmore: UpstreamTrackingMore,
    /// How long `/v2/trackings/realtime` waits for a provider.
    pub realtime_timeout: HumanDuration,
    /// Express parcels with no new event for this long become `expired`.
    pub expire_express: HumanDuration,
    /// Postal parcels with no new event for this long become `expired`.
    pub expire_postal: HumanDuration,
    /// Polls in flight at once per provider.
    pub concurrency: usize,
    /// Upstream requests per second per provider (TrackingMore realtime allows 3).
    pub rate_per_second: f64,
}

/// Upstream TrackingMore v2 account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpstreamTrackingMore {
    /// API base, e.g. `https://api.trackingmore.com/v2`.
    pub base_url: String,
    /// API key; empty = not configured.
    pub api_key: Secret,
}

impl Default for PollConfig {
    fn default() -> PollConfig {
        PollConfig {
            enabled: true,
            interval: HumanDuration(Duration::from_secs(6 * 3600)),
            provider: "trackingmore".into(),
            trackingmore: UpstreamTrackingMore::default(),
            realtime_timeout: HumanDuration(Duration::from_secs(15)),
            expire_express: HumanDuration(Duration::from_secs(30 * 86_400)),
            expire_postal: HumanDuration(Duration::from_secs(60 * 86_400)),
            concurrency: 4,
            rate_per_second: 3.0,
        }
    }
}

impl Default for UpstreamTrackingMore {
    fn default() -> UpstreamTrackingMore {
        UpstreamTrackingMore {
            base_url: "https://api.trackingmore.com/v2".into(),
            api_key: Secret::default(),
        }
    }
}
