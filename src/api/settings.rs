//! Where an account's notifications go: `GET` / `PUT /v2/notifications/settings`
//! (channels, destinations and rules). Secrets are taken, never shown back.

use super::auth::Caller;
use super::error::{ApiError, ApiResult, Success};
use super::input::{object, JsonBody};
use super::openapi::schemas as doc;
use super::AppState;
use crate::core::account::SettingsOwner;
use crate::core::rules::Topic;
use crate::core::settings::{Notify, NotifyChange, WebhookChange};
use axum::extract::State;
use serde_json::{json, Map, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, put_settings))
}

/// Settings as shown: secrets are never returned, only how many there are; and
/// who decides them (the config at each start, or the API).
fn settings_view(n: &Notify, owner: SettingsOwner) -> Value {
    json!({
        "email": n.email,
        "webhook": n.webhook.as_ref().map(|w| json!({"url": w.url, "secrets": w.secrets.len(), "disabled": w.disabled})),
        "slack": n.slack.as_ref().map(|s| json!({"url": s.url, "disabled": s.disabled})),
        "rules": n.rules,
        "alerts": super::alert_settings::view(&n.alerts),
        "managed_by": owner.as_str(),
        "note": owner.explain(),
    })
}

#[utoipa::path(get, path = "/notifications/settings", tag = "notifications",
    summary = "Where this account's notifications go",
    responses((status = 200, description = "The settings, secrets counted not shown", body = doc::Envelope<doc::Settings>)))]
async fn get_settings(State(state): State<AppState>, Caller(acct): Caller) -> ApiResult<Value> {
    let a = state
        .store
        .account(acct.id)
        .await?
        .ok_or(ApiError::InvalidKey)?;
    let owner = state.cfg.settings_owner(&a.email);
    Ok(Success(settings_view(&a.notify, owner)))
}

fn topics(v: &Value, key: &str) -> Result<Vec<Topic>, ApiError> {
    let arr = v.as_array().ok_or_else(|| {
        ApiError::BadRequest(format!(
            "rules.{key} must be an array of statuses and alerts"
        ))
    })?;
    arr.iter()
        .map(|s| {
            s.as_str().and_then(Topic::parse).ok_or_else(|| {
                ApiError::StatusInvalid(format!(
                    "rules.{key}: {s} is neither a status nor an alert (stalled, edd_missed, edd_revised)"
                ))
            })
        })
        .collect()
}

/// Longest destination URL or secret, in bytes.
const MAX_SETTING_BYTES: usize = 2000;

/// A URL or secret as stored: bounded, and free of control characters (which no
/// URL or secret needs, and PostgreSQL cannot store).
fn setting_text<'a>(s: &'a str, at: &str) -> Result<&'a str, ApiError> {
    if s.len() > MAX_SETTING_BYTES {
        return Err(ApiError::BadRequest(format!(
            "{at} is longer than {MAX_SETTING_BYTES} bytes"
        )));
    }
    if s.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(format!(
            "{at} contains control characters"
        )));
    }
    Ok(s)
}

fn url(m: &Map<String, Value>, at: &str) -> Result<String, ApiError> {
    let u = m.get("url").and_then(Value::as_str).unwrap_or("").trim();
    let u = setting_text(u, &format!("{at}.url"))?;
    match reqwest::Url::parse(u) {
        Ok(p) if matches!(p.scheme(), "http" | "https") => Ok(u.to_string()),
        _ => Err(ApiError::BadRequest(format!(
            "{at}.url {u:?} is not an http(s) URL"
        ))),
    }
}

/// Changes the fields given; `null` removes a channel. Setting a URL re-enables a
/// destination that a 410 switched off.
#[utoipa::path(put, path = "/notifications/settings", tag = "notifications",
    summary = "Change where notifications go",
    request_body = doc::SettingsChange,
    responses((status = 200, description = "The settings as saved", body = doc::Envelope<doc::Settings>)))]
