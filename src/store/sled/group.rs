//! Group apply: status changes pushed at the same time share one sled transaction
//! and one flush. Each caller queues its batch and takes the writer lock; whoever
//! holds it applies the queued batches, oldest first, in one commit, and answers
//! each caller with its own report once the commit is on disk.

use super::{SledStore, StoreError};
use crate::core::plan::Origin;
use crate::store::types::*;
use std::sync::atomic::Ordering;
use std::sync::MutexGuard;

/// About how many updates one grouped commit takes (see `apply_updates`).
const GROUP_ITEMS: usize = 128;

/// One caller's batch of news waiting for the group's commit.
pub(super) struct QueuedApply {
    /// Which caller queued it.
    ticket: u64,
    pub(super) items: Vec<Incoming>,
    pub(super) origin: Origin,
    /// The push's (source, id, body hash).
    pub(super) push: Option<(String, String, Option<String>)>,
    pub(super) now: i64,
    reply: tokio::sync::oneshot::Sender<Result<ApplyReport, StoreError>>,
}

/// Takes a caller's batch out of the queue if the caller goes away first.
struct Withdraw<'a> {
    store: &'a SledStore,
    ticket: u64,
}

impl Drop for Withdraw<'_> {
    fn drop(&mut self) {
        // Taken already (the usual case): nothing left to remove.
        self.store.queue().retain(|q| q.ticket != self.ticket);
    }
}

impl SledStore {
    fn queue(&self) -> MutexGuard<'_, Vec<QueuedApply>> {
        self.inner
            .applies
            .lock()
            .expect("the apply queue is never poisoned")
    }

    /// Applies a batch of news in one commit. With `push_id`, a batch whose id was
    /// seen before has no effect and reports `duplicate` (or `replayed`).
    ///
    /// Batches that arrive while another commit runs share the next one (group
    /// commit): whoever takes the writer lock first applies every queued batch in
    /// queue order, one after the other, in one sled transaction, and each caller
    /// gets its own report once that commit is on disk. Many single-change pushes
    /// thus cost one transaction, and their shared counters one write.
    pub async fn apply_updates(
        &self,
        items: &[Incoming],
        origin: Origin,
        push_id: Option<PushKey<'_>>,
        now: i64,
    ) -> Result<ApplyReport, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let ticket = self.inner.next_ticket.fetch_add(1, Ordering::Relaxed);
        self.queue().push(QueuedApply {
            ticket,
            items: items.to_vec(),
            origin,
            push: push_id.map(|p| {
                (
                    p.source.to_string(),
                    p.id.to_string(),
                    p.body.map(str::to_string),
                )
            }),
            now,
            reply,
        });
        // Should this caller go away before its batch is taken (its client hung
        // up while it waited for the lock), the batch leaves the queue with it.
        let _withdraw = Withdraw {
            store: self,
            ticket,
        };
        let guard = self.inner.writer.lock().await;
        let queued = {
            let mut queue = self.queue();
            // Small batches gain most from sharing; a big one is a commit's worth
            // on its own. Take batches, oldest first, up to about GROUP_ITEMS.
            let mut items = 0;
            let take = queue
                .iter()
                .take_while(|q| {
                    let first = items == 0;
                    items += q.items.len().max(1);
                    first || items <= GROUP_ITEMS
                })
                .count();
            queue.drain(..take).collect::<Vec<_>>()
        };
        if queued.is_empty() {
            // An earlier caller took this batch into its commit.
            drop(guard);
            return answer
                .await
                .map_err(|_| StoreError::Engine("the grouped commit was dropped".into()))?;
        }
        let result = self
            .commit_locked(guard, |tx| {
                queued
                    .iter()
                    .map(|q| tx.apply_batch(q))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await;
        // Waiting for the flush and answering happen in a task of their own: were
        // this caller to go away (its client hung up), the others still hear back.
        let me = self.clone();
        tokio::spawn(async move {
            let reports = match result {
                Ok((reports, seq)) => me.inner.flusher.wait(seq).await.map(|()| reports),
                Err(e) => Err(e),
            };
            match reports {
                Ok(reports) => {
                    if reports.iter().any(|r| r.jobs > 0) {
                        me.inner.jobs_ready.notify_one();
                    }
                    for (q, r) in queued.into_iter().zip(reports) {
                        let _ = q.reply.send(Ok(r));
                    }
                }
                Err(e) => {
                    for q in queued {
                        let _ = q.reply.send(Err(e.clone()));
                    }
                }
            }
        });
        answer
            .await
            .map_err(|_| StoreError::Engine("the grouped commit was dropped".into()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::schedule::PollPolicy;

    #[tokio::test]
    async fn a_caller_gone_before_its_turn_takes_its_batch_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path(), 16, PollPolicy::default())
            .await
            .unwrap();
        let held = store.inner.writer.lock().await;
        let waiting = store.clone();
        let task =
            tokio::spawn(async move { waiting.apply_updates(&[], Origin::Push, None, 0).await });
        while store.queue().is_empty() {
            tokio::task::yield_now().await;
        }
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
        assert!(store.queue().is_empty(), "the batch left with its caller");
        drop(held);
    }
}
