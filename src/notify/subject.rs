//! What a batch of claimed jobs is about. Each (account, tracking) of the batch is
//! read once and turned into what its messages show once, and every job about it (one
//! per channel, or several changes of one parcel) shares that: no job re-reads
//! the store for its own message.

use super::context::{CarrierView, ShopView};
use super::outcome::{permanent, Sent};
use crate::core::carriers::Carriers;
use crate::core::model::{Parcel, Tracking};
use crate::core::rules::Job;
use crate::core::view::TrackingView;
use crate::store::types::Account;
use crate::store::Store;
use futures_util::future::join_all;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::Arc;

/// One tracking as its messages show it, with its shop.
pub struct Subject {
    /// The account, with its destinations.
    pub account: Arc<Account>,
    /// The tracking object (TrackingMore v2 form).
    pub view: TrackingView,
    /// The same, serialised once for every webhook body about it.
    pub tracking_json: Box<RawValue>,
    /// The carrier as messages show it.
    pub carrier: CarrierView,
    /// The shop as messages show it.
    pub shop: ShopView,
    /// The tracking's language, for templates.
    pub lang: Option<String>,
    /// The customer's address, for email.
    pub customer_email: Option<String>,
    /// The customer's tracking page.
    pub link: String,
    /// The tracking and its parcel, for the webhook formats of other providers.
    pub tracking: Tracking,
    pub parcel: Parcel,
}

/// A job's subject, or how its try ends without a send (a deleted tracking is
/// permanent; a store that failed to answer is worth a retry).
pub type Found = Result<Arc<Subject>, Sent>;

type Key = (u64, String, String);

fn key(job: &Job) -> Key {
    (
        job.account,
        job.carrier_code.clone(),
        job.tracking_number.clone(),
    )
}

fn store_failed(e: impl std::fmt::Display) -> Sent {
    Sent::Retry {
        code: None,
        error: format!("store: {e}"),
        after: None,
    }
}

/// The subjects of a batch of jobs.
pub struct Subjects(HashMap<Key, Found>);

async fn read_account(store: &Store, id: u64) -> Result<Arc<Account>, Sent> {
    match store.account(id).await {
        Ok(Some(a)) => Ok(Arc::new(a)),
        Ok(None) => Err(permanent("the account no longer exists")),
        Err(e) => Err(store_failed(e)),
    }
}

/// Where a subject's JSON is built from.
struct Sources<'a> {
    store: &'a Store,
    carriers: &'a Carriers,
    public_url: &'a str,
    now: i64,
}

impl Sources<'_> {
    async fn subject(&self, account: &Result<Arc<Account>, Sent>, k: &Key) -> Found {
        let account = account.as_ref().map_err(Sent::clone)?;
        let (t, p) = match self.store.tracking(k.0, &k.1, &k.2).await {
            Ok(Some(x)) => x,
            Ok(None) => return Err(permanent("the tracking was deleted")),
            Err(e) => return Err(store_failed(e)),
        };
        let view = TrackingView::new(&t, &p, self.carriers, self.now);
        Ok(Arc::new(Subject {
            link: crate::core::links::tracking_page(self.public_url, &t.id),
            shop: ShopView::new(
                account.name.as_deref(),
                account.logo_url.as_deref(),
                account.timezone.as_deref(),
            ),
            account: account.clone(),
            tracking_json: serde_json::value::to_raw_value(&view)
                .map_err(|e| permanent(format!("the tracking did not serialise: {e}")))?,
            view,
            carrier: CarrierView::of(self.carriers, &k.1),
            lang: t.fields.lang.clone(),
            customer_email: t.fields.customer_email.clone(),
            tracking: t,
            parcel: p,
        }))
    }
}

impl Subjects {
    /// Reads every account and tracking the jobs name, once each, all at once (on
    /// PostgreSQL each read is a round trip; the pool runs them side by side).
    pub async fn gather(
        store: &Store,
        carriers: &Carriers,
        public_url: &str,
        now: i64,
        jobs: &[Job],
    ) -> Subjects {
        let mut keys: Vec<Key> = jobs.iter().map(key).collect();
        keys.sort();
        keys.dedup();
        let mut ids: Vec<u64> = keys.iter().map(|k| k.0).collect();
        ids.dedup();
        let accounts: HashMap<u64, Result<Arc<Account>, Sent>> = join_all(
            ids.into_iter()
                .map(|id| async move { (id, read_account(store, id).await) }),
        )
        .await
        .into_iter()
        .collect();
        let sources = Sources {
            store,
            carriers,
            public_url,
            now,
        };
        let (sources, accounts) = (&sources, &accounts);
        let found = join_all(keys.into_iter().map(|k| async move {
            let subject = sources.subject(&accounts[&k.0], &k).await;
            (k, subject)
        }))
        .await;
        Subjects(found.into_iter().collect())
    }

    /// The subject of one of the gathered jobs.
    pub fn of(&self, job: &Job) -> Found {
        self.0
            .get(&key(job))
            .cloned()
            .unwrap_or_else(|| Err(store_failed("the job's tracking was not read")))
    }
}
