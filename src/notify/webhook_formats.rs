//! The webhook bodies of the formats other than trackgate's own: TrackingMore
//! v2's and v4's, and AfterShip's — each provider's documented body, so a
//! receiver written for that provider takes ours unchanged.

use super::context::TransitionView;
use super::subject::Subject;
use super::webhook;
use crate::core::alerts::Alert;
use crate::core::asview::AsTracking;
use crate::core::endpoints::Format;
use crate::core::v4view::V4Tracking;
use serde_json::{json, Value};

/// The body `format` sends for `transition` of `subject`'s tracking. `secret`
/// signs TrackingMore v2's `verifyInfo` (not the account email: see `webhook`).
pub fn body_text(
    format: Format,
    subject: &Subject,
    carriers: &crate::core::carriers::Carriers,
    transition: &TransitionView,
    job_id: &str,
    secret: &str,
    now: i64,
) -> String {
    let tracking = &subject.tracking_json;
    let body = match format {
        Format::Trackgate => {
            let link = Some(subject.link.as_str());
            return webhook::body_text(tracking, transition, job_id, secret, link, now);
        }
        Format::TrackingmoreV2 => {
            return webhook::body_text(tracking, transition, job_id, secret, None, now)
        }
        Format::TrackingmoreV4 => json!({
            "code": 200,
            "message": "Success",
            "data": V4Tracking::new(&subject.tracking, &subject.parcel, carriers, now),
        }),
        Format::Aftership => aftership(subject, transition, job_id, now),
    };
    serde_json::to_string(&body).unwrap_or_default()
}

/// AfterShip's `{ts, event, event_id, is_tracking_first_tag, msg}`: `event` is
/// `tracking_update` for a status change, `edd_revise` for a revised estimate,
/// `tracking_pending_time` for a stalled parcel and `tracking_edd_missed` for a
/// missed one (AfterShip has no event of its own for that; its name follows
/// theirs). `event_id` is a UUID made from the notification id, the same on
/// every retry.
fn aftership(subject: &Subject, transition: &TransitionView, job_id: &str, now: i64) -> Value {
    let alert = transition.alert.as_ref().map(|a| a.alert);
    let event = match alert {
        None => "tracking_update",
        Some(Alert::EddRevised) => "edd_revise",
        Some(Alert::Stalled) => "tracking_pending_time",
        Some(Alert::EddMissed) => "tracking_edd_missed",
    };
    json!({
        "ts": now,
        "event": event,
        "event_id": uuid_of(job_id),
        "is_tracking_first_tag": alert.is_none(),
        "msg": AsTracking::new(&subject.tracking, &subject.parcel, &subject.link),
    })
}

/// A version-4-shaped UUID from the hex digits of a notification id.
fn uuid_of(job_id: &str) -> String {
    let hex: String = job_id
        .trim_start_matches("msg_")
        .chars()
        .chain(std::iter::repeat('0'))
        .take(32)
        .collect();
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// Headers beyond Standard Webhooks' that `format` carries: AfterShip's
/// `aftership-hmac-sha256`, base64 HMAC-SHA256 of the raw body keyed by the
/// secret (the current one; the Standard Webhooks headers carry every secret).
pub fn extra_headers(format: Format, secret: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    use base64::Engine;
    match format {
        Format::Aftership => {
            let mac = crate::signing::hmac(secret.as_bytes(), &[body]);
            vec![(
                "aftership-hmac-sha256",
                base64::engine::general_purpose::STANDARD.encode(mac),
            )]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_uuids_stable_per_notification() {
        let id = uuid_of("msg_0123456789abcdef0123456789abcdef");
        assert_eq!(id, "01234567-89ab-4def-8123-456789abcdef");
        assert_eq!(id, uuid_of("msg_0123456789abcdef0123456789abcdef"));
    }
}
