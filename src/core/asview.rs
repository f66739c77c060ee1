//! The AfterShip tracking object, as the `aftership` webhook format sends it in
//! `msg`: Tracking + Parcel in AfterShip's field names and tags (the fields a
//! receiver of AfterShip's webhook reads; `../shared/research/today-apis.md` §2.4).

use super::model::{Checkpoint, Parcel, Tracking};
use super::status::Status;
use super::time::rfc3339;
use serde::Serialize;

/// AfterShip's tag for a status (and substatus, which tells out-for-delivery
/// from available-for-pickup, and info-received from not found): the inverse
/// of the `/hooks/aftership` receiver's mapping.
pub fn tag(status: Status, substatus: Option<&str>) -> &'static str {
    match (status, substatus) {
        (Status::Pending, _) => "Pending",
        (Status::Notfound, Some("notfound001")) => "InfoReceived",
        (Status::Notfound, _) => "Pending",
        (Status::Transit, _) => "InTransit",
        (Status::Pickup, Some("pickup002")) => "AvailableForPickup",
        (Status::Pickup, _) => "OutForDelivery",
        (Status::Undelivered, _) => "AttemptFail",
        (Status::Delivered, _) => "Delivered",
        (Status::Exception, _) => "Exception",
        (Status::Expired, _) => "Expired",
    }
}

/// One scan, as AfterShip writes a checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct AsCheckpoint {
    pub checkpoint_time: String,
    pub message: String,
    pub location: Option<String>,
    pub slug: String,
    pub tag: &'static str,
    pub subtag: String,
}

/// The tracking object.
#[derive(Debug, Clone, Serialize)]
pub struct AsTracking {
    pub id: String,
    pub tracking_number: String,
    pub slug: String,
    pub active: bool,
    pub tag: &'static str,
    pub subtag: String,
    pub subtag_message: Option<String>,
    pub title: Option<String>,
    pub order_id: Option<String>,
    pub origin_country_region: Option<String>,
    pub destination_country_region: Option<String>,
    pub courier_estimated_delivery_date: Option<String>,
    pub shipment_delivery_date: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The customer's tracking page (AfterShip's own page link).
    pub aftership_tracking_url: String,
    /// Oldest first, as AfterShip lists them.
    pub checkpoints: Vec<AsCheckpoint>,
}

fn subtag(tag: &str) -> String {
    format!("{tag}_001")
}

fn checkpoint(c: &Checkpoint, slug: &str) -> AsCheckpoint {
    let tag = c
        .status
        .map_or("InTransit", |s| self::tag(s, c.substatus.as_deref()));
    AsCheckpoint {
        checkpoint_time: rfc3339(c.time),
        message: c.description.clone(),
        location: (!c.location.is_empty()).then(|| c.location.clone()),
        slug: slug.to_string(),
        tag,
        subtag: subtag(tag),
    }
}

impl AsTracking {
    /// The object of `t` on `p`, its page at `link`.
    pub fn new(t: &Tracking, p: &Parcel, link: &str) -> AsTracking {
        let status = t.effective_status(p);
        let substatus = t
            .status_override
            .is_none()
            .then_some(p.substatus.as_deref())
            .flatten();
        let tag = tag(status, substatus);
        let date = |ts: i64| rfc3339(ts).chars().take(10).collect::<String>();
        AsTracking {
            id: t.id.clone(),
            tracking_number: t.tracking_number.clone(),
            slug: t.carrier_code.clone(),
            active: !status.is_final() && !t.notupdate,
            tag,
            subtag: subtag(tag),
            subtag_message: p.status_text.clone(),
            title: t.fields.title.clone(),
            order_id: t.fields.order_id.clone(),
            origin_country_region: p.origin_country.clone(),
            destination_country_region: p.destination_country.clone(),
            courier_estimated_delivery_date: p.estimated_delivery.map(date),
            shipment_delivery_date: p.delivered_at.map(rfc3339),
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at.max(p.updated_at)),
            aftership_tracking_url: link.to_string(),
            checkpoints: p
                .events
                .iter()
                .rev()
                .map(|c| checkpoint(c, &t.carrier_code))
                .collect(),
        }
    }
}
