//! One row at a time: reading a tracking with its parcel, locking a parcel, and
//! writing a parcel or a tracking row with the columns its indexes need.

use super::db::{Db, Tx};
use super::decode;
use crate::core::model::{Parcel, Tracking};
use crate::store::types::{StoreError, TrackingIndex};
use tokio_postgres::types::Json;
use tokio_postgres::Row as PgRow;

/// `SELECT` list of a tracking joined with its parcel.
pub(super) const JOINED: &str =
    "t.row, p.row FROM trackings t JOIN parcels p USING (carrier, number)";

pub(super) fn joined(r: &PgRow) -> Result<(Tracking, Parcel), StoreError> {
    let Json(t): Json<Tracking> = r.try_get(0).map_err(|e| decode("trackings", e))?;
    let Json(p): Json<Parcel> = r.try_get(1).map_err(|e| decode("parcels", e))?;
    Ok((t, p))
}

pub(super) fn parcel_row(r: &PgRow) -> Result<Parcel, StoreError> {
    r.try_get::<_, Json<Parcel>>(0)
        .map(|j| j.0)
        .map_err(|e| decode("parcels", e))
}

/// A parcel, locked for this transaction.
pub(super) async fn lock_parcel(
    tx: &Tx<'_>,
    carrier: &str,
    number: &str,
) -> Result<Option<Parcel>, StoreError> {
    tx.query_opt(
        "SELECT row FROM parcels WHERE carrier = $1 AND number = $2 FOR UPDATE",
        &[&carrier, &number],
    )
    .await?
    .map(|r| parcel_row(&r))
    .transpose()
}

/// Inserts a parcel row with its indexed columns; `on_conflict` says what an
/// existing row gets. The number of rows written.
async fn write_parcel(tx: &Tx<'_>, p: &Parcel, on_conflict: &str) -> Result<u64, StoreError> {
    let sql = format!(
        "INSERT INTO parcels (carrier, number, next_poll_at, origin, destination, row)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (carrier, number) {on_conflict}"
    );
    let n = tx
        .execute(
            sql.as_str(),
            &[
                &p.carrier_code,
                &p.tracking_number,
                &p.next_poll_at,
                &p.origin_country,
                &p.destination_country,
                &Json(p),
            ],
        )
        .await?;
    Ok(n)
}

/// Writes a parcel row with its indexed columns.
pub(super) async fn put_parcel(tx: &Tx<'_>, p: &Parcel) -> Result<(), StoreError> {
    write_parcel(
        tx,
        p,
        "DO UPDATE SET next_poll_at = EXCLUDED.next_poll_at, poll_owner = NULL,
             origin = EXCLUDED.origin, destination = EXCLUDED.destination, row = EXCLUDED.row",
    )
    .await?;
    Ok(())
}

/// Inserts a parcel row unless one is there; whether it did.
pub(super) async fn insert_parcel(tx: &Tx<'_>, p: &Parcel) -> Result<bool, StoreError> {
    Ok(write_parcel(tx, p, "DO NOTHING").await? == 1)
}

/// Writes a tracking row with its indexed columns (with `p`, its parcel).
/// Returns false when `insert` finds one there already.
pub(super) async fn put_tracking(
    tx: &Tx<'_>,
    t: &Tracking,
    p: &Parcel,
    insert: bool,
) -> Result<bool, StoreError> {
    put_tracking_as(tx, t, &TrackingIndex::of(t, Some(p)), insert).await
}

/// [`put_tracking`] with the indexed columns given (a copy from another store
/// carries them).
pub(super) async fn put_tracking_as(
    tx: &Tx<'_>,
    t: &Tracking,
    index: &TrackingIndex,
    insert: bool,
) -> Result<bool, StoreError> {
    let sql = if insert {
        "INSERT INTO trackings (account, carrier, number, id, status, created_at, updated_at,
             order_created_at, order_id, archived, notupdate, row, stalled_since, edd_due, final_since)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (account, carrier, number) DO NOTHING"
    } else {
        "UPDATE trackings SET id = $4, status = $5, created_at = $6, updated_at = $7,
             order_created_at = $8, order_id = $9, archived = $10, notupdate = $11, row = $12,
             stalled_since = $13, edd_due = $14, final_since = $15
         WHERE account = $1 AND carrier = $2 AND number = $3"
    };
    let n = tx
        .execute(
            sql,
            &[
                &(t.account as i64),
                &t.carrier_code,
                &t.tracking_number,
                &t.id,
                &(index.status.code() as i16),
                &t.created_at,
                &t.updated_at,
                &t.order_created_at,
                &t.fields.order_id,
                &t.archived,
                &t.notupdate,
                &Json(t),
                &index.watch.stalled.map(|(_, since)| since),
                &index.watch.edd,
                &index.final_since,
            ],
        )
        .await?;
    Ok(n == 1)
}

pub(super) async fn load<C: Db>(
    c: &C,
    account: u64,
    carrier: &str,
    number: &str,
) -> Result<Option<(Tracking, Parcel)>, StoreError> {
    c.query_opt(
        &format!("SELECT {JOINED} WHERE t.account = $1 AND t.carrier = $2 AND t.number = $3"),
        &[&(account as i64), &carrier, &number],
    )
    .await?
    .map(|r| joined(&r))
    .transpose()
}
