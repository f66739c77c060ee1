//! The TrackingMore v2 tracking object: Tracking + Parcel in TrackingMore's field names.

use super::carriers::Carriers;
use super::country;
use super::model::{Checkpoint, Parcel, Tracking};
use super::status::Status;
use super::time::{rfc3339, tm_date};
use serde::Serialize;

/// One entry of `origin_info.trackinfo`.
#[derive(Default, Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackInfo {
    #[serde(rename = "Date")]
    pub date: String,
    #[serde(rename = "StatusDescription")]
    pub status_description: String,
    #[serde(rename = "Details")]
    pub details: String,
    pub checkpoint_status: Option<&'static str>,
    pub substatus: Option<String>,
}

impl From<&Checkpoint> for TrackInfo {
    fn from(c: &Checkpoint) -> TrackInfo {
        TrackInfo {
            date: tm_date(c.time),
            status_description: c.description.clone(),
            details: c.location.clone(),
            checkpoint_status: c.status.map(|s| s.as_str()),
            substatus: c.substatus.clone(),
        }
    }
}

/// `origin_info` / `destination_info`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CarrierInfo {
    pub weblink: String,
    pub phone: String,
    pub carrier_code: String,
    pub trackinfo: Vec<TrackInfo>,
}

/// The tracking object every `/v2/trackings` route answers with.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackingView {
    pub id: String,
    pub tracking_number: String,
    pub carrier_code: String,
    pub status: &'static str,
    pub substatus: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub order_create_time: Option<String>,
    pub title: Option<String>,
    pub order_id: Option<String>,
    pub comment: Option<String>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub logistics_channel: Option<String>,
    pub destination_code: Option<String>,
    pub lang: Option<String>,
    pub archived: bool,
    pub notupdate: bool,
    pub original_country: Option<&'static str>,
    pub destination_country: Option<&'static str>,
    #[serde(rename = "itemTimeLength")]
    pub item_time_length: Option<i64>,
    #[serde(rename = "stayTimeLength")]
    pub stay_time_length: Option<i64>,
    pub service_code: Option<String>,
    pub status_info: Option<String>,
    pub origin_info: CarrierInfo,
    pub destination_info: CarrierInfo,
    #[serde(rename = "lastEvent")]
    pub last_event: Option<String>,
    #[serde(rename = "lastUpdateTime")]
    pub last_update_time: Option<String>,
    /// The carrier's estimated delivery date (`YYYY-MM-DD`, UTC), when known and
    /// the parcel is not delivered yet.
    pub estimated_delivery: Option<String>,
    /// The shop's own tracking link (from its platform's webhook), when it gave one.
    pub shop_tracking_url: Option<String>,
}

const DAY: i64 = 86_400;

impl TrackingView {
    /// Builds the object as of `now` (for the day counts).
    pub fn new(t: &Tracking, p: &Parcel, carriers: &Carriers, now: i64) -> TrackingView {
        let carrier = carriers.resolve(&t.carrier_code);
        let newest = p.events.first();
        let first_scan = p.events.last().map(|e| e.time);
        let end = p.delivered_at.unwrap_or(now);
        let destination = p
            .destination_country
            .as_deref()
            .or(t.fields.destination_code.as_deref())
            .and_then(country::parse);
        TrackingView {
            id: t.id.clone(),
            tracking_number: t.tracking_number.clone(),
            carrier_code: t.carrier_code.clone(),
            status: t.effective_status(p).as_str(),
            substatus: if t.status_override.is_some() {
                None
            } else {
                p.substatus.clone()
            },
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at.max(p.updated_at)),
            order_create_time: t.fields.order_create_time.clone(),
            title: t.fields.title.clone(),
            order_id: t.fields.order_id.clone(),
            comment: t.fields.comment.clone(),
            customer_name: t.fields.customer_name.clone(),
            customer_email: t.fields.customer_email.clone(),
            customer_phone: t.fields.customer_phone.clone(),
            logistics_channel: t.fields.logistics_channel.clone(),
            destination_code: t.fields.destination_code.clone(),
            lang: t.fields.lang.clone(),
            archived: t.archived,
            notupdate: t.notupdate,
            original_country: p.origin_country.as_deref().and_then(country::name),
            destination_country: destination.and_then(country::name),
            item_time_length: first_scan.map(|f| (end - f).max(0) / DAY),
            stay_time_length: newest.map(|e| (now - e.time).max(0) / DAY),
            service_code: None,
            status_info: p.status_text.clone(),
            origin_info: CarrierInfo {
                weblink: carrier.map(|c| c.homepage.clone()).unwrap_or_default(),
                phone: carrier.map(|c| c.phone.clone()).unwrap_or_default(),
                carrier_code: t.carrier_code.clone(),
                trackinfo: p.events.iter().map(TrackInfo::from).collect(),
            },
            destination_info: CarrierInfo {
                weblink: String::new(),
                phone: String::new(),
                carrier_code: String::new(),
                trackinfo: Vec::new(),
            },
            last_event: newest.map(|e| {
                [
                    e.description.as_str(),
                    e.location.as_str(),
                    &tm_date(e.time),
                ]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(",")
            }),
            last_update_time: newest.map(|e| tm_date(e.time)),
            estimated_delivery: p
                .estimated_delivery
                .filter(|_| p.status != Status::Delivered)
                .map(|t| tm_date(t)[..10].to_string()),
            shop_tracking_url: t.shop_url.clone(),
        }
    }
}
