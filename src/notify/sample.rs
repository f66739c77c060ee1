//! A made-up parcel that has just reached a status, its events told by the sandbox
//! carrier's script for that outcome: what `check-config` renders every template
//! with, what `trackgate render` previews, and what the snapshots show.

use super::context::{CarrierView, MessageContext, PageContext, ShopView, TransitionView};
use crate::core::alerts::{Alert, Fired};
use crate::core::apply::apply;
use crate::core::carriers::Carriers;
use crate::core::model::{Parcel, Tracking, TrackingFields, Transition};
use crate::core::rules::Topic;
use crate::core::status::Status;
use crate::core::view::TrackingView;

/// A fixed time, so previews and snapshots are stable: 2025-11-20 17:12 UTC.
const AT: i64 = 1_763_658_720;

/// The sample's page token and notification id.
pub const TRACKING_ID: &str = "0123456789abcdef0123456789abcdef";
pub const NOTIFICATION_ID: &str = "msg_0123456789abcdef0123456789abcdef";
pub const PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// One sample tracking, with everything its messages are made from.
pub struct Sample {
    pub tracking: Tracking,
    pub parcel: Parcel,
    pub view: TrackingView,
    pub transition: TransitionView,
    pub carrier: CarrierView,
    pub shop: ShopView,
}

impl Sample {
    /// A Philippines Post parcel of an outdoor shop that has just reached `status`.
    pub fn reaching(status: Status) -> Sample {
        let script = format!("SANDBOX-{}-1", status.as_str().to_ascii_uppercase());
        let fresh = Parcel::new("phlpost", "RR050349575PH", AT);
        let mut parcel = apply(&fresh, &crate::poll::sandbox::journey(&script, AT), AT).next;
        parcel.status = status;
        let tracking = Tracking {
            fields: TrackingFields {
                title: Some("Walking boots".into()),
                order_id: Some("#1001".into()),
                customer_name: Some("Jo Example".into()),
                customer_email: Some("jo@example.com".into()),
                order_create_time: Some("2025-11-01 10:00".into()),
                ..TrackingFields::default()
            },
            ..tracking(TRACKING_ID, &parcel, AT)
        };
        let from = match status {
            Status::Transit => Status::Notfound,
            Status::Pending | Status::Notfound => Status::Pending,
            _ => Status::Transit,
        };
        Sample::new(tracking, parcel, from, AT)
    }

    /// The sample of `tracking`, whose parcel `parcel` has just moved from `from`
    /// to its status at `at`, for an outdoor shop.
    pub fn new(tracking: Tracking, parcel: Parcel, from: Status, at: i64) -> Sample {
        let carriers = Carriers::builtin();
        let transition = Transition {
            seq: 1,
            from,
            to: parcel.status,
            from_substatus: None,
            to_substatus: parcel.substatus.clone(),
            at,
            source: "sample".into(),
        };
        Sample {
            view: TrackingView::new(&tracking, &parcel, &carriers, at),
            transition: TransitionView::from(&transition),
            carrier: CarrierView::of(&carriers, &tracking.carrier_code),
            shop: ShopView::new(Some("Example Outdoor Shop"), None, None),
            tracking,
            parcel,
        }
    }

    /// A parcel in transit whose `alert` has just fired: stalled since eight days,
    /// or an estimate of two days ago (missed), or of two days on (revised).
    pub fn alerted(alert: Alert) -> Sample {
        let mut s = Sample::reaching(Status::Transit);
        let at = match alert {
            Alert::Stalled => AT - 8 * 86_400,
            Alert::EddMissed => AT - 2 * 86_400,
            Alert::EddRevised => AT + 2 * 86_400,
        };
        let transition = Transition {
            seq: 1,
            from: Status::Transit,
            to: Status::Transit,
            from_substatus: s.parcel.substatus.clone(),
            to_substatus: s.parcel.substatus.clone(),
            at: AT,
            source: Fired { alert, at }.source(),
        };
        s.transition = TransitionView::from(&transition);
        s
    }

    /// The sample for `topic`: a parcel reaching a status, or an alert.
    pub fn of(topic: Topic) -> Sample {
        match topic {
            Topic::Status(s) => Sample::reaching(s),
            Topic::Alert(a) => Sample::alerted(a),
        }
    }

    /// A delivered one.
    pub fn delivered() -> Sample {
        Sample::reaching(Status::Delivered)
    }

    /// What its notification's templates see.
    pub fn context(&self) -> MessageContext<'_> {
        self.context_at(PUBLIC_URL)
    }

    /// The same, for a gateway whose public address is `public_url`.
    pub fn context_at<'a>(&'a self, public_url: &'a str) -> MessageContext<'a> {
        MessageContext::new(
            &self.view,
            &self.transition,
            &self.carrier,
            &self.shop,
            public_url,
            NOTIFICATION_ID,
        )
    }

    /// What its tracking page in `lang` shows.
    pub fn page<'a>(&'a self, lang: &'a str) -> PageContext<'a> {
        PageContext::new(&self.view, &self.parcel, &self.carrier, &self.shop, lang)
    }
}

/// A tracking with page token `id` of account 1 for `parcel`, registered at `at`,
/// with no shop fields.
pub fn tracking(id: &str, parcel: &Parcel, at: i64) -> Tracking {
    Tracking {
        id: id.into(),
        account: 1,
        carrier_code: parcel.carrier_code.clone(),
        tracking_number: parcel.tracking_number.clone(),
        created_at: at,
        updated_at: at,
        fields: TrackingFields::default(),
        order_created_at: None,
        archived: false,
        status_override: None,
        notupdate: false,
        shop_url: None,
        watch: None,
    }
}
