//! Multi-row writes: a batch of news writes its parcels, trackings, transitions
//! and jobs in four statements (`unnest` of arrays), not four per parcel.

use super::db::{Db, Tx};
use super::rows::compact;
use crate::core::model::{Parcel, Tracking, Transition};
use crate::core::rules::Job;
use crate::store::types::{StoreError, TrackingIndex};
use tokio_postgres::types::Json;

/// Upserts parcels (each key once).
pub(super) async fn parcels(tx: &Tx<'_>, ps: &[&Parcel]) -> Result<(), StoreError> {
    if ps.is_empty() {
        return Ok(());
    }
    let carriers: Vec<&str> = ps.iter().map(|p| p.carrier_code.as_str()).collect();
    let numbers: Vec<&str> = ps.iter().map(|p| p.tracking_number.as_str()).collect();
    let polls: Vec<Option<i64>> = ps.iter().map(|p| p.next_poll_at).collect();
    let origins: Vec<Option<&str>> = ps.iter().map(|p| p.origin_country.as_deref()).collect();
    let dests: Vec<Option<&str>> = ps
        .iter()
        .map(|p| p.destination_country.as_deref())
        .collect();
    let rows = ps
        .iter()
        .map(|p| compact(*p))
        .collect::<Result<Vec<_>, _>>()?;
    tx.execute(
        "INSERT INTO parcels (carrier, number, next_poll_at, origin, destination, row)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::jsonb[])
         ON CONFLICT (carrier, number) DO UPDATE SET next_poll_at = EXCLUDED.next_poll_at, poll_owner = NULL,
             origin = EXCLUDED.origin, destination = EXCLUDED.destination, row = EXCLUDED.row",
        &[&carriers, &numbers, &polls, &origins, &dests, &rows],
    )
    .await?;
    Ok(())
}

/// Rewrites trackings changed by news (each key once): their row, update time,
/// and the indexed columns given beside each.
pub(super) async fn trackings(
    tx: &Tx<'_>,
    ts: &[(&Tracking, TrackingIndex)],
) -> Result<(), StoreError> {
    if ts.is_empty() {
        return Ok(());
    }
    let accounts: Vec<i64> = ts.iter().map(|(t, _)| t.account as i64).collect();
    let carriers: Vec<&str> = ts.iter().map(|(t, _)| t.carrier_code.as_str()).collect();
    let numbers: Vec<&str> = ts.iter().map(|(t, _)| t.tracking_number.as_str()).collect();
    let statuses: Vec<i16> = ts.iter().map(|(_, i)| i.status.code() as i16).collect();
    let updated: Vec<i64> = ts.iter().map(|(t, _)| t.updated_at).collect();
    let rows = ts
        .iter()
        .map(|(t, _)| compact(*t))
        .collect::<Result<Vec<_>, _>>()?;
    let since: Vec<Option<i64>> = ts
        .iter()
        .map(|(_, i)| i.watch.stalled.map(|(_, s)| s))
        .collect();
    let edd: Vec<Option<i64>> = ts.iter().map(|(_, i)| i.watch.edd).collect();
    let finals: Vec<Option<i64>> = ts.iter().map(|(_, i)| i.final_since).collect();
    tx.execute(
        "UPDATE trackings t SET status = u.status, updated_at = u.updated_at, row = u.row,
             stalled_since = u.stalled_since, edd_due = u.edd_due, final_since = u.final_since
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::smallint[], $5::bigint[], $6::jsonb[],
                     $7::bigint[], $8::bigint[], $9::bigint[])
             AS u(account, carrier, number, status, updated_at, row, stalled_since, edd_due, final_since)
         WHERE t.account = u.account AND t.carrier = u.carrier AND t.number = u.number",
        &[&accounts, &carriers, &numbers, &statuses, &updated, &rows, &since, &edd, &finals],
    )
    .await?;
    Ok(())
}

/// Inserts transitions (a repeat of one already there is skipped).
pub(super) async fn transitions(
    tx: &Tx<'_>,
    trs: &[(&str, &str, &Transition)],
) -> Result<(), StoreError> {
    if trs.is_empty() {
        return Ok(());
    }
    let carriers: Vec<&str> = trs.iter().map(|(c, _, _)| *c).collect();
    let numbers: Vec<&str> = trs.iter().map(|(_, n, _)| *n).collect();
    let seqs: Vec<i64> = trs.iter().map(|(_, _, t)| t.seq as i64).collect();
    let rows = trs
        .iter()
        .map(|(_, _, t)| compact(*t))
        .collect::<Result<Vec<_>, _>>()?;
    tx.execute(
        "INSERT INTO transitions (carrier, number, seq, row)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::jsonb[])
         ON CONFLICT DO NOTHING",
        &[&carriers, &numbers, &seqs, &rows],
    )
    .await?;
    Ok(())
}

/// Enqueues jobs (an id already there is skipped: ids are derived from the change).
pub(super) async fn jobs(tx: &Tx<'_>, js: &[Job]) -> Result<(), StoreError> {
    if js.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = js.iter().map(|j| j.id.as_str()).collect();
    let accounts: Vec<i64> = js.iter().map(|j| j.account as i64).collect();
    let carriers: Vec<&str> = js.iter().map(|j| j.carrier_code.as_str()).collect();
    let numbers: Vec<&str> = js.iter().map(|j| j.tracking_number.as_str()).collect();
    let channels: Vec<&str> = js.iter().map(|j| j.channel.as_str()).collect();
    let states: Vec<i16> = js.iter().map(|j| j.state.code() as i16).collect();
    let dues: Vec<i64> = js.iter().map(|j| j.due).collect();
    let created: Vec<i64> = js.iter().map(|j| j.created_at).collect();
    let rows: Vec<Json<&Job>> = js.iter().map(Json).collect();
    tx.execute(
        "INSERT INTO jobs (id, account, carrier, number, channel, state, due, created_at, row)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                              $6::smallint[], $7::bigint[], $8::bigint[], $9::jsonb[])
         ON CONFLICT (id) DO NOTHING",
        &[
            &ids, &accounts, &carriers, &numbers, &channels, &states, &dues, &created, &rows,
        ],
    )
    .await?;
    Ok(())
}
