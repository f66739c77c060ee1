//! `GET /v4/trackings/get`'s parameters read into a list query. Times are ISO 8601
//! with an offset; Python's and Java's SDKs send them unencoded, so the `+` of
//! `+08:00` arrives as a space and is read back as `+`.

use crate::api::error::ApiError;
pub use crate::api::list::Params;
use crate::api::list::{number, param, range_of};
use crate::core::carriers::Carriers;
use crate::core::status::Status;
use crate::store::ListQuery;
use chrono::DateTime;

/// Largest page (`items_amount`).
const MAX_ITEMS: usize = 2000;
/// Highest page number (`pages_amount`).
const MAX_PAGE: usize = 1_000_000;
/// Most numbers in one call.
const MAX_NUMBERS: usize = 40;

/// An ISO 8601 time with offset (`2023-08-23T14:00:00+08:00`), its `+` possibly
/// turned into a space on the way; a date alone or unix seconds are read too.
pub fn iso_time(raw: &str) -> Option<i64> {
    let s = raw.trim();
    let repaired = match s.rfind(' ') {
        // `…T14:00:00 08:00`: the offset's `+` read as a space.
        Some(i) if s[..i].contains('T') => format!("{}+{}", &s[..i], &s[i + 1..]),
        _ => s.to_string(),
    };
    DateTime::parse_from_rfc3339(&repaired)
        .map(|t| t.timestamp())
        .ok()
        .or_else(|| crate::core::time::parse_loose(s))
}

fn time(p: &Params, key: &str) -> Result<Option<i64>, ApiError> {
    param(p, key)
        .map(|s| {
            iso_time(s).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "{key} {s:?} is not a time: use ISO 8601 with an offset, e.g. 2023-08-23T14:00:00+08:00"
                ))
            })
        })
        .transpose()
}

/// `archived_status`: `tracking` (not archived) or `archived`.
pub fn archived_status(value: Option<&str>) -> Result<Option<bool>, ApiError> {
    match value {
        None => Ok(None),
        Some("tracking") => Ok(Some(false)),
        Some("archived") => Ok(Some(true)),
        Some(other) => Err(ApiError::BadRequest(format!(
            "archived_status {other:?} is invalid: use tracking or archived"
        ))),
    }
}

/// The list query; with no parameter, the newest trackings.
pub fn list_query(p: &Params, carriers: &Carriers) -> Result<ListQuery, ApiError> {
    let numbers: Vec<String> = param(p, "tracking_numbers")
        .map(|s| {
            s.split(',')
                .map(|n| n.replace(char::is_whitespace, "").to_ascii_uppercase())
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if numbers.len() > MAX_NUMBERS {
        return Err(ApiError::TooMany(format!(
            "tracking_numbers: {} given; at most {MAX_NUMBERS} per request",
            numbers.len()
        )));
    }
    let status = param(p, "delivery_status")
        .map(|s| {
            Status::parse(s).ok_or_else(|| {
                ApiError::StatusInvalid(format!(
                    "delivery_status {s:?} is invalid: use pending, notfound, transit, pickup, delivered, undelivered, exception or expired"
                ))
            })
        })
        .transpose()?;
    let carrier = param(p, "courier_code")
        .map(|c| {
            carriers.resolve(c).map(|c| c.code.clone()).ok_or_else(|| {
                ApiError::CarrierInvalid(format!(
                    "courier_code {c:?} is not a known courier code; see GET /v4/couriers/all"
                ))
            })
        })
        .transpose()?;
    Ok(ListQuery {
        page: number(p, "pages_amount", 1, MAX_PAGE)?,
        limit: number(p, "items_amount", 100, MAX_ITEMS)?,
        status,
        created: range_of(p, "created_date", time)?,
        updated: range_of(p, "updated_date", time)?,
        archived: archived_status(param(p, "archived_status"))?,
        numbers,
        carrier,
        ..ListQuery::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_whose_plus_arrived_as_a_space_still_reads() {
        let want = 1_692_770_400; // 2023-08-23T06:00:00Z
        assert_eq!(iso_time("2023-08-23T14:00:00+08:00"), Some(want));
        assert_eq!(iso_time("2023-08-23T14:00:00 08:00"), Some(want));
        assert_eq!(iso_time("2023-08-23T06:00:00Z"), Some(want));
        assert_eq!(iso_time("yesterday"), None);
    }

    #[test]
    fn empty_parameters_are_absent_and_bad_ones_are_named() {
        let c = Carriers::builtin();
        let p: Params = [("courier_code", ""), ("items_amount", "")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let q = list_query(&p, &c).unwrap();
        assert_eq!((q.page, q.limit, q.carrier), (1, 100, None));
        let bad: Params = [("archived_status".to_string(), "maybe".to_string())].into();
        let e = list_query(&bad, &c).unwrap_err();
        assert!(e.to_string().contains("archived_status"), "{e}");
    }
}
