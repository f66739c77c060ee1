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
