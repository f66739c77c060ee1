//! The TrackingMore v4 tracking object: Tracking + Parcel in v4's field names.
//!
//! Every key v4 documents is present, unset ones `null`; every value is a string or
//! `null`, except `updating` (bool) and `transit_time` (integer): the Go SDK decodes
//! into typed structs and fails on any other type.

use super::carriers::Carriers;
use super::model::{Checkpoint, Parcel, Tracking};
use super::status::Status;
use super::time::rfc3339;
use chrono::{TimeZone, Utc};
use serde::Serialize;

/// v4's checkpoint time: `2023-09-15T15:00:00`, no offset (UTC here).
pub fn checkpoint_time(ts: i64) -> String {
    Utc.timestamp_opt(ts, 0)
        .single()
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// One entry of `origin_info.trackinfo`, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct V4Checkpoint {
    pub checkpoint_date: String,
    pub checkpoint_delivery_status: Option<&'static str>,
    pub checkpoint_delivery_substatus: Option<String>,
    pub tracking_detail: String,
    pub location: Option<String>,
    pub country_iso2: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub raw_status: Option<String>,
}

impl From<&Checkpoint> for V4Checkpoint {
    fn from(c: &Checkpoint) -> V4Checkpoint {
        V4Checkpoint {
            checkpoint_date: checkpoint_time(c.time),
            checkpoint_delivery_status: c.status.map(Status::as_str),
            checkpoint_delivery_substatus: c.substatus.clone(),
            tracking_detail: c.description.clone(),
            location: (!c.location.is_empty()).then(|| c.location.clone()),
            country_iso2: None,
            state: None,
            city: None,
            zip: None,
            raw_status: None,
        }
    }
}

/// `milestone_date`: when the parcel reached each stage, from its scans.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Milestones {
    pub inforeceived_date: Option<String>,
    pub pickup_date: Option<String>,
    pub outfordelivery_date: Option<String>,
    pub delivery_date: Option<String>,
    pub returning_date: Option<String>,
    pub returned_date: Option<String>,
}

/// `origin_info` / `destination_info`.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Leg {
    pub courier_code: Option<String>,
    pub courier_phone: Option<String>,
    pub weblink: Option<String>,
    pub reference_number: Option<String>,
    pub milestone_date: Milestones,
    pub pickup_date: Option<String>,
    pub departed_airport_date: Option<String>,
    pub arrived_abroad_date: Option<String>,
    pub customs_received_date: Option<String>,
    pub arrived_destination_date: Option<String>,
    pub trackinfo: Vec<V4Checkpoint>,
}

/// The tracking object of every `/v4/trackings` answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct V4Tracking {
    pub id: String,
    pub tracking_number: String,
    pub courier_code: String,
    pub order_number: Option<String>,
    pub order_date: Option<String>,
    pub order_id: Option<String>,
    pub created_at: String,
    pub update_at: String,
    pub delivery_status: &'static str,
    pub substatus: Option<String>,
    pub status_info: Option<String>,
    pub latest_event: Option<String>,
    pub latest_checkpoint_time: Option<String>,
    /// `tracking` or `archived`.
    pub archived: &'static str,
    pub updating: bool,
    pub source: &'static str,
    pub destination_country: Option<String>,
    pub destination_state: Option<String>,
    pub destination_city: Option<String>,
    pub origin_country: Option<String>,
    pub origin_state: Option<String>,
    pub origin_city: Option<String>,
    pub tracking_postal_code: Option<String>,
    pub tracking_ship_date: Option<String>,
    pub tracking_destination_country: Option<String>,
    pub tracking_origin_country: Option<String>,
    pub tracking_key: Option<String>,
    pub tracking_courier_account: Option<String>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_sms: Option<String>,
    pub recipient_postcode: Option<String>,
    pub title: Option<String>,
    pub logistics_channel: Option<String>,
    pub note: Option<String>,
    pub label: Option<String>,
    pub language: Option<String>,
    pub signed_by: Option<String>,
    pub service_code: Option<String>,
    pub weight: Option<String>,
    pub weight_kg: Option<String>,
    pub product_type: Option<String>,
    pub pieces: Option<String>,
    pub dimension: Option<String>,
    pub previously: Option<String>,
    pub destination_track_number: Option<String>,
    pub exchange_number: Option<String>,
    pub scheduled_delivery_date: Option<String>,
    pub scheduled_address: Option<String>,
    /// Whole days from the first scan to delivery (or to now).
    pub transit_time: Option<i64>,
    pub origin_info: Leg,
    pub destination_info: Leg,
}

const DAY: i64 = 86_400;

/// The time of the newest scan of `status`, if any.
fn newest_with(p: &Parcel, status: Status) -> Option<i64> {
    p.events
        .iter()
        .find(|e| e.status == Some(status))
        .map(|e| e.time)
}

/// The time of the oldest scan of `status`, if any.
fn oldest_with(p: &Parcel, status: Status) -> Option<i64> {
    p.events
        .iter()
        .rev()
        .find(|e| e.status == Some(status))
        .map(|e| e.time)
}

