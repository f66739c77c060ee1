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
    /// Nothing to do.
    Idle,
    /// Every slot is busy: look again as soon as one may have freed, not after
    /// the idle pause (a full dispatcher would otherwise stall for it each round).
    Busy,
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
            // More may be waiting: look again at once (after letting others run).
            Ok(Outcome::Worked(_)) => {
                tokio::task::yield_now().await;
                if shutdown.is_cancelled() {
                    break;
                }
                continue;
            }
            // `wake` (if given) also says when a slot frees; this is the fallback.
            Ok(Outcome::Busy) => Duration::from_millis(5),
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

/// Starts one task per item, each holding a permit of `inflight` until it ends, and
/// reports `Worked(n)` (or `Idle` for none). `work` returns an error only for what
/// could not be recorded; it is logged with `what`. Each task that ends signals
/// `freed`, if given, so a worker waiting for a slot looks again at once.
pub async fn spawn_each<T, F, Fut, E>(
    inflight: &Arc<tokio::sync::Semaphore>,
    freed: Option<&Arc<Notify>>,
    items: Vec<T>,
    what: &'static str,
    work: F,
) -> Outcome
where
    T: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: std::fmt::Display,
{
    if items.is_empty() {
        return Outcome::Idle;
    }
    let n = items.len();
    for item in items {
        let permit = inflight
            .clone()
            .acquire_owned()
            .await
            .expect("the in-flight semaphore is never closed");
        let fut = work(item);
        let freed = freed.cloned();
        tokio::spawn(async move {
            if let Err(e) = fut.await {
                tracing::error!(error = %e, "{what}");
            }
            drop(permit);
            if let Some(f) = freed {
                f.notify_one();
            }
        });
    }
    Outcome::Worked(n)
}

/// Waits until every task started with a permit of `inflight` (which holds `total`
/// permits) has ended; gives up after `within`, if given.
pub async fn settle(inflight: &tokio::sync::Semaphore, total: usize, within: Option<Duration>) {
    let all = inflight.acquire_many(total as u32);
    match within {
        Some(d) => drop(tokio::time::timeout(d, all).await),
        None => drop(all.await),
    }
}
