//! Node liveness and wake-ups, on a connection of the node's own (outside the pool,
//! so a busy pool never delays a heartbeat): the node LISTENs for other nodes' new
//! jobs, and records a heartbeat; jobs leased by a node whose heartbeat stopped
//! (killed, crashed, cut off) are released for any node to take, well before their
//! lease would expire.

use super::rows::compact;
use super::{Inner, PgStore, Tls, JOBS_CHANNEL};
use crate::core::model::Parcel;
use crate::core::plan::plan_poll_retry;
use crate::core::rules::Job;
use crate::store::types::StoreError;
use futures_util::StreamExt;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio_postgres::types::Json;
use tokio_postgres::GenericClient;

/// How often a node records its heartbeat and looks for dead nodes' leases.
const BEAT: Duration = Duration::from_secs(2);
/// A node not heard from for this long is taken for dead.
const DEAD_AFTER_SECS: i64 = 10;
/// Nodes not heard from for this long are forgotten.
const FORGET_AFTER_SECS: i64 = 86_400;

const HEARTBEAT: &str = "INSERT INTO nodes (id, seen_at) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at";
/// Jobs and parcels leased by nodes not heard from since `$1`, with their owners.
const DEAD_JOBS: &str = "SELECT row, lease_owner FROM jobs
     WHERE state = 0 AND lease_owner IS NOT NULL AND lease_owner NOT IN
         (SELECT id FROM nodes WHERE seen_at >= $1)";
const DEAD_POLLS: &str = "SELECT row, poll_owner FROM parcels
     WHERE poll_owner IS NOT NULL AND poll_owner NOT IN
         (SELECT id FROM nodes WHERE seen_at >= $1)";
/// Writes the jobs core handed back, each only if its dead owner still holds it.
const RELEASE: &str = "UPDATE jobs SET due = r.due, lease_owner = NULL, row = r.row
     FROM unnest($1::text[], $2::int8[], $3::jsonb[], $4::text[]) AS r(id, due, row, owner)
     WHERE jobs.id = r.id AND jobs.state = 0 AND jobs.lease_owner = r.owner";
/// Writes the parcels core rescheduled, each only if its dead owner still holds it.
const RELEASE_POLLS: &str = "UPDATE parcels SET next_poll_at = r.at, poll_owner = NULL, row = r.row
     FROM unnest($1::text[], $2::text[], $3::int8[], $4::jsonb[], $5::text[])
         AS r(carrier, number, at, row, owner)
     WHERE parcels.carrier = r.carrier AND parcels.number = r.number
         AND parcels.poll_owner = r.owner";
const FORGET: &str = "DELETE FROM nodes WHERE seen_at < $1";

/// Records `node`'s heartbeat and hands back what nodes that stopped beating held:
/// their claimed jobs as [`Job::deferred`] makes them (due now, lease ended), their
/// claimed polls as [`plan_poll_retry`] makes them (due now, no failure counted).
async fn beat_on<C: GenericClient>(c: &C, node: &str, now: i64) -> Result<u64, StoreError> {
    c.execute(HEARTBEAT, &[&node, &now]).await?;
    let alive_since = now - DEAD_AFTER_SECS;
    let (mut ids, mut dues, mut rows, mut owners) = (vec![], vec![], vec![], vec![]);
    for r in c.query(DEAD_JOBS, &[&alive_since]).await? {
        let Json(job): Json<Job> = r.try_get(0)?;
        let back = job.deferred(now);
        ids.push(back.id.clone());
        dues.push(back.due);
        rows.push(Json(back));
        owners.push(r.try_get::<_, String>(1)?);
    }
    let released = c.execute(RELEASE, &[&ids, &dues, &rows, &owners]).await?;
    let (mut carriers, mut numbers, mut ats, mut parcels, mut owners) =
        (vec![], vec![], vec![], vec![], vec![]);
    for r in c.query(DEAD_POLLS, &[&alive_since]).await? {
        let Json(p): Json<Parcel> = r.try_get(0)?;
        let again = plan_poll_retry(&p, now, false);
        carriers.push(again.carrier_code.clone());
        numbers.push(again.tracking_number.clone());
        ats.push(again.next_poll_at);
        parcels.push(compact(&again)?);
        owners.push(r.try_get::<_, String>(1)?);
    }
    let polls = c
        .execute(
            RELEASE_POLLS,
            &[&carriers, &numbers, &ats, &parcels, &owners],
        )
        .await?;
    if polls > 0 {
        tracing::info!(
            parcels = polls,
            "polling again what a stopped node was polling"
        );
    }
    c.execute(FORGET, &[&(now - FORGET_AFTER_SECS)]).await?;
    Ok(released)
}

fn released(n: u64, ready: &tokio::sync::Notify) {
    if n > 0 {
        tracing::info!(
            jobs = n,
            "resending notifications a stopped node had claimed"
        );
        ready.notify_one();
    }
}

impl PgStore {
    /// Records this node's heartbeat (through the pool: at open, before any claim).
    pub(super) async fn beat(&self, now: i64) -> Result<u64, StoreError> {
        let c = self.client().await?;
        let client: &tokio_postgres::Client = &c.0;
        let n = beat_on(client, self.node(), now).await?;
        released(n, &self.inner.jobs_ready);
        Ok(n)
    }
}

/// The node's own connection, until the store is dropped: LISTEN for new jobs and
/// beat every [`BEAT`], reconnecting while the database is away. Each notification
/// (and each reconnect, which may have missed some) wakes the dispatcher.
pub(super) async fn own_connection(cfg: tokio_postgres::Config, tls: Tls, store: Weak<Inner>) {
    loop {
        let Some(inner) = store.upgrade() else { return };
        let (node, ready) = (inner.node.clone(), inner.jobs_ready.clone());
        drop(inner);
        match cfg.connect(tls.clone()).await {
            Ok((client, mut conn)) => {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let pump = tokio::spawn(async move {
                    let mut messages =
                        futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
                    while let Some(Ok(m)) = messages.next().await {
                        if let tokio_postgres::AsyncMessage::Notification(_) = m {
                            let _ = tx.send(());
                        }
                    }
                });
                if client
                    .batch_execute(&format!("LISTEN {JOBS_CHANNEL}"))
                    .await
                    .is_ok()
                {
                    ready.notify_one();
                    serve(&client, &node, &ready, &mut rx, &store).await;
                }
                pump.abort();
                if store.strong_count() == 0 {
                    return;
                }
                tracing::warn!("lost the node's own database connection; reconnecting");
            }
            Err(e) => {
                tracing::debug!(error = %e, "cannot reach the database for the node's own connection")
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Wakes the dispatcher on each notification and beats every [`BEAT`], until the
/// connection fails or the store is dropped.
async fn serve(
    client: &tokio_postgres::Client,
    node: &str,
    ready: &Arc<tokio::sync::Notify>,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<()>,
    store: &Weak<Inner>,
) {
    let mut tick = tokio::time::interval(BEAT);
    loop {
        tokio::select! {
            got = rx.recv() => match got {
                Some(()) => ready.notify_one(),
                None => return,
            },
            _ = tick.tick() => {
                if store.strong_count() == 0 {
                    return;
                }
                match beat_on(client, node, crate::core::time::now()).await {
                    Ok(n) => released(n, ready),
                    Err(e) => {
                        tracing::warn!(error = %e, "node heartbeat failed");
                        return;
                    }
                }
            }
        }
    }
}
