//! Reading the tracking fields of create / update requests, with TrackingMore's codes.

use super::error::ApiError;
use super::input::{boolean, indexed_text, text};
use crate::core::carriers::Carriers;
use crate::core::model::TrackingFields;
use crate::core::number::{NumberError, TrackingNumber};
use crate::core::status::StatusOverride;
use crate::core::writes::{NewTracking, TrackingPatch};
use crate::core::{country, time};
use serde_json::{Map, Value};

/// `tracking_number` and `carrier_code` of an item, checked.
pub fn key(
    m: &Map<String, Value>,
    at: &str,
    carriers: &Carriers,
    carrier_field: &str,
) -> Result<(String, TrackingNumber), ApiError> {
    let number = number(m, at)?;
    Ok((carrier(m, at, carriers, carrier_field)?, number))
}

/// `tracking_number` and the carrier of an item, in `n`'s names.
pub fn key_as(
    m: &Map<String, Value>,
    at: &str,
    carriers: &Carriers,
    n: &Names,
) -> Result<(String, TrackingNumber), ApiError> {
    let number = number(m, at)?;
    let carrier = carrier_in(m, at, carriers, n.carrier_code, n.carrier_list)?;
    Ok((carrier, number))
}

/// `tracking_number`, checked.
pub fn number(m: &Map<String, Value>, at: &str) -> Result<TrackingNumber, ApiError> {
    let raw = text(m, "tracking_number", at)?.unwrap_or_default();
    TrackingNumber::parse(&raw).map_err(|e| match e {
        NumberError::Missing => {
            ApiError::NumberRequired(format!("{at}tracking_number is required"))
        }
        NumberError::Invalid(_) => ApiError::NumberInvalid(format!("{at}{e}")),
    })
}

/// A carrier field, resolved against the registry.
pub fn carrier(
    m: &Map<String, Value>,
    at: &str,
    carriers: &Carriers,
    field: &str,
) -> Result<String, ApiError> {
    carrier_in(m, at, carriers, field, V2.carrier_list)
}

fn carrier_in(
    m: &Map<String, Value>,
    at: &str,
    carriers: &Carriers,
    field: &str,
    list: &str,
) -> Result<String, ApiError> {
    let code = text(m, field, at)?
        .ok_or_else(|| ApiError::BadRequest(format!("{at}{field} is required")))?;
    carriers
        .resolve(&code)
        .map(|c| c.code.clone())
        .ok_or_else(|| {
            ApiError::CarrierInvalid(format!(
                "{at}{field} {code:?} is not a known carrier code; see {list}"
            ))
        })
}

/// The wire name of each shop field: TrackingMore v2 and v4 name some differently.
pub struct Names {
    pub carrier_code: &'static str,
    pub customer_phone: &'static str,
    pub order_create_time: &'static str,
    pub destination_code: &'static str,
    pub tracking_account_number: &'static str,
    pub comment: &'static str,
    pub lang: &'static str,
    /// Where the carrier list is, for "not a known carrier" errors.
    pub carrier_list: &'static str,
}

/// TrackingMore v2's names.
pub const V2: Names = Names {
    carrier_code: "carrier_code",
    customer_phone: "customer_phone",
    order_create_time: "order_create_time",
    destination_code: "destination_code",
    tracking_account_number: "tracking_account_number",
    comment: "comment",
    lang: "lang",
    carrier_list: "GET /v2/carriers",
};

/// TrackingMore v4's names.
pub const V4: Names = Names {
    carrier_code: "courier_code",
    customer_phone: "customer_sms",
    order_create_time: "order_date",
    destination_code: "destination_country_iso2",
    tracking_account_number: "tracking_courier_account",
    comment: "note",
    lang: "language",
    carrier_list: "GET /v4/couriers/all",
};

