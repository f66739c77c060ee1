//! Creating, reading, changing and deleting trackings, singly and in batches.

use super::auth::Caller;
use super::error::{ApiError, ApiResult, Success};
use super::fields;
use super::input::ApiPath;
use super::input::{at, items, object, JsonBody};
use super::openapi::schemas as doc;
use super::AppState;
use crate::core::model::{Parcel, Tracking};
use crate::core::time;
use crate::core::view::TrackingView;
use crate::core::writes::{NewTracking, TrackingPatch};
use crate::store::TrackingError;
use axum::extract::State;
use serde_json::{json, Map, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Most items one batch call may carry.
pub const MAX_BATCH: usize = 40;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_tracking))
        .routes(routes!(create_trackings))
        .routes(routes!(get_tracking, update_tracking, delete_tracking))
        .routes(routes!(get_tracking_lang))
        .routes(routes!(update_trackings))
        .routes(routes!(delete_trackings))
        .routes(routes!(stop_updating))
        .routes(routes!(change_carrier))
        .routes(routes!(tracking_history))
}

/// What create answers: the identity, status and exactly the submitted fields
/// (`lang` is kept but not echoed, as TrackingMore v2 did).
fn created_view(t: &Tracking, p: &Parcel) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(t.id));
    m.insert("tracking_number".into(), json!(t.tracking_number));
    m.insert("carrier_code".into(), json!(t.carrier_code));
    m.insert("status".into(), json!(t.effective_status(p).as_str()));
    m.insert("created_at".into(), json!(time::rfc3339(t.created_at)));
    if let Ok(Value::Object(submitted)) = serde_json::to_value(&t.fields) {
        // Exactly the fields the client sent: the unset ones are null here.
        m.extend(
            submitted
                .into_iter()
                .filter(|(k, v)| k != "lang" && !v.is_null()),
        );
    }
    Value::Object(m)
}

fn view(state: &AppState, t: &Tracking, p: &Parcel) -> TrackingView {
    TrackingView::new(t, p, &state.carriers, state.clock.now())
}

/// Path parameters, checked like body fields.
fn path_key(state: &AppState, carrier: &str, number: &str) -> Result<(String, String), ApiError> {
    let m: Map<String, Value> = [
        ("carrier_code".to_string(), json!(carrier)),
        ("tracking_number".to_string(), json!(number)),
    ]
    .into_iter()
    .collect();
    let (c, n) = fields::key(&m, "", &state.carriers, "carrier_code")?;
    Ok((c, n.as_str().to_string()))
}

#[utoipa::path(post, path = "/trackings/post", tag = "trackings",
    summary = "Create a tracking",
    request_body = doc::NewTrackingBody,
    responses((status = 200, description = "The new tracking, or 4016 if this account has it already", body = doc::Envelope<doc::Created>)))]
async fn create_tracking(
    State(state): State<AppState>,
    Caller(acct): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    let m = object(&body, "request body")?;
    let item = state.new_tracking(&m, "", &fields::V2)?;
    let mut results = state
        .store
        .create_trackings(acct.id, vec![item], state.clock.now())
        .await?;
    let (t, p) = results.pop().expect("one result per item")?;
    Ok(Success(created_view(&t, &p)))
}

#[utoipa::path(post, path = "/trackings/batch", tag = "trackings",
    summary = "Create up to 40 trackings",
    request_body = Vec<doc::NewTrackingBody>,
    responses((status = 200, description = "Which were added, and why the others were not", body = doc::Envelope<doc::BatchCreated>)))]
async fn create_trackings(
    State(state): State<AppState>,
    Caller(acct): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    let list = items(&body, MAX_BATCH)?;
    let submitted = list.len();
    let (made, refused) = create_batch(&state, acct.id, list, "carrier_code", |m, at| {
        state.new_tracking(&m, at, &fields::V2)
    })
    .await?;
    let created: Vec<Value> = made.iter().map(|(t, p)| created_view(t, p)).collect();
    let errors: Vec<Value> = refused.iter().map(|(e, n, c)| e.item(n, c)).collect();
    Ok(Success(json!({
        "submitted": submitted,
        "added": created.len(),
        "trackings": created,
        "errors": errors,
    })))
}

