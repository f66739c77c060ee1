//! Worker steps driven by the test on a manual clock: a retry due in five minutes
//! is tested by moving the clock, not by waiting. The dispatcher sends to a real
//! local HTTP receiver (`deliveries.rs`); the poller fetches from the sandbox or a
//! provider written here (`polls.rs`).

mod alerts;
mod deliveries;
mod polls;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use trackgate::config::{Config, HumanDuration};
use trackgate::core::apply::Update;
use trackgate::core::carriers::Carriers;
use trackgate::core::model::{Checkpoint, TrackingFields};
use trackgate::core::schedule::PollPolicy;
use trackgate::core::settings::{Notify, WebhookDest};
use trackgate::core::status::Status;
use trackgate::core::time::Clock;
use trackgate::notify::Dispatcher;
use trackgate::poll::scheduler::{Poller, PollerConfig};
use trackgate::poll::Providers;
use trackgate::store::{Incoming, JobFilter, NewTracking, Origin, Store};
use trackgate::worker::Outcome;

const T0: i64 = 1_800_000_000;

/// A receiver answering from a script; records each request's `webhook-id`.
#[derive(Clone, Default)]
struct Receiver {
    script: Arc<Mutex<VecDeque<u16>>>,
    ids: Arc<Mutex<Vec<String>>>,
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap) -> StatusCode {
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    r.ids.lock().unwrap().push(id);
    let code = r.script.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(code).unwrap()
}

async fn receiver(script: &[u16]) -> (Receiver, String) {
    let r = Receiver::default();
    r.script.lock().unwrap().extend(script);
    let url = serve(
        Router::new()
            .route("/hook", post(hook))
            .with_state(r.clone()),
    )
    .await;
    (r, url)
}

/// Serves `app` on a local port; returns its `/hook` URL.
async fn serve(app: Router) -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    url
}

/// A store with one account whose webhook goes to `url`.
async fn store_with_webhook(dir: &std::path::Path, url: &str) -> (Store, u64) {
    let notify = Notify {
        webhook: Some(WebhookDest::new(
            url.into(),
            "whsec_c2VjcmV0".into(),
            Default::default(),
            0,
        )),
        ..Notify::default()
    };
    store_with_account(dir, Some(notify)).await
}

/// A store with one account, notified as `notify` says.
async fn store_with_account(dir: &std::path::Path, notify: Option<Notify>) -> (Store, u64) {
    let store = Store::open(dir, 16, PollPolicy::default()).await.unwrap();
    let acct = store
        .upsert_account(
            "a@example.com",
            Default::default(),
            &["ab".repeat(32)],
            notify,
            T0,
        )
        .await
        .unwrap()
        .id;
    (store, acct)
}

/// A store with one account whose webhook goes to `url`, and one status change of
/// one tracking waiting in the outbox.
async fn store_with_one_change(dir: &std::path::Path, url: &str) -> (Store, u64) {
    let (store, acct) = store_with_webhook(dir, url).await;
    let new = NewTracking {
        carrier_code: "usps".into(),
        tracking_number: "9400111899562537624326".into(),
        fields: TrackingFields::default(),
        order_created_at: None,
        origin_country: None,
        destination_country: None,
        first_poll_at: Some(T0 + 86_400),
    };
    store.create_trackings(acct, vec![new], T0).await.unwrap();
    let news = Incoming {
        carrier: Some("usps".into()),
        number: "9400111899562537624326".into(),
        update: Update {
            events: vec![Checkpoint {
                time: T0 - 60,
                description: "Picked up".into(),
                location: "DENVER".into(),
                status: Some(Status::Transit),
                substatus: None,
            }],
            source: "test".into(),
            ..Update::default()
        },
    };
    let r = store
        .apply_updates(&[news], Origin::Push, None, T0)
        .await
        .unwrap();
    assert_eq!(r.jobs, 1);
    (store, acct)
}

fn config(retry: &[u64]) -> Arc<Config> {
    let mut cfg = Config {
        allow_private_destinations: true,
        templates_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/templates").into(),
        ..Config::default()
    };
    cfg.delivery.retry = retry
        .iter()
        .map(|s| HumanDuration(Duration::from_secs(*s)))
        .collect();
    Arc::new(cfg)
}
