//! The shapes of request and response bodies, for `/openapi.json` only.
//!
//! Most handlers read and build JSON by hand (to name the exact field in an error,
//! and to keep TrackingMore's field names), so these types describe the wire form
//! rather than being the values the handlers use. Schemathesis, run against the live
//! binary in CI, checks that every answer matches them.

use serde_json::Value;
use utoipa::ToSchema;

/// A successful answer: `meta.code` is 200.
#[derive(ToSchema)]
pub struct Envelope<T> {
    pub meta: SuccessMeta,
    pub data: T,
}

#[derive(ToSchema)]
pub struct SuccessMeta {
    #[schema(minimum = 200, maximum = 200)]
    pub code: u16,
    #[schema(rename = "type")]
    pub kind: String,
    pub message: String,
}

/// A refused request, in TrackingMore's envelope. The 4xxx codes come with HTTP
/// 200, as TrackingMore sends them; 401, 403, 404, 405, 413, 429, 500 and 503 come
/// with that HTTP status too.
#[derive(ToSchema)]
pub struct ErrorEnvelope {
    pub meta: ErrorMeta,
    /// Always empty.
    #[schema(max_items = 0)]
    pub data: Vec<Value>,
}

#[derive(ToSchema)]
pub struct ErrorMeta {
    /// 4001 invalid key, 4012 bad request, 4013 number required, 4014 number
    /// invalid, 4015 carrier invalid, 4016 already exists, 4017 does not exist,
    /// 4020 too many items, 4031 empty, 4032 cannot detect, 4033 status invalid,
    /// or an HTTP status.
    #[schema(minimum = 401, maximum = 4999)]
    pub code: u16,
    #[schema(rename = "type")]
    pub kind: String,
    /// What was wrong, naming the field.
    pub message: String,
}

/// The fields a shop may send when creating a tracking.
#[derive(ToSchema)]
pub struct NewTrackingBody {
    pub tracking_number: String,
    /// A code from `GET /v2/carriers`.
    pub carrier_code: String,
    pub title: Option<String>,
    pub order_id: Option<String>,
    pub customer_name: Option<String>,
    /// One address; the customer's notifications go there.
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    /// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` or a unix time.
    pub order_create_time: Option<String>,
    pub destination_code: Option<String>,
    pub logistics_channel: Option<String>,
    pub comment: Option<String>,
    /// The language of the customer's emails and page, e.g. `en`, `de`.
    pub lang: Option<String>,
    pub tracking_postal_code: Option<String>,
    pub tracking_ship_date: Option<String>,
    pub tracking_account_number: Option<String>,
    pub tracking_origin_country: Option<String>,
    pub tracking_destination_country: Option<String>,
}

/// Fields a shop may change; absent ones are kept.
#[derive(ToSchema)]
pub struct PatchBody {
    pub title: Option<String>,
    pub order_id: Option<String>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub order_create_time: Option<String>,
    pub destination_code: Option<String>,
    pub logistics_channel: Option<String>,
    pub comment: Option<String>,
    pub lang: Option<String>,
    pub archived: Option<bool>,
    /// 4 (delivered) or 7 (exception) by hand; 8 returns to the carrier's status.
    pub status: Option<u8>,
}

/// One item of a batch update: which tracking, and what changes.
#[derive(ToSchema)]
pub struct PatchItem {
    pub tracking_number: String,
    pub carrier_code: String,
    #[schema(inline)]
    pub patch: PatchBody,
}

/// A tracking named by carrier and number.
#[derive(ToSchema)]
pub struct TrackingKey {
    pub tracking_number: String,
    pub carrier_code: String,
}

/// `POST /v2/trackings/update`: move a tracking to another carrier.
#[derive(ToSchema)]
pub struct ChangeCarrierBody {
    pub tracking_number: String,
    pub carrier_code: String,
    pub update_carrier_code: String,
}

/// A created tracking: its identity, status and the fields that were sent.
#[derive(ToSchema)]
pub struct Created {
    pub id: String,
    pub tracking_number: String,
    pub carrier_code: String,
    pub status: String,
    pub created_at: String,
}

/// A batch create's answer.
#[derive(ToSchema)]
pub struct BatchCreated {
    pub submitted: usize,
    pub added: usize,
    pub trackings: Vec<Created>,
    pub errors: Vec<ItemError>,
}

/// A batch change's answer (`updated` or `deleted` counts the done ones).
#[derive(ToSchema)]
pub struct BatchDone {
    pub submitted: usize,
    pub updated: Option<usize>,
    pub deleted: Option<usize>,
    pub trackings: Vec<TrackingKey>,
    pub errors: Vec<ItemError>,
}

