//! The upstream TrackingMore v4 provider (`research/today-apis.md` §1): reads up to
//! 40 parcels per `GET /trackings/get?tracking_numbers=…`, registers the ones
//! TrackingMore does not know with one `POST /trackings/batch` (their results come
//! with a later poll), and reads v4's tracking object. After a 429 it asks nothing
//! more of TrackingMore until the wait is over (`Retry-After`, else the 120 s
//! TrackingMore asks for): its limits are per account, so every parcel waits.

use super::trackingmore::{client, envelope, without_url};
use super::{BoxFuture, FetchRequest, Provider, ProviderError};
use crate::core::apply::Update;
use crate::core::tmwire4;
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most numbers per get or batch call.
pub const MAX_PER_CALL: usize = 40;
/// TrackingMore's wait after a 429 when it names none.
const RATE_LIMITED_WAIT: Duration = Duration::from_secs(120);

/// A TrackingMore account, through its v4 API.
pub struct TrackingMoreV4 {
    http: reqwest::Client,
    base: String,
    key: String,
    /// No call before this, after a 429.
    paused_until: Mutex<Option<Instant>>,
}

impl TrackingMoreV4 {
    /// A client for `base_url` (e.g. `https://api.trackingmore.com/v4`) with a
    /// per-request `timeout`.
    pub fn new(base_url: &str, api_key: &str, timeout: Duration) -> TrackingMoreV4 {
        TrackingMoreV4 {
            http: client(timeout),
            base: base_url.trim_end_matches('/').to_string(),
            key: api_key.to_string(),
            paused_until: Mutex::new(None),
        }
    }

    fn paused(&self) -> Option<Duration> {
        let until = *self.paused_until.lock().expect("pause lock");
        until.and_then(|u| u.checked_duration_since(Instant::now()))
    }

    async fn call(&self, req: reqwest::RequestBuilder) -> Result<Value, ProviderError> {
        if let Some(left) = self.paused() {
            return Err(ProviderError::Paused(left));
        }
        let resp = req
            .header("Tracking-Api-Key", &self.key)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| ProviderError::Failed(format!("request failed: {}", without_url(&e))))?;
        let wait = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(RATE_LIMITED_WAIT, Duration::from_secs);
        match envelope(resp).await {
            Err(ProviderError::RateLimited(_)) => {
                *self.paused_until.lock().expect("pause lock") = Some(Instant::now() + wait);
                Err(ProviderError::Paused(wait))
            }
            answer => answer,
        }
    }

    /// Reads `reqs` (at most 40) with one get: each one's news, or `None` for
    /// the ones TrackingMore does not know.
    async fn read(&self, reqs: &[FetchRequest]) -> Result<Vec<Option<Update>>, ProviderError> {
        let numbers: Vec<&str> = reqs.iter().map(|r| r.tracking_number.as_str()).collect();
        let url = format!("{}/trackings/get", self.base);
        let query = [
            ("tracking_numbers", numbers.join(",")),
            ("items_amount", MAX_PER_CALL.to_string()),
        ];
        let body = self.call(self.http.get(&url).query(&query)).await?;
        let found = body["data"]
            .as_array()
            .ok_or_else(|| ProviderError::Failed("get: data is not an array".into()))?;
        reqs.iter()
            .map(|r| {
                found
                    .iter()
                    .find(|t| {
                        tmwire4::identity(t).is_ok_and(|(c, n)| {
                            c.eq_ignore_ascii_case(&r.carrier_code)
                                && n.eq_ignore_ascii_case(&r.tracking_number)
                        })
                    })
                    .map(read_object)
                    .transpose()
            })
            .collect()
    }

    /// Reads up to 40 parcels; the unknown ones are registered with one batch
    /// call, and come back without news (their results follow with a later poll).
    async fn fetch_many(&self, reqs: &[FetchRequest]) -> Result<Vec<Update>, ProviderError> {
        let read = self.read(reqs).await?;
        let unknown: Vec<Value> = reqs
            .iter()
            .zip(&read)
            .filter(|(_, u)| u.is_none())
            .map(|(r, _)| json!({"tracking_number": r.tracking_number, "courier_code": r.carrier_code}))
            .collect();
        if !unknown.is_empty() {
            // Items TrackingMore refuses (there already, say) are in the answer's
            // error list and change nothing here.
            let url = format!("{}/trackings/batch", self.base);
            self.call(self.http.post(&url).json(&unknown)).await?;
        }
        Ok(read
            .into_iter()
            .map(|u| u.unwrap_or_else(no_news))
            .collect())
    }

    /// Reads one parcel; an unknown one is registered with v4's real-time create,
    /// whose answer is the parcel as TrackingMore found it.
    async fn fetch_one(&self, req: &FetchRequest) -> Result<Update, ProviderError> {
        if let Some(Some(u)) = self.read(std::slice::from_ref(req)).await?.pop() {
            return Ok(u);
        }
        let url = format!("{}/trackings/create", self.base);
        let body =
            json!({"tracking_number": req.tracking_number, "courier_code": req.carrier_code});
        match self.call(self.http.post(&url).json(&body)).await {
            Ok(v) if v["data"].is_object() => read_object(&v["data"]),
            Ok(_) | Err(ProviderError::Meta(4101, _)) => Ok(no_news()),
            Err(e) => Err(e),
        }
    }
}

/// A poll that found nothing new (the parcel is being registered upstream).
fn no_news() -> Update {
    Update {
        source: "poll:trackingmore".into(),
        ..Update::default()
    }
}

fn read_object(t: &Value) -> Result<Update, ProviderError> {
    tmwire4::update(t, "poll:trackingmore").map_err(|e| ProviderError::Failed(e.to_string()))
}

impl Provider for TrackingMoreV4 {
    fn name(&self) -> &'static str {
        "trackingmore"
    }

    fn fetch<'a>(&'a self, req: &'a FetchRequest) -> BoxFuture<'a, Result<Update, ProviderError>> {
        Box::pin(self.fetch_one(req))
    }

    fn batch_limit(&self) -> usize {
        MAX_PER_CALL
    }

    fn fetch_batch<'a>(
        &'a self,
        reqs: &'a [FetchRequest],
    ) -> BoxFuture<'a, Vec<Result<Update, ProviderError>>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(reqs.len());
            for chunk in reqs.chunks(MAX_PER_CALL) {
                match self.fetch_many(chunk).await {
                    Ok(updates) => out.extend(updates.into_iter().map(Ok)),
                    Err(e) => out.extend(chunk.iter().map(|_| Err(same_error(&e)))),
                }
            }
            out
        })
    }
}

/// One failure of a shared call, for each parcel it was for.
fn same_error(e: &ProviderError) -> ProviderError {
    match e {
        ProviderError::RateLimited(m) => ProviderError::RateLimited(m.clone()),
        ProviderError::Meta(c, m) => ProviderError::Meta(*c, m.clone()),
        ProviderError::TimedOut(t) => ProviderError::TimedOut(*t),
        ProviderError::Paused(d) => ProviderError::Paused(*d),
        ProviderError::Failed(m) => ProviderError::Failed(m.clone()),
    }
}
