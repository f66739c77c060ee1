//! `/v4/trackings/*`: create (and fetch), batch, get, update, delete and retrack by
//! id, over the same store calls as `/v2`.

use super::query::{archived_status, list_query, Params};
use super::{limit, owned, V4Caller, V4Error, V4Json, V4Result, V4};
use crate::api::error::ApiError;
use crate::api::fields::{self, V4 as NAMES};
use crate::api::input::{items, object, text, ApiPath};
use crate::api::openapi::v4 as doc;
use crate::api::trackings::{create_batch, MAX_BATCH};
use crate::api::AppState;
use crate::core::model::{Parcel, Tracking};
use crate::core::status::Status;
use crate::core::v4view::V4Tracking;
use crate::core::writes::{NewTracking, TrackingPatch};
use crate::store::TrackingError;
use axum::extract::{Query, State};
use serde_json::{json, Map, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(batch))
        .routes(routes!(get))
        .routes(routes!(update))
        .routes(routes!(delete))
        .routes(routes!(retrack))
}

fn view(state: &AppState, t: &Tracking, p: &Parcel) -> V4Tracking {
    V4Tracking::new(t, p, &state.carriers, state.clock.now())
}

/// v4 fields that have a v2 twin we store them in, when the twin is not sent:
/// `order_number` is kept as the order id, the origin and postcode as the
/// carrier's origin and postal code.
fn with_twins(mut m: Map<String, Value>) -> Map<String, Value> {
    for (v4, twin) in [
        ("order_number", "order_id"),
        ("origin_country_iso2", "tracking_origin_country"),
        ("recipient_postcode", "tracking_postal_code"),
    ] {
        let twin_absent = m
            .get(twin)
            .is_none_or(|v| v.is_null() || v.as_str() == Some(""));
        if twin_absent {
            if let Some(v) = m.get(v4).cloned() {
                m.insert(twin.into(), v);
            }
        }
    }
    m
}

fn new_tracking(
    state: &AppState,
    m: Map<String, Value>,
    at: &str,
) -> Result<NewTracking, ApiError> {
    state.new_tracking(&with_twins(m), at, &NAMES)
}

fn served(state: &AppState, carrier: &str) -> bool {
    state.cfg.poll.enabled && state.providers.for_carrier(carrier).is_some()
}

#[utoipa::path(post, path = "/trackings/create", tag = "v4",
    summary = "Create a tracking and fetch it from its carrier now (3 requests/s)",
    request_body = doc::CreateBody,
    responses((status = 200, description = "The tracking, as fetched where a status provider serves its courier", body = doc::V4Envelope<V4Tracking>)))]
async fn create(
    State(state): State<AppState>,
    V4Caller(acct): V4Caller,
    V4Json(body): V4Json,
) -> V4Result<V4Tracking> {
    limit(&state, acct.id, "create")?;
    let item = new_tracking(&state, object(&body, "request body")?, "")?;
    let (carrier, number) = (item.carrier_code.clone(), item.tracking_number.clone());
    let mut made = state
        .store
        .create_trackings(acct.id, vec![item], state.clock.now())
        .await?;
    let (t, p) = made.pop().expect("one result per item")?;
    if !served(&state, &carrier) {
        return Ok(V4(view(&state, &t, &p)));
    }
    // v4's create is "real-time": answer what the carrier says now. The tracking
    // is stored already, so a provider that fails costs the answer its news only.
    let registered_at = p.created_at.min(t.created_at);
    if let Err(e) = crate::api::realtime::fetch_now(&state, &carrier, &number, registered_at).await
    {
        tracing::warn!(carrier = %carrier, error = %e, "v4 create: the status provider did not answer; the tracking is stored");
    }
    let (t, p) = state
        .store
        .tracking(acct.id, &carrier, &number)
        .await?
        .ok_or(ApiError::DoesNotExist)?;
    Ok(V4(view(&state, &t, &p)))
}

#[utoipa::path(post, path = "/trackings/batch", tag = "v4",
    summary = "Create up to 40 trackings (no fetch: read them with get)",
    request_body = Vec<doc::CreateBody>,
    responses((status = 200, description = "Which were created, and why the others were not", body = doc::V4Envelope<doc::BatchAnswer>)))]
async fn batch(
    State(state): State<AppState>,
    V4Caller(acct): V4Caller,
    V4Json(body): V4Json,
) -> V4Result<Value> {
    limit(&state, acct.id, "batch")?;
    let list = items(&body, MAX_BATCH)?;
    let (made, refused) = create_batch(&state, acct.id, list, "courier_code", |m, at| {
        new_tracking(&state, m, at)
    })
    .await?;
    let success: Vec<Value> = made
        .iter()
        .map(|(t, _)| json!({"id": t.id, "tracking_number": t.tracking_number, "courier_code": t.carrier_code}))
        .collect();
    let error: Vec<Value> = refused
        .into_iter()
        .map(|(e, n, c)| V4Error::Api(e).item(&n, &c))
        .collect();
    Ok(V4(json!({"success": success, "error": error})))
}

