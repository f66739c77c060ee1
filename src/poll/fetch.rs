//! Fetch-and-apply, written once: the poller and `/trackings/realtime` both fetch a
//! parcel from its provider within a timeout and apply the news in one commit,
//! whose plan also expires a parcel quiet past its carrier's limit.

use super::{FetchRequest, Provider, ProviderError};
use crate::core::apply::Update;
use crate::core::carriers::Carriers;
use crate::core::schedule::PollPolicy;
use crate::core::status::Status;
use crate::core::writes::Incoming;
use crate::store::{ApplyReport, Origin, Store, StoreError};
use crate::telemetry;
use std::time::Duration;

/// Why a fetch-and-apply did not apply anything.
#[derive(Debug)]
pub enum FetchError {
    /// The provider failed, refused or did not answer in time.
    Provider(ProviderError),
    /// The store did not take the news.
    Store(StoreError),
}

/// Fetches from `provider`, giving up after `timeout`.
pub async fn fetch_within(
    provider: &dyn Provider,
    req: &FetchRequest,
    timeout: Duration,
) -> Result<Update, ProviderError> {
    tokio::time::timeout(timeout, provider.fetch(req))
        .await
        .unwrap_or(Err(ProviderError::TimedOut(timeout)))
}

/// Fetches a batch from `provider`, giving up after `timeout`: one result per
/// request, in order.
pub async fn fetch_batch_within(
    provider: &dyn Provider,
    reqs: &[FetchRequest],
    timeout: Duration,
) -> Vec<Result<Update, ProviderError>> {
    match tokio::time::timeout(timeout, provider.fetch_batch(reqs)).await {
        Ok(results) if results.len() == reqs.len() => results,
        Ok(_) => reqs
            .iter()
            .map(|_| {
                Err(ProviderError::Failed(
                    "the provider answered for other parcels".into(),
                ))
            })
            .collect(),
        Err(_) => reqs
            .iter()
            .map(|_| Err(ProviderError::TimedOut(timeout)))
            .collect(),
    }
}

/// How long a parcel of `carrier` may go without news before it expires.
pub fn quiet_limit(policy: &PollPolicy, carriers: &Carriers, carrier: &str) -> i64 {
    policy.quiet_limit(carriers.resolve(carrier).is_some_and(|c| c.is_postal()))
}

/// Fetches the parcel `req` names and applies what the provider said.
pub async fn fetch_and_apply(
    store: &Store,
    provider: &dyn Provider,
    req: &FetchRequest,
    timeout: Duration,
    quiet_limit: i64,
    origin: Origin,
    now: impl Fn() -> i64,
) -> Result<ApplyReport, FetchError> {
    let update = fetch_within(provider, req, timeout)
        .await
        .map_err(FetchError::Provider)?;
    let (carrier, number) = (&req.carrier_code, &req.tracking_number);
    apply_news(store, carrier, number, update, quiet_limit, origin, now())
        .await
        .map_err(FetchError::Store)
}

/// Applies a fetch's news (or none, for a parcel already quiet too long) in one
/// commit; its plan expires the parcel if it is still quiet past `quiet_limit`.
pub async fn apply_news(
    store: &Store,
    carrier: &str,
    number: &str,
    mut update: Update,
    quiet_limit: i64,
    origin: Origin,
    now: i64,
) -> Result<ApplyReport, StoreError> {
    update.expire_after_quiet = Some(quiet_limit);
    let item = Incoming {
        carrier: Some(carrier.into()),
        number: number.into(),
        update,
    };
    let report = store.apply_updates(&[item], origin, None, now).await?;
    telemetry::transitions(&report);
    if report
        .transitions_to
        .iter()
        .any(|(s, _)| *s == Status::Expired)
    {
        telemetry::poll("expiry", "expired");
    }
    Ok(report)
}
