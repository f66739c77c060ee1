//! Copying a whole store to another engine (`trackgate migrate`): what is copied,
//! in which order, and how both sides are counted. The source reads in key order,
//! a chunk at a time, and says where to go on; the target writes each chunk so
//! that writing it again changes nothing (a stopped copy is run again).

use crate::core::account::Account;
use crate::core::model::{Parcel, Tracking, Transition};
use crate::core::rules::{Attempt, Job};
use crate::store::{ImportTarget, PgStore, SledStore, StoreError};

/// Rows per chunk: one transaction on the target each.
const CHUNK: usize = 1000;

/// Why a copy did not run or did not end.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The target holds data of its own.
    #[error("the target database is not empty ({0}); migrate copies into an empty database only")]
    NotEmpty(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Copies every account, parcel, tracking, transition and notification (with its
/// tries) of `from` into `to`, calling `progress(kind, done, total)` after each
/// chunk; returns both sides' counts. `source` names the copy, so a copy stopped
/// midway can be run again (it then goes on: rows already copied are skipped).
pub async fn copy(
    from: &SledStore,
    to: &PgStore,
    source: &str,
    mut progress: impl FnMut(Kind, u64, u64),
) -> Result<(Counts, Counts), CopyError> {
    match to.import_target(source).await? {
        ImportTarget::InUse(c) => {
            let held: Vec<String> = c
                .named()
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            return Err(CopyError::NotEmpty(held.join(", ")));
        }
        ImportTarget::Empty => to.begin_import(source).await?,
        ImportTarget::Unfinished => {}
    }
    let counts = from.counts().await?;
    for kind in Kind::ALL {
        let total = counts.of(kind);
        let (mut done, mut cursor) = (0u64, None);
        progress(kind, 0, total);
        loop {
            let (chunk, next) = from.export(kind, cursor, CHUNK).await?;
            to.import(&chunk).await?;
            done += chunk.len() as u64;
            progress(kind, done, total);
            match next {
                Some(k) => cursor = Some(k),
                None => break,
            }
        }
    }
    to.finish_import().await?;
    Ok((counts, to.counts().await?))
}

/// What is copied, in the order it is (a tracking needs its account and parcel;
/// a transition its parcel; a job its account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Accounts,
    Parcels,
    Trackings,
    Transitions,
    Jobs,
}

impl Kind {
    /// Every kind, in copy order.
    pub const ALL: [Kind; 5] = [
        Kind::Accounts,
        Kind::Parcels,
        Kind::Trackings,
        Kind::Transitions,
        Kind::Jobs,
    ];

    /// Its name in progress lines and counts.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Accounts => "accounts",
            Kind::Parcels => "parcels",
            Kind::Trackings => "trackings",
            Kind::Transitions => "transitions",
            Kind::Jobs => "notifications",
        }
    }
}

/// Rows of one kind, as the model holds them.
#[derive(Debug, Clone)]
pub enum Chunk {
    Accounts(Vec<Account>),
    Parcels(Vec<Parcel>),
    /// Each with its indexed columns (the status its account sees, its watch).
    Trackings(Vec<(Tracking, super::types::TrackingIndex)>),
    /// Each with its parcel's carrier and number.
    Transitions(Vec<(String, String, Transition)>),
    /// Each with its tries.
    Jobs(Vec<(Job, Vec<Attempt>)>),
}

impl Chunk {
    /// How many rows it holds.
    pub fn len(&self) -> usize {
        match self {
            Chunk::Accounts(v) => v.len(),
            Chunk::Parcels(v) => v.len(),
            Chunk::Trackings(v) => v.len(),
            Chunk::Transitions(v) => v.len(),
            Chunk::Jobs(v) => v.len(),
        }
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How many of each a store holds, compared at the end of a copy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub accounts: u64,
    pub parcels: u64,
    pub trackings: u64,
    pub transitions: u64,
    pub jobs: u64,
    /// Delivery tries, over every notification.
    pub attempts: u64,
}

impl Counts {
    /// Each count with its name, in copy order, then the tries.
    pub fn named(&self) -> [(&'static str, u64); 6] {
        let [a, p, t, tr, j] = Kind::ALL.map(|k| (k.name(), self.of(k)));
        [a, p, t, tr, j, ("delivery tries", self.attempts)]
    }

    /// The count of one kind.
    pub fn of(&self, kind: Kind) -> u64 {
        match kind {
            Kind::Accounts => self.accounts,
            Kind::Parcels => self.parcels,
            Kind::Trackings => self.trackings,
            Kind::Transitions => self.transitions,
            Kind::Jobs => self.jobs,
        }
    }
}
