//! `POST /v2/trackings/realtime`: fetch now from the carrier's status provider, store
//! through the one write path, answer with the tracking.

use super::auth::Caller;
use super::error::{ApiError, ApiResult, Success};
use super::fields;
use super::input::{object, JsonBody};
use super::openapi::schemas as doc;
use super::AppState;
use crate::core::view::TrackingView;
use crate::poll::fetch::{self, FetchError};
use crate::poll::{FetchRequest, ProviderError};
use crate::store::{Origin, TrackingError};
use axum::extract::State;
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(realtime))
}

#[utoipa::path(post, path = "/trackings/realtime", tag = "trackings",
    summary = "Fetch a tracking from its carrier now (registering it if new)",
    request_body = doc::NewTrackingBody,
    responses((status = 200, description = "The tracking as fetched", body = doc::Envelope<doc::RealtimeAnswer>)))]
async fn realtime(
    State(state): State<AppState>,
    Caller(acct): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    let m = object(&body, "request body")?;
    let item = state.new_tracking(&m, "", &fields::V2)?;
    if state.providers.for_carrier(&item.carrier_code).is_none() {
        return Err(ApiError::Unavailable(format!(
            "no status provider is configured for carrier {}: set poll.trackingmore.api_key, or use the sandbox carrier",
            item.carrier_code
        )));
    }
    let (carrier, number) = (item.carrier_code.clone(), item.tracking_number.clone());
    // Register the tracking if this account does not have it yet (as TrackingMore does).
    let mut created = state
        .store
        .create_trackings(acct.id, vec![item], state.clock.now())
        .await?;
    let registered_at = match created.pop().expect("one result per item") {
        Ok((t, p)) => p.created_at.min(t.created_at),
        Err(TrackingError::AlreadyExists) => state
            .store
            .tracking(acct.id, &carrier, &number)
            .await?
            .map(|(_, p)| p.created_at)
            .unwrap_or_else(|| state.clock.now()),
        Err(e) => return Err(e.into()),
    };
    fetch_now(&state, &carrier, &number, registered_at).await?;
    let (t, p) = state
        .store
        .tracking(acct.id, &carrier, &number)
        .await?
        .ok_or(ApiError::DoesNotExist)?;
    Ok(Success(
        json!({"items": [TrackingView::new(&t, &p, &state.carriers, state.clock.now())]}),
    ))
}

/// Fetches one parcel from its carrier's status provider now and applies the news
/// through the one write path (v2 realtime, v4 create). `registered_at` is when
/// the parcel was first tracked here.
pub async fn fetch_now(
    state: &AppState,
    carrier: &str,
    number: &str,
    registered_at: i64,
) -> Result<(), ApiError> {
    let provider = state.providers.for_carrier(carrier).ok_or_else(|| {
        ApiError::Unavailable(format!(
            "no status provider is configured for carrier {carrier}"
        ))
    })?;
    let req = FetchRequest {
        carrier_code: carrier.to_string(),
        tracking_number: number.to_string(),
        registered_at,
    };
    let timeout = state.cfg.poll.realtime_timeout.0;
    let quiet_limit = fetch::quiet_limit(&state.cfg.poll_policy(), &state.carriers, carrier);
    let clock = &state.clock;
    let done = fetch::fetch_and_apply(
        &state.store,
        provider.as_ref(),
        &req,
        timeout,
        quiet_limit,
        Origin::Realtime,
        || clock.now(),
    )
    .await;
    match done {
        Ok(_) => {}
        Err(FetchError::Store(e)) => return Err(e.into()),
        Err(FetchError::Provider(ProviderError::TimedOut(t))) => {
            return Err(ApiError::Unavailable(format!(
                "{} did not answer within {t:?}",
                provider.name()
            )))
        }
        Err(FetchError::Provider(ProviderError::RateLimited(m))) => {
            return Err(ApiError::RateLimited(m))
        }
        Err(FetchError::Provider(ProviderError::Paused(d))) => {
            return Err(ApiError::RateLimited(format!(
                "{} asked to wait {} s; try again then",
                provider.name(),
                d.as_secs().max(1)
            )))
        }
        Err(FetchError::Provider(e)) => {
            tracing::warn!(provider = provider.name(), error = %e, "realtime fetch failed");
            return Err(ApiError::Unavailable(format!(
                "{} failed to answer; try again later",
                provider.name()
            )));
        }
    }
    Ok(())
}
