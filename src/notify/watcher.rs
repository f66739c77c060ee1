//! The alert worker: every `alerts.check_every`, fires what is due
//! ([`crate::store::Alerts::fire_due_alerts`]) in batches until nothing is; the
//! dispatcher sends the notifications like any others.

use crate::core::time::Clock;
use crate::store::Store;
use crate::worker::{self, Outcome};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Trackings handled per commit.
pub const ALERT_BATCH: usize = 500;

/// Fires every alert due now, batch after batch; how many trackings it handled.
pub async fn fire_due(store: &Store, clock: &Clock) -> Result<usize, crate::store::StoreError> {
    let mut handled = 0;
    loop {
        let pass = store.fire_due_alerts(clock.now(), ALERT_BATCH).await?;
        handled += pass.handled;
        for alert in &pass.fired {
            crate::telemetry::alert(alert.as_str());
        }
        if !pass.fired.is_empty() {
            tracing::info!(
                alerts = pass.fired.len(),
                notifications = pass.jobs,
                "alerts fired"
            );
        }
        if pass.handled < ALERT_BATCH {
            return Ok(handled);
        }
    }
}

/// Runs until `shutdown`, looking every `every`.
pub async fn run(store: Store, clock: Clock, every: Duration, shutdown: CancellationToken) {
    worker::run("alerts", shutdown, every, None, move || {
        let (store, clock) = (store.clone(), clock.clone());
        async move {
            fire_due(&store, &clock).await?;
            // Idle either way: the next look is a period away.
            Ok::<_, crate::store::StoreError>(Outcome::Idle)
        }
    })
    .await;
}
