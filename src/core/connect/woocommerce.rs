//! WooCommerce's order webhooks (`research/today-apis.md` §3.2): `order.created` and
//! `order.updated` carry the REST v3 order; its tracking numbers are in `meta_data`
//! under `_wc_shipment_tracking_items`, the form of WooCommerce Shipment Tracking
//! and of Advanced Shipment Tracking.

use super::{full_name, link, text, Malformed, Order, Shipment};
use serde_json::Value;

/// The topics that register trackings; others are answered and ignored.
pub const TOPICS: [&str; 2] = ["order.created", "order.updated"];

/// The meta key the shipment-tracking plugins keep their items under.
const TRACKING_ITEMS: &str = "_wc_shipment_tracking_items";

/// Order statuses whose trackings stop updating.
const STOPPED: [&str; 3] = ["cancelled", "refunded", "failed"];

/// The value of meta key `key`, if the order has it.
fn meta<'a>(order: &'a Value, key: &str) -> Result<Option<&'a Value>, Malformed> {
    match order.get("meta_data") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(list)) => Ok(list
            .iter()
            .find(|m| m.get("key").and_then(Value::as_str) == Some(key))
            .and_then(|m| m.get("value"))),
        Some(_) => Err(Malformed("meta_data must be an array".into())),
    }
}

/// One tracking item: its number and provider (the slug, else the custom name).
fn item(v: &Value, at: &str, cancelled: bool) -> Result<Option<Shipment>, Malformed> {
    if !v.is_object() {
        return Err(Malformed(format!("{at} must be an object")));
    }
    let at = format!("{at}.");
    let Some(number) = text(v, "tracking_number", &at)? else {
        return Ok(None);
    };
    let company = text(v, "tracking_provider", &at)?.or(text(v, "custom_tracking_provider", &at)?);
    let url = text(v, "custom_tracking_link", &at)?.or(text(v, "formatted_tracking_link", &at)?);
    Ok(Some(Shipment {
        numbers: vec![number],
        urls: vec![link(url)],
        company,
        cancelled,
    }))
}

/// Reads an order webhook's body.
pub fn read(v: &Value) -> Result<Order, Malformed> {
    if !v.is_object() {
        return Err(Malformed("the body must be a JSON object".into()));
    }
    let cancelled = text(v, "status", "")?.is_some_and(|s| STOPPED.contains(&s.as_str()));
    let at = format!("meta_data[{TRACKING_ITEMS}]");
    let shipments = match meta(v, TRACKING_ITEMS)? {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, x)| item(x, &format!("{at}[{i}]"), cancelled))
            .filter_map(Result::transpose)
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(Malformed(format!("{at} must be an array"))),
    };
    let billing = v.get("billing").filter(|b| b.is_object());
    let (email, name) = match billing {
        Some(b) => (
            text(b, "email", "billing.")?,
            full_name(
                text(b, "first_name", "billing.")?,
                text(b, "last_name", "billing.")?,
            ),
        ),
        None => (None, None),
    };
    let lang = match meta(v, "wpml_language")? {
        Some(Value::String(l)) if !l.trim().is_empty() => Some(l.trim().to_string()),
        _ => None,
    };
    // `date_created_gmt` has no offset and is UTC; `date_created` is the site's time.
    let order_time = text(v, "date_created_gmt", "")?.map(|t| format!("{t}Z"));
    Ok(Order {
        order_id: text(v, "number", "")?.or(text(v, "id", "")?),
        email,
        name,
        lang,
        order_time,
        shipments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tracking_items_give_numbers_and_providers_and_billing_the_customer() {
        let o = json!({"id": 727, "number": "727", "status": "completed",
            "date_created_gmt": "2026-11-20T09:00:00",
            "billing": {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.net"},
            "meta_data": [{"id": 1, "key": "_wc_shipment_tracking_items", "value": [
                {"tracking_provider": "usps", "custom_tracking_provider": "", "tracking_number": "9400111899562537624326", "date_shipped": "1763629200"},
                {"tracking_provider": "", "custom_tracking_provider": "Pigeon Post", "tracking_number": "PP-1"},
                {"tracking_provider": "ups", "tracking_number": ""}]}]});
        let o = read(&o).unwrap();
        assert_eq!(o.order_id.as_deref(), Some("727"));
        assert_eq!(
            (o.email.as_deref(), o.name.as_deref()),
            (Some("ana@example.net"), Some("Ana Ruiz"))
        );
        assert_eq!(o.order_time.as_deref(), Some("2026-11-20T09:00:00Z"));
        assert_eq!(o.shipments.len(), 2, "the item without a number is skipped");
        assert_eq!(o.shipments[1].company.as_deref(), Some("Pigeon Post"));
    }

    #[test]
    fn a_cancelled_order_stops_its_shipments_and_bad_meta_is_named() {
        let o = json!({"number": 8, "status": "cancelled", "meta_data": [{"key": "_wc_shipment_tracking_items", "value": [{"tracking_number": "A1"}]}]});
        assert!(read(&o).unwrap().shipments[0].cancelled);
        let bad = json!({"meta_data": [{"key": "_wc_shipment_tracking_items", "value": "A1"}]});
        assert_eq!(
            read(&bad).unwrap_err().0,
            "meta_data[_wc_shipment_tracking_items] must be an array"
        );
    }
}
