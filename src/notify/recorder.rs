//! Group commit for delivery attempts. Every send in flight hands its try to one
//! recorder and waits; the recorder writes whatever has queued up meanwhile in one
//! commit (one sled flush, one PostgreSQL statement), then answers each sender.
//! A send's slot is freed only once its try is durable, so at-least-once delivery
//! and the attempt log are as before: only the commits are shared.

use crate::store::types::AttemptRecord;
use crate::store::{Store, StoreError};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};

/// At most this many tries per commit.
const MAX_BATCH: usize = 512;

/// Commits in progress at once: one being written while the next batch gathers
/// (sled commits one at a time and shares flushes between them).
const PIPELINE: usize = 2;

type Entry = (AttemptRecord, oneshot::Sender<Result<(), StoreError>>);

/// The queue into the recorder task; the task ends when the last handle is dropped.
#[derive(Clone)]
pub struct Recorder {
    queue: mpsc::UnboundedSender<Entry>,
}

impl Recorder {
    /// Starts the recorder task on the current runtime.
    pub fn start(store: Store) -> Recorder {
        let (queue, mut rx) = mpsc::unbounded_channel::<Entry>();
        let commits = Arc::new(Semaphore::new(PIPELINE));
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            loop {
                // Wait for a commit slot first, so tries gather while it is taken.
                let Ok(slot) = commits.clone().acquire_owned().await else {
                    return;
                };
                if rx.recv_many(&mut batch, MAX_BATCH).await == 0 {
                    return;
                }
                let (records, replies): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
                let store = store.clone();
                tokio::spawn(async move {
                    let result = store.record_attempts(&records).await;
                    crate::telemetry::attempts_committed(records.len());
                    for reply in replies {
                        // A sender that gave up waiting has nothing to learn.
                        let _ = reply.send(result.clone());
                    }
                    drop(slot);
                });
            }
        });
        Recorder { queue }
    }

    /// Records one try, durably, together with whatever else is queued.
    pub async fn record(&self, record: AttemptRecord) -> Result<(), StoreError> {
        let stopped = || StoreError::Engine("the attempt recorder has stopped".into());
        let (reply, answer) = oneshot::channel();
        self.queue.send((record, reply)).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}
