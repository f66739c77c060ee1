//! An account's webhook endpoints, `/v2/webhooks` (CONTRACT.md "Webhook
//! endpoints"): list, create, read, change, delete, a signed test message, and
//! secret rotation with a grace window. The first endpoint, `ep_default`, is the
//! account's `notify.webhook`. A secret is shown once, in the answer that made it.

use super::auth::Caller;
use super::error::{ApiError, ApiResult, Success};
use super::input::{object, ApiPath, JsonBody};
use super::openapi::schemas as doc;
use super::webhook_input::{edit_of, new_id, new_secret, view};
use super::AppState;
use crate::core::endpoint_change::EndpointOp;
use crate::core::endpoints::Endpoint;
use crate::core::settings::{NotifyChange, SettingsError, WebhookDest};
use crate::core::time::rfc3339;
use axum::extract::State;
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, change, delete))
        .routes(routes!(rotate))
        .routes(routes!(test))
}

/// The caller's account as stored.
async fn account(state: &AppState, id: u64) -> Result<crate::store::types::Account, ApiError> {
    state.store.account(id).await?.ok_or(ApiError::InvalidKey)
}

/// The 4031 of an id no endpoint has.
fn no_such(id: &str) -> ApiError {
    ApiError::Empty(format!("no webhook endpoint {id}"))
}

fn settings_error(e: SettingsError) -> ApiError {
    match e {
        SettingsError::NoSuchEndpoint(id) => no_such(&id),
        other => ApiError::BadRequest(other.to_string()),
    }
}

/// Applies `op` and answers the endpoint `id` as it then is (`extra` added).
async fn apply(
    state: &AppState,
    account: u64,
    op: EndpointOp,
    id: &str,
    extra: Value,
) -> ApiResult<Value> {
    let change = NotifyChange {
        endpoint: Some(op),
        ..NotifyChange::default()
    };
    let n = state
        .store
        .set_notify(account, &change)
        .await?
        .map_err(settings_error)?;
    let hooks = n.webhooks();
    let e = hooks
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| no_such(id))?;
    let mut v = view(e);
    if let (Some(o), Value::Object(more)) = (v.as_object_mut(), extra) {
        o.extend(more);
    }
    Ok(Success(v))
}

#[utoipa::path(get, path = "/webhooks", tag = "webhooks",
    summary = "This account's webhook endpoints, the first (notify.webhook) first",
    responses((status = 200, description = "The endpoints, secrets never shown", body = doc::Envelope<doc::WebhookEndpoints>)))]
async fn list(State(state): State<AppState>, Caller(acct): Caller) -> ApiResult<Value> {
    let a = account(&state, acct.id).await?;
    let items: Vec<Value> = a.notify.webhooks().iter().map(view).collect();
    Ok(Success(json!({"count": items.len(), "items": items})))
}

#[utoipa::path(post, path = "/webhooks", tag = "webhooks",
    summary = "Add a webhook endpoint; its secret is shown in this answer only",
    request_body(content = Object, description = "{url, events?, statuses?, format?, enabled?, secret?}"),
    responses((status = 200, description = "The endpoint with its secret, or 4012 naming the field", body = doc::Envelope<doc::WebhookEndpoint>)))]
async fn create(
    State(state): State<AppState>,
    Caller(acct): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    let m = object(&body, "request body")?;
    let edit = edit_of(&state, &m, true)?;
    let secret = match m.get("secret") {
        None | Some(Value::Null) => new_secret(),
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(_) => {
            return Err(ApiError::BadRequest(
                "secret must be a non-empty string".into(),
            ))
        }
    };
    let now = state.clock.now();
    let mut dest = WebhookDest::new(
        edit.url.unwrap_or_default(),
        secret.clone(),
        edit.format.unwrap_or_default(),
        now,
    );
    if edit.enabled == Some(false) {
        dest.set_enabled(false, now);
    }
    let endpoint = Endpoint {
        id: new_id(),
        dest,
        topics: edit.topics.unwrap_or_default(),
    };
    let id = endpoint.id.clone();
    let op = EndpointOp::Create {
        endpoint,
        max: state.cfg.webhooks.max_per_account,
    };
    apply(&state, acct.id, op, &id, json!({"secret": secret})).await
}

