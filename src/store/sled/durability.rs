//! Group commit: many writers, one flush.
//!
//! Each committed write takes a sequence number. A writer that needs durability waits
//! for a flush that started after its write; while one flush runs, later writers queue
//! on the lock and the next flush covers all of them at once.

use super::failure::WriteFailure;
use super::StoreError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub(super) struct Flusher {
    db: sled::Db,
    failure: Arc<WriteFailure>,
    written: AtomicU64,
    durable: AtomicU64,
    lock: tokio::sync::Mutex<()>,
}

impl Flusher {
    pub(super) fn new(db: sled::Db, failure: Arc<WriteFailure>) -> Flusher {
        Flusher {
            db,
            failure,
            written: AtomicU64::new(0),
            durable: AtomicU64::new(0),
            lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Records a committed write; returns its sequence number.
    pub(super) fn note_write(&self) -> u64 {
        self.written.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The sequence number of the last committed write.
    pub(super) fn written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }

    pub(super) async fn wait(&self, seq: u64) -> Result<(), StoreError> {
        if self.durable.load(Ordering::SeqCst) >= seq {
            return Ok(());
        }
        let _turn = self.lock.lock().await;
        if self.durable.load(Ordering::SeqCst) >= seq {
            return Ok(());
        }
        // Everything committed before this point is covered by the flush below.
        let target = self.written.load(Ordering::SeqCst);
        let db = self.db.clone();
        let flushed = tokio::task::spawn_blocking(move || db.flush())
            .await
            .map_err(|e| StoreError::Engine(format!("flush task failed: {e}")))?;
        if let Err(e) = flushed {
            // The writes are committed in memory but maybe not on disk: a restart
            // may or may not find them.
            self.failure.record(&e);
            return Err(StoreError::OutcomeUnknown(e.to_string()));
        }
        self.durable.fetch_max(target, Ordering::SeqCst);
        Ok(())
    }
}
