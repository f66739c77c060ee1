//! What a connector does with an order: one tracking per shipment number, created
//! or brought up to date, in two store calls whatever the number count. Idempotent
//! on (order, number): a resend or an older topic arriving late creates nothing
//! twice. A number whose carrier is neither named (`tables/carrier-names.tsv`) nor
//! detected is refused — in the answer, in a WARN line and in
//! `trackgate_connector_items_total{outcome="refused"}` — never dropped unseen.

use super::ConnectError;
use crate::core::connect::{names::CarrierNames, Order};
use crate::core::detect::detect;
use crate::core::writes::{NewTracking, TrackingPatch};
use crate::state::AppState;
use crate::store::{Origin, PushKey, TrackingError};
use axum::Json;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

fn names() -> &'static CarrierNames {
    static NAMES: OnceLock<CarrierNames> = OnceLock::new();
    NAMES.get_or_init(CarrierNames::builtin)
}

/// One number to track, as read from the order.
struct Item {
    new: NewTracking,
    cancelled: bool,
    /// The platform's tracking link for it.
    url: Option<String>,
}

/// Our carrier for a number: the platform's name mapped, else detected.
fn carrier(state: &AppState, company: Option<&str>, number: &str) -> Result<String, String> {
    if let Some(code) = company
        .and_then(|c| names().code(c))
        .and_then(|code| state.carriers.resolve(code))
    {
        return Ok(code.code.clone());
    }
    match detect(&state.carriers, number).first() {
        Some(c) => Ok(c.carrier.code.clone()),
        None => Err(match company {
            Some(c) => format!(
                "the carrier {c:?} is not one we know, and none is detected from the number"
            ),
            None => "no carrier is named, and none is detected from the number".into(),
        }),
    }
}

/// The order's fields every tracking of it gets.
fn fields(order: &Order) -> Map<String, Value> {
    let mut m = Map::new();
    // A customer email we cannot send to is left out rather than losing the tracking.
    let email = order
        .email
        .as_deref()
        .filter(|e| crate::core::recipient::parse(e).is_ok());
    for (k, v) in [
        ("order_id", order.order_id.as_deref()),
        ("customer_email", email),
        ("customer_name", order.name.as_deref()),
        ("lang", order.lang.as_deref()),
        // Likewise an order time we cannot read.
        (
            "order_create_time",
            order
                .order_time
                .as_deref()
                .filter(|t| crate::core::time::parse_loose(t).is_some()),
        ),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    }
    m
}

/// Registers `order`'s trackings for `account`, then records the delivery's `id`
/// (if any) so that a resend has no second effect; answers what happened.
pub(super) async fn delivery(
    state: &AppState,
    account: u64,
    platform: &'static str,
    id: Option<&str>,
    order: &Order,
) -> Result<Json<Value>, ConnectError> {
    if let Some(id) = id {
        crate::core::plan::check_push_id(id).map_err(ConnectError::Malformed)?;
        if state.store.push_seen(platform, id).await? {
            return Ok(Json(json!({"duplicate": true})));
        }
    }
    let order_ref = order.order_id.as_deref().unwrap_or("?");
    let base = fields(order);
    let mut items: Vec<Item> = Vec::new();
    let mut refused = Vec::new();
    for s in &order.shipments {
        for (i, number) in s.numbers.iter().enumerate() {
            let url = s.urls.get(i).cloned().flatten();
            let made = carrier(state, s.company.as_deref(), number).and_then(|code| {
                let mut m = base.clone();
                m.insert("tracking_number".into(), json!(number));
                m.insert("carrier_code".into(), json!(code));
                state
                    .new_tracking(&m, "", &crate::api::fields::V2)
                    .map_err(|e| e.to_string())
            });
            match made {
                Ok(new) => match items
                    .iter_mut()
                    .find(|i| i.new.tracking_number == new.tracking_number)
                {
                    // The same number in two shipments: the later one says how it stands.
                    Some(known) => {
                        known.cancelled = s.cancelled;
                        known.url = url.or(known.url.take());
                    }
                    None => items.push(Item {
                        new,
                        cancelled: s.cancelled,
                        url,
                    }),
                },
                Err(reason) => {
                    tracing::warn!(platform, order = %order_ref, tracking_number = %number, reason = %reason, "connector item refused");
                    crate::telemetry::connector(platform, "refused", 1);
                    refused.push(json!({"tracking_number": number, "reason": reason}));
                }
            }
        }
    }
    let now = state.clock.now();
    let keys: Vec<(String, String, bool, Option<String>)> = items
        .iter()
        .map(|i| {
            let n = &i.new;
            (
                n.carrier_code.clone(),
                n.tracking_number.clone(),
                i.cancelled,
                i.url.clone(),
            )
        })
        .collect();
    let patch_fields = items
        .first()
        .map(|i| (i.new.fields.clone(), i.new.order_created_at));
    let made = state
        .store
        .create_trackings(account, items.into_iter().map(|i| i.new).collect(), now)
        .await?;
    let mut patches = Vec::new();
    let (mut created, mut updated) = (0, 0);
    for ((carrier, number, cancelled, shop_url), r) in keys.into_iter().zip(made) {
        let notupdate = cancelled.then_some(true);
        match r {
            Ok(_) => {
                created += 1;
                // What a create does not set: the stop and the shop's link.
                if notupdate.is_some() || shop_url.is_some() {
                    let patch = TrackingPatch {
                        notupdate,
                        shop_url,
                        ..TrackingPatch::default()
                    };
                    patches.push((carrier, number, patch));
                }
            }
            Err(TrackingError::AlreadyExists) => {
                updated += 1;
                let (fields, order_created_at) = patch_fields.clone().unwrap_or_default();
                let patch = TrackingPatch {
                    fields,
                    order_created_at,
                    notupdate,
                    shop_url,
                    ..TrackingPatch::default()
                };
                patches.push((carrier, number, patch));
            }
            Err(e) => return Err(ConnectError::Store(store_error(e))),
        }
    }
    if !patches.is_empty() {
        for r in state.store.update_trackings(account, patches, now).await? {
            match r {
                // Deleted meanwhile: nothing to bring up to date.
                Ok(_) | Err(TrackingError::NotFound) => {}
                Err(e) => return Err(ConnectError::Store(store_error(e))),
            }
        }
    }
    if let Some(id) = id {
        let key = PushKey {
            source: platform,
            id,
            body: None,
        };
        state
            .store
            .apply_updates(&[], Origin::Push, Some(key), now)
            .await?;
    }
    crate::telemetry::connector(platform, "created", created);
    tracing::info!(platform, order = %order_ref, created, updated, refused = refused.len(), "connector order taken");
    Ok(Json(
        json!({"created": created, "updated": updated, "refused": refused}),
    ))
}

fn store_error(e: TrackingError) -> crate::store::StoreError {
    match e {
        TrackingError::Store(s) => s,
        other => crate::store::StoreError::Engine(other.to_string()),
    }
}
