//! Shopify's order webhooks (`research/today-apis.md` §3.1): `fulfillments/create`
//! and `fulfillments/update` carry a Fulfillment, `orders/fulfilled` and
//! `orders/updated` an Order with its `fulfillments[]`.

use super::{full_name, link, numbers, text, Malformed, Order, Shipment};
use serde_json::Value;

/// The topics that register trackings; others are answered and ignored.
pub const TOPICS: [&str; 4] = [
    "fulfillments/create",
    "fulfillments/update",
    "orders/fulfilled",
    "orders/updated",
];

/// A fulfillment's shipment; `at` prefixes field names in errors.
fn shipment(f: &Value, at: &str) -> Result<Shipment, Malformed> {
    if !f.is_object() {
        return Err(Malformed(format!("{}must be a fulfillment object", at)));
    }
    let mut numbers = numbers(f, "tracking_numbers", at)?;
    let listed = listed_urls(f);
    let mut urls: Vec<Option<String>> = numbers
        .iter()
        .map(|n| {
            listed
                .iter()
                .find(|(m, _)| m == n)
                .and_then(|(_, u)| link(u.clone()))
        })
        .collect();
    if let Some(n) = text(f, "tracking_number", at)? {
        if !numbers.contains(&n) {
            numbers.insert(0, n);
            urls.insert(0, link(text(f, "tracking_url", at)?));
        } else if let Some(i) = numbers.iter().position(|m| *m == n) {
            if urls[i].is_none() {
                urls[i] = link(text(f, "tracking_url", at)?);
            }
        }
    }
    let status = text(f, "status", at)?.unwrap_or_default();
    Ok(Shipment {
        numbers,
        urls,
        company: text(f, "tracking_company", at)?,
        cancelled: matches!(status.as_str(), "cancelled" | "error" | "failure"),
    })
}

/// Each listed number with the URL at the same place of `tracking_urls`.
fn listed_urls(f: &Value) -> Vec<(String, Option<String>)> {
    let list = |k: &str| {
        f.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let urls = list("tracking_urls");
    list("tracking_numbers")
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let u = urls
                .get(i)
                .and_then(Value::as_str)
                .map(|u| u.trim().to_string());
            Some((n.as_str()?.trim().to_string(), u))
        })
        .collect()
}

/// The order's name from a fulfillment's (`#1001.1` → `#1001`).
fn order_name(fulfillment_name: &str) -> String {
    match fulfillment_name.rsplit_once('.') {
        Some((order, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => order.into(),
        _ => fulfillment_name.into(),
    }
}

/// Reads a webhook body of `topic` (one of [`TOPICS`]).
pub fn read(topic: &str, v: &Value) -> Result<Order, Malformed> {
    if !v.is_object() {
        return Err(Malformed("the body must be a JSON object".into()));
    }
    if topic.starts_with("fulfillments/") {
        let dest = v.get("destination").filter(|d| d.is_object());
        let name = match dest {
            Some(d) => text(d, "name", "destination.")?.or(full_name(
                text(d, "first_name", "destination.")?,
                text(d, "last_name", "destination.")?,
            )),
            None => None,
        };
        return Ok(Order {
            order_id: text(v, "name", "")?.map(|n| order_name(&n)),
            email: text(v, "email", "")?,
            name,
            lang: None,
            order_time: None,
            shipments: vec![shipment(v, "")?],
        });
    }
    let customer = v.get("customer").filter(|c| c.is_object());
    let email = match text(v, "email", "")? {
        Some(e) => Some(e),
        None => customer
            .map(|c| text(c, "email", "customer."))
            .transpose()?
            .flatten(),
    };
    let name = match v.get("shipping_address").filter(|a| a.is_object()) {
        Some(a) => text(a, "name", "shipping_address.")?,
        None => None,
    };
    let name = match (name, customer) {
        (Some(n), _) => Some(n),
        (None, Some(c)) => full_name(
            text(c, "first_name", "customer.")?,
            text(c, "last_name", "customer.")?,
        ),
        (None, None) => None,
    };
    let cancelled = text(v, "cancelled_at", "")?.is_some();
    let shipments = match v.get("fulfillments") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, f)| {
                shipment(f, &format!("fulfillments[{i}].")).map(|mut s| {
                    s.cancelled |= cancelled;
                    s
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(Malformed("fulfillments must be an array".into())),
    };
    Ok(Order {
        order_id: text(v, "name", "")?.or(text(v, "order_number", "")?.map(|n| format!("#{n}"))),
        email,
        name,
        lang: text(v, "customer_locale", "")?,
        order_time: text(v, "created_at", "")?,
        shipments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_fulfillment_gives_its_numbers_company_and_the_orders_name() {
        let f = json!({"id": 1, "order_id": 450789469, "name": "#1001.1", "status": "success",
            "tracking_company": "UPS", "tracking_number": "1Z2345", "tracking_numbers": ["1Z2345", "1Z6789"],
            "email": "jo@example.net", "destination": {"first_name": "Jo", "last_name": "Ng"}});
        let o = read("fulfillments/create", &f).unwrap();
        assert_eq!(o.order_id.as_deref(), Some("#1001"));
        assert_eq!(o.name.as_deref(), Some("Jo Ng"));
        assert_eq!(o.shipments[0].numbers, ["1Z2345", "1Z6789"]);
        assert_eq!(o.shipments[0].company.as_deref(), Some("UPS"));
        assert!(!o.shipments[0].cancelled);
    }

    #[test]
    fn an_order_gives_its_customer_locale_and_each_fulfillment() {
        let o = json!({"name": "#1002", "email": "", "customer": {"email": "kim@example.net"},
            "customer_locale": "fr", "created_at": "2026-11-20T10:00:00-05:00",
            "fulfillments": [{"status": "cancelled", "tracking_number": "A1"}, {"status": "success", "tracking_number": "B2"}]});
        let o = read("orders/updated", &o).unwrap();
        assert_eq!(o.email.as_deref(), Some("kim@example.net"));
        assert_eq!(o.lang.as_deref(), Some("fr"));
        assert!(o.shipments[0].cancelled && !o.shipments[1].cancelled);
    }

    #[test]
    fn a_wrong_type_is_named() {
        let e = read("orders/updated", &json!({"fulfillments": {}})).unwrap_err();
        assert_eq!(e.0, "fulfillments must be an array");
        let e = read("fulfillments/create", &json!({"tracking_numbers": [1, {}]})).unwrap_err();
        assert_eq!(e.0, "tracking_numbers[1] must be a string");
    }
}
