//! Webhook endpoints: several per account, each with the events it takes, the
//! body format it wants, its secrets (rotated with a grace window in which the old
//! one still signs) and its health (switched off after failing for too long).
//!
//! The account's `notify.webhook` is its first endpoint, id [`FIRST`], whose
//! events are `rules.webhook`; the others live in `notify.endpoints`.

use super::alerts::Alert;
use super::rules::Topic;
use super::settings::WebhookDest;
use super::status::Status;
use serde::{Deserialize, Serialize};

/// The id of the first endpoint, the account's `notify.webhook`.
pub const FIRST: &str = "ep_default";

/// The body an endpoint is sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// TrackingMore v2's webhook body plus `event` (CONTRACT.md "Notifications out").
    #[default]
    Trackgate,
    /// TrackingMore v2's webhook body as TrackingMore sends it.
    TrackingmoreV2,
    /// TrackingMore v4's: `{code, message, data: <v4 tracking>}`.
    TrackingmoreV4,
    /// AfterShip's: `{ts, event, event_id, is_tracking_first_tag, msg}`, with
    /// `aftership-hmac-sha256`.
    Aftership,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 4] = [
        Format::Trackgate,
        Format::TrackingmoreV2,
        Format::TrackingmoreV4,
        Format::Aftership,
    ];

    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Trackgate => "trackgate",
            Format::TrackingmoreV2 => "trackingmore-v2",
            Format::TrackingmoreV4 => "trackingmore-v4",
            Format::Aftership => "aftership",
        }
    }

    /// Parses an API name.
    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == s.trim())
    }
}

/// A rotated-out secret that still signs until `until` (unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retiring {
    pub secret: String,
    pub until: i64,
}

/// How an endpoint's sends have gone lately.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// When the current run of failures began; `None` while sends succeed.
    pub failing_since: Option<i64>,
    /// Failed tries in a row.
    pub failures: u32,
    /// What the last failed try saw.
    pub last_error: Option<String>,
}

/// What one try tells an endpoint's health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthEvent {
    /// Delivered: the failure run, if any, ends.
    Delivered,
    /// Failed at `at`; an endpoint failing for `disable_after` seconds or more is
    /// switched off.
    Failed {
        at: i64,
        error: String,
        disable_after: i64,
    },
}

/// An endpoint beyond the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// `ep_` and random hex.
    pub id: String,
    /// Where and how it is sent.
    pub dest: WebhookDest,
    /// The status changes and alerts it takes.
    pub topics: Vec<Topic>,
}

/// Any endpoint, the first included, as the code that sends reads it.
#[derive(Debug, Clone, Copy)]
pub struct EndpointRef<'a> {
    pub id: &'a str,
    pub dest: &'a WebhookDest,
    pub topics: &'a [Topic],
}

impl EndpointRef<'_> {
    /// The id jobs store: `None` for the first (as jobs of releases before
    /// endpoints have it).
    pub fn job_key(&self) -> Option<String> {
        (self.id != FIRST).then(|| self.id.to_string())
    }
}

/// The event types of the API (`events`).
pub const STATUS_CHANGED: &str = "tracking.status_changed";

/// An endpoint's topics from the API's `events` and optional `statuses` (which
/// narrow `tracking.status_changed`).
pub fn topics_of(events: &[String], statuses: Option<&[String]>) -> Result<Vec<Topic>, String> {
    let mut topics = Vec::new();
    let mut changes = false;
    for (i, e) in events.iter().enumerate() {
        if e == STATUS_CHANGED {
            changes = true;
        } else if let Some(a) = Alert::ALL.into_iter().find(|a| a.event_type() == e) {
            topics.push(Topic::Alert(a));
        } else {
            return Err(format!(
                "events[{i}]: {e:?} is not an event type ({STATUS_CHANGED}, {})",
                Alert::ALL.map(Alert::event_type).join(", ")
            ));
        }
    }
    let chosen: Vec<Status> = match statuses {
        None => Status::ALL.to_vec(),
        Some(names) => names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                Status::parse(n).ok_or_else(|| format!("statuses[{i}]: {n:?} is not a status"))
            })
            .collect::<Result<_, _>>()?,
    };
    if statuses.is_some() && !changes {
        return Err(format!(
            "statuses: narrows {STATUS_CHANGED}, which events leaves out"
        ));
    }
    if changes {
        topics.extend(chosen.into_iter().map(Topic::Status));
    }
    topics.sort();
    topics.dedup();
    Ok(topics)
}

