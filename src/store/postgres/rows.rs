//! One row at a time: reading a tracking with its parcel, locking a parcel, and
//! writing a parcel or a tracking row with the columns its indexes need.

use super::db::{Db, Tx};
use super::decode;
use crate::core::model::{Parcel, Tracking};
use crate::store::types::{StoreError, TrackingIndex};
use serde::Serialize;
use serde_json::Value;
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

/// A parcel's, tracking's or transition's row as stored: its JSON without the
/// members that are null. Every optional field of these types reads back as
/// absent when missing, and a tracking's unset shop fields were half its row
/// (at 1M minimal trackings, 450 of 824 bytes).
pub(super) fn compact<T: Serialize>(row: &T) -> Result<Json<Value>, StoreError> {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(members) => {
                members.retain(|_, m| !m.is_null());
                members.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value =
        serde_json::to_value(row).map_err(|e| StoreError::Engine(format!("encode row: {e}")))?;
    strip(&mut value);
    Ok(Json(value))
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
                &compact(p)?,
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
                &compact(t)?,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::alerts::Watch;
    use crate::core::model::{fixtures, Checkpoint, StatedStatus, Transition};
    use crate::core::status::Status;
    use serde::de::DeserializeOwned;

    /// `row` as stored and read back.
    fn back<T: Serialize + DeserializeOwned>(row: &T) -> T {
        let Json(value) = compact(row).unwrap();
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_compact_row_drops_its_nulls_and_reads_back_the_same() {
        let bare = fixtures::tracking(1_800_000_000);
        let Json(stored) = compact(&bare).unwrap();
        let text = stored.to_string();
        assert!(!text.contains("null"), "{text}");
        assert!(text.len() < serde_json::to_string(&bare).unwrap().len() / 2);
        assert_eq!(back(&bare), bare);

        let mut full = bare.clone();
        full.fields.title = Some("Blue mug".into());
        full.fields.customer_email = Some("ann@example.com".into());
        full.order_created_at = Some(1_799_000_000);
        full.status_override = Some(Status::Delivered);
        full.shop_url = Some("https://shop.example/t/1".into());
        full.watch = Some(Watch {
            status: Status::Transit,
            since: 1_800_000_000,
            stalled_sent: true,
            edd_missed_for: None,
        });
        assert_eq!(back(&full), full);

        let mut parcel = Parcel::new("dhl", "JD1", 1_800_000_000);
        assert_eq!(back(&parcel), parcel);
        parcel.events.push(Checkpoint {
            time: 1_800_000_100,
            description: "Picked up".into(),
            location: String::new(),
            status: None,
            substatus: Some("transit001".into()),
        });
        parcel.stated = Some(StatedStatus {
            as_of: 1_800_000_100,
            status: Status::Transit,
            substatus: None,
        });
        parcel.estimated_delivery = Some(1_800_100_000);
        assert_eq!(back(&parcel), parcel);

        let change = Transition {
            seq: 1,
            from: Status::Pending,
            from_substatus: None,
            to: Status::Transit,
            to_substatus: Some("transit001".into()),
            at: 1_800_000_100,
            source: "push:native".into(),
        };
        assert_eq!(back(&change), change);
    }
}
