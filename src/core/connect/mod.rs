//! Shop platforms' order webhooks read into what trackgate tracks: an order, its
//! shipments and their numbers (`shopify`, `woocommerce`), and the platforms'
//! carrier names mapped to our codes (`names`). Pure: the receivers in
//! `crate::connect` verify, store and answer.

pub mod names;
pub mod settings;
pub mod shopify;
pub mod woocommerce;

use serde_json::Value;

/// An order as a platform's webhook tells it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Order {
    /// The order's name or number as the shop shows it (`#1001`).
    pub order_id: Option<String>,
    /// The customer's email.
    pub email: Option<String>,
    /// The customer's name.
    pub name: Option<String>,
    /// The customer's language (`fr`, `en-US`), where the platform gives it.
    pub lang: Option<String>,
    /// When the order was placed, as the platform writes it.
    pub order_time: Option<String>,
    /// Its shipments.
    pub shipments: Vec<Shipment>,
}

/// One shipment (a Shopify fulfillment, a WooCommerce tracking item).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shipment {
    /// Its tracking numbers.
    pub numbers: Vec<String>,
    /// The platform's tracking link of each number, where it gives one (same
    /// order as `numbers`; `None` where it gives none).
    pub urls: Vec<Option<String>>,
    /// The carrier as the platform names it, if it does.
    pub company: Option<String>,
    /// Cancelled: its trackings stop updating.
    pub cancelled: bool,
}

/// Why a webhook body could not be read; names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

/// A text field: a string (trimmed, `""` absent) or a number; absent or null is
/// `None`; anything else is malformed.
fn text(v: &Value, key: &str, at: &str) -> Result<Option<String>, Malformed> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(Malformed(format!("{at}{key} must be a string"))),
    }
}

/// The numbers of a list field (strings, `""` skipped), in order, without repeats.
fn numbers(v: &Value, key: &str, at: &str) -> Result<Vec<String>, Malformed> {
    let mut out: Vec<String> = Vec::new();
    match v.get(key) {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (i, n) in list.iter().enumerate() {
                let s = match n {
                    Value::String(s) => s.trim().to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => return Err(Malformed(format!("{at}{key}[{i}] must be a string"))),
                };
                if !s.is_empty() && !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        Some(_) => return Err(Malformed(format!("{at}{key} must be an array"))),
    }
    Ok(out)
}

/// A tracking link as kept: an http(s) URL of sane length, else none.
pub fn link(url: Option<String>) -> Option<String> {
    url.filter(|u| {
        (u.starts_with("https://") || u.starts_with("http://"))
            && u.len() <= 1000
            && !u.chars().any(|c| c.is_control() || c.is_whitespace())
    })
}

/// `first last`, either alone, or `None`.
fn full_name(first: Option<String>, last: Option<String>) -> Option<String> {
    match (first, last) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.or(l),
    }
}
