//! Changes to one webhook endpoint (`/v2/webhooks`), applied by the store to an
//! account's settings as they are when its write runs, like every settings change.

use super::endpoints::{Endpoint, Format, FIRST};
use super::rules::Topic;
use super::settings::{Notify, SettingsError};

/// What changes on an endpoint; each field given replaces the current one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointEdit {
    pub url: Option<String>,
    pub topics: Option<Vec<Topic>>,
    pub format: Option<Format>,
    pub enabled: Option<bool>,
}

/// One change to an account's webhook endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointOp {
    /// Adds an endpoint; an account has at most `max`, its first one counted.
    Create { endpoint: Endpoint, max: usize },
    /// Changes an endpoint. A new URL or `enabled: true` switches it on again
    /// and forgets its failures.
    Update {
        id: String,
        edit: EndpointEdit,
        now: i64,
    },
    /// Deletes an endpoint (the first: the account's `notify.webhook`).
    Delete { id: String },
    /// Signs with `secret` from now on; the old secrets sign too for `grace` s.
    Rotate {
        id: String,
        secret: String,
        now: i64,
        grace: i64,
    },
}

impl EndpointOp {
    /// `n` with this change.
    pub fn apply(&self, n: &mut Notify) -> Result<(), SettingsError> {
        let missing = |id: &str| SettingsError::NoSuchEndpoint(id.to_string());
        match self {
            EndpointOp::Create { endpoint, max } => {
                if n.webhooks().len() >= *max {
                    return Err(SettingsError::TooManyEndpoints(*max));
                }
                n.endpoints.push(endpoint.clone());
            }
            EndpointOp::Update { id, edit, now } => {
                if let Some(topics) = &edit.topics {
                    match id.as_str() {
                        FIRST if n.webhook.is_some() => n.rules.webhook = topics.clone(),
                        _ => {
                            let e = n.endpoints.iter_mut().find(|e| &e.id == id);
                            e.ok_or_else(|| missing(id))?.topics = topics.clone();
                        }
                    }
                }
                let dest = n.webhook_dest_mut(Some(id)).ok_or_else(|| missing(id))?;
                if let Some(url) = &edit.url {
                    if *url != dest.url {
                        dest.url = url.clone();
                        dest.set_enabled(true, *now);
                    }
                }
                if let Some(format) = edit.format {
                    dest.format = format;
                }
                if let Some(enabled) = edit.enabled {
                    dest.set_enabled(enabled, *now);
                }
            }
            EndpointOp::Delete { id } => {
                if id == FIRST && n.webhook.is_some() {
                    n.webhook = None;
                } else {
                    let before = n.endpoints.len();
                    n.endpoints.retain(|e| &e.id != id);
                    if n.endpoints.len() == before {
                        return Err(missing(id));
                    }
                }
            }
            EndpointOp::Rotate {
                id,
                secret,
                now,
                grace,
            } => n
                .webhook_dest_mut(Some(id))
                .ok_or_else(|| missing(id))?
                .rotate(secret.clone(), *now, *grace),
        }
        Ok(())
    }
}