impl V4Tracking {
    /// Builds the object as of `now` (for `transit_time`).
    pub fn new(t: &Tracking, p: &Parcel, carriers: &Carriers, now: i64) -> V4Tracking {
        let carrier = carriers.resolve(&t.carrier_code);
        let newest = p.events.first();
        let f = &t.fields;
        let delivered = p.status == Status::Delivered;
        let when = |ts: Option<i64>| ts.map(checkpoint_time);
        let milestones = Milestones {
            inforeceived_date: None,
            pickup_date: when(oldest_with(p, Status::Transit)),
            outfordelivery_date: when(newest_with(p, Status::Pickup)),
            delivery_date: when(p.delivered_at),
            returning_date: None,
            returned_date: None,
        };
        V4Tracking {
            id: t.id.clone(),
            tracking_number: t.tracking_number.clone(),
            courier_code: t.carrier_code.clone(),
            order_number: f.order_id.clone(),
            order_date: t.order_created_at.map(rfc3339),
            order_id: f.order_id.clone(),
            created_at: rfc3339(t.created_at),
            update_at: rfc3339(t.updated_at.max(p.updated_at)),
            delivery_status: t.effective_status(p).as_str(),
            substatus: if t.status_override.is_some() {
                None
            } else {
                p.substatus.clone()
            },
            status_info: p.status_text.clone(),
            latest_event: newest.map(|e| {
                [
                    e.description.as_str(),
                    e.location.as_str(),
                    &checkpoint_time(e.time).replace('T', " "),
                ]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
            }),
            latest_checkpoint_time: newest.map(|e| checkpoint_time(e.time)),
            archived: if t.archived { "archived" } else { "tracking" },
            updating: !t.notupdate && !t.effective_status(p).is_final(),
            source: "API",
            destination_country: p
                .destination_country
                .clone()
                .or_else(|| f.destination_code.clone()),
            destination_state: None,
            destination_city: None,
            origin_country: p.origin_country.clone(),
            origin_state: None,
            origin_city: None,
            tracking_postal_code: f.tracking_postal_code.clone(),
            tracking_ship_date: f.tracking_ship_date.clone(),
            tracking_destination_country: f.tracking_destination_country.clone(),
            tracking_origin_country: f.tracking_origin_country.clone(),
            tracking_key: None,
            tracking_courier_account: f.tracking_account_number.clone(),
            customer_name: f.customer_name.clone(),
            customer_email: f.customer_email.clone(),
            customer_sms: f.customer_phone.clone(),
            recipient_postcode: f.tracking_postal_code.clone(),
            title: f.title.clone(),
            logistics_channel: f.logistics_channel.clone(),
            note: f.comment.clone(),
            label: None,
            language: f.lang.clone(),
            signed_by: None,
            service_code: None,
            weight: None,
            weight_kg: None,
            product_type: None,
            pieces: None,
            dimension: None,
            previously: None,
            destination_track_number: None,
            exchange_number: None,
            scheduled_delivery_date: p
                .estimated_delivery
                .filter(|_| !delivered)
                .map(checkpoint_time),
            scheduled_address: None,
            transit_time: p
                .events
                .last()
                .map(|first| (p.delivered_at.unwrap_or(now) - first.time).max(0) / DAY),
            origin_info: Leg {
                courier_code: Some(t.carrier_code.clone()),
                courier_phone: carrier.map(|c| c.phone.clone()).filter(|s| !s.is_empty()),
                weblink: carrier
                    .map(|c| c.homepage.clone())
                    .filter(|s| !s.is_empty()),
                milestone_date: milestones,
                trackinfo: p.events.iter().map(V4Checkpoint::from).collect(),
                ..Leg::default()
            },
            destination_info: Leg::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::TrackingFields;

    fn scan(time: i64, status: Status, text: &str) -> Checkpoint {
        Checkpoint {
            time,
            description: text.into(),
            location: "LYON".into(),
            status: Some(status),
            substatus: None,
        }
    }

    #[test]
    fn every_value_is_a_string_or_null_except_updating_and_transit_time() {
        let mut p = Parcel::new("usps", "LX1", 1_700_000_000);
        p.events = vec![
            scan(1_700_200_000, Status::Delivered, "Delivered"),
            scan(1_700_000_100, Status::Transit, "Accepted"),
        ];
        p.status = Status::Delivered;
        p.delivered_at = Some(1_700_200_000);
        let t = Tracking {
            id: "ab".repeat(16),
            account: 1,
            carrier_code: "usps".into(),
            tracking_number: "LX1".into(),
            created_at: 1_700_000_000,
            updated_at: 1_700_000_000,
            fields: TrackingFields {
                order_id: Some("1001".into()),
                ..TrackingFields::default()
            },
            order_created_at: None,
            archived: false,
            status_override: None,
            notupdate: false,
            shop_url: None,
            watch: None,
        };
        let v = serde_json::to_value(V4Tracking::new(&t, &p, &Carriers::builtin(), 0)).unwrap();
        for (k, x) in v.as_object().unwrap() {
            match k.as_str() {
                "updating" => assert_eq!(x, false, "a delivered parcel is not updating"),
                "transit_time" => assert_eq!(x, 2),
                "origin_info" | "destination_info" => assert!(x.is_object()),
                _ => assert!(x.is_string() || x.is_null(), "{k} is {x}"),
            }
        }
        assert_eq!(v["order_number"], "1001");
        assert_eq!(v["latest_checkpoint_time"], "2023-11-17T05:46:40");
        let first = &v["origin_info"]["trackinfo"][0];
        assert_eq!(first["checkpoint_delivery_status"], "delivered");
        assert_eq!(first["tracking_detail"], "Delivered");
        assert_eq!(
            v["origin_info"]["milestone_date"]["delivery_date"],
            "2023-11-17T05:46:40"
        );
    }
}
