//! What messages are made from, typed. A notification's [`MessageContext`] is built
//! from its subject (the tracking, its carrier and shop, read once per batch) and
//! its job; email, Slack, the webhook body and `trackgate render` all use it. The
//! tracking page has its own, [`PageContext`]: it never shows the customer's email
//! or name. Templates see these structs' fields by name; a renamed field is a
//! compile error here, not a silent `null` in a message.

use super::labels;
use crate::core::alerts::{Alert, Fired};
use crate::core::carriers::Carriers;
use crate::core::model::{Parcel, Transition};
use crate::core::rules::Topic;
use crate::core::status::Status;
use crate::core::time::{self, Zone};
use crate::core::view::{TrackInfo, TrackingView};
use serde::Serialize;

/// A status change as messages show it (`at` in RFC 3339); for an alert, the
/// status it is about (`from` = `to`) and `alert`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransitionView {
    pub from: Status,
    pub to: Status,
    pub from_substatus: Option<String>,
    pub to_substatus: Option<String>,
    pub at: String,
    pub alert: Option<AlertView>,
}

/// An alert as messages show it: `name` (`stalled`, `edd_missed`,
/// `edd_revised`); `since` (RFC 3339) and `date` (`YYYY-MM-DD`, UTC) — when the
/// status began (stalled) or the estimate (missed, or the new one); `days` —
/// whole days from then to the alert (stalled, missed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertView {
    pub name: &'static str,
    #[serde(skip)]
    pub alert: Alert,
    pub since: String,
    pub date: String,
    pub days: i64,
}

impl From<&Transition> for TransitionView {
    fn from(t: &Transition) -> TransitionView {
        TransitionView {
            from: t.from,
            to: t.to,
            from_substatus: t.from_substatus.clone(),
            to_substatus: t.to_substatus.clone(),
            at: time::rfc3339(t.at),
            alert: Fired::of_source(&t.source).map(|f| {
                let since = time::rfc3339(f.at);
                AlertView {
                    name: f.alert.as_str(),
                    alert: f.alert,
                    date: since.chars().take(10).collect(),
                    since,
                    days: (t.at - f.at).max(0) / 86_400,
                }
            }),
        }
    }
}

impl TransitionView {
    /// What its templates are chosen by: the alert, else the new status.
    pub fn topic(&self) -> Topic {
        self.alert
            .as_ref()
            .map_or(Topic::Status(self.to), |a| Topic::Alert(a.alert))
    }
}

/// The shop: `name` and `logo_url`, empty strings when unset, and the time
/// zone its customers are shown times in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ShopView {
    pub name: String,
    pub logo_url: String,
    #[serde(skip)]
    pub zone: Zone,
}

impl ShopView {
    pub fn new(name: Option<&str>, logo_url: Option<&str>, timezone: Option<&str>) -> ShopView {
        ShopView {
            name: name.unwrap_or("").to_string(),
            logo_url: logo_url.unwrap_or("").to_string(),
            zone: Zone::of(timezone),
        }
    }
}

/// The carrier, as the registry knows it (all `null` for a code it does not).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CarrierView {
    pub code: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    #[serde(skip)]
    track_url: String,
    #[serde(skip)]
    homepage: String,
}

impl CarrierView {
    pub fn of(carriers: &Carriers, code: &str) -> CarrierView {
        match carriers.resolve(code) {
            Some(c) => CarrierView {
                code: Some(c.code.clone()),
                name: Some(c.name.clone()),
                phone: Some(c.phone.clone()),
                track_url: c.track_url.clone(),
                homepage: c.homepage.clone(),
            },
            None => CarrierView::default(),
        }
    }

    /// The carrier's own page for `number`, when its tracking URL has a slot for it.
    pub fn link_for(&self, number: &str) -> Option<String> {
        self.track_url
            .contains("******")
            .then(|| self.track_url.replace("******", number))
    }
}

/// The order a tracking belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct OrderView<'a> {
    pub id: Option<&'a str>,
    pub title: Option<&'a str>,
    pub customer_name: Option<&'a str>,
    pub created: Option<&'a str>,
}

/// What every notification template sees: `tracking` (the TrackingMore tracking
/// object), `transition`, `event` (the newest scan, fields empty if none),
/// `checkpoints`, `order`, `status_label` (in the message's language), `carrier`,
/// `shop`, `link` (the customer's tracking page), `carrier_link` (the carrier's own
/// page for the number, if known), `estimated_delivery` (`YYYY-MM-DD` or null),
/// `public_url`, `notification_id`, `timezone`. Dates (`event.Date`,
/// `checkpoints[].Date`) are in the shop's zone, which `timezone` names; those
/// inside `tracking` stay UTC, as TrackingMore's object has them.
#[derive(Debug, Clone, Serialize)]
pub struct MessageContext<'a> {
    pub tracking: &'a TrackingView,
    pub transition: &'a TransitionView,
    pub event: TrackInfo,
    pub checkpoints: Vec<TrackInfo>,
    pub order: OrderView<'a>,
    pub status_label: String,
    pub shop: &'a ShopView,
    pub carrier: &'a CarrierView,
    pub link: String,
    pub carrier_link: Option<String>,
    pub estimated_delivery: Option<&'a str>,
    pub public_url: &'a str,
    pub notification_id: &'a str,
    pub timezone: &'static str,
}