/// An item a batch refused: why, and its number and carrier as sent.
pub type Refused = (ApiError, String, String);

/// Creates a batch's valid items (read by `parse`) in one commit: the trackings
/// made, and the items refused. Every batch create (v2, v4) goes through here.
pub async fn create_batch(
    state: &AppState,
    account: u64,
    list: Vec<Map<String, Value>>,
    carrier_field: &str,
    parse: impl Fn(Map<String, Value>, &str) -> Result<NewTracking, ApiError>,
) -> Result<(Vec<(Tracking, Parcel)>, Vec<Refused>), ApiError> {
    let mut refused = Vec::new();
    let mut valid: Vec<NewTracking> = Vec::new();
    for (i, m) in list.into_iter().enumerate() {
        let (number, carrier) = (raw(&m, "tracking_number"), raw(&m, carrier_field));
        match parse(m, &at(Some(i))) {
            Ok(n) => valid.push(n),
            Err(e) => refused.push((e, number, carrier)),
        }
    }
    let keys: Vec<(String, String)> = valid
        .iter()
        .map(|n| (n.tracking_number.clone(), n.carrier_code.clone()))
        .collect();
    let results = state
        .store
        .create_trackings(account, valid, state.clock.now())
        .await?;
    let mut made = Vec::new();
    for ((number, carrier), r) in keys.into_iter().zip(results) {
        match r {
            Ok(row) => made.push(row),
            Err(e) => refused.push((ApiError::from(e), number, carrier)),
        }
    }
    Ok((made, refused))
}

/// A field as the client sent it, for per-item error objects.
fn raw(m: &Map<String, Value>, key: &str) -> String {
    match m.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// A single tracking as GET shows it: the tracking object plus its page.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct WithPage {
    #[serde(flatten)]
    view: TrackingView,
    tracking_url: String,
}

#[utoipa::path(get, path = "/trackings/{carrier}/{number}", tag = "trackings",
    summary = "One tracking, with its customer page",
    params(("carrier" = String, Path, description = "Carrier code"), ("number" = String, Path, description = "Tracking number")),
    responses((status = 200, description = "The tracking, or 4017", body = doc::Envelope<WithPage>)))]
async fn get_tracking(
    State(state): State<AppState>,
    Caller(acct): Caller,
    ApiPath((carrier, number)): ApiPath<(String, String)>,
) -> ApiResult<WithPage> {
    let (carrier, number) = path_key(&state, &carrier, &number)?;
    let (t, p) = state
        .store
        .tracking(acct.id, &carrier, &number)
        .await?
        .ok_or(ApiError::DoesNotExist)?;
    Ok(Success(WithPage {
        tracking_url: crate::core::links::tracking_page(&state.cfg.public_url, &t.id),
        view: view(&state, &t, &p),
    }))
}

/// The `/{lang}` segment is accepted for compatibility; carriers' texts are shown
/// in the language the carrier gave them.
#[utoipa::path(get, path = "/trackings/{carrier}/{number}/{lang}", tag = "trackings",
    summary = "One tracking (the language segment is accepted and ignored)",
    params(("carrier" = String, Path), ("number" = String, Path), ("lang" = String, Path)),
    responses((status = 200, description = "The tracking, or 4017", body = doc::Envelope<WithPage>)))]
async fn get_tracking_lang(
    state: State<AppState>,
    caller: Caller,
    ApiPath((carrier, number, _lang)): ApiPath<(String, String, String)>,
) -> ApiResult<WithPage> {
    get_tracking(state, caller, ApiPath((carrier, number))).await
}

#[utoipa::path(put, path = "/trackings/{carrier}/{number}", tag = "trackings",
    summary = "Change a tracking's shop fields",
    params(("carrier" = String, Path), ("number" = String, Path)),
    request_body = doc::PatchBody,
    responses((status = 200, description = "The tracking as changed, or 4017", body = doc::Envelope<TrackingView>)))]
