//! The TrackingMore v4 API under `/v4`: the same accounts, keys and trackings as
//! `/v2`, in v4's paths, field names, envelope and codes (`research/today-apis.md`
//! §1). Handlers reuse the v2 readers and the store's one write path; what differs
//! is said here: errors come with HTTP 400 and v4's 41xx codes, and each API has
//! its own per-account rate.

mod couriers;
mod query;
mod trackings;

use super::auth::Caller;
use super::error::ApiError;
use super::input::JsonBody;
use super::AppState;
use crate::store::Account;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(trackings::router())
        .merge(couriers::router())
}

/// Every way a `/v4` call fails: the v2 reasons in v4's codes, and v4's own.
#[derive(Debug)]
pub enum V4Error {
    /// A reason `/v2` has too.
    Api(ApiError),
    /// 4112: the id names no tracking of this account.
    InvalidId(String),
    /// 4113: only an expired tracking may be retracked.
    RetrackNotAllowed(String),
    /// 4160: not an air waybill number.
    AwbInvalid(String),
}

impl<E: Into<ApiError>> From<E> for V4Error {
    fn from(e: E) -> V4Error {
        V4Error::Api(e.into())
    }
}

impl V4Error {
    /// v4's `meta.code`.
    pub fn code(&self) -> u16 {
        use ApiError as E;
        match self {
            V4Error::InvalidId(_) => 4112,
            V4Error::RetrackNotAllowed(_) => 4113,
            V4Error::AwbInvalid(_) => 4160,
            V4Error::Api(e) => match e {
                E::InvalidKey => 401,
                E::AlreadyExists => 4101,
                E::DoesNotExist => 4102,
                E::TooMany(_) => 4103,
                E::NumberInvalid(_) => 4110,
                E::NumberRequired(_) => 4111,
                E::CarrierInvalid(_) => 4120,
                E::CannotDetect => 4121,
                E::BadRequest(_) | E::StatusInvalid(_) | E::Empty(_) => 4130,
                E::RouteNotFound => 404,
                E::MethodNotAllowed => 405,
                E::TooLarge(_) => 413,
                E::RateLimited(_) | E::KeysThrottled(_) => 429,
                E::Unavailable(_) => 503,
                E::Internal(_) => 511,
            },
        }
    }

    fn message(&self) -> String {
        match self {
            V4Error::InvalidId(m) | V4Error::RetrackNotAllowed(m) | V4Error::AwbInvalid(m) => {
                m.clone()
            }
            V4Error::Api(ApiError::InvalidKey) => {
                "Invalid API key: send a valid key in the Tracking-Api-Key header".into()
            }
            V4Error::Api(ApiError::CannotDetect) => {
                "Cannot detect the courier of this tracking number; set courier_code".into()
            }
            V4Error::Api(e) => e.to_string(),
        }
    }

    /// The per-item object of batch answers (v4 spells these in camelCase).
    fn item(&self, number: &str, courier: &str) -> Value {
        json!({
            "id": null, "tracking_number": number, "courier_code": courier,
            "errorCode": self.code(), "errorMessage": self.message(),
        })
    }
}

