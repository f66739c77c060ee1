use super::*;
use crate::core::rules::Channel;
use crate::core::settings::Notify;

fn dest() -> WebhookDest {
    WebhookDest::new(
        "https://a.example/h".into(),
        "whsec_old".into(),
        Format::Trackgate,
        10,
    )
}

#[test]
fn events_and_statuses_round_trip_through_topics() {
    let events = vec![STATUS_CHANGED.to_string(), "tracking.stalled".to_string()];
    let statuses = vec!["delivered".to_string(), "exception".to_string()];
    let topics = topics_of(&events, Some(&statuses)).unwrap();
    assert_eq!(
        topics,
        vec![
            Topic::Status(Status::Delivered),
            Topic::Status(Status::Exception),
            Topic::Alert(Alert::Stalled)
        ]
    );
    let (ev, st) = events_of(&topics);
    assert_eq!(ev, vec![STATUS_CHANGED, "tracking.stalled"]);
    assert_eq!(st, Some(vec!["delivered", "exception"]));
    let all = topics_of(&[STATUS_CHANGED.to_string()], None).unwrap();
    assert_eq!(events_of(&all).1, None, "every status: no filter shown");
}

#[test]
fn an_unknown_event_or_status_is_named() {
    let e = topics_of(&["tracking.lost".into()], None).unwrap_err();
    assert!(e.starts_with("events[0]"), "{e}");
    let e = topics_of(&[STATUS_CHANGED.into()], Some(&["flying".into()])).unwrap_err();
    assert!(e.starts_with("statuses[0]"), "{e}");
}

#[test]
fn a_rotated_secret_signs_until_its_grace_ends() {
    let mut d = dest();
    d.rotate("whsec_new".into(), 100, 50);
    assert_eq!(d.signing_secrets(149), vec!["whsec_new", "whsec_old"]);
    assert_eq!(d.signing_secrets(150), vec!["whsec_new"]);
    d.rotate("whsec_3".into(), 200, 0);
    assert_eq!(
        d.signing_secrets(200),
        vec!["whsec_3"],
        "no grace: the old stops at once"
    );
    assert!(d.retiring.is_empty(), "expired ones are dropped");
}

#[test]
fn an_endpoint_failing_for_the_whole_window_is_switched_off_and_enabling_resets_it() {
    let mut d = dest();
    let fail = |at| HealthEvent::Failed {
        at,
        error: "HTTP 500".into(),
        disable_after: 100,
    };
    assert!(!d.record(&fail(1000)));
    assert!(!d.record(&fail(1099)));
    assert_eq!(d.health.failures, 2);
    assert!(d.disabled.is_none());
    assert!(d.record(&fail(1100)), "failing for 100 s: off");
    assert!(d.disabled.as_deref().unwrap().contains("3 tries in a row"));
    assert!(!d.record(&fail(1200)), "switched off once");
    d.set_enabled(true, 1300);
    assert_eq!(
        (d.disabled.clone(), d.health.clone()),
        (None, Health::default())
    );
}

#[test]
fn a_delivery_ends_a_failure_run() {
    let mut d = dest();
    d.record(&HealthEvent::Failed {
        at: 5,
        error: "timeout".into(),
        disable_after: 100,
    });
    d.record(&HealthEvent::Delivered);
    assert_eq!(d.health, Health::default());
}

#[test]
fn the_first_endpoint_follows_the_webhook_rules_and_the_others_their_own() {
    let mut n = Notify {
        webhook: Some(dest()),
        ..Notify::default()
    };
    n.rules.webhook = vec![Topic::Status(Status::Delivered)];
    n.endpoints.push(Endpoint {
        id: "ep_2".into(),
        dest: dest(),
        topics: vec![Topic::Alert(Alert::Stalled)],
    });
    let hooks = n.webhooks();
    assert_eq!(
        hooks.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![FIRST, "ep_2"]
    );
    assert_eq!(hooks[0].topics, &[Topic::Status(Status::Delivered)]);
    assert_eq!(hooks[0].job_key(), None);
    assert_eq!(hooks[1].job_key().as_deref(), Some("ep_2"));
    n.disable(Channel::Webhook, Some("ep_2"), "gone".into());
    assert!(n.webhook_dest(None).unwrap().disabled.is_none());
    assert!(n.enabled(Channel::Webhook), "the first still sends");
}

