use super::*;
use crate::core::model::{Parcel, Tracking};
use crate::core::rules::Rules;
use crate::core::settings::{Notify, SlackDest};

const T0: i64 = 1_700_000_000;

fn parcel(status: Status) -> Parcel {
    Parcel {
        status,
        ..Parcel::new("dhl", "JD1", T0)
    }
}

fn tracking() -> Tracking {
    crate::core::model::fixtures::tracking(T0)
}

fn slack_account() -> Notify {
    Notify {
        slack: Some(SlackDest {
            url: "https://hooks.slack.test/x".into(),
            disabled: None,
        }),
        rules: Rules::default(),
        ..Notify::default()
    }
}

#[test]
fn a_status_unchanged_past_its_threshold_fires_once_per_spell() {
    let (t, p, n) = (tracking(), parcel(Status::Transit), slack_account());
    let week = 7 * DAY;
    assert_eq!(
        plan_alert(&t, &p, &n, T0 + week - 1).map(|a| a.fired),
        Some(vec![]),
        "a row from before alerts gets its watch written, nothing fires"
    );
    let fired = plan_alert(&t, &p, &n, T0 + week).expect("due");
    assert_eq!(fired.fired, vec![Alert::Stalled]);
    assert_eq!(fired.jobs.len(), 1, "Slack only: no webhook, email off");
    let job = &fired.jobs[0];
    assert_eq!(job.channel, Channel::Slack);
    assert_eq!(
        Fired::of_source(&job.transition.source),
        Some(Fired {
            alert: Alert::Stalled,
            at: T0
        })
    );
    // Fired: the index drops it and a second look writes nothing.
    assert_eq!(watch_keys(&fired.tracking, &p).stalled, None);
    assert_eq!(plan_alert(&fired.tracking, &p, &n, T0 + 2 * week), None);
    // The same alert planned again (another node, a crash before commit) has the same id.
    assert_eq!(
        plan_alert(&t, &p, &n, T0 + week).unwrap().jobs[0].id,
        job.id
    );
}

#[test]
fn a_status_change_starts_a_new_spell_that_can_stall_again() {
    let n = slack_account();
    let p = parcel(Status::Transit);
    let fired = plan_alert(&tracking(), &p, &n, T0 + 7 * DAY)
        .unwrap()
        .tracking;
    let mut after = fired.clone();
    let pickup = parcel(Status::Pickup);
    rewatch(&fired, &p, &mut after, &pickup, T0 + 8 * DAY);
    let w = after.watch.unwrap();
    assert_eq!(
        (w.status, w.since, w.stalled_sent),
        (Status::Pickup, T0 + 8 * DAY, false)
    );
    assert_eq!(
        watch_keys(&after, &pickup).stalled,
        Some((Status::Pickup, T0 + 8 * DAY))
    );
    assert_eq!(
        plan_alert(&after, &pickup, &n, T0 + 10 * DAY - 1),
        None,
        "pickup waits 2 days"
    );
    assert_eq!(
        plan_alert(&after, &pickup, &n, T0 + 10 * DAY)
            .unwrap()
            .fired,
        vec![Alert::Stalled]
    );
}

#[test]
fn final_statuses_trackings_not_updating_and_statuses_switched_off_never_stall() {
    let n = slack_account();
    for s in [Status::Delivered, Status::Expired] {
        assert_eq!(watch_keys(&tracking(), &parcel(s)), WatchKeys::default());
    }
    let stopped = Tracking {
        notupdate: true,
        ..tracking()
    };
    assert_eq!(
        watch_keys(&stopped, &parcel(Status::Transit)),
        WatchKeys::default()
    );
    let mut off = n.clone();
    off.alerts.stalled.retain(|(s, _)| *s != Status::Transit);
    assert!(!off
        .alerts
        .due_before(T0)
        .stalled
        .iter()
        .any(|(s, _)| *s == Status::Transit));
    let t = plan_alert(&tracking(), &parcel(Status::Transit), &off, T0 + 100 * DAY);
    assert_eq!(t.map(|a| a.fired), Some(vec![]));
}

#[test]
fn a_missed_estimate_fires_once_per_estimate_and_a_revised_one_notifies() {
    let n = slack_account();
    let mut p = parcel(Status::Transit);
    p.estimated_delivery = Some(T0 + 3 * DAY);
    let t = plan_alert(&tracking(), &p, &n, T0 + 1).unwrap().tracking;
    assert_eq!(watch_keys(&t, &p).edd, Some(T0 + 3 * DAY));
    assert_eq!(
        plan_alert(&t, &p, &n, T0 + 4 * DAY - 1),
        None,
        "a day's grace"
    );
    let late = plan_alert(&t, &p, &n, T0 + 4 * DAY).unwrap();
    assert_eq!(late.fired, vec![Alert::EddMissed]);
    assert_eq!(watch_keys(&late.tracking, &p).edd, None);
    // A new estimate: revised goes to the channels that take it (Slack does not
    // by default; a webhook would), and can be missed again.
    let mut later = p.clone();
    later.estimated_delivery = Some(T0 + 9 * DAY);
    let mut hooked = n.clone();
    hooked.rules.slack.push(Topic::Alert(Alert::EddRevised));
    let revised = revised_jobs(&late.tracking, &p, &later, &hooked, T0 + 5 * DAY);
    assert_eq!(revised.len(), 1);
    assert!(revised_jobs(&late.tracking, &p, &later, &n, T0 + 5 * DAY).is_empty());
    assert_eq!(watch_keys(&late.tracking, &later).edd, Some(T0 + 9 * DAY));
    let first = Parcel {
        estimated_delivery: None,
        ..p.clone()
    };
    assert!(
        revised_jobs(&t, &first, &p, &hooked, T0).is_empty(),
        "a first estimate is no revision"
    );
}

#[test]
fn due_bounds_follow_the_thresholds() {
    let a = AlertSettings::default();
    let due = a.due_before(T0);
    assert!(due.stalled.contains(&(Status::Transit, T0 - 7 * DAY)));
    assert!(!due.stalled.iter().any(|(s, _)| s.is_final()));
    assert_eq!(due.edd, Some(T0 - DAY));
}

#[test]
fn an_alert_names_itself_in_its_source_and_nothing_else_parses_as_one() {
    let f = Fired {
        alert: Alert::EddMissed,
        at: -5,
    };
    assert_eq!(Fired::of_source(&f.source()), Some(f));
    for s in ["poll", "push:native", "alert:nope:1", "alert:stalled:x"] {
        assert_eq!(Fired::of_source(s), None, "{s}");
    }
}
