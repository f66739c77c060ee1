//! sled's own settings: how pages are laid out in the data directory.
//!
//! Two of them are fixed when a directory is created and sled refuses to open it
//! with others: the segment size and compression. A new store compresses its pages
//! (zstd, level 1; about a third of the disk, measured in BENCHMARKS.md); a store an
//! earlier release created keeps the settings it was made with, read from sled's
//! `conf` file.

use std::path::Path;

/// The capacity to give sled for a page cache that takes `cache_mb` MiB.
///
/// Upstream sled sizes its cache by the pages' log size, which with compression
/// is a fraction of what a cached page holds: at 1M trackings its cache took
/// five times the figure. The vendored sled counts a cached page's keys, values
/// and their allocations instead (`vendor/sled/PATCHED.md`), so the figure is
/// given as it is. Measured at 1M trackings after 50,000 reads: RSS rose by 45
/// MiB from a 1 MiB cache to a 64 MiB one.
pub(super) fn cache_capacity(cache_mb: u64) -> u64 {
    cache_mb.saturating_mul(1024 * 1024)
}

/// The settings a directory's pages are written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Format {
    pub segment_size: usize,
    pub compressed: bool,
}

impl Format {
    /// What a new store is created with.
    pub const NEW: Format = Format {
        segment_size: 512 * 1024,
        compressed: true,
    };

    /// The format of the store in `dir`: the one its `conf` states, else (a new
    /// store) [`Format::NEW`].
    pub fn of(dir: &Path) -> Format {
        // The file ends in a binary checksum.
        match std::fs::read(dir.join("conf")) {
            Ok(conf) => Format::parse(&String::from_utf8_lossy(&conf)),
            Err(_) => Format::NEW,
        }
    }

    /// Reads sled's `conf` (`segment_size: 524288`, `use_compression: false`, one
    /// per line). A line it lacks keeps the value sled 0.34 defaults to, which is
    /// what a store that lacks it was made with.
    fn parse(conf: &str) -> Format {
        let mut format = Format {
            segment_size: 512 * 1024,
            compressed: false,
        };
        for line in conf.lines() {
            match line.split_once(": ") {
                Some(("segment_size", v)) => {
                    if let Ok(v) = v.trim().parse() {
                        format.segment_size = v;
                    }
                }
                Some(("use_compression", v)) => format.compressed = v.trim() == "true",
                _ => {}
            }
        }
        format
    }

    /// sled's configuration for a store of this format in `dir`.
    pub fn config(self, dir: &Path, cache_bytes: u64) -> sled::Config {
        sled::Config::new()
            .path(dir)
            .cache_capacity(cache_bytes)
            .segment_size(self.segment_size)
            .use_compression(self.compressed)
            // Level 1: sled's default (5) saved another 5% of the disk at 100k trackings,
            // for more CPU on every page written.
            .compression_factor(1)
            // Every write waits for a flush of its own (group commit, `durability.rs`),
            // so sled's timer flush would only add work.
            .flush_every_ms(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Opens `config` once the db this process just closed there lets go of its
    /// lock (sled's background threads release it shortly after the drop).
    fn reopen(config: sled::Config) -> sled::Db {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match config.open() {
                Err(e)
                    if e.to_string().contains("lock") && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(10))
                }
                opened => return opened.expect("the store opens"),
            }
        }
    }

    #[test]
    fn a_new_directory_gets_compressed_pages() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Format::of(dir.path()), Format::NEW);
    }

    #[test]
    fn an_existing_directory_keeps_its_format() {
        let dir = tempfile::tempdir().unwrap();
        let old = Format {
            segment_size: 512 * 1024,
            compressed: false,
        };
        // Written by sled itself, as an earlier release did.
        drop(old.config(dir.path(), 1 << 20).open().unwrap());
        assert_eq!(Format::of(dir.path()), old);
        // And sled opens it again with what we read.
        let db = reopen(Format::of(dir.path()).config(dir.path(), 1 << 20));
        db.insert(b"k", b"v").unwrap();
    }

    #[tokio::test]
    async fn a_store_an_earlier_release_made_opens_uncompressed() {
        let dir = tempfile::tempdir().unwrap();
        {
            // As releases before compression created it: sled's defaults.
            let db = sled::Config::new().path(dir.path()).open().unwrap();
            db.open_tree(super::super::rows::ROWS)
                .unwrap()
                .insert(b"kept", &b"as it was"[..])
                .unwrap();
            db.flush().unwrap();
        }
        for _ in 0..2 {
            let store = super::super::testing::reopen(dir.path()).await;
            assert_eq!(
                store.inner.rows.get(b"kept").unwrap().as_deref(),
                Some(&b"as it was"[..])
            );
        }
        assert!(!Format::of(dir.path()).compressed);
    }

    #[test]
    fn compressed_pages_read_back_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        let value = |i: u32| format!("{{\"number\":\"FP{i:010}\",\"status\":\"transit\"}}");
        {
            let db = Format::NEW.config(dir.path(), 1 << 20).open().unwrap();
            for i in 0..20_000u32 {
                db.insert(i.to_be_bytes(), value(i).as_bytes()).unwrap();
            }
            db.flush().unwrap();
        }
        assert_eq!(Format::of(dir.path()), Format::NEW);
        // A 1 MiB cache: most pages come back from disk, decompressed.
        let db = reopen(Format::NEW.config(dir.path(), 1 << 20));
        for i in (0..20_000u32).step_by(7) {
            assert_eq!(
                db.get(i.to_be_bytes()).unwrap().unwrap(),
                value(i).as_bytes()
            );
        }
        assert_eq!(db.len(), 20_000);
    }
}
