//! Snapshots of the shipped templates (ids and dates redacted), and strictness.

use super::*;
use crate::core::rules::Topic;
use crate::notify::sample::Sample;

fn shipped() -> Templates {
    Templates::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"))
}

fn redact(s: &str) -> String {
    let ids = regex::Regex::new(r"msg_[0-9a-f]{32}|[0-9a-f]{32}").unwrap();
    let dates =
        regex::Regex::new(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?(\+00:00)?)?").unwrap();
    dates
        .replace_all(&ids.replace_all(s, "[id]"), "[date]")
        .into_owned()
}

#[test]
fn the_shipped_templates_render_for_every_status_and_language() {
    assert_eq!(shipped().check(), Vec::<String>::new());
}

#[test]
fn delivered_email_in_english() {
    let e = shipped()
        .email(
            Topic::Status(Status::Delivered),
            None,
            &Sample::delivered().context(),
        )
        .unwrap();
    insta::assert_snapshot!(redact(&format!(
        "Subject: {}\n--- text ---\n{}--- html ---\n{}",
        e.subject, e.text, e.html
    )));
}

#[test]
fn delivered_email_in_german_falls_back_per_part() {
    let e = shipped()
        .email(
            Topic::Status(Status::Delivered),
            Some("de"),
            &Sample::delivered().context(),
        )
        .unwrap();
    insta::assert_snapshot!(redact(&format!(
        "Subject: {}\n--- text ---\n{}--- html ---\n{}",
        e.subject, e.text, e.html
    )));
}

#[test]
fn an_unknown_language_falls_back_to_english() {
    let e = shipped()
        .email(
            Topic::Status(Status::Delivered),
            Some("xx"),
            &Sample::delivered().context(),
        )
        .unwrap();
    assert!(
        e.subject.starts_with("Delivered: your parcel"),
        "{}",
        e.subject
    );
}

#[test]
fn undelivered_email_text() {
    let e = shipped()
        .email(
            Topic::Status(Status::Undelivered),
            None,
            &Sample::reaching(Status::Undelivered).context(),
        )
        .unwrap();
    insta::assert_snapshot!(redact(&format!(
        "Subject: {}\n--- text ---\n{}",
        e.subject, e.text
    )));
}

#[test]
fn exception_slack_message() {
    let sample = Sample::reaching(Status::Exception);
    let m = shipped()
        .slack(Topic::Status(Status::Exception), None, &sample.context())
        .unwrap();
    insta::assert_snapshot!(redact(
        &serde_json::to_string_pretty(&json!({"text": m.text, "blocks": m.blocks})).unwrap()
    ));
}

#[test]
fn the_webhook_body() {
    let sample = Sample::delivered();
    let body = super::super::webhook::body(
        &sample.view,
        &sample.transition,
        "msg_0123456789abcdef0123456789abcdef",
        "whsec_c2VjcmV0",
        "http://127.0.0.1:8080/t/0123456789abcdef0123456789abcdef",
        1_800_000_000,
    );
    insta::assert_json_snapshot!(body, {".verifyInfo.signature" => "[signature]", ".verifyInfo.timeStr" => "[time]"});
}

#[test]
fn a_missing_variable_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("email/default")).unwrap();
    std::fs::write(
        dir.path().join("email/default/subject.txt"),
        "{{ tracking.nope }}",
    )
    .unwrap();
    std::fs::write(dir.path().join("email/default/body.txt"), "x").unwrap();
    std::fs::write(dir.path().join("email/default/body.html"), "x").unwrap();
    let err = Templates::new(dir.path())
        .email(
            Topic::Status(Status::Delivered),
            None,
            &Sample::delivered().context(),
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("email/default/subject.txt")
            && err.contains("\"tracking.nope\" is not defined"),
        "{err}"
    );
}
