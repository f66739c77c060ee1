//! `trackgate migrate --to postgres://...`: moves a sled deployment to
//! PostgreSQL by copying its store (`store::copy`), printing progress, and
//! ending with both sides' counts.

use crate::config::{Config, StoreBackend};
use crate::store::copy::{self, Counts, Kind};
use crate::store::{PgStore, SledStore};
use anyhow::{bail, Context};
use std::io::Write;

/// Copies the config's sled store into the empty database at `to`; writes
/// progress and the counts to `out`. `Ok(true)` when both sides' counts agree.
pub async fn run(cfg: &Config, to: &str, out: &mut impl Write) -> anyhow::Result<bool> {
    if cfg.store.backend != StoreBackend::Sled {
        bail!("store.backend is postgres already: migrate copies a sled store (data_dir) into PostgreSQL");
    }
    if !to.starts_with("postgres://") && !to.starts_with("postgresql://") {
        bail!("--to must be a postgres:// URL, e.g. postgres://user:password@host:5432/dbname");
    }
    let dir = &cfg.data_dir;
    if !dir.join("db").exists() && !dir.join("conf").exists() {
        bail!(
            "no sled store in {} (data_dir): nothing to migrate",
            dir.display()
        );
    }
    let from = SledStore::open(dir, cfg.store.cache_mb, cfg.poll_policy())
        .await
        .with_context(|| format!("cannot open the sled store in {}", dir.display()))?;
    let target = PgStore::open(to, 4, cfg.store.ca_file.as_deref(), cfg.poll_policy())
        .await
        .context("cannot open the PostgreSQL database (--to)")?;
    let source = std::fs::canonicalize(dir)
        .unwrap_or_else(|_| dir.clone())
        .display()
        .to_string();
    writeln!(out, "copying the sled store in {source} into PostgreSQL")?;
    let mut last = (Kind::Accounts, u64::MAX);
    let (sled, pg) = copy::copy(&from, &target, &source, |kind, done, total| {
        // A line at the start and end of each kind, and every 10,000 rows.
        let step = (kind, done / 10_000);
        if done == 0 || done == total || step != last {
            let pct = (done * 100).checked_div(total).unwrap_or(100);
            let _ = writeln!(out, "  {:<13} {done:>10} / {total} ({pct}%)", kind.name());
            last = step;
        }
    })
    .await?;
    print_counts(out, &sled, &pg)?;
    let agree = sled == pg;
    if agree {
        writeln!(
            out,
            "done: set store.backend: postgres and store.url to this database, then start the nodes"
        )?;
    } else {
        writeln!(
            out,
            "the counts differ: run migrate again (rows already copied are skipped)"
        )?;
    }
    Ok(agree)
}

fn print_counts(out: &mut impl Write, sled: &Counts, pg: &Counts) -> std::io::Result<()> {
    writeln!(out, "{:<16} {:>12} {:>12}", "", "sled", "postgres")?;
    for ((name, a), (_, b)) in sled.named().into_iter().zip(pg.named()) {
        let mark = if a == b { "" } else { "  <- differs" };
        writeln!(out, "{name:<16} {a:>12} {b:>12}{mark}")?;
    }
    Ok(())
}