#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks", summary = "One webhook endpoint",
    params(("id" = String, Path)),
    responses((status = 200, description = "The endpoint, or 4031", body = doc::Envelope<doc::WebhookEndpoint>)))]
async fn read(
    State(state): State<AppState>,
    Caller(acct): Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Value> {
    let a = account(&state, acct.id).await?;
    let hooks = a.notify.webhooks();
    let e = hooks
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| no_such(&id))?;
    Ok(Success(view(e)))
}

#[utoipa::path(put, path = "/webhooks/{id}", tag = "webhooks",
    summary = "Change a webhook endpoint; enabled: true re-enables it and resets its failure streak",
    params(("id" = String, Path)),
    request_body(content = Object, description = "{url?, events?, statuses?, format?, enabled?}"),
    responses((status = 200, description = "The endpoint, 4012 naming the field, or 4031", body = doc::Envelope<doc::WebhookEndpoint>)))]
async fn change(
    State(state): State<AppState>,
    Caller(acct): Caller,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    let edit = edit_of(&state, &object(&body, "request body")?, false)?;
    let op = EndpointOp::Update {
        id: id.clone(),
        edit,
        now: state.clock.now(),
    };
    apply(&state, acct.id, op, &id, json!({})).await
}

#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", summary = "Delete a webhook endpoint",
    params(("id" = String, Path)),
    responses((status = 200, description = "Deleted, or 4031", body = doc::Envelope<doc::WebhookDeleted>)))]
async fn delete(
    State(state): State<AppState>,
    Caller(acct): Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Value> {
    let change = NotifyChange {
        endpoint: Some(EndpointOp::Delete { id: id.clone() }),
        ..NotifyChange::default()
    };
    state
        .store
        .set_notify(acct.id, &change)
        .await?
        .map_err(settings_error)?;
    Ok(Success(json!({"id": id, "deleted": true})))
}

#[utoipa::path(post, path = "/webhooks/{id}/rotate-secret", tag = "webhooks",
    summary = "A new secret, shown once; the old one keeps signing for grace_seconds (default 86400)",
    params(("id" = String, Path)),
    request_body(content = Object, description = "{grace_seconds?}"),
    responses((status = 200, description = "The endpoint with its new secret, or 4031", body = doc::Envelope<doc::WebhookEndpoint>)))]
async fn rotate(
    State(state): State<AppState>,
    Caller(acct): Caller,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    let grace = match &body {
        Value::Null => 86_400,
        b => match object(b, "request body")?.get("grace_seconds") {
            None | Some(Value::Null) => 86_400,
            Some(v) => v
                .as_i64()
                .filter(|g| (0..=30 * 86_400).contains(g))
                .ok_or_else(|| {
                    ApiError::BadRequest(
                        "grace_seconds must be a whole number of seconds from 0 to 2592000".into(),
                    )
                })?,
        },
    };
    let secret = new_secret();
    let now = state.clock.now();
    let op = EndpointOp::Rotate {
        id: id.clone(),
        secret: secret.clone(),
        now,
        grace,
    };
    let until = (grace > 0).then(|| rfc3339(now + grace));
    apply(
        &state,
        acct.id,
        op,
        &id,
        json!({"secret": secret, "previous_secret_expires_at": until}),
    )
    .await
}

#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "webhooks",
    summary = "Send the endpoint a signed test message now; the answer says what it replied",
    params(("id" = String, Path)),
    responses((status = 200, description = "{delivered, code, error}, or 4031", body = doc::Envelope<doc::WebhookTested>)))]
async fn test(
    State(state): State<AppState>,
    Caller(acct): Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Value> {
    let a = account(&state, acct.id).await?;
    let dest = a
        .notify
        .webhook_dest(Some(&id))
        .ok_or_else(|| no_such(&id))?;
    let sent = super::webhook_test::send(&state, &id, dest).await;
    Ok(Success(sent))
}