impl<'a> MessageContext<'a> {
    pub fn new(
        tracking: &'a TrackingView,
        transition: &'a TransitionView,
        carrier: &'a CarrierView,
        shop: &'a ShopView,
        public_url: &'a str,
        notification_id: &'a str,
    ) -> MessageContext<'a> {
        let zone = shop.zone;
        let checkpoints: Vec<TrackInfo> = tracking
            .origin_info
            .trackinfo
            .iter()
            .map(|c| TrackInfo {
                date: zone.shift(&c.date),
                ..c.clone()
            })
            .collect();
        MessageContext {
            tracking,
            transition,
            event: checkpoints.first().cloned().unwrap_or_default(),
            checkpoints,
            order: OrderView {
                id: tracking.order_id.as_deref(),
                title: tracking.title.as_deref(),
                customer_name: tracking.customer_name.as_deref(),
                created: tracking.order_create_time.as_deref(),
            },
            status_label: labels::builtin(transition.to).to_string(),
            shop,
            carrier,
            // "Follow your parcel" is the customer's tracking page.
            link: crate::core::links::tracking_page(public_url, &tracking.id),
            // The link the shop's platform made for this number, else the carrier table's.
            carrier_link: tracking
                .shop_tracking_url
                .clone()
                .or_else(|| carrier.link_for(&tracking.tracking_number)),
            estimated_delivery: tracking.estimated_delivery.as_deref(),
            public_url,
            notification_id,
            timezone: zone.name(),
        }
    }

    /// The same context with this `status_label` (in the message's language).
    pub fn with_label(&self, status_label: String) -> MessageContext<'a> {
        MessageContext {
            status_label,
            ..self.clone()
        }
    }
}

/// One scan on the tracking page: `date` as shown, `iso` for `<time datetime>`.
#[derive(Debug, Clone, Serialize)]
pub struct PageEvent {
    pub date: String,
    pub iso: String,
    pub description: String,
    pub location: String,
}

/// The carrier on the page: its name and a link (its page for the number, else
/// its homepage).
#[derive(Debug, Clone, Serialize)]
pub struct PageCarrier {
    pub name: String,
    pub url: Option<String>,
}

/// What the tracking page shows: never the customer's email or name. Times
/// (`events[].date`, `updated`) are in the shop's zone, named by `timezone`.
#[derive(Debug, Clone, Serialize)]
pub struct PageContext<'a> {
    pub lang: &'a str,
    pub tracking_number: &'a str,
    pub status: Status,
    pub status_label: String,
    pub carrier: PageCarrier,
    pub estimated_delivery: Option<&'a str>,
    pub events: Vec<PageEvent>,
    pub shop: &'a ShopView,
    pub updated: String,
    pub timezone: &'static str,
}

impl<'a> PageContext<'a> {
    /// The page of `view` (whose parcel is `parcel`) in `lang`.
    pub fn new(
        view: &'a TrackingView,
        parcel: &Parcel,
        carrier: &CarrierView,
        shop: &'a ShopView,
        lang: &'a str,
    ) -> PageContext<'a> {
        let status = Status::parse(view.status).unwrap_or(Status::Pending);
        let number = view.tracking_number.as_str();
        let zone = shop.zone;
        PageContext {
            lang,
            tracking_number: number,
            status,
            status_label: labels::builtin(status).to_string(),
            carrier: PageCarrier {
                name: carrier
                    .name
                    .clone()
                    .unwrap_or_else(|| view.carrier_code.clone()),
                url: view
                    .shop_tracking_url
                    .clone()
                    .or_else(|| carrier.link_for(number))
                    .or_else(|| Some(carrier.homepage.clone()).filter(|u| !u.is_empty())),
            },
            estimated_delivery: view.estimated_delivery.as_deref(),
            events: parcel
                .events
                .iter()
                .map(|e| PageEvent {
                    date: zone.tm_date(e.time),
                    iso: time::rfc3339(e.time),
                    description: e.description.clone(),
                    location: e.location.clone(),
                })
                .collect(),
            shop,
            updated: zone.tm_date(parcel.updated_at),
            timezone: zone.name(),
        }
    }
}
