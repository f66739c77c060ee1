//! What the sled backend's unit tests share.

use super::SledStore;
use crate::core::schedule::PollPolicy;

/// A store in a fresh temporary directory, with the default poll policy. Keep the
/// directory for as long as the store is used.
pub(super) async fn temp_store() -> (tempfile::TempDir, SledStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), 16, PollPolicy::default())
        .await
        .unwrap();
    (dir, store)
}
