//! The relational schema and its migrations, embedded in the binary. They run at
//! start under an advisory lock, so nodes starting together migrate once; a
//! database written by a newer release is refused with a clear message.

use super::StoreError;
use tokio_postgres::Client;

/// Migrations in order; the schema's version is how many have run.
const MIGRATIONS: &[&str] = &[
    // 1: the whole model.
    r#"
CREATE SEQUENCE account_ids;
CREATE TABLE accounts (
    id          bigint PRIMARY KEY,
    email_key   text NOT NULL UNIQUE,
    key_sha256  text NOT NULL UNIQUE,
    row         jsonb NOT NULL
);
CREATE TABLE parcels (
    carrier        text NOT NULL,
    number         text NOT NULL,
    next_poll_at   bigint,
    origin         text,
    destination    text,
    row            jsonb NOT NULL,
    PRIMARY KEY (carrier, number)
);
CREATE INDEX parcels_by_number ON parcels (number);
CREATE INDEX parcels_due ON parcels (next_poll_at) WHERE next_poll_at IS NOT NULL;
CREATE INDEX parcels_by_route ON parcels (carrier, origin, destination);
CREATE TABLE trackings (
    account           bigint NOT NULL REFERENCES accounts (id),
    carrier           text NOT NULL,
    number            text NOT NULL,
    id                text NOT NULL UNIQUE,
    status            smallint NOT NULL,
    created_at        bigint NOT NULL,
    updated_at        bigint NOT NULL,
    order_created_at  bigint,
    order_id          text,
    archived          boolean NOT NULL,
    notupdate         boolean NOT NULL,
    row               jsonb NOT NULL,
    PRIMARY KEY (account, carrier, number),
    FOREIGN KEY (carrier, number) REFERENCES parcels (carrier, number)
);
CREATE INDEX trackings_by_created ON trackings (account, created_at DESC);
CREATE INDEX trackings_by_status ON trackings (account, status, created_at DESC);
CREATE INDEX trackings_by_updated ON trackings (account, updated_at DESC);
CREATE INDEX trackings_by_order_created ON trackings (account, order_created_at DESC);
CREATE INDEX trackings_by_order ON trackings (account, order_id);
CREATE INDEX trackings_by_number ON trackings (account, number);
CREATE INDEX trackings_by_parcel ON trackings (carrier, number);
CREATE TABLE transitions (
    carrier  text NOT NULL,
    number   text NOT NULL,
    seq      bigint NOT NULL,
    row      jsonb NOT NULL,
    PRIMARY KEY (carrier, number, seq),
    FOREIGN KEY (carrier, number) REFERENCES parcels (carrier, number)
);
CREATE TABLE jobs (
    id          text PRIMARY KEY,
    account     bigint NOT NULL REFERENCES accounts (id),
    carrier     text NOT NULL,
    number      text NOT NULL,
    channel     text NOT NULL,
    state       smallint NOT NULL,
    due         bigint NOT NULL,
    created_at  bigint NOT NULL,
    lease_owner text,
    row         jsonb NOT NULL
);
CREATE INDEX jobs_due ON jobs (due) WHERE state = 0;
CREATE INDEX jobs_leased ON jobs (lease_owner) WHERE lease_owner IS NOT NULL;
CREATE INDEX jobs_by_state ON jobs (account, state, created_at DESC);
CREATE INDEX jobs_by_tracking ON jobs (account, carrier, number, created_at);
CREATE TABLE attempts (
    job_id  text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    number  integer NOT NULL,
    row     jsonb NOT NULL,
    PRIMARY KEY (job_id, number)
);
CREATE TABLE push_ids (
    source   text NOT NULL,
    id       text NOT NULL,
    body     text,
    seen_at  bigint NOT NULL,
    PRIMARY KEY (source, id)
);
CREATE INDEX push_ids_by_time ON push_ids (seen_at);
CREATE TABLE nodes (
    id       text PRIMARY KEY,
    seen_at  bigint NOT NULL
);
"#,
    // 2: trackings per account and status as sharded counters (see counts.rs),
    // counted once from the rows there.
    r#"
CREATE TABLE status_counts (
    account  bigint NOT NULL REFERENCES accounts (id),
    status   smallint NOT NULL,
    shard    smallint NOT NULL,
    n        bigint NOT NULL,
    PRIMARY KEY (account, status, shard)
);
INSERT INTO status_counts (account, status, shard, n)
    SELECT account, status, 0, count(*) FROM trackings GROUP BY account, status;
"#,
    // 3: the created-at index in the lists' full order, so a page's keys come from
    // the index alone.
    r#"
DROP INDEX trackings_by_created;
CREATE INDEX trackings_by_created ON trackings (account, created_at DESC, carrier DESC, number DESC);
"#,
    // 4: which node is polling a parcel, so a dead node's polls are released early.
    r#"
ALTER TABLE parcels ADD COLUMN poll_owner text;
CREATE INDEX parcels_polled ON parcels (poll_owner) WHERE poll_owner IS NOT NULL;
"#,
    // 5: several keys per account (rotation with overlap): the keys move to a
    // table of their own; each row lists its account's keys.
    r#"
CREATE TABLE api_keys (
    key_sha256  text PRIMARY KEY,
    account     bigint NOT NULL REFERENCES accounts (id)
);
INSERT INTO api_keys (key_sha256, account)
    SELECT key_sha256, id FROM accounts WHERE key_sha256 NOT LIKE 'moved:%';
UPDATE accounts SET row = (row - 'key_sha256') || jsonb_build_object('key_sha256s',
    CASE WHEN key_sha256 LIKE 'moved:%' THEN '[]'::jsonb ELSE jsonb_build_array(key_sha256) END);
ALTER TABLE accounts DROP COLUMN key_sha256;
"#,
    // 6: which sled store a copy into this database came from, and whether it
    // ended (`trackgate migrate`; `import.rs`).
    r#"
CREATE TABLE trackgate_copy (
    source    text NOT NULL,
    finished  boolean NOT NULL
);
"#,
    // 7: the alert watch (`core::alerts::watch_keys`): when a tracking's status
    // spell began while it may still stall, and the estimate it may still miss;
    // and when its final status began (`core::retention::final_since`). Rows from
    // before are watched from their last change, as the core reads a row without
    // a watch: not set not to update, status neither delivered (4) nor expired (7);
    // final ones count from that change.
    r#"
ALTER TABLE trackings ADD COLUMN stalled_since bigint, ADD COLUMN edd_due bigint,
    ADD COLUMN final_since bigint;
UPDATE trackings t SET stalled_since = t.updated_at,
    edd_due = (SELECT (p.row->>'estimated_delivery')::bigint FROM parcels p
               WHERE p.carrier = t.carrier AND p.number = t.number)
    WHERE NOT t.notupdate AND t.status NOT IN (4, 7);
UPDATE trackings SET final_since = updated_at WHERE status IN (4, 7);
CREATE INDEX trackings_stalled ON trackings (account, status, stalled_since)
    WHERE stalled_since IS NOT NULL;
CREATE INDEX trackings_edd_due ON trackings (account, edd_due) WHERE edd_due IS NOT NULL;
CREATE INDEX trackings_final ON trackings (final_since) WHERE final_since IS NOT NULL;
"#,
    // 8: where pruning delivered notifications' tries stopped, per account
    // (`retention.attempt_logs`), so each pass costs what it prunes.
    r#"
CREATE TABLE attempts_pruned (
    account     bigint PRIMARY KEY REFERENCES accounts (id),
    created_at  bigint NOT NULL,
    id          text NOT NULL
);
"#,
];

