//! The retention worker: every `retention.check_every`, deletes trackings final
//! for longer than `retention.after_final` and drops the tries of notifications
//! delivered longer than `retention.attempt_logs` ago, in commits of
//! [`RETENTION_BATCH`], off the request path; and the export of what it is about
//! to delete.

use crate::core::carriers::Carriers;
use crate::core::retention::{cutoff, Policy};
use crate::core::time::Clock;
use crate::core::view::TrackingView;
use crate::store::{RetentionPass, Store, StoreError};
use crate::worker::{self, Outcome};
use std::io::Write;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Trackings deleted per commit: small, so a pass never holds the writer long.
pub const RETENTION_BATCH: usize = 500;

/// Drops the tries of every notification delivered before the cutoff at the
/// clock's now, batch after batch; how many notifications it walked.
pub async fn prune_due(
    store: &Store,
    clock: &Clock,
    attempt_logs: Option<i64>,
) -> Result<usize, StoreError> {
    let Some(cut) = cutoff(attempt_logs, clock.now()) else {
        return Ok(0);
    };
    let mut total = 0;
    loop {
        let n = store.prune_attempts(cut, RETENTION_BATCH).await?;
        total += n;
        if n < RETENTION_BATCH {
            return Ok(total);
        }
    }
}

/// Deletes every tracking past the cutoff at the clock's now, batch after batch.
pub async fn delete_due(
    store: &Store,
    clock: &Clock,
    after_final: Option<i64>,
) -> Result<RetentionPass, StoreError> {
    let mut total = RetentionPass::default();
    let Some(cut) = cutoff(after_final, clock.now()) else {
        return Ok(total);
    };
    loop {
        let pass = store.delete_final(cut, RETENTION_BATCH).await?;
        total.trackings += pass.trackings;
        total.parcels += pass.parcels;
        if pass.trackings < RETENTION_BATCH {
            break;
        }
    }
    if total.trackings > 0 {
        tracing::info!(
            trackings = total.trackings,
            parcels = total.parcels,
            "retention: finished trackings deleted"
        );
        crate::telemetry::retention(total.trackings);
    }
    Ok(total)
}

/// Runs until `shutdown`, a pass every `every`.
pub async fn run(
    store: Store,
    clock: Clock,
    policy: Policy,
    every: Duration,
    shutdown: CancellationToken,
) {
    if !policy.deletes() {
        return;
    }
    worker::run("retention", shutdown, every, None, move || {
        let (store, clock) = (store.clone(), clock.clone());
        async move {
            delete_due(&store, &clock, policy.after_final).await?;
            prune_due(&store, &clock, policy.attempt_logs).await?;
            Ok::<_, StoreError>(Outcome::Idle)
        }
    })
    .await;
}

/// Writes, one JSON line each (`{account, tracking: <v2 object>}`), the trackings
/// a pass would delete `within` seconds from now; how many.
pub async fn export(
    store: &Store,
    carriers: &Carriers,
    after_final: Option<i64>,
    now: i64,
    within: i64,
    out: &mut impl Write,
) -> Result<usize, StoreError> {
    let Some(cut) = cutoff(after_final, now.saturating_add(within)) else {
        return Ok(0);
    };
    let rows = store.final_before(cut, usize::MAX).await?;
    for (t, p) in &rows {
        let line = serde_json::json!({
            "account": t.account,
            "tracking": TrackingView::new(t, p, carriers, now),
        });
        writeln!(out, "{line}").map_err(|e| StoreError::Engine(format!("export: {e}")))?;
    }
    Ok(rows.len())
}
