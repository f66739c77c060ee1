//! TrackingMore's v2 tracking object (as its API answers and its webhooks push) read
//! into an [`Update`]. Pure; shared by the `/hooks/trackingmore` receiver and the
//! upstream TrackingMore provider.

use super::apply::Update;
use super::country;
use super::model::Checkpoint;
use super::status::{substatus_is_valid, Status};
use super::time::parse_loose;
use serde_json::Value;

/// Why a tracking object could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// A required field is missing or of the wrong type.
    #[error("{0}")]
    Field(String),
}

/// The carrier and number a tracking object is about.
pub fn identity(v: &Value) -> Result<(String, String), WireError> {
    identity_as(v, "carrier_code")
}

/// The carrier (under `carrier_key`) and number a tracking object is about.
pub(super) fn identity_as(v: &Value, carrier_key: &str) -> Result<(String, String), WireError> {
    let get = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .ok_or_else(|| WireError::Field(format!("data.{k} is missing")))
    };
    Ok((get(carrier_key)?, get("tracking_number")?))
}

fn checkpoints(info: Option<&Value>, out: &mut Vec<Checkpoint>) {
    let Some(list) = info
        .and_then(|i| i.get("trackinfo"))
        .and_then(Value::as_array)
    else {
        return;
    };
    for item in list {
        let text = |k: &str| {
            item.get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let Some(time) = parse_loose(&text("Date")) else {
            continue; // a scan without a readable time cannot be ordered; skip it
        };
        let status = Status::parse(&text("checkpoint_status"));
        let sub = text("substatus");
        out.push(Checkpoint {
            time,
            description: text("StatusDescription"),
            location: text("Details"),
            status,
            substatus: (status.is_some() && substatus_is_valid(&sub)).then_some(sub),
        });
    }
}

/// Reads a tracking object into an update from `source`.
pub fn update(v: &Value, source: &str) -> Result<Update, WireError> {
    if !v.is_object() {
        return Err(WireError::Field("data must be a tracking object".into()));
    }
    let raw_status = v.get("status").and_then(Value::as_str).unwrap_or("").trim();
    let status = Status::parse(raw_status);
    let sub = v
        .get("substatus")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim();
    let mut events = Vec::new();
    checkpoints(v.get("origin_info"), &mut events);
    checkpoints(v.get("destination_info"), &mut events);
    let place = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .and_then(country::parse)
            .map(String::from)
    };
    Ok(Update {
        // An unknown status word is kept as text and changes nothing.
        status,
        substatus: (status.is_some() && substatus_is_valid(sub)).then(|| sub.to_string()),
        as_of: v
            .get("lastUpdateTime")
            .and_then(Value::as_str)
            .and_then(parse_loose),
        events,
        origin_country: place("original_country"),
        destination_country: place("destination_country"),
        status_text: (status.is_none() && !raw_status.is_empty()).then(|| raw_status.to_string()),
        estimated_delivery: None,
        source: source.to_string(),
        expire_after_quiet: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_seed_example_reads_into_events_and_countries() {
        let v = json!({
            "tracking_number": "RR050349575PH", "carrier_code": "phlpost", "status": "delivered",
            "original_country": "Philippines", "destination_country": "United States",
            "origin_info": {"trackinfo": [
                {"Date": "2015-10-25 15:01", "StatusDescription": "Receive at country of destination", "Details": "United States of America (the)"},
                {"Date": "2015-10-22 16:35", "StatusDescription": "Prepare dispatch to destination country", "Details": "PHILIPPINES"}]},
            "destination_info": {"trackinfo": [
                {"Date": "2015-11-02 17:11", "StatusDescription": "Delivered", "Details": "RENTON, WA 98056", "checkpoint_status": "delivered"}]},
            "lastUpdateTime": "2015-11-02 17:11"
        });
        assert_eq!(
            identity(&v).unwrap(),
            ("phlpost".into(), "RR050349575PH".into())
        );
        let u = update(&v, "push:trackingmore").unwrap();
        assert_eq!(u.status, Some(Status::Delivered));
        assert_eq!(u.events.len(), 3);
        assert_eq!(u.origin_country.as_deref(), Some("PH"));
        assert_eq!(u.destination_country.as_deref(), Some("US"));
    }

    #[test]
    fn an_unknown_status_is_kept_as_text_and_sets_nothing() {
        let u = update(&json!({"status": "teleported"}), "x").unwrap();
        assert_eq!(u.status, None);
        assert_eq!(u.status_text.as_deref(), Some("teleported"));
    }
}
