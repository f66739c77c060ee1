//! Request limits: rates, sizes and timeouts of the HTTP API.

use super::values::HumanDuration;
use serde::Deserialize;
use std::time::Duration;

/// API limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// `/v2/trackings/get` requests per second per API key (TrackingMore allows 1).
    pub list_per_second: f64,
    /// `POST /v4/trackings/create` calls per second per account (TrackingMore allows 3).
    pub v4_create_per_second: f64,
    /// Every other `/v4` call, per second per account and API (TrackingMore allows 10).
    pub v4_per_second: f64,
    /// Wrong API keys one client address may send at once before it is throttled.
    pub failed_key_burst: u32,
    /// Wrong API keys per minute a throttled address earns back; 0 turns the
    /// throttle off (behind a reverse proxy every client shares its address).
    pub failed_keys_per_minute: u32,
    /// Largest request body, bytes. A larger announced body is refused (413) unread.
    pub max_body_bytes: usize,
    /// Longest wait for a request's headers; the connection is closed after it.
    pub header_timeout: HumanDuration,
    /// Longest time to receive a request body.
    pub body_timeout: HumanDuration,
}

impl Default for LimitsConfig {
    fn default() -> LimitsConfig {
        LimitsConfig {
            list_per_second: 1.0,
            v4_create_per_second: 3.0,
            v4_per_second: 10.0,
            failed_key_burst: 20,
            failed_keys_per_minute: 10,
            max_body_bytes: 1024 * 1024,
            header_timeout: HumanDuration(Duration::from_secs(10)),
            body_timeout: HumanDuration(Duration::from_secs(30)),
        }
    }
}
