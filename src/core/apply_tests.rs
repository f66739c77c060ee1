//! Unit and property tests of `apply`.

use super::*;
use proptest::prelude::*;

/// A plausible time base: events before 2000 are ignored by `apply`.
const T0: i64 = 1_700_000_000;
/// "Now" in these tests: after every test event, so none is dated in the future.
const NOW: i64 = T0 + 1_000_000;

fn ev(time: i64, desc: &str, status: Option<Status>) -> Checkpoint {
    Checkpoint {
        time: T0 + time,
        description: desc.into(),
        location: "HUB".into(),
        status,
        substatus: None,
    }
}

fn fresh() -> Parcel {
    Parcel::new("usps", "9400111899562537624326", T0 + 100)
}

fn events_update(events: Vec<Checkpoint>) -> Update {
    Update {
        events,
        source: "test".into(),
        ..Update::default()
    }
}

#[test]
fn a_newer_scan_moves_the_status_and_records_one_transition() {
    let p = fresh();
    let a = apply(
        &p,
        &events_update(vec![ev(10, "Picked up", Some(Status::Transit))]),
        NOW + 1000,
    );
    assert_eq!(a.next.status, Status::Transit);
    assert_eq!(a.next.substatus.as_deref(), Some("transit001"));
    assert_eq!(a.transitions.len(), 1);
    assert_eq!(a.transitions[0].from, Status::Pending);
    assert_eq!(a.transitions[0].seq, 1);
}

#[test]
fn the_same_update_twice_changes_nothing_the_second_time() {
    let u = events_update(vec![ev(10, "Picked up", Some(Status::Transit))]);
    let once = apply(&fresh(), &u, NOW + 1000).next;
    let twice = apply(&once, &u, NOW + 2000);
    assert!(twice.transitions.is_empty());
    assert!(!twice.changed);
    assert_eq!(twice.next, once);
}

#[test]
fn an_older_update_does_not_move_the_status_back() {
    let delivered = apply(
        &fresh(),
        &events_update(vec![ev(50, "Delivered", Some(Status::Delivered))]),
        NOW + 1000,
    )
    .next;
    let late = apply(
        &delivered,
        &events_update(vec![ev(20, "In transit", Some(Status::Transit))]),
        NOW + 1100,
    );
    assert_eq!(late.next.status, Status::Delivered);
    assert!(late.transitions.is_empty());
    assert_eq!(
        late.next.events.len(),
        2,
        "the old scan is still kept in the history"
    );
    assert_eq!(late.next.events[0].description, "Delivered", "newest first");
}

#[test]
fn an_explicit_status_wins_over_scans_of_the_same_time() {
    let u = Update {
        status: Some(Status::Exception),
        substatus: Some("exception010".into()),
        events: vec![ev(30, "Returned", Some(Status::Transit))],
        source: "push".into(),
        ..Update::default()
    };
    let a = apply(&fresh(), &u, NOW + 1000);
    assert_eq!(a.next.status, Status::Exception);
    assert_eq!(a.next.substatus.as_deref(), Some("exception010"));
}

#[test]
fn a_substatus_change_alone_is_a_transition() {
    let p = apply(
        &fresh(),
        &events_update(vec![ev(10, "Picked up", Some(Status::Transit))]),
        NOW + 1,
    )
    .next;
    let mut e = ev(20, "Arrived at hub", Some(Status::Transit));
    e.substatus = Some("transit002".into());
    let a = apply(&p, &events_update(vec![e]), NOW + 2);
    assert_eq!(a.transitions.len(), 1);
    assert_eq!(a.transitions[0].to_substatus.as_deref(), Some("transit002"));
}

#[test]
fn a_copy_of_a_scan_without_its_status_does_not_erase_the_status() {
    // Found by the order property: the same scan twice, once without a status.
    let with = events_update(vec![ev(11, "Scan C", Some(Status::Notfound))]);
    let without = events_update(vec![ev(11, "Scan C", None)]);
    let a = apply(&apply(&fresh(), &without, NOW + 1).next, &with, NOW + 2).next;
    let b = apply(&apply(&fresh(), &with, NOW + 1).next, &without, NOW + 2).next;
    assert_eq!(a.status, Status::Notfound);
    assert_eq!(b.status, Status::Notfound);
    assert_eq!(a.events, b.events);
}

#[test]
fn an_empty_update_changes_nothing() {
    let a = apply(&fresh(), &Update::default(), NOW + 5);
    assert!(!a.changed);
    assert!(a.transitions.is_empty());
}

#[test]
fn delivered_time_is_the_delivered_scan() {
    let a = apply(
        &fresh(),
        &events_update(vec![
            ev(10, "x", Some(Status::Transit)),
            ev(77, "Delivered", Some(Status::Delivered)),
        ]),
        NOW + 1000,
    );
    assert_eq!(a.next.delivered_at, Some(T0 + 77));
}