/// The API's `events` and `statuses` (`None`: every status) of `topics`.
pub fn events_of(topics: &[Topic]) -> (Vec<&'static str>, Option<Vec<&'static str>>) {
    let statuses: Vec<&'static str> = Status::ALL
        .into_iter()
        .filter(|s| topics.contains(&Topic::Status(*s)))
        .map(Status::as_str)
        .collect();
    let mut events = Vec::new();
    if !statuses.is_empty() {
        events.push(STATUS_CHANGED);
    }
    events.extend(
        Alert::ALL
            .into_iter()
            .filter(|a| topics.contains(&Topic::Alert(*a)))
            .map(Alert::event_type),
    );
    let narrowed = (!statuses.is_empty() && statuses.len() < Status::ALL.len()).then_some(statuses);
    (events, narrowed)
}

impl WebhookDest {
    /// A new destination signed by `secret`, sending `format`.
    pub fn new(url: String, secret: String, format: Format, now: i64) -> WebhookDest {
        WebhookDest {
            url,
            secrets: vec![secret],
            disabled: None,
            format,
            retiring: Vec::new(),
            created_at: now,
            health: Health::default(),
        }
    }

    /// The secrets that sign a send at `now`: the current ones, then the rotated-out
    /// ones whose grace has not ended.
    pub fn signing_secrets(&self, now: i64) -> Vec<String> {
        let mut all = self.secrets.clone();
        all.extend(
            self.retiring
                .iter()
                .filter(|r| r.until > now)
                .map(|r| r.secret.clone()),
        );
        all
    }

    /// Signs with `secret` from now on; the current secrets keep signing for
    /// `grace` seconds more, and secrets rotated out before stop by then too (a
    /// rotation without grace stops every old secret at once).
    pub fn rotate(&mut self, secret: String, now: i64, grace: i64) {
        let until = now + grace.max(0);
        for r in &mut self.retiring {
            r.until = r.until.min(until);
        }
        self.retiring.retain(|r| r.until > now);
        if grace > 0 {
            self.retiring.extend(
                self.secrets
                    .drain(..)
                    .map(|secret| Retiring { secret, until }),
            );
        }
        self.secrets = vec![secret];
    }

    /// Switched on (`true`: the failure run forgotten) or off by its account.
    pub fn set_enabled(&mut self, enabled: bool, now: i64) {
        if enabled {
            self.disabled = None;
            self.health = Health::default();
        } else if self.disabled.is_none() {
            self.disabled = Some(format!(
                "disabled through the API at {}",
                super::time::rfc3339(now)
            ));
        }
    }

    /// Takes in one try's outcome. True when this failure switches the endpoint
    /// off: it has been failing for `disable_after` seconds.
    pub fn record(&mut self, event: &HealthEvent) -> bool {
        match event {
            HealthEvent::Delivered => {
                self.health = Health::default();
                false
            }
            HealthEvent::Failed {
                at,
                error,
                disable_after,
            } => {
                let h = &mut self.health;
                let since = *h.failing_since.get_or_insert(*at);
                h.failures = h.failures.saturating_add(1);
                h.last_error = Some(error.clone());
                if self.disabled.is_some() || at - since < *disable_after {
                    return false;
                }
                self.disabled = Some(format!(
                    "failing since {} ({} tries in a row; last: {error})",
                    super::time::rfc3339(since),
                    h.failures
                ));
                true
            }
        }
    }
}

impl super::settings::Notify {
    /// Settings a config names, over the stored `before`: the config's replace
    /// them, but what only the API sets stays — the endpoints beyond the first,
    /// and, while the first keeps its URL, its date, format and rotated-out secrets.
    pub fn restated_over(mut self, before: &super::settings::Notify) -> super::settings::Notify {
        self.endpoints = before.endpoints.clone();
        if let (Some(now), Some(old)) = (&mut self.webhook, &before.webhook) {
            if now.url == old.url {
                now.created_at = old.created_at;
                now.format = old.format;
                now.retiring = old.retiring.clone();
            }
        }
        self
    }

    /// What a try of a job on `channel` (a webhook: to `endpoint`) changes in its
    /// account's settings: a 410's `disable`, and for a webhook the endpoint's
    /// health. True when the settings changed.
    pub fn after_try(
        &mut self,
        (channel, endpoint): (super::rules::Channel, Option<&str>),
        disable: Option<&String>,
        health: Option<&HealthEvent>,
    ) -> bool {
        let mut changed = false;
        if let Some(reason) = disable {
            self.disable(channel, endpoint, reason.clone());
            changed = true;
        }
        if let (super::rules::Channel::Webhook, Some(event)) = (channel, health) {
            if let Some(dest) = self.webhook_dest_mut(endpoint) {
                dest.record(event);
                changed = true;
            }
        }
        changed
    }
}

#[cfg(test)]
#[path = "endpoints_tests.rs"]
mod tests;
