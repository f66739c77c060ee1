//! The one sled tree every row lives in. Each table ([`T`]) is the part of the tree
//! under its one-byte prefix, so a commit that touches a parcel, its indexes, its
//! counters and its jobs is one [`sled::Tree::apply_batch`]: atomic, and without
//! the read of every old value that sled's multi-tree transactions make.
//!
//! Releases before this layout kept one sled tree per table;
//! [`adopt_old_trees`] moves their rows in at open.

use super::keys::T;
use super::StoreError;
use sled::IVec;
use std::ops::{Bound, RangeBounds};

/// The name of the tree that holds every row.
pub(super) const ROWS: &str = "rows";

/// The layout this release writes, kept in `Meta` under [`LAYOUT_KEY`]:
/// - 1 (never written down): a tree per table;
/// - 2: one tree with a prefix per table;
/// - 3: the poll schedule lags behind the parcels (`PollEntry`, see
///   `Tx::keep_scheduled`). A layout-2 directory is read as it is: its entries sit
///   exactly at each parcel's poll time, which the lagging rule allows.
/// - 4: a job's tries live in its row (`job_rows.rs`), and a tracking's jobs are
///   found from its parcel's transitions; `Attempts` and `JobsByTracking` rows
///   are moved or dropped at open (`migrate.rs`). A layout-3 release would show
///   no tries and no tracking's notifications.
/// - 5: account rules are written by name (an alert can be one) and carry alert
///   thresholds; trackings carry their alert watch and have entries in the
///   `Stalled`, `EddDue` and `FinalSince` indexes (built at open for older
///   directories, `alerts.rs`); a tracking's alert notifications are listed in
///   `AlertJobs`. A layout-4 release would misread the accounts.
///
/// A later layout change raises it, so that a release refuses a directory it
/// would misread (a layout-2 release would poll early at every lagging entry)
/// instead of serving it wrongly.
pub(super) const LAYOUT: u64 = 5;
const LAYOUT_KEY: &[u8] = b"layout";

/// Records [`LAYOUT`] in a directory written by an older release (whatever moving
/// its rows needs happens after, and is idempotent), and refuses one written by a
/// newer release.
pub(super) fn check_layout(rows: &sled::Tree) -> Result<(), StoreError> {
    let meta = Part { rows, t: T::Meta };
    match meta.get(LAYOUT_KEY)? {
        None => meta.insert(LAYOUT_KEY, &LAYOUT.to_be_bytes()[..])?,
        Some(v) => {
            let found = super::be_u64(&v);
            if found < LAYOUT {
                meta.insert(LAYOUT_KEY, &LAYOUT.to_be_bytes()[..])?;
            }
            if found > LAYOUT {
                return Err(StoreError::Engine(format!(
                    "the data directory's layout is version {found}, written by a newer \
                     trackgate; this release knows up to version {LAYOUT}: upgrade trackgate \
                     (or point data_dir at another directory)"
                )));
            }
        }
    }
    Ok(())
}

/// `key` under table `t`'s prefix.
pub(super) fn key(t: T, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(key.len() + 1);
    k.push(t.prefix());
    k.extend_from_slice(key);
    k
}

/// One table: the part of the rows tree under its prefix. Keys go in and come
/// out without the prefix.
#[derive(Clone, Copy)]
pub(super) struct Part<'a> {
    pub(super) rows: &'a sled::Tree,
    pub(super) t: T,
}

