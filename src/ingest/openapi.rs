//! Shapes of the push receivers' bodies and answers, for `/openapi.json`.

use serde_json::Value;
use utoipa::ToSchema;

/// What a receiver answers to an accepted push.
#[derive(ToSchema)]
pub struct PushAccepted {
    /// Updates in the push.
    pub accepted: usize,
    /// Updates for a parcel somebody tracks.
    pub matched: usize,
    /// Updates for numbers nobody tracks (accepted and dropped).
    pub ignored: usize,
    /// Status changes the push caused.
    pub transitions: usize,
    /// True when this push id was seen before: it had no second effect.
    pub duplicate: bool,
    /// Events dropped for an implausible time (before 2000, or a day ahead).
    pub ignored_events: usize,
}

/// A refused push: 400 malformed, 401 unauthenticated, 404 receiver not enabled,
/// 413 too large.
#[derive(ToSchema)]
pub struct PushRefused {
    /// Why, naming the field or header.
    pub error: String,
}

/// Every receiver's answers (for `responses(PushAnswers)` in the annotations).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // describes the answers; never built
pub enum PushAnswers {
    #[response(
        status = 200,
        description = "Accepted and stored durably (a repeated push id has no second effect)"
    )]
    Accepted(PushAccepted),
    #[response(status = 400, description = "Malformed: the message names the field")]
    Malformed(PushRefused),
    #[response(status = 401, description = "Signature missing, wrong or stale")]
    Unauthorized(PushRefused),
    #[response(status = 404, description = "This receiver is not enabled")]
    NotEnabled(PushRefused),
    #[response(status = 413, description = "Larger than limits.max_body_bytes")]
    TooLarge(PushRefused),
    #[response(
        status = 503,
        description = "The store is unavailable; send again later"
    )]
    Unavailable(PushRefused),
}

/// One status update in our native format.
#[derive(ToSchema)]
pub struct NativeUpdate {
    pub carrier_code: String,
    pub tracking_number: String,
    /// One of pending, notfound, transit, pickup, delivered, undelivered,
    /// exception, expired. `status` and `events` are each optional, not both absent.
    pub status: Option<String>,
    pub substatus: Option<String>,
    pub events: Option<Vec<NativeEvent>>,
    /// The carrier's estimated delivery date, `YYYY-MM-DD`.
    pub estimated_delivery: Option<String>,
}

#[derive(ToSchema)]
pub struct NativeEvent {
    /// RFC 3339.
    pub time: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub status: Option<String>,
    pub substatus: Option<String>,
}

/// TrackingMore's webhook. v2: `{meta, data, verifyInfo}` (`verifyInfo.signature`
/// = hex HMAC-SHA256 of `timeStr`, keyed by the account email). v4: `{code,
/// message, data}` with `data` a v4 tracking object and an HMAC-SHA256 keyed by the
/// webhook secret in the `push.trackingmore.signature_header` header (base64 or hex,
/// over the body or over the `timestamp_header` value).
#[derive(ToSchema)]
pub struct TrackingMorePush {
    pub meta: Option<Value>,
    pub code: Option<i64>,
    pub message: Option<String>,
    pub data: Value,
    #[schema(rename = "verifyInfo")]
    pub verify_info: Option<Value>,
}
