//! The TrackingMore envelope and its error codes, mapped to a response in one place.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};

/// Every way an API call can fail, with TrackingMore's meta code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 4001: missing or unknown API key.
    #[error("Invalid API key: send a valid key in the Trackingmore-Api-Key (or Tracking-Api-Key) header")]
    InvalidKey,
    /// 4012: malformed request; the message names the field.
    #[error("{0}")]
    BadRequest(String),
    /// 4013: no tracking number.
    #[error("{0}")]
    NumberRequired(String),
    /// 4014: a tracking number that cannot be one.
    #[error("{0}")]
    NumberInvalid(String),
    /// 4015: unknown carrier.
    #[error("{0}")]
    CarrierInvalid(String),
    /// 4016: already tracked.
    #[error("Tracking already exists")]
    AlreadyExists,
    /// 4017: not tracked.
    #[error("Tracking does not exist")]
    DoesNotExist,
    /// 4020: too many items in one call.
    #[error("{0}")]
    TooMany(String),
    /// 4031: nothing to answer with.
    #[error("{0}")]
    Empty(String),
    /// 4032: no carrier fits the number.
    #[error("Cannot detect the carrier of this tracking number; set carrier_code")]
    CannotDetect,
    /// 4033: a status value that is not allowed.
    #[error("{0}")]
    StatusInvalid(String),
    /// 404: no such route.
    #[error("Not found: no such API route")]
    RouteNotFound,
    /// 405: route exists, method does not.
    #[error("Method not allowed on this route")]
    MethodNotAllowed,
    /// 413: body too large.
    #[error("Request body is larger than {0} bytes")]
    TooLarge(usize),
    /// 429: rate limit.
    #[error("{0}")]
    RateLimited(String),
    /// 429 with `Retry-After`: this address sent too many wrong API keys.
    #[error("Too many wrong API keys from this address; retry after {0} s")]
    KeysThrottled(u64),
    /// 503: a dependency (status provider) is unavailable.
    #[error("{0}")]
    Unavailable(String),
    /// 500: our fault. The cause is logged, never sent.
    #[error("Internal server error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// TrackingMore's `meta.code`.
    pub fn code(&self) -> u16 {
        match self {
            ApiError::InvalidKey => 4001,
            ApiError::BadRequest(_) => 4012,
            ApiError::NumberRequired(_) => 4013,
            ApiError::NumberInvalid(_) => 4014,
            ApiError::CarrierInvalid(_) => 4015,
            ApiError::AlreadyExists => 4016,
            ApiError::DoesNotExist => 4017,
            ApiError::TooMany(_) => 4020,
            ApiError::Empty(_) => 4031,
            ApiError::CannotDetect => 4032,
            ApiError::StatusInvalid(_) => 4033,
            ApiError::RouteNotFound => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::TooLarge(_) => 413,
            ApiError::RateLimited(_) | ApiError::KeysThrottled(_) => 429,
            ApiError::Unavailable(_) => 503,
            ApiError::Internal(_) => 500,
        }
    }

    /// TrackingMore's `meta.type`.
    fn kind(&self) -> &'static str {
        match self.code() {
            4001 => "Unauthorized",
            4031..=4033 => "No Content",
            4000..=4099 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            413 => "Payload Too Large",
            429 => "Too Many Requests",
            503 => "Service Unavailable",
            _ => "Server Error",
        }
    }

    /// The HTTP status: 200 for every 4xxx code (TrackingMore clients read
    /// `meta.code`), the code itself otherwise.
    fn http_status(&self) -> StatusCode {
        match self.code() {
            4000..=4999 => StatusCode::OK,
            c => StatusCode::from_u16(c).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    /// The per-item error object of batch answers.
    pub fn item(&self, tracking_number: &str, carrier_code: &str) -> Value {
        json!({
            "tracking_number": tracking_number,
            "carrier_code": carrier_code,
            "code": self.code(),
            "message": self.to_string(),
        })
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        match e {
            crate::store::StoreError::Unavailable(why) => {
                tracing::warn!(reason = %why, "store unavailable");
                ApiError::Unavailable("the store is unavailable; try again shortly".into())
            }
            crate::store::StoreError::OutcomeUnknown(why) => {
                tracing::error!(reason = %why, "a write may not be durable");
                ApiError::Unavailable(
                    "the store failed while saving: this change may or may not have been kept; read it back before retrying".into(),
                )
            }
            e => ApiError::Internal(e.into()),
        }
    }
}

impl From<crate::store::TrackingError> for ApiError {
    fn from(e: crate::store::TrackingError) -> ApiError {
        use crate::store::TrackingError as E;
        match e {
            E::AlreadyExists => ApiError::AlreadyExists,
            E::NotFound => ApiError::DoesNotExist,
            E::Store(s) => s.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = %format!("{cause:#}"), "request failed");
        }
        let body = json!({
            "meta": {"code": self.code(), "type": self.kind(), "message": self.to_string()},
            "data": [],
        });
        let mut r = (self.http_status(), Json(body)).into_response();
        if let ApiError::KeysThrottled(secs) = self {
            r.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        r
    }
}

/// A successful answer in the envelope.
pub struct Success<T>(pub T);

#[derive(Serialize)]
struct Meta {
    code: u16,
    #[serde(rename = "type")]
    kind: &'static str,
    message: &'static str,
}

/// Serialised straight from `T`: no intermediate `Value` tree for large lists.
#[derive(Serialize)]
struct Envelope<T> {
    meta: Meta,
    data: T,
}

impl<T: Serialize> IntoResponse for Success<T> {
    fn into_response(self) -> Response {
        Json(Envelope {
            meta: Meta {
                code: 200,
                kind: "Success",
                message: "Success",
            },
            data: self.0,
        })
        .into_response()
    }
}

/// Handler result.
pub type ApiResult<T> = Result<Success<T>, ApiError>;