impl Part<'_> {
    pub(super) fn get(&self, k: impl AsRef<[u8]>) -> sled::Result<Option<IVec>> {
        self.rows.get(key(self.t, k.as_ref()))
    }

    /// Writes one row outside a commit: for migrations at open only.
    pub(super) fn insert(&self, k: impl AsRef<[u8]>, v: impl Into<IVec>) -> sled::Result<()> {
        self.rows.insert(key(self.t, k.as_ref()), v)?;
        Ok(())
    }

    pub(super) fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Entries {
        Entries(self.rows.scan_prefix(key(self.t, prefix.as_ref())))
    }

    pub(super) fn iter(&self) -> Entries {
        self.scan_prefix([])
    }

    /// Rows with keys in `r` (keys without the prefix).
    pub(super) fn range<K: AsRef<[u8]>>(&self, r: impl RangeBounds<K>) -> Entries {
        let lo = match r.start_bound() {
            Bound::Included(k) => Bound::Included(key(self.t, k.as_ref())),
            Bound::Excluded(k) => Bound::Excluded(key(self.t, k.as_ref())),
            Bound::Unbounded => Bound::Included(vec![self.t.prefix()]),
        };
        let hi = match r.end_bound() {
            Bound::Included(k) => Bound::Included(key(self.t, k.as_ref())),
            Bound::Excluded(k) => Bound::Excluded(key(self.t, k.as_ref())),
            Bound::Unbounded => Bound::Excluded(vec![self.t.prefix() + 1]),
        };
        Entries(self.rows.range::<Vec<u8>, _>((lo, hi)))
    }

    /// The row with the smallest key.
    pub(super) fn first(&self) -> sled::Result<Option<(IVec, IVec)>> {
        self.iter().next().transpose()
    }

    /// How many rows (a scan: for migrations).
    pub(super) fn len(&self) -> usize {
        self.iter().count()
    }

    /// Removes every row of the table (for migrations), 10,000 per atomic batch so
    /// a large table is not held in memory at once; returns how many.
    pub(super) fn clear(&self) -> sled::Result<u64> {
        let mut batch = sled::Batch::default();
        let mut n = 0u64;
        for k in self.rows.scan_prefix([self.t.prefix()]).keys() {
            batch.remove(k?);
            n += 1;
            if n % 10_000 == 0 {
                self.rows.apply_batch(std::mem::take(&mut batch))?;
            }
        }
        self.rows.apply_batch(batch)?;
        Ok(n)
    }
}

/// Rows of one table in key order, keys without the prefix.
pub(super) struct Entries(sled::Iter);

fn strip(kv: sled::Result<(IVec, IVec)>) -> sled::Result<(IVec, IVec)> {
    kv.map(|(k, v)| (k.subslice(1, k.len() - 1), v))
}

impl Iterator for Entries {
    type Item = sled::Result<(IVec, IVec)>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(strip)
    }
}

impl DoubleEndedIterator for Entries {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(strip)
    }
}

impl Entries {
    pub(super) fn keys(self) -> impl DoubleEndedIterator<Item = sled::Result<IVec>> {
        self.map(|kv| kv.map(|(k, _)| k))
    }

    pub(super) fn values(self) -> impl DoubleEndedIterator<Item = sled::Result<IVec>> {
        self.map(|kv| kv.map(|(_, v)| v))
    }
}