async fn update_tracking(
    State(state): State<AppState>,
    Caller(acct): Caller,
    ApiPath((carrier, number)): ApiPath<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<TrackingView> {
    let (carrier, number) = path_key(&state, &carrier, &number)?;
    let patch = fields::patch(&object(&body, "request body")?, "")?;
    let mut results = state
        .store
        .update_trackings(acct.id, vec![(carrier, number, patch)], state.clock.now())
        .await?;
    let (t, p) = results.pop().expect("one result per item")?;
    Ok(Success(view(&state, &t, &p)))
}

#[utoipa::path(delete, path = "/trackings/{carrier}/{number}", tag = "trackings",
    summary = "Delete a tracking",
    params(("carrier" = String, Path), ("number" = String, Path)),
    responses((status = 200, description = "Deleted (data is empty), or 4017", body = doc::Envelope<Vec<String>>)))]
async fn delete_tracking(
    State(state): State<AppState>,
    Caller(acct): Caller,
    ApiPath((carrier, number)): ApiPath<(String, String)>,
) -> ApiResult<Vec<()>> {
    let (carrier, number) = path_key(&state, &carrier, &number)?;
    let mut results = state
        .store
        .delete_trackings(acct.id, vec![(carrier, number)])
        .await?;
    results.pop().expect("one result per item")?;
    Ok(Success(Vec::new()))
}

/// Runs a per-item batch: parse each item, apply the valid ones in one commit,
/// answer `{submitted, <done_key>, trackings, errors}`.
async fn per_item<P, Run, Fut>(
    state: &AppState,
    body: &Value,
    done_key: &str,
    parse: impl Fn(&Map<String, Value>, &str) -> Result<P, ApiError>,
    run: Run,
) -> ApiResult<Value>
where
    Run: FnOnce(Vec<(String, String, P)>) -> Fut,
    Fut: std::future::Future<
        Output = Result<Vec<Result<(), TrackingError>>, crate::store::StoreError>,
    >,
{
    let list = items(body, MAX_BATCH)?;
    let mut errors = Vec::new();
    let mut valid = Vec::new();
    for (i, m) in list.iter().enumerate() {
        let at = at(Some(i));
        let parsed = fields::key(m, &at, &state.carriers, "carrier_code")
            .and_then(|(c, n)| Ok((c, n, parse(m, &at)?)));
        match parsed {
            Ok((c, n, p)) => valid.push((c, n.as_str().to_string(), p)),
            Err(e) => errors.push(e.item(&raw(m, "tracking_number"), &raw(m, "carrier_code"))),
        }
    }
    let keys: Vec<(String, String)> = valid
        .iter()
        .map(|(c, n, _)| (c.clone(), n.clone()))
        .collect();
    let results = run(valid).await?;
    let mut done = Vec::new();
    for ((carrier, number), r) in keys.iter().zip(results) {
        match r {
            Ok(()) => done.push(json!({"tracking_number": number, "carrier_code": carrier})),
            Err(e) => errors.push(ApiError::from(e).item(number, carrier)),
        }
    }
    let mut out = Map::new();
    out.insert("submitted".into(), json!(list.len()));
    out.insert(done_key.into(), json!(done.len()));
    out.insert("trackings".into(), json!(done));
    out.insert("errors".into(), json!(errors));
    Ok(Success(Value::Object(out)))
}

fn drop_rows<T>(r: Vec<Result<T, TrackingError>>) -> Vec<Result<(), TrackingError>> {
    r.into_iter().map(|x| x.map(|_| ())).collect()
}

#[utoipa::path(post, path = "/trackings/updatemore", tag = "trackings",
    summary = "Change up to 40 trackings",
    request_body = Vec<doc::PatchItem>,
    responses((status = 200, description = "Which were updated, and why the others were not", body = doc::Envelope<doc::BatchDone>)))]
