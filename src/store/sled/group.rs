//! Group apply on sled: a caller's turn is the writer lock (see [`crate::store::group`]).

use super::SledStore;
use crate::core::plan::Origin;
use crate::store::group;
use crate::store::types::*;

impl SledStore {
    /// Applies a batch of news in one commit. With `push_id`, a batch whose id was
    /// seen before has no effect and reports `duplicate` (or `replayed`).
    ///
    /// Batches that arrive while another commit runs share the next one: whoever
    /// takes the writer lock applies the queued batches in queue order in one atomic
    /// sled batch, and each caller gets its own report once it is on disk. Many
    /// single-change pushes thus cost one commit, and their shared counters one
    /// write.
    pub(super) async fn apply_group(
        &self,
        items: &[Incoming],
        origin: Origin,
        push_id: Option<PushKey<'_>>,
        now: i64,
    ) -> Result<ApplyReport, StoreError> {
        let place = self.inner.applies.join(items, origin, push_id, now);
        let guard = self.inner.writer.lock().await;
        let taken = self.inner.applies.take();
        if taken.is_empty() {
            // An earlier caller took this batch into its commit.
            drop(guard);
            return place.answer().await;
        }
        // No await inside: the batches taken are committed in this same poll.
        let result = self
            .commit_locked(guard, |tx| {
                taken
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
            if let Ok(reports) = &reports {
                if reports.iter().any(|r| r.jobs > 0) {
                    me.inner.jobs_ready.notify_one();
                }
            }
            group::answer(taken, reports);
        });
        place.answer().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::backend::*;

    #[tokio::test]
    async fn a_caller_gone_before_its_turn_takes_its_batch_with_it() {
        let (_dir, store) = super::super::testing::temp_store().await;
        let held = store.inner.writer.lock().await;
        let waiting = store.clone();
        let task =
            tokio::spawn(async move { waiting.apply_updates(&[], Origin::Push, None, 0).await });
        while store.inner.applies.take_peek_len() == 0 {
            tokio::task::yield_now().await;
        }
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
        assert_eq!(
            store.inner.applies.take_peek_len(),
            0,
            "the batch left with its caller"
        );
        drop(held);
    }
}