/// Moves the rows of a directory written before this layout (one sled tree per
/// table) into the rows tree, then drops the old trees. Runs at open, before
/// anything else reads. A tree is dropped only after its copy is flushed; a crash
/// midway leaves it in place and the next start copies it again (the same rows,
/// so the copy is idempotent). Returns how many rows moved.
pub(super) fn adopt_old_trees(db: &sled::Db, rows: &sled::Tree) -> Result<u64, StoreError> {
    let names = db.tree_names();
    let mut moved = 0u64;
    let mut adopted = false;
    for t in T::ALL {
        let name = t.name();
        if !names.iter().any(|n| n.as_ref() == name.as_bytes()) {
            continue;
        }
        let old = db.open_tree(&name)?;
        let mut batch = sled::Batch::default();
        let mut pending = 0;
        for kv in old.iter() {
            let (k, v) = kv?;
            batch.insert(key(t, &k), v);
            pending += 1;
            if pending == 10_000 {
                rows.apply_batch(std::mem::take(&mut batch))?;
                moved += pending;
                pending = 0;
            }
        }
        rows.apply_batch(batch)?;
        moved += pending;
        db.flush()?;
        drop(old);
        db.drop_tree(name.as_bytes())?;
        adopted = true;
    }
    if adopted {
        // The drops, on disk before anything is served.
        db.flush()?;
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(db: &sled::Db) -> Vec<String> {
        db.tree_names()
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect()
    }

    #[test]
    fn old_trees_move_into_the_rows_tree_even_after_a_crash_midway() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let meta = db.open_tree(T::Meta.name()).unwrap();
        meta.insert(b"next_account_id", &b"7"[..]).unwrap();
        let jobs = db.open_tree(T::Jobs.name()).unwrap();
        for i in 0..25_000u32 {
            jobs.insert(i.to_be_bytes(), &b"job"[..]).unwrap();
        }
        let rows = db.open_tree(ROWS).unwrap();
        // A start that crashed after copying the meta tree, before dropping it.
        rows.insert(key(T::Meta, b"next_account_id"), &b"7"[..])
            .unwrap();

        assert_eq!(adopt_old_trees(&db, &rows).unwrap(), 25_001);

        let jobs = Part {
            rows: &rows,
            t: T::Jobs,
        };
        assert_eq!(jobs.len(), 25_000);
        assert_eq!(&jobs.get(7u32.to_be_bytes()).unwrap().unwrap()[..], b"job");
        let last = jobs.iter().next_back().unwrap().unwrap();
        assert_eq!(&last.0[..], &24_999u32.to_be_bytes());
        let meta = Part {
            rows: &rows,
            t: T::Meta,
        };
        assert_eq!(meta.len(), 1);
        assert!(!names(&db).contains(&T::Jobs.name()));
        assert!(!names(&db).contains(&T::Meta.name()));
        // A second start finds nothing left to move.
        assert_eq!(adopt_old_trees(&db, &rows).unwrap(), 0);
    }

    #[test]
    fn an_older_layout_is_raised_and_a_newer_one_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let rows = db.open_tree(ROWS).unwrap();
        check_layout(&rows).unwrap();
        check_layout(&rows).unwrap();
        let meta = Part {
            rows: &rows,
            t: T::Meta,
        };
        assert_eq!(
            &meta.get(LAYOUT_KEY).unwrap().unwrap()[..],
            &LAYOUT.to_be_bytes()
        );
        meta.insert(LAYOUT_KEY, &2u64.to_be_bytes()[..]).unwrap();
        check_layout(&rows).unwrap();
        let found = meta.get(LAYOUT_KEY).unwrap().unwrap();
        assert_eq!(super::super::be_u64(&found), LAYOUT, "layout 2 is raised");
        meta.insert(LAYOUT_KEY, &(LAYOUT + 1).to_be_bytes()[..])
            .unwrap();
        let err = check_layout(&rows).unwrap_err().to_string();
        assert!(err.contains("newer trackgate"), "{err}");
        assert!(err.contains(&format!("version {}", LAYOUT + 1)), "{err}");
    }

    #[test]
    fn a_table_sees_only_its_own_rows() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let rows = db.open_tree(ROWS).unwrap();
        let (a, b) = (
            Part {
                rows: &rows,
                t: T::Jobs,
            },
            Part {
                rows: &rows,
                t: T::JobsDue,
            },
        );
        a.insert([0xff], &b"a"[..]).unwrap();
        b.insert([0x00], &b"b"[..]).unwrap();
        b.insert([0x05], &b"c"[..]).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(&b.first().unwrap().unwrap().0[..], &[0x00]);
        let upto: Vec<_> = b.range(..[0x05]).keys().map(|k| k.unwrap()).collect();
        assert_eq!(upto, vec![IVec::from(&[0x00][..])]);
        let all: Vec<_> = b
            .range::<[u8; 1]>(..)
            .values()
            .map(|v| v.unwrap())
            .collect();
        assert_eq!(all.len(), 2);
        b.clear().unwrap();
        assert_eq!((a.len(), b.len()), (1, 0));
    }
}