async fn put_settings(
    State(state): State<AppState>,
    Caller(acct): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Value> {
    let change = settings_change(&object(&body, "request body")?, state.clock.now())?;
    reachable(&change, state.cfg.allow_private_destinations)?;
    let saved = state
        .store
        .set_notify(acct.id, &change)
        .await?
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let owner = state.cfg.settings_owner(&acct.email);
    let mut answer = settings_view(&saved, owner);
    if let SettingsOwner::Config { index } = owner {
        answer["warning"] = json!(format!(
            "saved, until the next start: accounts[{index}].notify in the config replaces these settings then"
        ));
    }
    Ok(Success(answer))
}

/// Refuses a destination the delivery policy would refuse at every send (a private,
/// loopback or reserved address, unless `allow_private_destinations`), naming the
/// setting, instead of accepting it and letting every notification die. Host names
/// are checked again at each send, against what they resolve to then.
fn reachable(change: &NotifyChange, allow_private: bool) -> Result<(), ApiError> {
    let urls = [
        change
            .webhook
            .as_ref()
            .and_then(|w| w.as_ref())
            .map(|w| ("webhook.url", &w.url)),
        change
            .slack
            .as_ref()
            .and_then(|s| s.as_ref())
            .map(|u| ("slack.url", u)),
    ];
    for (at, url) in urls.into_iter().flatten() {
        crate::notify::destination::check_url(url, allow_private).map_err(|why| {
            ApiError::BadRequest(format!("{at} {url:?} would never be delivered to: {why}"))
        })?;
    }
    Ok(())
}

/// The change a PUT body asks for; an error names the field.
fn settings_change(m: &Map<String, Value>, now: i64) -> Result<NotifyChange, ApiError> {
    for key in m.keys() {
        if !matches!(
            key.as_str(),
            "email" | "webhook" | "slack" | "rules" | "alerts"
        ) {
            return Err(ApiError::BadRequest(format!(
                "{key} is not a setting (email, webhook, slack, rules, alerts)"
            )));
        }
    }
    let mut change = NotifyChange::default();
    if let Some(v) = m.get("email") {
        change.email = Some(
            v.as_bool()
                .ok_or_else(|| ApiError::BadRequest("email must be true or false".into()))?,
        );
    }
    change.webhook = match m.get("webhook") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Object(w)) => {
            let secrets: Option<Vec<String>> = match (w.get("secret"), w.get("secrets")) {
                (Some(Value::String(s)), None) => Some(vec![s.clone()]),
                (None, Some(Value::Array(a))) => Some(
                    a.iter()
                        .enumerate()
                        .map(|(i, x)| {
                            x.as_str().map(String::from).ok_or_else(|| {
                                ApiError::BadRequest(format!(
                                    "webhook.secrets[{i}] must be a string"
                                ))
                            })
                        })
                        .collect::<Result<_, _>>()?,
                ),
                (None, None) => None,
                _ => {
                    return Err(ApiError::BadRequest(
                        "webhook: give secret (a string) or secrets (an array)".into(),
                    ))
                }
            };
            if let Some(secrets) = &secrets {
                if secrets.is_empty() || secrets.iter().any(|s| s.trim().is_empty()) {
                    return Err(ApiError::BadRequest("webhook.secret is required".into()));
                }
                for s in secrets {
                    setting_text(s, "webhook.secret")?;
                }
            }
            Some(Some(WebhookChange {
                url: url(w, "webhook")?,
                secrets,
                now,
            }))
        }
        Some(_) => {
            return Err(ApiError::BadRequest(
                "webhook must be an object or null".into(),
            ))
        }
    };
    change.slack = match m.get("slack") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Object(s)) => Some(Some(url(s, "slack")?)),
        Some(_) => {
            return Err(ApiError::BadRequest(
                "slack must be an object or null".into(),
            ))
        }
    };
    if let Some(r) = m.get("rules") {
        let r = r
            .as_object()
            .ok_or_else(|| ApiError::BadRequest("rules must be an object".into()))?;
        for (k, v) in r {
            match k.as_str() {
                "email" => change.rules.email = Some(topics(v, k)?),
                "webhook" => change.rules.webhook = Some(topics(v, k)?),
                "slack" => change.rules.slack = Some(topics(v, k)?),
                _ => return Err(ApiError::BadRequest(format!("rules.{k} is not a channel"))),
            }
        }
    }
    if let Some(a) = m.get("alerts") {
        change.alerts = super::alert_settings::change(a)?;
    }
    Ok(change)
}