#[test]
fn a_config_restating_the_settings_keeps_the_endpoints_made_through_the_api() {
    let mut stored = Notify {
        webhook: Some(dest()),
        ..Notify::default()
    };
    stored.webhook.as_mut().unwrap().format = Format::Aftership;
    stored.endpoints.push(Endpoint {
        id: "ep_2".into(),
        dest: dest(),
        topics: Vec::new(),
    });
    let config = Notify {
        webhook: Some(WebhookDest::new(
            "https://a.example/h".into(),
            "whsec_cfg".into(),
            Format::Trackgate,
            0,
        )),
        ..Notify::default()
    };
    let n = config.restated_over(&stored);
    assert_eq!(n.endpoints.len(), 1);
    let first = n.webhook.unwrap();
    assert_eq!((first.format, first.created_at), (Format::Aftership, 10));
    assert_eq!(first.secrets, vec!["whsec_cfg"]);
}

fn two_endpoints() -> Notify {
    let mut n = Notify {
        webhook: Some(dest()),
        ..Notify::default()
    };
    n.endpoints.push(Endpoint {
        id: "ep_stalls".into(),
        dest: dest(),
        topics: vec![Topic::Alert(Alert::Stalled)],
    });
    n
}

#[test]
fn a_status_change_makes_one_webhook_job_per_endpoint_the_first_keeping_its_id() {
    use crate::core::model::{Parcel, Transition};
    use crate::core::rules::{Job, JobState};
    let t = crate::core::model::fixtures::tracking(0);
    let prev = Parcel::new("dhl", "JD1", 0);
    let next = Parcel {
        status: Status::Delivered,
        seq: 1,
        ..prev.clone()
    };
    let tr = Transition {
        seq: 1,
        from: Status::Pending,
        from_substatus: None,
        to: Status::Delivered,
        to_substatus: None,
        at: 5,
        source: "push:native".into(),
    };
    let jobs = crate::core::fanout::jobs_for(&t, &two_endpoints(), &prev, &next, &tr, 5);
    let hooks: Vec<&Job> = jobs
        .iter()
        .filter(|j| j.channel == Channel::Webhook)
        .collect();
    assert_eq!(hooks.len(), 2);
    assert_eq!(
        hooks[0].id,
        Job::id_for(7, "dhl", "JD1", 1, Channel::Webhook)
    );
    assert_eq!(
        (hooks[0].endpoint.as_deref(), hooks[0].state),
        (None, JobState::Pending)
    );
    assert!(hooks[0].derived_id() && !hooks[1].derived_id());
    assert_eq!(hooks[1].endpoint.as_deref(), Some("ep_stalls"));
    assert_eq!(hooks[1].state, JobState::Skipped, "it takes stalls only");
    assert_ne!(hooks[0].id, hooks[1].id);
}

#[test]
fn an_alert_goes_to_the_endpoints_that_take_it_only() {
    use crate::core::alerts::{alert_jobs, Fired};
    let t = crate::core::model::fixtures::tracking(0);
    let p = crate::core::model::Parcel::new("dhl", "JD1", 0);
    let mut n = two_endpoints();
    n.rules.webhook = vec![Topic::Status(Status::Delivered)];
    let fired = Fired {
        alert: Alert::Stalled,
        at: 0,
    };
    let jobs = alert_jobs(&t, &p, &n, fired, 10);
    let to: Vec<_> = jobs
        .iter()
        .map(|j| (j.channel, j.endpoint.as_deref()))
        .collect();
    assert_eq!(to, vec![(Channel::Webhook, Some("ep_stalls"))]);
    n.disable(Channel::Webhook, Some("ep_stalls"), "gone".into());
    assert!(
        alert_jobs(&t, &p, &n, fired, 10).is_empty(),
        "not to a switched-off one"
    );
}
