//! The `sandbox` carrier: a number scripts its own journey, so the product can be
//! tried end to end with no upstream account.
//!
//! `SANDBOX-<OUTCOME>[-anything]`, OUTCOME one of PENDING, NOTFOUND, TRANSIT, PICKUP,
//! DELIVERED, UNDELIVERED, EXCEPTION, EXPIRED. The whole journey is reported at the
//! first fetch; its scans are three hours apart and the newest is timed at the
//! moment the number was registered, so the same number always tells the same story.

use super::{BoxFuture, FetchRequest, Provider, ProviderError};
use crate::core::apply::Update;
use crate::core::model::Checkpoint;
use crate::core::status::Status;

/// The sandbox carrier code.
pub const CARRIER: &str = "sandbox";

const STEP: i64 = 3 * 3600;

/// (description, location, status, substatus)
type Scan = (&'static str, &'static str, Status, &'static str);

const INFO: Scan = (
    "Shipment information received",
    "SHENZHEN, CN",
    Status::Notfound,
    "notfound001",
);
const PICKED: Scan = (
    "Picked up by carrier",
    "SHENZHEN, CN",
    Status::Transit,
    "transit001",
);
const HUB: Scan = (
    "Arrived at sorting center",
    "LEIPZIG, DE",
    Status::Transit,
    "transit002",
);
const OUT: Scan = (
    "Out for delivery",
    "BERLIN, DE",
    Status::Pickup,
    "pickup001",
);
const DELIVERED: Scan = (
    "Delivered, signed for by recipient",
    "BERLIN, DE",
    Status::Delivered,
    "delivered001",
);
const FAILED: Scan = (
    "Delivery attempt failed: recipient not at home",
    "BERLIN, DE",
    Status::Undelivered,
    "undelivered001",
);
const RETURNED: Scan = (
    "Returned to sender: address unknown",
    "LEIPZIG, DE",
    Status::Exception,
    "exception010",
);

/// The scripted scans (oldest first) and the final stated status of an outcome.
fn script(outcome: &str) -> Option<(Vec<Scan>, Status)> {
    Some(match outcome {
        "PENDING" => (vec![], Status::Pending),
        "NOTFOUND" => (vec![], Status::Notfound),
        "TRANSIT" => (vec![INFO, PICKED, HUB], Status::Transit),
        "PICKUP" => (vec![INFO, PICKED, HUB, OUT], Status::Pickup),
        "DELIVERED" => (vec![INFO, PICKED, HUB, OUT, DELIVERED], Status::Delivered),
        "UNDELIVERED" => (vec![INFO, PICKED, HUB, OUT, FAILED], Status::Undelivered),
        "EXCEPTION" => (vec![INFO, PICKED, HUB, RETURNED], Status::Exception),
        "EXPIRED" => (vec![INFO, PICKED], Status::Expired),
        _ => return None,
    })
}

/// The journey a sandbox number scripts, as an update.
pub fn journey(number: &str, registered_at: i64) -> Update {
    let outcome = number
        .strip_prefix("SANDBOX-")
        .map(|rest| rest.split('-').next().unwrap_or(""))
        .unwrap_or("");
    let (scans, status) = script(outcome).unwrap_or((vec![], Status::Notfound));
    let n = scans.len() as i64;
    let events = scans
        .iter()
        .enumerate()
        .map(|(i, (desc, loc, st, sub))| Checkpoint {
            time: registered_at - (n - 1 - i as i64) * STEP,
            description: (*desc).into(),
            location: (*loc).into(),
            status: Some(*st),
            substatus: Some((*sub).into()),
        })
        .collect();
    Update {
        status: Some(status),
        substatus: status.default_substatus().map(String::from),
        as_of: Some(registered_at),
        events,
        origin_country: Some("CN".into()),
        destination_country: Some("DE".into()),
        status_text: None,
        // Parcels still on their way are expected two days after registration.
        estimated_delivery: matches!(
            status,
            Status::Transit | Status::Pickup | Status::Undelivered
        )
        .then_some(registered_at + 2 * 86_400),
        source: "sandbox".into(),
        expire_after_quiet: None,
    }
}

/// The sandbox provider.
pub struct Sandbox;

impl Provider for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn fetch<'a>(&'a self, req: &'a FetchRequest) -> BoxFuture<'a, Result<Update, ProviderError>> {
        Box::pin(async move { Ok(journey(&req.tracking_number, req.registered_at)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::apply::apply;
    use crate::core::model::Parcel;

    #[test]
    fn every_outcome_ends_in_its_status() {
        for (outcome, want) in [
            ("PENDING", Status::Pending),
            ("NOTFOUND", Status::Notfound),
            ("TRANSIT", Status::Transit),
            ("PICKUP", Status::Pickup),
            ("DELIVERED", Status::Delivered),
            ("UNDELIVERED", Status::Undelivered),
            ("EXCEPTION", Status::Exception),
            ("EXPIRED", Status::Expired),
        ] {
            let n = format!("SANDBOX-{outcome}-42");
            let p = Parcel::new(CARRIER, &n, 1_700_000_000);
            let applied = apply(&p, &journey(&n, 1_700_000_000), 1_700_000_001);
            assert_eq!(applied.next.status, want, "{n}");
        }
    }

    #[test]
    fn the_journey_is_deterministic_and_newest_first_when_stored() {
        let a = journey("SANDBOX-DELIVERED-1", 1_700_000_000);
        assert_eq!(a, journey("SANDBOX-DELIVERED-1", 1_700_000_000));
        let p = apply(
            &Parcel::new(CARRIER, "SANDBOX-DELIVERED-1", 1_700_000_000),
            &a,
            1_700_000_005,
        )
        .next;
        assert_eq!(p.events[0].description, DELIVERED.0);
        assert_eq!(p.events[0].time, 1_700_000_000);
        assert_eq!(p.events.len(), 5);
    }

    #[test]
    fn an_unknown_outcome_is_notfound() {
        assert_eq!(journey("SANDBOX-FLYING", 0).status, Some(Status::Notfound));
    }
}