#[utoipa::path(get, path = "/trackings/get", tag = "v4",
    summary = "Trackings, newest first (10 requests/s)",
    params(
        ("tracking_numbers" = Option<String>, Query, description = "Up to 40, comma-separated"),
        ("courier_code" = Option<String>, Query),
        ("delivery_status" = Option<String>, Query),
        ("archived_status" = Option<String>, Query, description = "tracking or archived"),
        ("created_date_min" = Option<String>, Query, description = "ISO 8601 with offset"),
        ("created_date_max" = Option<String>, Query),
        ("updated_date_min" = Option<String>, Query),
        ("updated_date_max" = Option<String>, Query),
        ("items_amount" = Option<u32>, Query, description = "Page size, 1 to 2000 (default 100)"),
        ("pages_amount" = Option<u32>, Query, description = "Page, from 1"),
        ("lang" = Option<String>, Query, description = "Accepted; carriers' texts come as the carrier gave them"),
    ),
    responses((status = 200, description = "One page of trackings", body = doc::V4Envelope<Vec<V4Tracking>>)))]
async fn get(
    State(state): State<AppState>,
    V4Caller(acct): V4Caller,
    Query(p): Query<Params>,
) -> V4Result<Vec<V4Tracking>> {
    limit(&state, acct.id, "get")?;
    let q = list_query(&p, &state.carriers)?;
    let page = state.store.list(acct.id, &q).await?;
    Ok(V4(page
        .items
        .iter()
        .map(|(t, p)| view(&state, t, p))
        .collect()))
}

/// The change an update asks for, in v4's names.
fn patch(m: &Map<String, Value>) -> Result<TrackingPatch, ApiError> {
    let (fields, order_created_at) = fields::descriptive(&with_twins(m.clone()), "", &NAMES)?;
    Ok(TrackingPatch {
        fields,
        order_created_at,
        archived: archived_status(text(m, "archived_status", "")?.as_deref())?,
        status: None,
        notupdate: None,
        shop_url: None,
    })
}

#[utoipa::path(put, path = "/trackings/update/{id}", tag = "v4",
    summary = "Change a tracking's fields, courier (courier_code_new) or archived_status",
    params(("id" = String, Path, description = "The tracking's 32-hex id")),
    request_body = doc::UpdateBody,
    responses((status = 200, description = "The tracking as changed", body = doc::V4Envelope<V4Tracking>)))]
async fn update(
    State(state): State<AppState>,
    V4Caller(acct): V4Caller,
    ApiPath(id): ApiPath<String>,
    V4Json(body): V4Json,
) -> V4Result<V4Tracking> {
    limit(&state, acct.id, "update")?;
    let m = object(&body, "request body")?;
    let change = patch(&m)?;
    let new_courier = match text(&m, "courier_code_new", "")? {
        None => None,
        Some(_) => Some(fields::carrier(
            &m,
            "",
            &state.carriers,
            "courier_code_new",
        )?),
    };
    let (t, _) = owned(&state, acct.id, &id).await?;
    let now = state.clock.now();
    let mut carrier = t.carrier_code.clone();
    if let Some(new) = new_courier.filter(|c| *c != carrier) {
        // First, so that a refused move (the new key is tracked already) writes nothing.
        state
            .store
            .change_carrier(acct.id, &carrier, &t.tracking_number, &new, now)
            .await?;
        carrier = new;
    }
    let mut done = state
        .store
        .update_trackings(acct.id, vec![(carrier, t.tracking_number, change)], now)
        .await?;
    let (t, p) = done.pop().expect("one result per item")?;
    Ok(V4(view(&state, &t, &p)))
}

#[utoipa::path(delete, path = "/trackings/delete/{id}", tag = "v4",
    summary = "Delete a tracking",
    params(("id" = String, Path, description = "The tracking's 32-hex id")),
    responses((status = 200, description = "What was deleted", body = doc::V4Envelope<doc::Deleted>)))]
async fn delete(
    State(state): State<AppState>,
    V4Caller(acct): V4Caller,
    ApiPath(id): ApiPath<String>,
) -> V4Result<Value> {
    limit(&state, acct.id, "delete")?;
    let (t, _) = owned(&state, acct.id, &id).await?;
    let mut done = state
        .store
        .delete_trackings(
            acct.id,
            vec![(t.carrier_code.clone(), t.tracking_number.clone())],
        )
        .await?;
    match done.pop().expect("one result per item") {
        // Deleted meanwhile by another call: the same outcome.
        Ok(()) | Err(TrackingError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(V4(json!({
        "id": t.id, "tracking_number": t.tracking_number, "courier_code": t.carrier_code,
    })))
}

#[utoipa::path(post, path = "/trackings/retrack/{id}", tag = "v4",
    summary = "Track an expired tracking again",
    params(("id" = String, Path, description = "The tracking's 32-hex id")),
    responses((status = 200, description = "The tracking, its next poll due now", body = doc::V4Envelope<V4Tracking>)))]
async fn retrack(
    State(state): State<AppState>,
    V4Caller(acct): V4Caller,
    ApiPath(id): ApiPath<String>,
) -> V4Result<V4Tracking> {
    limit(&state, acct.id, "retrack")?;
    let (t, p) = owned(&state, acct.id, &id).await?;
    let status = t.effective_status(&p);
    if status != Status::Expired {
        return Err(V4Error::RetrackNotAllowed(format!(
            "Retrack is not allowed: only an expired tracking may be retracked, and this one is {}",
            status.as_str()
        )));
    }
    if served(&state, &t.carrier_code) {
        state
            .store
            .reschedule_poll(
                &t.carrier_code,
                &t.tracking_number,
                state.clock.now(),
                false,
            )
            .await?;
    }
    Ok(V4(view(&state, &t, &p)))
}