/// The shop fields of a create or update, with the order time read as a time.
pub fn descriptive(
    m: &Map<String, Value>,
    at: &str,
    n: &Names,
) -> Result<(TrackingFields, Option<i64>), ApiError> {
    let f = TrackingFields {
        title: text(m, "title", at)?,
        order_id: indexed_text(m, "order_id", at)?,
        customer_name: text(m, "customer_name", at)?,
        customer_email: text(m, "customer_email", at)?,
        customer_phone: text(m, n.customer_phone, at)?,
        order_create_time: text(m, n.order_create_time, at)?,
        destination_code: text(m, n.destination_code, at)?,
        logistics_channel: text(m, "logistics_channel", at)?,
        tracking_ship_date: text(m, "tracking_ship_date", at)?,
        tracking_postal_code: text(m, "tracking_postal_code", at)?,
        tracking_account_number: text(m, n.tracking_account_number, at)?,
        tracking_origin_country: text(m, "tracking_origin_country", at)?,
        tracking_destination_country: text(m, "tracking_destination_country", at)?,
        special_number_destination: text(m, "specialNumberDestination", at)?,
        comment: text(m, n.comment, at)?,
        lang: text(m, n.lang, at)?,
    };
    if let Some(e) = &f.customer_email {
        crate::core::recipient::parse(e)
            .map_err(|why| ApiError::BadRequest(format!("{at}customer_email {why}")))?;
    }
    let order_created_at = match &f.order_create_time {
        None => None,
        Some(s) => Some(time::parse_loose(s).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "{at}{} {s:?} is not a time; use e.g. \"2017-08-26 16:48\", 2023-08-23T14:00:00+08:00 or a unix timestamp",
                n.order_create_time
            ))
        })?),
    };
    for (key, value) in [
        (n.destination_code, &f.destination_code),
        (
            "tracking_destination_country",
            &f.tracking_destination_country,
        ),
        ("tracking_origin_country", &f.tracking_origin_country),
    ] {
        if let Some(v) = value {
            if country::parse(v).is_none() {
                return Err(ApiError::BadRequest(format!(
                    "{at}{key} {v:?} is not a country code (ISO 3166-1 alpha-2, e.g. US)"
                )));
            }
        }
    }
    if let Some(d) = &f.tracking_ship_date {
        if time::parse_loose(d).is_none() {
            return Err(ApiError::BadRequest(format!(
                "{at}tracking_ship_date {d:?} is not a date; use e.g. 20181001"
            )));
        }
    }
    Ok((f, order_created_at))
}

/// A whole create item.
pub fn new_tracking(
    m: &Map<String, Value>,
    at: &str,
    carriers: &Carriers,
    n: &Names,
) -> Result<NewTracking, ApiError> {
    let (carrier_code, number) = key_as(m, at, carriers, n)?;
    let (fields, order_created_at) = descriptive(m, at, n)?;
    let destination_country = fields
        .tracking_destination_country
        .as_deref()
        .or(fields.destination_code.as_deref())
        .and_then(country::parse)
        .map(String::from);
    let origin_country = fields
        .tracking_origin_country
        .as_deref()
        .and_then(country::parse)
        .or_else(|| s10_origin(number.as_str()))
        .map(String::from);
    Ok(NewTracking {
        carrier_code,
        tracking_number: number.as_str().to_string(),
        fields,
        order_created_at,
        origin_country,
        destination_country,
        first_poll_at: None,
    })
}

/// The origin country a UPU S10 number names in its last two letters.
fn s10_origin(n: &str) -> Option<&'static str> {
    let b = n.as_bytes();
    let s10 = b.len() == 13
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..11].iter().all(u8::is_ascii_digit)
        && b[11..].iter().all(u8::is_ascii_uppercase);
    if s10 {
        country::parse(&n[11..])
    } else {
        None
    }
}

/// The change a v2 update (PUT or updatemore item) asks for.
pub fn patch(m: &Map<String, Value>, at: &str) -> Result<TrackingPatch, ApiError> {
    let (fields, order_created_at) = descriptive(m, at, &V2)?;
    let status = match text(m, "status", at)? {
        None => None,
        Some(s) => Some(StatusOverride::from_code(&s).ok_or_else(|| {
            ApiError::StatusInvalid(format!(
                "{at}status {s:?} is invalid: use 4 (delivered), 7 (exception) or 8 (back to automatic)"
            ))
        })?),
    };
    Ok(TrackingPatch {
        fields,
        order_created_at,
        archived: boolean(m, "archived", at)?,
        status,
        notupdate: None,
        shop_url: None,
    })
}
