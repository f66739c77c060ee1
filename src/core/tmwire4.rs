//! TrackingMore's v4 tracking object (as its v4 API answers and its v4 webhooks
//! push, `research/today-apis.md` §1.5) read into an [`Update`]. Pure; shared by the
//! `/hooks/trackingmore` receiver and the upstream TrackingMore v4 provider.

use super::apply::Update;
use super::country;
use super::model::Checkpoint;
use super::status::{substatus_is_valid, Status};
use super::time::parse_loose;
pub use super::tmwire::WireError;
use serde_json::Value;

/// The courier and number a v4 tracking object is about.
pub fn identity(v: &Value) -> Result<(String, String), WireError> {
    super::tmwire::identity_as(v, "courier_code")
}

/// v4's `delivery_status` as ours; `inforeceived` (the carrier has the label, no
/// scan yet) is our `notfound` with substatus `notfound001`, as AfterShip's
/// `InfoReceived` is.
fn status(word: &str) -> (Option<Status>, Option<&'static str>) {
    match word {
        "inforeceived" => (Some(Status::Notfound), Some("notfound001")),
        w => (Status::parse(w), None),
    }
}

fn text<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("").trim()
}

fn checkpoints(leg: Option<&Value>, out: &mut Vec<Checkpoint>) {
    let Some(list) = leg
        .and_then(|l| l.get("trackinfo"))
        .and_then(Value::as_array)
    else {
        return;
    };
    for item in list {
        let Some(time) = parse_loose(text(item, "checkpoint_date")) else {
            continue; // a scan without a readable time cannot be ordered
        };
        let (st, implied) = status(text(item, "checkpoint_delivery_status"));
        let sub = text(item, "checkpoint_delivery_substatus");
        let location = match text(item, "location") {
            "" => [
                text(item, "city"),
                text(item, "state"),
                text(item, "country_iso2"),
            ]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
            l => l.to_string(),
        };
        out.push(Checkpoint {
            time,
            description: text(item, "tracking_detail").to_string(),
            location,
            status: st,
            substatus: if st.is_some() && substatus_is_valid(sub) {
                Some(sub.to_string())
            } else {
                implied.map(String::from)
            },
        });
    }
}

/// Reads a v4 tracking object into an update from `source`.
pub fn update(v: &Value, source: &str) -> Result<Update, WireError> {
    if !v.is_object() {
        return Err(WireError::Field("data must be a tracking object".into()));
    }
    let raw = text(v, "delivery_status");
    let (st, implied) = status(raw);
    let sub = text(v, "substatus");
    let mut events = Vec::new();
    checkpoints(v.get("origin_info"), &mut events);
    checkpoints(v.get("destination_info"), &mut events);
    let place = |k: &str| country::parse(text(v, k)).map(String::from);
    Ok(Update {
        status: st,
        substatus: if st.is_some() && substatus_is_valid(sub) {
            Some(sub.to_string())
        } else {
            implied.map(String::from)
        },
        as_of: parse_loose(text(v, "latest_checkpoint_time")),
        events,
        origin_country: place("origin_country"),
        destination_country: place("destination_country"),
        // An unknown status word is kept as text and changes nothing.
        status_text: (st.is_none() && !raw.is_empty()).then(|| raw.to_string()),
        estimated_delivery: parse_loose(text(v, "scheduled_delivery_date")),
        source: source.to_string(),
        expire_after_quiet: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_v4_object_reads_into_status_scans_countries_and_estimate() {
        let v = json!({
            "tracking_number": "9400111899562537624326", "courier_code": "usps",
            "delivery_status": "transit", "substatus": "transit001",
            "latest_checkpoint_time": "2023-09-14T09:00:00",
            "origin_country": "CN", "destination_country": "US",
            "scheduled_delivery_date": "2023-09-18",
            "origin_info": {"trackinfo": [
                {"checkpoint_date": "2023-09-14T09:00:00", "tracking_detail": "Departed facility",
                 "location": "SHENZHEN", "checkpoint_delivery_status": "transit",
                 "checkpoint_delivery_substatus": "transit001"},
                {"checkpoint_date": "2023-09-13T08:00:00", "tracking_detail": "Label created",
                 "location": null, "city": "Shenzhen", "country_iso2": "CN",
                 "checkpoint_delivery_status": "inforeceived"}]},
            "destination_info": {"trackinfo": []}
        });
        assert_eq!(
            identity(&v).unwrap(),
            ("usps".into(), "9400111899562537624326".into())
        );
        let u = update(&v, "push:trackingmore").unwrap();
        assert_eq!(u.status, Some(Status::Transit));
        assert_eq!(u.substatus.as_deref(), Some("transit001"));
        assert_eq!(u.events.len(), 2);
        assert_eq!(u.events[1].status, Some(Status::Notfound));
        assert_eq!(u.events[1].location, "Shenzhen, CN");
        assert_eq!(u.origin_country.as_deref(), Some("CN"));
        assert_eq!(u.estimated_delivery, Some(1_694_995_200));
        assert_eq!(u.as_of, Some(1_694_682_000));
    }

    #[test]
    fn inforeceived_is_notfound001_and_an_unknown_word_is_kept_as_text() {
        let u = update(&json!({"delivery_status": "inforeceived"}), "x").unwrap();
        assert_eq!(
            (u.status, u.substatus.as_deref()),
            (Some(Status::Notfound), Some("notfound001"))
        );
        let u = update(&json!({"delivery_status": "teleported"}), "x").unwrap();
        assert_eq!(u.status, None);
        assert_eq!(u.status_text.as_deref(), Some("teleported"));
    }
}