fn arb_status() -> impl Strategy<Value = Status> {
    proptest::sample::select(Status::ALL.to_vec())
}

fn arb_update() -> impl Strategy<Value = Update> {
    let event = (0i64..20, 0usize..3, proptest::option::of(arb_status()))
        .prop_map(|(t, d, s)| ev(t, ["Scan A", "Scan B", "Scan C"][d], s));
    (
        proptest::option::of(arb_status()),
        proptest::option::of(T0..T0 + 20),
        proptest::collection::vec(event, 0..4),
    )
        .prop_map(|(status, as_of, events)| Update {
            status,
            as_of,
            events,
            source: "prop".into(),
            ..Update::default()
        })
}

/// The state that must not depend on delivery order (sequence numbers and change
/// times count the steps taken and legitimately differ).
fn essence(
    p: &Parcel,
) -> (
    Status,
    Option<String>,
    Vec<Checkpoint>,
    Option<StatedStatus>,
    Option<i64>,
) {
    (
        p.status,
        p.substatus.clone(),
        p.events.clone(),
        p.stated.clone(),
        p.delivered_at,
    )
}

proptest! {
    #[test]
    fn applying_an_update_twice_equals_applying_it_once(u in arb_update()) {
        let once = apply(&fresh(), &u, NOW + 500).next;
        let twice = apply(&once, &u, NOW + 500);
        prop_assert_eq!(&twice.next, &once);
        prop_assert!(twice.transitions.is_empty());
    }

    #[test]
    fn any_delivery_order_ends_in_the_same_state(
        updates in proptest::collection::vec(arb_update(), 1..5),
        seed in any::<u64>(),
    ) {
        let forward = updates.iter().fold(fresh(), |p, u| apply(&p, u, NOW + 500).next);
        let mut shuffled = updates.clone();
        // Fisher-Yates with a seeded LCG.
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        let other = shuffled.iter().fold(fresh(), |p, u| apply(&p, u, NOW + 500).next);
        prop_assert_eq!(essence(&forward), essence(&other));
    }
}

#[test]
fn events_dated_far_ahead_or_before_2000_are_ignored_and_counted() {
    let u = events_update(vec![
        ev(10, "Picked up", Some(Status::Transit)),
        Checkpoint {
            time: 4_102_444_800, // 2100-01-01
            ..ev(0, "Delivered in 2100", Some(Status::Delivered))
        },
        Checkpoint {
            time: 86_400,
            ..ev(0, "Delivered in 1970", Some(Status::Delivered))
        },
    ]);
    let a = apply(&fresh(), &u, NOW);
    assert_eq!(a.ignored_events, 2);
    assert_eq!(a.next.events.len(), 1);
    assert_eq!(a.next.status, Status::Transit);
}

#[test]
fn a_scan_dated_later_today_never_outranks_the_next_real_scan() {
    // Twelve hours ahead: kept (clocks are sloppy), but as of its arrival.
    let early = Checkpoint {
        time: NOW + 43_200,
        ..ev(0, "Out for delivery", Some(Status::Pickup))
    };
    let a = apply(&fresh(), &events_update(vec![early]), NOW).next;
    assert_eq!(a.status, Status::Pickup);
    assert_eq!(a.events[0].time, NOW);
    let real = Checkpoint {
        time: NOW + 60,
        ..ev(0, "Delivered", Some(Status::Delivered))
    };
    let b = apply(&a, &events_update(vec![real]), NOW + 120);
    assert_eq!(b.next.status, Status::Delivered);
    assert_eq!(b.transitions.len(), 1);
}

#[test]
fn a_stated_status_about_the_future_speaks_for_now() {
    let u = Update {
        status: Some(Status::Delivered),
        as_of: Some(4_102_444_800),
        source: "push".into(),
        ..Update::default()
    };
    let a = apply(&fresh(), &u, NOW).next;
    assert_eq!(a.stated.as_ref().map(|s| s.as_of), Some(NOW));
    let later = events_update(vec![Checkpoint {
        time: NOW + 10,
        ..ev(0, "Returned to sender", Some(Status::Exception))
    }]);
    assert_eq!(apply(&a, &later, NOW + 20).next.status, Status::Exception);
}

#[test]
fn only_the_newest_events_are_kept() {
    let many: Vec<Checkpoint> = (0..(MAX_EVENTS as i64 + 50))
        .map(|i| ev(i, &format!("Scan {i}"), Some(Status::Transit)))
        .collect();
    let a = apply(&fresh(), &events_update(many), NOW).next;
    assert_eq!(a.events.len(), MAX_EVENTS);
    assert_eq!(a.events[0].description, format!("Scan {}", MAX_EVENTS + 49));
}
