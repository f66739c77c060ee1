//! Group apply, for both backends: status changes pushed at the same time share one
//! transaction. Each caller queues its batch of news, then waits for a turn (sled:
//! the writer lock; PostgreSQL: one of a few group slots). Whoever gets a turn takes
//! the queued batches, oldest first, up to about [`GROUP_ITEMS`] updates, applies
//! them one after the other in one transaction, and answers each caller with its
//! own report once the transaction is durable. A caller that goes away before its
//! batch is taken takes the batch with it.

use crate::core::plan::Origin;
use crate::store::types::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use tokio::sync::oneshot;

/// About how many updates one grouped transaction takes: small batches gain most
/// from sharing; a big one is a transaction's worth on its own.
pub const GROUP_ITEMS: usize = 128;

/// One caller's batch of news, waiting for a turn.
pub struct Queued {
    ticket: u64,
    /// The news.
    pub items: Vec<Incoming>,
    /// Where it came from.
    pub origin: Origin,
    /// The push's (source, id, body hash), when it has an id.
    pub push: Option<(String, String, Option<String>)>,
    /// The time of arrival.
    pub now: i64,
    reply: oneshot::Sender<Result<ApplyReport, StoreError>>,
}

impl Queued {
    /// The push's dedupe identity, borrowed.
    pub fn push_key(&self) -> Option<PushKey<'_>> {
        self.push.as_ref().map(|(source, id, body)| PushKey {
            source,
            id,
            body: body.as_deref(),
        })
    }
}

/// The batches waiting for a turn.
#[derive(Default)]
pub struct Queue {
    waiting: Mutex<Vec<Queued>>,
    next_ticket: AtomicU64,
}

/// A caller's place in the queue: withdraws its batch if dropped before the batch
/// was taken, and receives the batch's report.
pub struct Place<'a> {
    queue: &'a Queue,
    ticket: u64,
    answer: Option<oneshot::Receiver<Result<ApplyReport, StoreError>>>,
}

impl Place<'_> {
    /// Waits for the report of the transaction that took this batch.
    pub async fn answer(mut self) -> Result<ApplyReport, StoreError> {
        let answer = self.answer.take().expect("answered once");
        answer
            .await
            .map_err(|_| StoreError::Engine("the grouped commit was dropped".into()))?
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        // Taken already (the usual case): nothing left to remove.
        self.queue.lock().retain(|q| q.ticket != self.ticket);
    }
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Vec<Queued>> {
        self.waiting
            .lock()
            .expect("the apply queue is never poisoned")
    }

    /// Queues a caller's batch.
    pub fn join(
        &self,
        items: &[Incoming],
        origin: Origin,
        push: Option<PushKey<'_>>,
        now: i64,
    ) -> Place<'_> {
        let (reply, answer) = oneshot::channel();
        let ticket = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        self.lock().push(Queued {
            ticket,
            items: items.to_vec(),
            origin,
            push: push.map(|p| {
                (
                    p.source.to_string(),
                    p.id.to_string(),
                    p.body.map(str::to_string),
                )
            }),
            now,
            reply,
        });
        Place {
            queue: self,
            ticket,
            answer: Some(answer),
        }
    }

    /// How many batches wait (for tests).
    #[cfg(test)]
    pub fn take_peek_len(&self) -> usize {
        self.lock().len()
    }

    /// For a caller whose turn has come: the oldest batches, up to about
    /// [`GROUP_ITEMS`] updates (at least one batch); none if others took them all.
    pub fn take(&self) -> Vec<Queued> {
        let mut queue = self.lock();
        let mut items = 0;
        let take = queue
            .iter()
            .take_while(|q| {
                let first = items == 0;
                items += q.items.len().max(1);
                first || items <= GROUP_ITEMS
            })
            .count();
        queue.drain(..take).collect()
    }
}

/// Answers every caller of a group: each its own report, or the group's error.
pub fn answer(group: Vec<Queued>, result: Result<Vec<ApplyReport>, StoreError>) {
    match result {
        Ok(reports) => {
            for (q, r) in group.into_iter().zip(reports) {
                // A caller that went away has nothing to learn.
                let _ = q.reply.send(Ok(r));
            }
        }
        Err(e) => {
            for q in group {
                let _ = q.reply.send(Err(e.clone()));
            }
        }
    }
}
