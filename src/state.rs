//! What every part of the running gateway shares: the store, the configuration,
//! the data tables and the status providers. Handlers (API, push receivers) and
//! workers take it; it belongs to none of them.

use crate::config::Config;
use crate::core::awb::Airlines;
use crate::core::carriers::Carriers;
use crate::core::remote::RemoteAreas;
use crate::core::time::Clock;
use crate::poll::Providers;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
    /// Last `/trackings/get` per account (clock milliseconds), for its rate limit.
    pub list_calls: Arc<Mutex<HashMap<u64, i64>>>,
    /// `/v4` calls per account and API, for their rate limits.
    pub api_calls: Arc<crate::throttle::api_calls::ApiCalls>,
    /// The shop connectors' stores and secrets, by platform.
    pub connectors: Arc<crate::connect::Connectors>,
    /// Wrong API keys per client address, for their throttle.
    pub guesses: Arc<crate::throttle::guesses::Guesses>,
    /// The templates (the tracking page renders from them).
    pub templates: Arc<crate::notify::templates::Templates>,
    /// Where handlers and workers read the time (a manual clock in tests).
    pub clock: Clock,
}
