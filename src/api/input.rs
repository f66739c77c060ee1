//! Reading requests: the JSON body extractor and field readers that name the field
//! in every error. Bodies are read as `serde_json::Value` and picked apart by hand,
//! so a wrong type anywhere gets our envelope with the field's path, and fields sent
//! as numbers where TrackingMore documents strings (order ids, dates) still work.

use super::error::ApiError;
use super::AppState;
use crate::server::{read_body, BodyError};
use axum::extract::{FromRequest, Request};
use serde_json::{Map, Value};

/// Path parameters; a path that does not decode (bad UTF-8, say) gets our envelope.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(e: axum::extract::rejection::PathRejection) -> ApiError {
        ApiError::BadRequest(format!("invalid path: {}", e.body_text()))
    }
}

/// Refuses a request whose path or query, decoded, holds a control character (a
/// NUL, say): no field of ours may contain one, and a store must never be asked to
/// look one up. Layered on `/v2`; bodies are checked field by field ([`text`]).
pub async fn no_control_characters(
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match control_characters(req.uri()) {
        Some(e) => axum::response::IntoResponse::into_response(e),
        None => next.run(req).await,
    }
}

/// Why `uri` is refused, if its path or a query parameter, decoded, holds a
/// control character.
pub fn control_characters(uri: &axum::http::Uri) -> Option<ApiError> {
    let decoded = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    let bad = |s: &str| s.chars().any(char::is_control);
    let what = if bad(&decoded(uri.path())) {
        "the path"
    } else if uri
        .query()
        .is_some_and(|q| q.split('&').any(|kv| bad(&decoded(kv))))
    {
        "a query parameter"
    } else {
        return None;
    };
    Some(ApiError::BadRequest(format!(
        "{what} contains control characters"
    )))
}

/// A JSON body. An empty body reads as `null`.
pub struct JsonBody(pub Value);

impl FromRequest<AppState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req, &state.cfg.read_limits())
            .await
            .map_err(|e| match e {
                BodyError::TooLarge(n) => ApiError::TooLarge(n),
                other => ApiError::BadRequest(other.to_string()),
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(Value::Null));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::BadRequest(format!("request body is not valid JSON: {e}")))
    }
}

/// The body as an object (`null` reads as an empty one).
pub fn object(v: &Value, what: &str) -> Result<Map<String, Value>, ApiError> {
    match v {
        Value::Object(m) => Ok(m.clone()),
        Value::Null => Ok(Map::new()),
        _ => Err(ApiError::BadRequest(format!(
            "{what} must be a JSON object"
        ))),
    }
}

/// The body as an array of at most `max` objects; more is 4020, none is 4012.
pub fn items(v: &Value, max: usize) -> Result<Vec<Map<String, Value>>, ApiError> {
    let Value::Array(arr) = v else {
        return Err(ApiError::BadRequest(
            "request body must be a JSON array of objects".into(),
        ));
    };
    if arr.is_empty() {
        return Err(ApiError::BadRequest(
            "request body is an empty array".into(),
        ));
    }
    if arr.len() > max {
        return Err(ApiError::TooMany(format!(
            "{} items sent; at most {max} are allowed per request",
            arr.len()
        )));
    }
    arr.iter()
        .enumerate()
        .map(|(i, x)| object(x, &format!("item [{i}]")))
        .collect()
}

/// Longest text field we store, in characters.
const MAX_FIELD: usize = 1000;

/// Longest text field that a store indexes (order_id), in bytes: PostgreSQL's
/// index rows hold at most 2704 bytes.
const MAX_INDEXED_BYTES: usize = 1000;

/// An optional text field that a store indexes: as [`text`], and at most
/// [`MAX_INDEXED_BYTES`] bytes.
pub fn indexed_text(
    m: &Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<String>, ApiError> {
    let s = text(m, key, at)?;
    if s.as_ref().is_some_and(|s| s.len() > MAX_INDEXED_BYTES) {
        return Err(ApiError::BadRequest(format!(
            "{at}{key} is longer than {MAX_INDEXED_BYTES} bytes"
        )));
    }
    Ok(s)
}

/// An optional text field: a string or a number; `null` or `""` is absent.
pub fn text(m: &Map<String, Value>, key: &str, at: &str) -> Result<Option<String>, ApiError> {
    let s = match m.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "{at}{key} must be a string, not {}",
                kind(other)
            )))
        }
    };
    if s.chars().count() > MAX_FIELD {
        return Err(ApiError::BadRequest(format!(
            "{at}{key} is longer than {MAX_FIELD} characters"
        )));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ApiError::BadRequest(format!(
            "{at}{key} contains control characters"
        )));
    }
    Ok((!s.is_empty()).then_some(s))
}

/// An optional boolean: `true`/`false` or the strings `"true"`/`"false"`.
pub fn boolean(m: &Map<String, Value>, key: &str, at: &str) -> Result<Option<bool>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(other) => Err(ApiError::BadRequest(format!(
            "{at}{key} must be true or false, not {}",
            short(other)
        ))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 40 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(40).map_or(s.len(), |(i, _)| i)]
        )
    } else {
        s
    }
}

/// `"[3] "` for batch items, `""` for single bodies: prefixes field names in errors.
pub fn at(index: Option<usize>) -> String {
    index.map(|i| format!("[{i}].")).unwrap_or_default()
}