/// The advisory lock migrations run under (an arbitrary constant: "trackgat").
const MIGRATION_LOCK: i64 = 0x7472_6163_6b67_6174;

/// Brings the schema up to date, or refuses a database from a newer release.
pub async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let result = run(client).await;
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await?;
    result
}

async fn run(client: &mut Client) -> Result<(), StoreError> {
    client
        .batch_execute("CREATE TABLE IF NOT EXISTS trackgate_schema (version integer NOT NULL)")
        .await?;
    let version: i32 = client
        .query_opt("SELECT version FROM trackgate_schema", &[])
        .await?
        .map_or(0, |r| r.get(0));
    let known = MIGRATIONS.len() as i32;
    if version > known {
        return Err(StoreError::Engine(format!(
            "the database's schema is version {version}, written by a newer trackgate; this release knows up to version {known}: upgrade trackgate (or point store.url at another database)"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = client.transaction().await?;
        tx.batch_execute(sql).await?;
        tx.execute("DELETE FROM trackgate_schema", &[]).await?;
        tx.execute(
            "INSERT INTO trackgate_schema (version) VALUES ($1)",
            &[&(i as i32 + 1)],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(version = i + 1, "database schema migrated");
    }
    Ok(())
}

/// The schema version this release writes.
pub fn current() -> i32 {
    MIGRATIONS.len() as i32
}
