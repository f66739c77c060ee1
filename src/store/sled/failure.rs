//! The engine's first write failure. sled keeps an I/O error (a full disk, a
//! failing device) and refuses every later write with it, even once space is
//! back, so the first one marks the store broken: `/readyz` answers 503 with the
//! reason, and the gateway exits non-zero for its supervisor to restart it, which
//! recovers everything that was acknowledged.

use std::sync::{Arc, OnceLock};
use tokio::sync::Notify;

#[derive(Default)]
pub(super) struct WriteFailure {
    reason: OnceLock<String>,
    signal: Arc<Notify>,
}

impl WriteFailure {
    /// Records `e` if it breaks the store for good (I/O, corruption); says whether.
    pub(super) fn record(&self, e: &sled::Error) -> bool {
        let fatal = matches!(
            e,
            sled::Error::Io(_) | sled::Error::Corruption { .. } | sled::Error::ReportableBug(_)
        );
        if fatal && self.reason.set(e.to_string()).is_ok() {
            tracing::error!(error = %e, "the store can no longer write; the gateway will exit for a restart");
            self.signal.notify_waiters();
            self.signal.notify_one();
        }
        fatal
    }

    /// Why the store is broken, once it is.
    pub(super) fn reason(&self) -> Option<&str> {
        self.reason.get().map(String::as_str)
    }

    /// Signalled when the store breaks.
    pub(super) fn signal(&self) -> Arc<Notify> {
        self.signal.clone()
    }
}