/// Why one item of a batch was refused.
#[derive(ToSchema)]
pub struct ItemError {
    pub tracking_number: String,
    pub carrier_code: String,
    pub code: u16,
    pub message: String,
}

/// `GET /v2/trackings/getstatusnumber`: trackings per status, and the total.
#[derive(ToSchema)]
pub struct StatusCounts {
    pub pending: u64,
    pub notfound: u64,
    pub transit: u64,
    pub pickup: u64,
    pub delivered: u64,
    pub undelivered: u64,
    pub exception: u64,
    pub expired: u64,
    pub total: u64,
}

/// `GET /v2/trackings/getuserinfo`.
#[derive(ToSchema)]
pub struct UserInfo {
    pub email: String,
    pub regtime: String,
    pub trackings: u64,
    pub quota: String,
}

/// One place to check for remote-area surcharges.
#[derive(ToSchema)]
pub struct RemotePlace {
    /// ISO2 code or English name.
    pub country: String,
    /// Postcode, or a town name where there are none.
    pub postcode: String,
    /// Limit the check to one carrier's rules.
    pub company: Option<String>,
}

#[derive(ToSchema)]
pub struct RemoteAnswer {
    pub submitted: usize,
    pub remote: Vec<RemoteArea>,
    pub other: Vec<RemoteArea>,
}

#[derive(ToSchema)]
pub struct RemoteArea {
    pub far_express_company: Option<String>,
    pub two_code: String,
    pub far_country: String,
    pub far_city_postcode: String,
    pub note: Option<String>,
}

/// One route to report delivery times for.
#[derive(ToSchema)]
pub struct CostTimeQuery {
    pub carrier_code: String,
    /// Origin country: ISO2 code or English name.
    pub original: String,
    pub destination: String,
}

/// Delivery times of this account's delivered parcels on one route; `range*` are
/// percentages of 0–7, 8–15, 16–30, 31–60 and over 60 days.
#[derive(ToSchema)]
pub struct CostTime {
    pub carrier_code: String,
    pub original: String,
    pub destination: String,
    pub total: u64,
    pub delivered: u64,
    pub range1: f64,
    pub range3: f64,
    pub range4: f64,
    pub range5: f64,
    pub range6: f64,
    pub average_days: Option<f64>,
}

/// `POST /v2/trackings/aircargo`: air waybill numbers (`020-12345675`), as an
/// array or a comma-separated string.
#[derive(ToSchema)]
pub struct AirCargoQuery {
    pub track_number: Vec<String>,
}

#[derive(ToSchema)]
pub struct AirCargoAnswer {
    pub items: Vec<Value>,
    pub errors: Vec<Value>,
}

/// `POST /v2/carriers/detect`.
#[derive(ToSchema)]
pub struct DetectQuery {
    pub tracking_number: String,
}

/// A carrier the number fits, best first.
#[derive(ToSchema)]
pub struct DetectedCarrier {
    pub name: String,
    pub code: String,
}

/// `POST /v2/trackings/realtime`'s answer.
#[derive(ToSchema)]
pub struct RealtimeAnswer {
    pub items: Vec<crate::core::view::TrackingView>,
}

/// A tracking's status transitions, oldest first.
#[derive(ToSchema)]
pub struct History {
    pub tracking_number: String,
    pub carrier_code: String,
    pub transitions: Vec<HistoryEntry>,
}

#[derive(ToSchema)]
pub struct HistoryEntry {
    pub seq: u64,
    pub from: Option<String>,
    pub from_substatus: Option<String>,
    pub to: String,
    pub to_substatus: Option<String>,
    pub at: String,
    /// `push`, `poll`, `manual` or `sandbox`.
    pub source: String,
}

/// One notification (webhook, email or Slack message) of one status change.
#[derive(ToSchema)]
pub struct Notification {
    /// The receivers' dedupe key: the webhook's `webhook-id`, the email's Message-ID.
    pub id: String,
    /// `email`, `webhook` or `slack`.
    pub channel: String,
    /// A webhook's endpoint (`ep_default`: the account's `notify.webhook`).
    pub endpoint: Option<String>,
    /// `pending`, `delivered`, `dead`, or `skipped` (never sent; `reason` says why).
    pub state: String,
    pub tracking_number: String,
    pub carrier_code: String,
    pub event: Value,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// A skipped one's reason: no customer email, channel off, status not in the
    /// rules, not updating, or a forced status.
    pub reason: Option<String>,
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    /// Only on `GET /v2/notifications/{id}`: every attempt, oldest first.
    pub attempt_log: Option<Vec<Value>>,
}