async fn update_trackings(
    State(state): State<AppState>,
    Caller(acct): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    let (store, now) = (state.store.clone(), state.clock.now());
    per_item(&state, &body, "updated", fields::patch, |v| async move {
        store.update_trackings(acct.id, v, now).await.map(drop_rows)
    })
    .await
}

#[utoipa::path(post, path = "/trackings/delete", tag = "trackings",
    summary = "Delete up to 40 trackings",
    request_body = Vec<doc::TrackingKey>,
    responses((status = 200, description = "Which were deleted, and why the others were not", body = doc::Envelope<doc::BatchDone>)))]
async fn delete_trackings(
    State(state): State<AppState>,
    Caller(acct): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    let store = state.store.clone();
    per_item(
        &state,
        &body,
        "deleted",
        |_, _| Ok(()),
        |v| async move {
            let keys = v.into_iter().map(|(c, n, ())| (c, n)).collect();
            store.delete_trackings(acct.id, keys).await
        },
    )
    .await
}

#[utoipa::path(post, path = "/trackings/notupdate", tag = "trackings",
    summary = "Stop polling up to 40 trackings",
    request_body = Vec<doc::TrackingKey>,
    responses((status = 200, description = "Which were stopped, and why the others were not", body = doc::Envelope<doc::BatchDone>)))]
async fn stop_updating(
    State(state): State<AppState>,
    Caller(acct): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    let store = state.store.clone();
    let stop = |_: &Map<String, Value>, _: &str| {
        Ok(TrackingPatch {
            notupdate: Some(true),
            ..TrackingPatch::default()
        })
    };
    let now = state.clock.now();
    per_item(&state, &body, "updated", stop, |v| async move {
        store.update_trackings(acct.id, v, now).await.map(drop_rows)
    })
    .await
}

#[utoipa::path(post, path = "/trackings/update", tag = "trackings",
    summary = "Move a tracking to another carrier",
    request_body = doc::ChangeCarrierBody,
    responses((status = 200, description = "The tracking under its new carrier", body = doc::Envelope<TrackingView>)))]
async fn change_carrier(
    State(state): State<AppState>,
    Caller(acct): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<TrackingView> {
    let m = object(&body, "request body")?;
    let (carrier, number) = fields::key(&m, "", &state.carriers, "carrier_code")?;
    let new_carrier = fields::carrier(&m, "", &state.carriers, "update_carrier_code")?;
    let (t, p) = state
        .store
        .change_carrier(
            acct.id,
            &carrier,
            number.as_str(),
            &new_carrier,
            state.clock.now(),
        )
        .await?;
    Ok(Success(view(&state, &t, &p)))
}

/// `GET /v2/history/{carrier}/{number}`: the tracking's status transitions, oldest first.
#[utoipa::path(get, path = "/history/{carrier}/{number}", tag = "trackings",
    summary = "A tracking's status transitions, oldest first",
    params(("carrier" = String, Path), ("number" = String, Path)),
    responses((status = 200, description = "The transitions, or 4017", body = doc::Envelope<doc::History>)))]
async fn tracking_history(
    State(state): State<AppState>,
    Caller(acct): Caller,
    ApiPath((carrier, number)): ApiPath<(String, String)>,
) -> ApiResult<Value> {
    let (carrier, number) = path_key(&state, &carrier, &number)?;
    let (t, _) = state
        .store
        .tracking(acct.id, &carrier, &number)
        .await?
        .ok_or(ApiError::DoesNotExist)?;
    let transitions: Vec<Value> = state
        .store
        .transitions(&carrier, &number)
        .await?
        .into_iter()
        .filter(|tr| tr.at >= t.created_at)
        .map(|tr| {
            json!({
                "seq": tr.seq,
                "from": tr.from, "from_substatus": tr.from_substatus,
                "to": tr.to, "to_substatus": tr.to_substatus,
                "at": time::rfc3339(tr.at), "source": tr.source,
            })
        })
        .collect();
    Ok(Success(json!({
        "tracking_number": number, "carrier_code": carrier, "transitions": transitions,
    })))
}
