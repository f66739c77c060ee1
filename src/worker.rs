//! The loop around a worker's step function: step until idle, then sleep, until
//! shutdown. Tests drive the step; the gateway runs the loop.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Started this many units of work.
    Worked(usize),
    /// Nothing to do (or every slot busy).
    Idle,
}

/// Runs `step` until `shutdown`, pausing `idle_pause` when it reports `Idle` or
/// fails; `wake` (if given) ends a pause early when new work arrives.
pub async fn run<F, Fut, E>(
    name: &str,
    shutdown: CancellationToken,
    idle_pause: Duration,
    wake: Option<Arc<Notify>>,
    mut step: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Outcome, E>>,
    E: std::fmt::Display,
{
    loop {
        let pause = match step().await {
            Ok(Outcome::Worked(_)) => Duration::from_millis(5),
            Ok(Outcome::Idle) => idle_pause,
            Err(e) => {
                tracing::error!(worker = name, error = %e, "worker step failed");
                idle_pause
            }
        };
        let woken = async {
            match &wake {
                Some(w) => w.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(pause) => {}
            _ = woken => {}
        }
    }
}
