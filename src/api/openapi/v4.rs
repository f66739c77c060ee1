//! The shapes of `/v4` request and response bodies, for `/openapi.json` only
//! (the tracking object itself is `core::v4view::V4Tracking`).

use serde_json::Value;
use utoipa::ToSchema;

/// A successful v4 answer: `meta.code` 200.
#[derive(ToSchema)]
pub struct V4Envelope<T> {
    pub meta: V4Meta,
    pub data: T,
}

#[derive(ToSchema)]
pub struct V4Meta {
    /// 200 on success; else 401, 404, 405, 413, 429, 500, 503 or one of v4's 41xx
    /// codes (4101 exists, 4102 does not exist, 4103 over 40, 4110/4111 number,
    /// 4112 id, 4113 retrack not allowed, 4120 courier, 4121 cannot detect, 4130
    /// field format, 4160 air waybill), which come with HTTP 400.
    #[schema(minimum = 200, maximum = 4999)]
    pub code: u16,
    pub message: String,
}

/// A refused `/v4` request.
#[derive(ToSchema)]
pub struct V4ErrorEnvelope {
    pub meta: V4Meta,
    /// Always null.
    pub data: Option<Value>,
}

/// The fields of a create (and, but for the number and courier, of an update).
/// An empty string is the same as an absent field.
#[derive(ToSchema)]
pub struct CreateBody {
    pub tracking_number: String,
    /// A code from `GET /v4/couriers/all`.
    pub courier_code: String,
    /// Kept as the order id when `order_id` is not sent.
    pub order_number: Option<String>,
    pub order_id: Option<String>,
    /// ISO 8601, e.g. `2023-08-23T14:00:00+08:00`.
    pub order_date: Option<String>,
    pub origin_country_iso2: Option<String>,
    pub destination_country_iso2: Option<String>,
    pub customer_name: Option<String>,
    /// One address; the customer's notifications go there.
    pub customer_email: Option<String>,
    pub customer_sms: Option<String>,
    pub recipient_postcode: Option<String>,
    pub title: Option<String>,
    pub logistics_channel: Option<String>,
    pub note: Option<String>,
    /// The language of the customer's emails and page, e.g. `en`, `de`.
    pub language: Option<String>,
    pub tracking_courier_account: Option<String>,
    pub tracking_postal_code: Option<String>,
    pub tracking_origin_country: Option<String>,
    pub tracking_destination_country: Option<String>,
    pub tracking_ship_date: Option<String>,
}

/// The fields an update may change; absent ones are kept.
#[derive(ToSchema)]
pub struct UpdateBody {
    /// Moves the tracking to another courier.
    pub courier_code_new: Option<String>,
    /// `tracking` or `archived`.
    pub archived_status: Option<String>,
    pub order_number: Option<String>,
    pub order_id: Option<String>,
    pub order_date: Option<String>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_sms: Option<String>,
    pub title: Option<String>,
    pub logistics_channel: Option<String>,
    pub note: Option<String>,
    pub language: Option<String>,
}

/// One created tracking in a batch answer.
#[derive(ToSchema)]
pub struct BatchItem {
    pub id: String,
    pub tracking_number: String,
    pub courier_code: String,
}

/// One refused item in a batch answer.
#[derive(ToSchema)]
pub struct BatchError {
    pub id: Option<String>,
    pub tracking_number: String,
    pub courier_code: String,
    #[schema(rename = "errorCode")]
    pub error_code: u16,
    #[schema(rename = "errorMessage")]
    pub error_message: String,
}

/// `POST /v4/trackings/batch`'s answer.
#[derive(ToSchema)]
pub struct BatchAnswer {
    pub success: Vec<BatchItem>,
    pub error: Vec<BatchError>,
}

/// What a delete removed.
#[derive(ToSchema)]
pub struct Deleted {
    pub id: String,
    pub tracking_number: String,
    pub courier_code: String,
}

/// A courier.
#[derive(ToSchema)]
pub struct Courier {
    pub courier_name: String,
    pub courier_code: String,
    pub courier_country_iso2: Option<String>,
    pub courier_url: Option<String>,
    pub courier_phone: Option<String>,
    pub courier_type: String,
    pub tracking_required_fields: Option<Value>,
    pub optional_fields: Option<Value>,
    pub default_language: String,
    pub support_language: Vec<String>,
    pub courier_logo: Option<String>,
}

#[derive(ToSchema)]
pub struct DetectBody {
    pub tracking_number: String,
}

#[derive(ToSchema)]
pub struct AwbBody {
    /// `235-69030430`: a 3-digit airline prefix and 8 digits.
    pub awb_number: String,
}

/// The airline of a waybill.
#[derive(ToSchema)]
pub struct AwbAirline {
    pub name: String,
    pub url: Option<String>,
    pub track_url: Option<String>,
    pub trackpage_url: Option<String>,
}

/// `POST /v4/awb`'s answer: no air-cargo status source is connected, so the status
/// is `notfound` and the lists are empty.
#[derive(ToSchema)]
pub struct Awb {
    pub awb_number: String,
    pub awb_status: String,
    pub awb_substatus: Option<String>,
    pub status_number: Option<String>,
    pub weight: Option<String>,
    pub piece: Option<String>,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub flight_way_station: Vec<Value>,
    pub last_event: Option<String>,
    pub flight_info_new: Vec<Value>,
    pub flight_info: Value,
    pub track_info: Vec<Value>,
    pub airline_info: Option<AwbAirline>,
}
