//! `alerts`: how often the gateway looks for stalled and late parcels (the
//! thresholds themselves are per account, `accounts[].notify.alerts`).

use super::values::HumanDuration;
use serde::Deserialize;
use std::time::Duration;

/// The alert worker.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchConfig {
    /// Time between looks; an alert fires at most this late. Each look costs
    /// what is due, not what is stored.
    pub check_every: HumanDuration,
}

impl Default for WatchConfig {
    fn default() -> WatchConfig {
        WatchConfig {
            check_every: HumanDuration(Duration::from_secs(60)),
        }
    }
}