impl IntoResponse for V4Error {
    fn into_response(self) -> Response {
        let code = self.code();
        let status = match code {
            4100..=4199 => StatusCode::BAD_REQUEST,
            511 => StatusCode::INTERNAL_SERVER_ERROR,
            c => StatusCode::from_u16(c).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        };
        let retry = match &self {
            V4Error::Api(ApiError::KeysThrottled(s)) => Some(*s),
            _ => None,
        };
        let message = self.message();
        if let V4Error::Api(e @ ApiError::Internal(_)) = self {
            // Logged there, once; the answer says nothing of the cause.
            let _ = e.into_response();
        }
        let body = json!({"meta": {"code": code, "message": message}, "data": null});
        let mut r = (status, Json(body)).into_response();
        if let Some(secs) = retry {
            r.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        r
    }
}

/// A successful v4 answer.
pub struct V4<T>(pub T);

#[derive(Serialize)]
struct Envelope<T> {
    meta: Meta,
    data: T,
}

#[derive(Serialize)]
struct Meta {
    code: u16,
    message: &'static str,
}

impl<T: Serialize> IntoResponse for V4<T> {
    fn into_response(self) -> Response {
        Json(Envelope {
            meta: Meta {
                code: 200,
                message: "Request response is successful",
            },
            data: self.0,
        })
        .into_response()
    }
}

/// Handler result.
pub type V4Result<T> = Result<V4<T>, V4Error>;

/// The caller's account, refused in v4's form (HTTP 401).
pub struct V4Caller(pub Account);

impl FromRequestParts<AppState> for V4Caller {
    type Rejection = V4Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, V4Error> {
        Ok(V4Caller(Caller::from_request_parts(parts, state).await?.0))
    }
}

/// A JSON body, refused in v4's form.
pub struct V4Json(pub Value);

impl FromRequest<AppState> for V4Json {
    type Rejection = V4Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, V4Error> {
        Ok(V4Json(JsonBody::from_request(req, state).await?.0))
    }
}

/// [`crate::api::input::no_control_characters`], answered in v4's form.
pub async fn no_control_characters(req: Request, next: axum::middleware::Next) -> Response {
    match crate::api::input::control_characters(req.uri()) {
        Some(e) => V4Error::Api(e).into_response(),
        None => next.run(req).await,
    }
}

/// Counts one call of `api` for the caller's rate limit.
fn limit(state: &AppState, account: u64, api: &'static str) -> Result<(), V4Error> {
    let per_second = if api == "create" {
        state.cfg.limits.v4_create_per_second
    } else {
        state.cfg.limits.v4_per_second
    };
    state
        .api_calls
        .take(account, api, per_second, state.clock.now_ms())
        .map_err(|wait| {
            V4Error::Api(ApiError::RateLimited(format!(
                "Too many requests: /v4 {api} allows {per_second} call(s) per second per account; retry in {wait} s"
            )))
        })
}

/// The tracking `id` names, if it is this account's. Ids are 32 hex characters;
/// anything else is 4112 without a look-up.
async fn owned(state: &AppState, account: u64, id: &str) -> Result<crate::store::Row, V4Error> {
    let id = id.trim();
    let unknown = || {
        V4Error::InvalidId(format!(
            "Invalid tracking id {id:?}: no tracking of this account has it"
        ))
    };
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(unknown());
    }
    match state.store.tracking_by_id(&id.to_ascii_lowercase()).await? {
        Some(row) if row.0.account == account => Ok(row),
        _ => Err(unknown()),
    }
}

/// `/v4//awb` and `/v4/trackings//get` as `/v4/awb` and `/v4/trackings/get`:
/// TrackingMore's Python, Node and PHP SDKs send repeated slashes. Runs before
/// routing; other paths are left as they are.
pub fn collapse_slashes<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    let path = req.uri().path();
    if !(path.starts_with("/v4/") || path.starts_with("//v4/")) || !path.contains("//") {
        return req;
    }
    let mut collapsed = String::with_capacity(path.len());
    for c in path.chars() {
        if !(c == '/' && collapsed.ends_with('/')) {
            collapsed.push(c);
        }
    }
    if let Some(q) = req.uri().query() {
        collapsed.push('?');
        collapsed.push_str(q);
    }
    let mut parts = req.uri().clone().into_parts();
    if let Ok(pq) = collapsed.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collapsed(path: &str) -> String {
        let req = axum::http::Request::builder().uri(path).body(()).unwrap();
        collapse_slashes(req).uri().to_string()
    }

    #[test]
    fn repeated_slashes_collapse_in_v4_paths_only() {
        assert_eq!(collapsed("/v4//awb"), "/v4/awb");
        assert_eq!(
            collapsed("/v4/trackings///get?a=b//c"),
            "/v4/trackings/get?a=b//c"
        );
        assert_eq!(collapsed("/v2//carriers"), "/v2//carriers");
    }

    #[test]
    fn v4_errors_carry_v4_codes_and_http_400() {
        let r = V4Error::from(ApiError::AlreadyExists).into_response();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(V4Error::from(ApiError::AlreadyExists).code(), 4101);
        let r = V4Error::from(ApiError::InvalidKey).into_response();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
}