#[derive(ToSchema)]
pub struct NotificationList {
    pub count: usize,
    pub items: Vec<Notification>,
}

/// `POST /v2/notifications/retry`.
#[derive(ToSchema)]
pub struct RetrySince {
    /// Requeue every dead notification created since this unix time.
    pub since: i64,
}

#[derive(ToSchema)]
pub struct Requeued {
    /// How many were queued again.
    pub requeued: usize,
}

/// What a retry of one notification did, or why it did nothing.
#[derive(ToSchema)]
pub struct Replayed {
    /// 1 when it was queued again or brought forward, 0 when left as it was.
    pub requeued: usize,
    /// `resent` (it had been delivered), `revived` (it had died),
    /// `brought_forward` (its next retry is now), or `none`.
    pub action: String,
    /// What was done or why nothing was, in words.
    pub reason: String,
    /// When its next try was before it was brought forward.
    pub was_due: Option<String>,
}

/// Where an account's notifications go. Secrets are never shown: `webhook.secrets`
/// counts them.
#[derive(ToSchema)]
pub struct Settings {
    pub email: bool,
    pub webhook: Option<Value>,
    pub slack: Option<Value>,
    /// Per channel, the statuses and alerts (`stalled`, `edd_missed`,
    /// `edd_revised`) that notify.
    pub rules: Value,
    /// Alert thresholds: `{stalled: {<status>: "<duration>" | "off"}, edd_missed: "<duration>" | "off"}`.
    pub alerts: Value,
    /// `config` when the config's `accounts[i].notify` replaces these at every
    /// start, `api` when changes made here are kept.
    pub managed_by: String,
    /// What `managed_by` means, in words.
    pub note: String,
    /// On a `PUT` the config will override at the next start: says so.
    pub warning: Option<String>,
}

/// `PUT /v2/notifications/settings`: the fields given change; `null` removes a
/// channel. `webhook` is `{url, secret}` or `{url, secrets: [..]}`; `slack` is
/// `{url}`; `rules` maps `email`/`webhook`/`slack` to lists of statuses and
/// alerts; `alerts` is `{stalled: {<status>: "3d" | "off"}, edd_missed: "1d" | "off"}`
/// (thresholds left out are kept).
#[derive(ToSchema)]
pub struct SettingsChange {
    pub email: Option<bool>,
    pub webhook: Option<Value>,
    pub slack: Option<Value>,
    pub rules: Option<Value>,
    pub alerts: Option<Value>,
}

/// An account's connected stores: `{shop_domain, secrets (a count), webhook_url}`
/// for Shopify, `{store_url, webhook_url}` for WooCommerce; never a secret.
#[derive(ToSchema)]
pub struct ConnectView {
    pub shopify: Option<Value>,
    pub woocommerce: Option<Value>,
    /// `config` (the config names them: they are set again at every start) or `api`.
    pub managed_by: String,
    /// After a PUT the config will undo at the next start.
    pub warning: Option<String>,
}

/// A webhook endpoint (`/v2/webhooks`). `secret` only in the answers of create
/// and rotate-secret.
#[derive(ToSchema)]
pub struct WebhookEndpoint {
    /// `ep_default` for the account's `notify.webhook`, else `ep_` and hex.
    pub id: String,
    pub url: String,
    /// `tracking.status_changed`, `tracking.stalled`, `tracking.edd_missed`, `tracking.edd_revised`.
    pub events: Vec<String>,
    /// The statuses `tracking.status_changed` is narrowed to; `null`: every one.
    pub statuses: Option<Vec<String>>,
    /// `trackgate`, `trackingmore-v2`, `trackingmore-v4` or `aftership`.
    pub format: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: Option<String>,
    /// `{failing_since, failure_streak, last_error}`.
    pub health: Value,
    /// The signing secret, shown once.
    pub secret: Option<String>,
}

/// An account's webhook endpoints, the first first.
#[derive(ToSchema)]
pub struct WebhookEndpoints {
    pub count: usize,
    pub items: Vec<WebhookEndpoint>,
}

/// A deleted endpoint.
#[derive(ToSchema)]
pub struct WebhookDeleted {
    pub id: String,
    pub deleted: bool,
}

/// What a test message's receiver replied.
#[derive(ToSchema)]
pub struct WebhookTested {
    pub delivered: bool,
    pub code: Option<u16>,
    pub error: Option<String>,
    pub webhook_id: Option<String>,
}
