//! What a failed notification tells the operator: each try records where it went
//! and what the other side said (the mail server's reply, the connection's
//! cause), with the customer's address masked; a notification given up on is
//! logged at WARN.

use crate::helpers::*;
use crate::receivers::*;
use crate::smtp::Smtp;
use serde_json::{json, Value};

fn config(smtp_port: u16) -> String {
    format!(
        "poll:\n  enabled: false\nallow_private_destinations: true\n\
         email:\n  transport: smtp\n  from: \"Shop <tracking@shop.example>\"\n  smtp: {{ host: 127.0.0.1, port: {smtp_port}, security: none }}\n\
         delivery:\n  retry: [\"1s\", \"1s\", \"1s\", \"1s\", \"1s\", \"1s\"]\n  timeout: \"2s\"\n"
    )
}

fn email_job(g: &Gateway) -> Option<Value> {
    let list = g.get("/v2/notifications?channel=email");
    let id = list["data"]["items"][0]["id"].as_str()?.to_string();
    Some(g.get(&format!("/v2/notifications/{id}"))["data"].clone())
}

#[test]
fn a_failed_email_says_which_server_what_it_answered_and_masks_the_customer() {
    let port = free_port();
    let hook = Receiver::start(vec![]);
    let g = Gateway::logging("info", &config(port));
    let v = g.put_settings(&json!({"email": true, "webhook": {"url": hook.url, "secret": "whsec_c2hvcC13ZWJob29rLXNlY3JldC0xMjM0NTY="}}));
    assert_eq!(code(&v), 200, "{v}");
    let v = g.post(
        "/v2/trackings/realtime",
        &json!({"tracking_number": "SANDBOX-DELIVERED-4", "carrier_code": "sandbox",
                "customer_email": "jo.customer@example.net"}),
    );
    assert_eq!(code(&v), 200, "{v}");

    // Nobody listens yet: the cause names the server and the refusal.
    g.wait_until(10, "a failed try", |g| {
        email_job(g).is_some_and(|j| j["attempts"].as_u64() >= Some(1))
    });
    let first = &email_job(&g).unwrap()["attempt_log"][0];
    let error = first["error"].as_str().unwrap();
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    assert!(error.to_lowercase().contains("refused"), "{error}");
    assert_eq!(
        first["destination"],
        format!("jo***@example.net via SMTP 127.0.0.1:{port}")
    );

    // A server that refuses the mailbox: its reply is kept, the address masked.
    let _smtp = Smtp::start_rejecting(port);
    g.wait_until(15, "given up on", |g| {
        email_job(g).is_some_and(|j| j["state"] == "dead")
    });
    let job = email_job(&g).unwrap();
    let last = job["attempt_log"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let error = last["error"].as_str().unwrap();
    assert_eq!(last["code"], 550, "{last}");
    assert!(error.contains("mailbox unavailable"), "{error}");
    assert!(error.contains("jo***@example.net"), "{error}");
    assert!(!job.to_string().contains("jo.customer@"), "{job}");

    // The webhook's tries name its host.
    hook.wait_for(1, 10);
    let list = g.get("/v2/notifications?channel=webhook");
    let id = list["data"]["items"][0]["id"].as_str().unwrap().to_string();
    g.wait_until(10, "the webhook delivered", |g| {
        g.get(&format!("/v2/notifications/{id}"))["data"]["state"] == "delivered"
    });
    let hook_job = g.get(&format!("/v2/notifications/{id}"));
    let port_of_hook = hook
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    assert_eq!(
        hook_job["data"]["attempt_log"][0]["destination"],
        format!("127.0.0.1:{port_of_hook}")
    );

    let log = g.log();
    let warned = log
        .iter()
        .any(|l| l.contains("WARN") && l.contains("given up on") && l.contains("550"));
    assert!(warned, "a dead notification is a WARN: {log:#?}");
    assert!(
        !log.iter().any(|l| l.contains("jo.customer@")),
        "the customer's address is never logged"
    );
}
