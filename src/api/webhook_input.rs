//! What `/v2/webhooks` reads and shows: an endpoint as the API shows it, and a
//! create or change body read into core's [`EndpointEdit`], every error naming
//! its field.

use super::error::ApiError;
use super::AppState;
use crate::core::endpoint_change::EndpointEdit;
use crate::core::endpoints::{self, EndpointRef, Format};
use crate::core::time::rfc3339;
use rand::RngCore;
use serde_json::{json, Map, Value};

pub(super) fn view(e: &EndpointRef<'_>) -> Value {
    let (events, statuses) = endpoints::events_of(e.topics);
    let h = &e.dest.health;
    json!({
        "id": e.id,
        "url": e.dest.url,
        "events": events,
        "statuses": statuses,
        "format": e.dest.format.as_str(),
        "enabled": e.dest.disabled.is_none(),
        "disabled_reason": e.dest.disabled,
        "created_at": (e.dest.created_at > 0).then(|| rfc3339(e.dest.created_at)),
        "health": {
            "failing_since": h.failing_since.map(rfc3339),
            "failure_streak": h.failures,
            "last_error": h.last_error,
        },
    })
}

/// A new secret: `whsec_` and 24 random bytes in base64, as Standard Webhooks has it.
pub(super) fn new_secret() -> String {
    use base64::Engine;
    let mut b = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut b);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(b)
    )
}

pub(super) fn new_id() -> String {
    let mut b = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut b);
    format!("ep_{}", hex::encode(b))
}

fn strings(v: Option<&Value>, at: &str) -> Result<Option<Vec<String>>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ApiError::BadRequest(format!("{at}[{i}] must be a string")))
            })
            .collect::<Result<_, _>>()
            .map(Some),
        Some(_) => Err(ApiError::BadRequest(format!(
            "{at} must be an array of strings"
        ))),
    }
}

/// The fields of a create or change body; an error names the field.
pub(super) fn edit_of(
    state: &AppState,
    m: &Map<String, Value>,
    create: bool,
) -> Result<EndpointEdit, ApiError> {
    let known = ["url", "events", "statuses", "format", "enabled", "secret"];
    if let Some(k) = m
        .keys()
        .find(|k| !known.contains(&k.as_str()) || (!create && *k == "secret"))
    {
        return Err(ApiError::BadRequest(format!(
            "{k} is not a field of a webhook endpoint (url, events, statuses, format, enabled{})",
            if create {
                ", secret"
            } else {
                "; rotate-secret changes the secret"
            }
        )));
    }
    let url = match m.get("url") {
        None if !create => None,
        None | Some(Value::Null) => return Err(ApiError::BadRequest("url is required".into())),
        Some(Value::String(u)) => {
            let u = u.trim();
            crate::notify::destination::check_url(u, state.cfg.allow_private_destinations)
                .map_err(|why| {
                    ApiError::BadRequest(format!("url {u:?} would never be delivered to: {why}"))
                })?;
            Some(u.to_string())
        }
        Some(_) => return Err(ApiError::BadRequest("url must be a string".into())),
    };
    let events = strings(m.get("events"), "events")?;
    let statuses = strings(m.get("statuses"), "statuses")?;
    let topics = match (events, &statuses) {
        (None, None) if !create => None,
        (events, statuses) => {
            let all = || {
                std::iter::once(endpoints::STATUS_CHANGED.to_string())
                    .chain(crate::core::alerts::Alert::ALL.map(|a| a.event_type().to_string()))
                    .collect::<Vec<_>>()
            };
            let events = events.unwrap_or_else(all);
            Some(endpoints::topics_of(&events, statuses.as_deref()).map_err(ApiError::BadRequest)?)
        }
    };
    let format = match m.get("format") {
        None | Some(Value::Null) => None,
        Some(Value::String(f)) => Some(Format::parse(f).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "format {f:?} is not one of {}",
                Format::ALL.map(Format::as_str).join(", ")
            ))
        })?),
        Some(_) => return Err(ApiError::BadRequest("format must be a string".into())),
    };
    let enabled = match m.get("enabled") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(ApiError::BadRequest("enabled must be true or false".into())),
    };
    Ok(EndpointEdit {
        url,
        topics,
        format,
        enabled,
    })
}
