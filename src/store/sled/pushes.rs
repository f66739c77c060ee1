//! Push dedupe: each push id is remembered for [`PUSH_ID_RETENTION`], with the
//! body's hash when the source signs no id of its own.
//!
//! `PushSeen` holds one row per id. Forgetting them in time order needs a time
//! index, but not a row per id in it: the ids first seen in one commit share one
//! `PushSeenByTime` row (the commit's time and a random tag, listing the ids), so
//! a commit of many single pushes adds one index row, not one per push. Rows from
//! before (the time, then one id, with an empty value) are still read and forgotten.
//!
//! [`PUSH_ID_RETENTION`]: crate::core::plan::PUSH_ID_RETENTION

use super::keys::{self, T};
use super::{StoreError, Tx};
use crate::core::plan::{push_dedupe_horizon, Seen};
use crate::store::types::PushKey;

/// Index rows (commits' worth of ids) forgotten per commit at most: enough to keep
/// pace, as each commit adds at most one.
const FORGET_PER_COMMIT: usize = 8;

/// The ids first seen in the commit being staged, for its one index row.
#[derive(Default)]
pub(super) struct SeenInCommit {
    /// `source 0x00 id` of each.
    ids: Vec<Vec<u8>>,
    /// The latest time among them: none is forgotten before its retention ends.
    at: i64,
}

/// `ids` in one value: each id's length (4 bytes), then the id.
fn encode_ids(ids: &[Vec<u8>]) -> Vec<u8> {
    let mut v = Vec::with_capacity(ids.iter().map(|i| i.len() + 4).sum());
    for id in ids {
        // An id comes from one request header or body, far below 4 GiB.
        v.extend_from_slice(&(id.len() as u32).to_be_bytes());
        v.extend_from_slice(id);
    }
    v
}

/// The ids an index row names: its listed ids, or for a row from before, the one id
/// in its key (after the time).
fn ids_of(key: &[u8], value: &[u8]) -> Vec<Vec<u8>> {
    if value.is_empty() {
        return vec![key[8..].to_vec()];
    }
    let (mut ids, mut rest) = (Vec::new(), value);
    while let [a, b, c, d, tail @ ..] = rest {
        let len = (u32::from_be_bytes([*a, *b, *c, *d]) as usize).min(tail.len());
        ids.push(tail[..len].to_vec());
        rest = &tail[len..];
    }
    ids
}

impl Tx<'_> {
    /// Records a push id, with the body's hash when given.
    pub(super) fn remember_push(
        &mut self,
        push: PushKey<'_>,
        now: i64,
    ) -> Result<Seen, StoreError> {
        let key = keys::cat(&[push.source.as_bytes(), &[0], push.id.as_bytes()]);
        if let Some(held) = self.raw(T::PushSeen, &key)? {
            // The value is the time seen (8 bytes), then the body's hash if any.
            return Ok(Seen::of_held(held.get(8..), push.body.map(str::as_bytes)));
        }
        let mut value = now.to_be_bytes().to_vec();
        value.extend_from_slice(push.body.unwrap_or("").as_bytes());
        self.put_raw(T::PushSeen, key.clone(), value);
        self.seen.ids.push(key);
        self.seen.at = self.seen.at.max(now);
        Ok(Seen::New)
    }

    /// At the end of a commit that saw new push ids: writes their one index row,
    /// and forgets the ids of a bounded number of rows past the retention window.
    pub(super) fn close_seen(&mut self) -> Result<(), StoreError> {
        if self.seen.ids.is_empty() {
            return Ok(());
        }
        let seen = std::mem::take(&mut self.seen);
        let tag = rand::random::<u64>().to_be_bytes();
        self.put_raw(
            T::PushSeenByTime,
            keys::cat(&[&keys::ts(seen.at), &tag]),
            encode_ids(&seen.ids),
        );
        let horizon = keys::ts(push_dedupe_horizon(seen.at));
        let old: Vec<_> = self
            .store
            .tree(T::PushSeenByTime)
            .range(..&horizon[..])
            .take(FORGET_PER_COMMIT)
            .collect::<Result<_, _>>()?;
        for (k, v) in old {
            for id in ids_of(&k, &v) {
                self.del(T::PushSeen, id);
            }
            self.del(T::PushSeenByTime, k.to_vec());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::SledStore;
    use super::*;
    use crate::core::plan::PUSH_ID_RETENTION;

    const NOW: i64 = 1_700_000_000;

    fn native(id: &str) -> PushKey<'_> {
        PushKey {
            source: "native",
            id,
            body: None,
        }
    }

    /// Remembers `ids` in one commit at `now`; says which were new.
    async fn remember(store: &SledStore, ids: &[&str], now: i64) -> Vec<bool> {
        store
            .write(|tx| {
                ids.iter()
                    .map(|id| Ok(matches!(tx.remember_push(native(id), now)?, Seen::New)))
                    .collect()
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn ids_seen_in_one_commit_share_an_index_row_and_are_forgotten_together() {
        let (_dir, store) = super::super::testing::temp_store().await;
        // An id remembered before, its index row naming it in the key.
        let old = keys::cat(&[&keys::ts(NOW - 10), b"native\0old"]);
        store
            .tree(T::PushSeenByTime)
            .insert(old, Vec::new())
            .unwrap();
        let seen_at = (NOW - 10).to_be_bytes();
        store
            .tree(T::PushSeen)
            .insert(b"native\0old", &seen_at[..])
            .unwrap();
        assert_eq!(remember(&store, &["old"], NOW).await, [false]);

        assert_eq!(
            remember(&store, &["a", "b", "a"], NOW).await,
            [true, true, false]
        );
        assert_eq!(
            store.tree(T::PushSeenByTime).len(),
            2,
            "one row for a and b"
        );
        assert_eq!(remember(&store, &["b", "c"], NOW + 5).await, [false, true]);
        // Within the window nothing is forgotten; past it, the rows of a, b and
        // "old" go, c's stays until its own window ends.
        let later = NOW + PUSH_ID_RETENTION + 1;
        assert_eq!(remember(&store, &["d"], later).await, [true]);
        assert_eq!(
            remember(&store, &["a", "b", "old", "c"], later).await,
            [true, true, true, false]
        );
        assert_eq!(store.tree(T::PushSeen).len(), 5, "a, b, old, c, d");
    }

    #[test]
    fn an_index_row_lists_its_ids_and_an_old_one_names_its_own() {
        let ids = vec![b"native\0a".to_vec(), Vec::new(), b"17track\0body".to_vec()];
        assert_eq!(ids_of(&[0; 16], &encode_ids(&ids)), ids);
        let old_key = keys::cat(&[&keys::ts(5), b"native\0x"]);
        assert_eq!(ids_of(&old_key, &[]), vec![b"native\0x".to_vec()]);
    }

    #[test]
    fn a_cut_short_row_names_what_it_holds_without_panicking() {
        let mut v = encode_ids(&[b"native\0abc".to_vec()]);
        v.truncate(7);
        assert_eq!(ids_of(&[0; 16], &v), vec![b"nat".to_vec()]);
    }
}
