//! Node liveness: each node records a heartbeat; jobs leased by a node whose
//! heartbeat stopped (killed, crashed, partitioned) are released for any node to
//! take, well before their lease would expire.

use super::db::Db;
use super::PgStore;
use crate::store::types::StoreError;
use std::time::Duration;

/// How often a node records its heartbeat and looks for dead nodes' leases.
const BEAT: Duration = Duration::from_secs(2);
/// A node not heard from for this long is taken for dead.
const DEAD_AFTER_SECS: i64 = 10;
/// Nodes not heard from for this long are forgotten.
const FORGET_AFTER_SECS: i64 = 86_400;

impl PgStore {
    /// Records this node's heartbeat and releases the jobs of nodes that stopped
    /// beating; returns how many jobs it released.
    pub(super) async fn beat(&self, now: i64) -> Result<u64, StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO nodes (id, seen_at) VALUES ($1, $2)
                 ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at",
                &[&self.node(), &now],
            )
            .await?;
        let released = client
            .execute(
                "UPDATE jobs SET due = $1, lease_owner = NULL,
                     row = row || jsonb_build_object('due', $1::bigint, 'leased', false, 'lease_owner', NULL)
                 WHERE state = 0 AND lease_owner IS NOT NULL AND lease_owner NOT IN
                     (SELECT id FROM nodes WHERE seen_at >= $2)",
                &[&now, &(now - DEAD_AFTER_SECS)],
            )
            .await?;
        client
            .execute(
                "DELETE FROM nodes WHERE seen_at < $1",
                &[&(now - FORGET_AFTER_SECS)],
            )
            .await?;
        if released > 0 {
            tracing::info!(
                jobs = released,
                "resending notifications a stopped node had claimed"
            );
            self.inner.jobs_ready.notify_one();
        }
        Ok(released)
    }
}

/// Beats until the store is dropped (the task holds only a weak handle).
pub(super) async fn heartbeat(store: std::sync::Weak<super::Inner>) {
    loop {
        tokio::time::sleep(BEAT).await;
        let Some(inner) = store.upgrade() else { return };
        let s = PgStore { inner };
        if let Err(e) = s.beat(crate::core::time::now()).await {
            tracing::warn!(error = %e, "node heartbeat failed");
        }
    }
}
