//! The notification outbox on SQLite: the shared statements, bound with rusqlite.
//! Entries of a commit go in on the writer transaction of its writes.
use std::collections::HashSet;

use nordlys_store::{Committed, OutboxEntry, Settle, StoreResult};
use nordlys_store_sql::statements;
use rusqlite::{params, Connection, Row};

use crate::conn::internal;
use crate::Sqlite;

/// Queues `entries` on `c` (inside the caller's transaction); with `committed`, only
/// those whose item the commit changed. Returns the rows inserted or changed.
pub(crate) fn insert(
    c: &Connection,
    entries: &[OutboxEntry],
    committed: Option<&[Committed]>,
) -> StoreResult<usize> {
    let changed: Option<HashSet<String>> = committed.map(|out| {
        out.iter()
            .filter(|c| c.changed)
            .map(|c| format!("{}/{}", c.stored.resource_type, c.stored.id))
            .collect()
    });
    let mut st = c
        .prepare_cached(&statements::outbox_insert(&Sqlite))
        .map_err(internal)?;
    let mut n = 0;
    for e in entries {
        if changed
            .as_ref()
            .is_some_and(|set| !nordlys_store::notify::keep_with_commit(e, set))
        {
            continue;
        }
        n += st
            .execute(params![
                e.person,
                e.item,
                e.patient_id,
                e.kind,
                e.due,
                e.created
            ])
            .map_err(internal)?;
    }
    Ok(n)
}

fn entry(r: &Row) -> rusqlite::Result<OutboxEntry> {
    Ok(OutboxEntry {
        person: r.get(0)?,
        item: r.get(1)?,
        patient_id: r.get(2)?,
        kind: r.get(3)?,
        due: r.get(4)?,
        created: r.get(5)?,
        delivered: r.get(6)?,
        ready: r.get(7)?,
        withdrawn: r.get(8)?,
        attempts: r.get(9)?,
        next_attempt: r.get(10)?,
    })
}

pub(crate) fn due(c: &Connection, now_ms: i64, limit: i64) -> rusqlite::Result<Vec<OutboxEntry>> {
    let mut st = c.prepare_cached(&statements::outbox_due(&Sqlite))?;
    let rows = st.query_map(params![now_ms, limit], entry)?;
    rows.collect()
}

/// Claims ready entries for a deliverer (one statement on the single writer).
pub(crate) fn claim(
    c: &Connection,
    now_ms: i64,
    until_ms: i64,
    limit: i64,
) -> StoreResult<Vec<OutboxEntry>> {
    let mut st = c
        .prepare_cached(&statements::outbox_claim(&Sqlite))
        .map_err(internal)?;
    let rows = st
        .query_map(params![now_ms, until_ms, limit], entry)
        .map_err(internal)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(internal)
}

pub(crate) fn of_patient(c: &Connection, patient_id: &str) -> rusqlite::Result<Vec<OutboxEntry>> {
    let mut st = c.prepare_cached(&statements::outbox_of_patient(&Sqlite))?;
    let rows = st.query_map(params![patient_id], entry)?;
    rows.collect()
}

pub(crate) fn settle(
    c: &Connection,
    person: &str,
    item: &str,
    settle: Settle,
) -> StoreResult<bool> {
    let n = c
        .prepare_cached(&statements::outbox_settle(&Sqlite, settle))
        .and_then(|mut st| st.execute(params![person, item, statements::settle_instant(settle)]))
        .map_err(internal)?;
    Ok(n > 0)
}
