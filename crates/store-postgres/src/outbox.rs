//! The notification outbox on PostgreSQL: the shared statements, bound with
//! tokio-postgres. Entries of a commit go in on the transaction of its writes; the
//! unique key `(person, item)` with `ON CONFLICT` makes concurrent queuing of the same
//! entry insert one row (the second waits for the first and then does nothing).
use std::collections::HashSet;

use deadpool_postgres::GenericClient;
use nordlys_store::{Committed, OutboxEntry, Settle, StoreResult};
use nordlys_store_sql::statements;
use tokio_postgres::Row;

use crate::conn::internal;
use crate::Postgres;

/// Queues `entries` (inside the caller's transaction, or alone); with `committed`,
/// only those whose item the commit changed. Returns the rows inserted or changed.
pub(crate) async fn insert<C: GenericClient + Sync>(
    c: &C,
    entries: &[OutboxEntry],
    committed: Option<&[Committed]>,
) -> Result<usize, tokio_postgres::Error> {
    let changed: Option<HashSet<String>> = committed.map(|out| {
        out.iter()
            .filter(|c| c.changed)
            .map(|c| format!("{}/{}", c.stored.resource_type, c.stored.id))
            .collect()
    });
    let st = c
        .prepare_cached(&statements::outbox_insert(&Postgres))
        .await?;
    let mut n = 0u64;
    for e in entries {
        if changed
            .as_ref()
            .is_some_and(|set| !nordlys_store::notify::keep_with_commit(e, set))
        {
            continue;
        }
        n += c
            .execute(
                &st,
                &[
                    &e.person,
                    &e.item,
                    &e.patient_id,
                    &e.kind,
                    &e.due,
                    &e.created,
                ],
            )
            .await?;
    }
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

fn entry(r: &Row) -> Result<OutboxEntry, tokio_postgres::Error> {
    Ok(OutboxEntry {
        person: r.try_get(0)?,
        item: r.try_get(1)?,
        patient_id: r.try_get(2)?,
        kind: r.try_get(3)?,
        due: r.try_get(4)?,
        created: r.try_get(5)?,
        delivered: r.try_get(6)?,
        ready: r.try_get(7)?,
        withdrawn: r.try_get(8)?,
        attempts: i64::from(r.try_get::<_, i32>(9)?),
        next_attempt: r.try_get(10)?,
    })
}

pub(crate) fn entries(rows: &[Row]) -> StoreResult<Vec<OutboxEntry>> {
    rows.iter().map(|r| entry(r).map_err(internal)).collect()
}

pub(crate) async fn due<C: GenericClient + Sync>(
    c: &C,
    now_ms: i64,
    limit: i64,
) -> StoreResult<Vec<OutboxEntry>> {
    let st = c
        .prepare_cached(&statements::outbox_due(&Postgres))
        .await
        .map_err(internal)?;
    entries(&c.query(&st, &[&now_ms, &limit]).await.map_err(internal)?)
}

/// Claims ready entries for a deliverer (one statement; see `statements::outbox_claim`
/// for why concurrent claims never return the same entry).
pub(crate) async fn claim<C: GenericClient + Sync>(
    c: &C,
    now_ms: i64,
    until_ms: i64,
    limit: i64,
) -> StoreResult<Vec<OutboxEntry>> {
    let st = c
        .prepare_cached(&statements::outbox_claim(&Postgres))
        .await
        .map_err(internal)?;
    entries(
        &c.query(&st, &[&now_ms, &until_ms, &limit])
            .await
            .map_err(internal)?,
    )
}

pub(crate) async fn of_patient<C: GenericClient + Sync>(
    c: &C,
    patient_id: &str,
) -> StoreResult<Vec<OutboxEntry>> {
    let st = c
        .prepare_cached(&statements::outbox_of_patient(&Postgres))
        .await
        .map_err(internal)?;
    entries(&c.query(&st, &[&patient_id]).await.map_err(internal)?)
}

pub(crate) async fn settle<C: GenericClient + Sync>(
    c: &C,
    person: &str,
    item: &str,
    settle: Settle,
) -> StoreResult<bool> {
    let st = c
        .prepare_cached(&statements::outbox_settle(&Postgres, settle))
        .await
        .map_err(internal)?;
    let at = statements::settle_instant(settle);
    let n = c
        .execute(&st, &[&person, &item, &at])
        .await
        .map_err(internal)?;
    Ok(n > 0)
}
