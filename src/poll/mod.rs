//! Status providers: where the gateway fetches carrier status when it asks (realtime
//! now; the poller later). Each provider turns its wire format into an
//! [`Update`](crate::core::apply::Update) for `apply`.

pub mod fetch;
pub mod sandbox;
pub mod scheduler;
pub mod trackingmore;
pub mod trackingmore_v4;

use crate::core::apply::Update;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed future, so providers can sit behind `dyn Provider`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a provider needs to look a parcel up.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    /// Carrier code.
    pub carrier_code: String,
    /// Normalised number.
    pub tracking_number: String,
    /// When the gateway first registered the parcel.
    pub registered_at: i64,
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider is overloaded or rate limited; try later.
    #[error("provider rate limited: {0}")]
    RateLimited(String),
    /// The provider answered with an error code of its own.
    #[error("provider answered meta code {0}: {1}")]
    Meta(i64, String),
    /// The provider answered something we cannot read, or failed.
    #[error("provider failed: {0}")]
    Failed(String),
    /// The provider did not answer within this long.
    #[error("provider did not answer within {0:?}")]
    TimedOut(std::time::Duration),
    /// The provider asked us to send nothing for this long (after a 429): its
    /// parcels wait that long, without counting as failures.
    #[error("provider asked to wait {0:?}")]
    Paused(std::time::Duration),
}

/// A source of carrier status.
pub trait Provider: Send + Sync {
    /// The provider's name, for logs and the `source` of transitions.
    fn name(&self) -> &'static str;
    /// Fetches the parcel's current state.
    fn fetch<'a>(&'a self, req: &'a FetchRequest) -> BoxFuture<'a, Result<Update, ProviderError>>;
    /// Most parcels one [`Provider::fetch_batch`] call asks for (one upstream request).
    fn batch_limit(&self) -> usize {
        1
    }
    /// Fetches up to [`Provider::batch_limit`] parcels, one result per request in
    /// order; by default one [`Provider::fetch`] after another.
    fn fetch_batch<'a>(
        &'a self,
        reqs: &'a [FetchRequest],
    ) -> BoxFuture<'a, Vec<Result<Update, ProviderError>>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(reqs.len());
            for r in reqs {
                out.push(self.fetch(r).await);
            }
            out
        })
    }
}

/// The providers available to this gateway, by carrier.
#[derive(Clone)]
pub struct Providers {
    sandbox: Arc<dyn Provider>,
    default: Option<Arc<dyn Provider>>,
}

impl Providers {
    /// Sandbox for the `sandbox` carrier; `default` (if any) for the rest.
    pub fn new(default: Option<Arc<dyn Provider>>) -> Providers {
        Providers {
            sandbox: Arc::new(sandbox::Sandbox),
            default,
        }
    }

    /// The provider that serves a carrier, if any is configured.
    pub fn for_carrier(&self, carrier_code: &str) -> Option<Arc<dyn Provider>> {
        if carrier_code == sandbox::CARRIER {
            Some(self.sandbox.clone())
        } else {
            self.default.clone()
        }
    }
}
