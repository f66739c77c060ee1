//! The upstream TrackingMore v2 provider: reads a tracking with
//! `GET /trackings/{carrier}/{number}`, registers it with `POST /trackings/post`
//! when TrackingMore does not know it yet, and understands the v2 envelope,
//! its meta errors and 429.

use super::{BoxFuture, FetchRequest, Provider, ProviderError};
use crate::core::apply::Update;
use crate::core::tmwire;
use serde_json::{json, Value};
use std::time::Duration;

/// A TrackingMore v2 account.
pub struct TrackingMore {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl TrackingMore {
    /// A client for `base_url` (e.g. `https://api.trackingmore.com/v2`) with a
    /// per-request `timeout`.
    pub fn new(base_url: &str, api_key: &str, timeout: Duration) -> TrackingMore {
        TrackingMore {
            http: client(timeout),
            base: base_url.trim_end_matches('/').to_string(),
            key: api_key.to_string(),
        }
    }

    async fn call(&self, req: reqwest::RequestBuilder) -> Result<Value, ProviderError> {
        let resp = req
            .header("Trackingmore-Api-Key", &self.key)
            .send()
            .await
            .map_err(|e| ProviderError::Failed(format!("request failed: {}", without_url(&e))))?;
        envelope(resp).await
    }

    async fn fetch_inner(&self, req: &FetchRequest) -> Result<Update, ProviderError> {
        let url = format!(
            "{}/trackings/{}/{}",
            self.base, req.carrier_code, req.tracking_number
        );
        let body = match self.call(self.http.get(&url)).await {
            Err(ProviderError::Meta(4017 | 4031, _)) => {
                // TrackingMore does not know the number yet: register it; results follow later.
                let post = json!({"tracking_number": req.tracking_number, "carrier_code": req.carrier_code});
                match self
                    .call(
                        self.http
                            .post(format!("{}/trackings/post", self.base))
                            .json(&post),
                    )
                    .await
                {
                    Ok(_) | Err(ProviderError::Meta(4016, _)) => {}
                    Err(e) => return Err(e),
                }
                return Ok(Update {
                    source: "poll:trackingmore".into(),
                    ..Update::default()
                });
            }
            other => other?,
        };
        let data = body
            .get("data")
            .ok_or_else(|| ProviderError::Failed("envelope without data".into()))?;
        tmwire::update(data, "poll:trackingmore").map_err(|e| ProviderError::Failed(e.to_string()))
    }
}

/// A TrackingMore answer (v2 or v4): the envelope when `meta.code` is 200 (or
/// 201), else why not. HTTP 429 and meta code 429 are rate limits.
pub(super) async fn envelope(resp: reqwest::Response) -> Result<Value, ProviderError> {
    if resp.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(ProviderError::RateLimited("HTTP 429".into()));
    }
    let status = resp.status();
    let body: Value = resp.json().await.map_err(|e| {
        ProviderError::Failed(format!(
            "HTTP {status}: not a TrackingMore envelope: {}",
            without_url(&e)
        ))
    })?;
    match body["meta"]["code"].as_i64() {
        Some(200) | Some(201) => Ok(body),
        Some(429) => Err(ProviderError::RateLimited("meta 429".into())),
        Some(code) => Err(ProviderError::Meta(
            code,
            body["meta"]["message"].as_str().unwrap_or("").to_string(),
        )),
        None => Err(ProviderError::Failed(format!(
            "HTTP {status}: envelope without meta.code"
        ))),
    }
}

/// An HTTP client for an upstream API, with a per-request `timeout`.
pub(super) fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("trackgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a TLS-capable HTTP client builds")
}

/// reqwest errors carry the URL; ours has no secret in it, but keep logs short.
pub(super) fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(u.as_str(), "<upstream>");
    }
    if e.is_timeout() {
        s = "timed out".into();
    }
    s
}

impl Provider for TrackingMore {
    fn name(&self) -> &'static str {
        "trackingmore"
    }

    fn fetch<'a>(&'a self, req: &'a FetchRequest) -> BoxFuture<'a, Result<Update, ProviderError>> {
        Box::pin(self.fetch_inner(req))
    }
}
