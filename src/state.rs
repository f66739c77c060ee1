//! What every part of the running gateway shares: the store, the configuration,
//! the data tables and the status providers. Handlers (API, push receivers) and
//! workers take it; it belongs to none of them.

use crate::config::Config;
use crate::core::awb::Airlines;
use crate::core::carriers::Carriers;
use crate::core::remote::RemoteAreas;
use crate::poll::Providers;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Everything handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// The configuration.
    pub cfg: Arc<Config>,
    /// Carrier registry.
    pub carriers: Arc<Carriers>,
    /// Remote-area table.
    pub remote: Arc<RemoteAreas>,
    /// Airline prefixes.
    pub airlines: Arc<Airlines>,
    /// Status providers.
    pub providers: Providers,
    /// Last `/trackings/get` per account, for its rate limit.
    pub list_calls: Arc<Mutex<HashMap<u64, Instant>>>,
    /// Wrong API keys per client address, for their throttle.
    pub guesses: Arc<crate::api::guesses::Guesses>,
    /// The templates (the tracking page renders from them).
    pub templates: Arc<crate::notify::templates::Templates>,
}

/// How long a parcel no provider serves waits between visits of the poller, which
/// then only checks whether it has expired.
pub const UNSERVED_RECHECK_SECS: i64 = 86_400;

impl AppState {
    /// The customer's tracking page of a tracking (its id is the page's token).
    pub fn tracking_url(&self, tracking_id: &str) -> String {
        page_url(&self.cfg.public_url, tracking_id)
    }

    /// Sets when the poller first looks at a new tracking: at once when a provider
    /// serves its carrier, else only a day later for the expiry check, so a large
    /// import without an upstream account does not set the poller churning.
    pub fn schedule_first_poll(&self, t: &mut crate::store::NewTracking, now: i64) {
        let served = self.cfg.poll.enabled && self.providers.for_carrier(&t.carrier_code).is_some();
        t.first_poll_at = Some(if served {
            now
        } else {
            now + UNSERVED_RECHECK_SECS
        });
    }
}

/// `{public_url}/t/{tracking id}`: the tracking page.
pub fn page_url(public_url: &str, tracking_id: &str) -> String {
    format!("{}/t/{tracking_id}", public_url.trim_end_matches('/'))
}
