//! What a batch of claimed jobs is about. Each (account, tracking) of the batch is
//! read once and turned into the messages' JSON once, and every job about it (one
//! per channel, or several changes of one parcel) shares that: no job re-reads
//! the store for its own message.

use super::outcome::{permanent, Sent};
use super::templates;
use crate::core::carriers::Carriers;
use crate::core::rules::Job;
use crate::core::view::TrackingView;
use crate::store::types::Account;
use crate::store::Store;
use serde_json::Value;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::Arc;

/// One tracking as its messages show it, with its shop.
pub struct Subject {
    /// The account, with its destinations.
    pub account: Arc<Account>,
    /// The tracking object (TrackingMore v2 form).
    pub tracking: Value,
    /// The carrier as templates see it.
    pub carrier: Value,
    /// The shop as templates see it.
    pub shop: Value,
    /// The tracking's language, for templates.
    pub lang: Option<String>,
    /// The customer's address, for email.
    pub customer_email: Option<String>,
    /// The customer's tracking page.
    pub link: String,
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

impl Subjects {
    /// Reads every account and tracking the jobs name, once each.
    pub async fn gather(
        store: &Store,
        carriers: &Carriers,
        public_url: &str,
        now: i64,
        jobs: &[Job],
    ) -> Subjects {
        let mut accounts: HashMap<u64, Result<Arc<Account>, Sent>> = HashMap::new();
        let mut found = HashMap::new();
        for job in jobs {
            let k = key(job);
            if found.contains_key(&k) {
                continue;
            }
            if let Entry::Vacant(slot) = accounts.entry(job.account) {
                slot.insert(match store.account(job.account).await {
                    Ok(Some(a)) => Ok(Arc::new(a)),
                    Ok(None) => Err(permanent("the account no longer exists")),
                    Err(e) => Err(store_failed(e)),
                });
            }
            let subject = match &accounts[&job.account] {
                Err(sent) => Err(sent.clone()),
                Ok(account) => {
                    match store
                        .tracking(job.account, &job.carrier_code, &job.tracking_number)
                        .await
                    {
                        Ok(Some((t, p))) => {
                            let view = TrackingView::new(&t, &p, carriers, now);
                            let tracking = serde_json::to_value(view).unwrap_or(Value::Null);
                            let carrier = carriers
                                .resolve(&job.carrier_code)
                                .map(|c| serde_json::to_value(c).unwrap_or(Value::Null))
                                .unwrap_or(Value::Null);
                            Ok(Arc::new(Subject {
                                link: crate::state::page_url(public_url, &t.id),
                                shop: templates::shop(
                                    account.name.as_deref(),
                                    account.logo_url.as_deref(),
                                ),
                                account: account.clone(),
                                tracking,
                                carrier,
                                lang: t.fields.lang.clone(),
                                customer_email: t.fields.customer_email.clone(),
                            }))
                        }
                        Ok(None) => Err(permanent("the tracking was deleted")),
                        Err(e) => Err(store_failed(e)),
                    }
                }
            };
            found.insert(k, subject);
        }
        Subjects(found)
    }

    /// The subject of one of the gathered jobs.
    pub fn of(&self, job: &Job) -> Found {
        self.0
            .get(&key(job))
            .cloned()
            .unwrap_or_else(|| Err(store_failed("the job's tracking was not read")))
    }
}
