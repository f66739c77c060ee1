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

/// Opens the store in `dir` again once the store this process had open there has
/// let go of it: sled's background threads release the directory's lock shortly
/// after its last handle is dropped, not at the drop itself.
pub(super) async fn reopen(dir: &std::path::Path) -> SledStore {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match SledStore::open(dir, 16, PollPolicy::default()).await {
            Err(e) if e.to_string().contains("lock") && std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await
            }
            opened => return opened.expect("the store opens"),
        }
    }
}
