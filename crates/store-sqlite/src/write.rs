//! Applying a batch of writes inside one transaction: preconditions, versions, the
//! current row, history and index rows — all or nothing.
use chrono::{DateTime, Utc};
use nordlys_store::audit::{chain_hash, GENESIS};
use nordlys_store::model::finalize_body;
use nordlys_store::{
    Committed, PendingWrite, Precondition, StoreError, StoreResult, StoredResource,
};
use nordlys_store_sql::{index_rows, statements, IndexTable};
use rusqlite::{params, Transaction};

use crate::conn::{internal, version_row, Bind};
use crate::Sqlite;

struct Current {
    version: i64,
    deleted: bool,
    hash: String,
    stored: StoredResource,
}

fn current(tx: &Transaction, w: &PendingWrite) -> StoreResult<Option<Current>> {
    let mut st = tx
        .prepare_cached(&statements::current_for_write(&Sqlite))
        .map_err(internal)?;
    let mut rows = st.query(params![w.resource_type, w.id]).map_err(internal)?;
    match rows.next().map_err(internal)? {
        None => Ok(None),
        Some(r) => Ok(Some(Current {
            version: r.get(0).map_err(internal)?,
            deleted: r.get::<_, i64>(1).map_err(internal)? != 0,
            hash: r.get(2).map_err(internal)?,
            stored: version_row(r, 3).map_err(internal)?,
        })),
    }
}

pub(crate) fn apply(
    tx: &Transaction,
    writes: Vec<PendingWrite>,
    _request_time: DateTime<Utc>,
) -> StoreResult<Vec<Committed>> {
    // The clock is read inside the writer lock, so `lastUpdated` grows with commit order.
    let now = Utc::now();
    let mut out = Vec::with_capacity(writes.len());
    for w in writes {
        let cur = current(tx, &w)?;
        let live = cur.as_ref().filter(|c| !c.deleted);
        match (w.precondition, live) {
            (Precondition::MustNotExist, Some(_)) => {
                return Err(StoreError::Conflict(format!(
                    "{}/{} already exists",
                    w.resource_type, w.id
                )))
            }
            (Precondition::VersionIs(v), Some(c)) if c.version != v => {
                return Err(StoreError::PreconditionFailed(format!(
                    "version {v} of {}/{} is not the current version ({})",
                    w.resource_type, w.id, c.version
                )))
            }
            (Precondition::VersionIs(v), None) => {
                return Err(StoreError::PreconditionFailed(format!(
                    "{}/{} has no current version {v}",
                    w.resource_type, w.id
                )))
            }
            _ => {}
        }
        if let Some(c) = live {
            if w.skip_if_unchanged && w.resource.is_some() && c.hash == w.content_hash {
                out.push(Committed {
                    stored: c.stored.clone(),
                    changed: false,
                });
                continue;
            }
        }
        if w.resource.is_none() && live.is_none() {
            // Deleting what is not there (or already deleted) changes nothing.
            if let Some(c) = cur {
                out.push(Committed {
                    stored: c.stored,
                    changed: false,
                });
            }
            continue;
        }
        let version = cur.as_ref().map_or(1, |c| c.version + 1);
        let body = w
            .resource
            .as_ref()
            .map(|r| finalize_body(r, version, now))
            .unwrap_or_default();
        let deleted = w.resource.is_none();
        let ms = now.timestamp_millis();
        let del = i64::from(deleted);
        tx.prepare_cached(&statements::upsert_current(&Sqlite))
            .and_then(|mut st| {
                st.execute(params![
                    w.resource_type,
                    w.id,
                    version,
                    ms,
                    del,
                    body,
                    w.columns.patient_id,
                    w.columns.owner_org,
                    w.columns.facts,
                    w.content_hash
                ])
            })
            .map_err(internal)?;
        tx.prepare_cached(&statements::insert_version(&Sqlite))
            .and_then(|mut st| {
                st.execute(params![
                    w.resource_type,
                    w.id,
                    version,
                    ms,
                    del,
                    body,
                    w.columns.patient_id,
                    w.columns.owner_org,
                    w.columns.facts
                ])
            })
            .map_err(internal)?;
        for sql in statements::delete_index(&Sqlite) {
            tx.prepare_cached(&sql)
                .and_then(|mut st| st.execute(params![w.resource_type, w.id]))
                .map_err(internal)?;
        }
        if !deleted {
            insert_index(tx, &w)?;
        }
        if w.chained {
            append_chain(tx, &w.id, &body)?;
        }
        let stored = StoredResource {
            resource_type: w.resource_type,
            id: w.id,
            version,
            last_updated: crate::conn::millis_to_time(ms),
            deleted,
            body,
            columns: w.columns,
        };
        out.push(Committed {
            stored,
            changed: true,
        });
    }
    Ok(out)
}

fn insert_index(tx: &Transaction, w: &PendingWrite) -> StoreResult<()> {
    let rows = index_rows(&w.index);
    for table in IndexTable::ALL {
        let sql = table.insert_sql(&Sqlite);
        let mut st = None;
        for row in rows.iter().filter(|r| r.table == table) {
            if st.is_none() {
                st = Some(tx.prepare_cached(&sql).map_err(internal)?);
            }
            let Some(st) = st.as_mut() else { continue };
            let mut binds: Vec<Bind> = Vec::with_capacity(row.values.len());
            binds.extend(row.values.iter().map(Bind));
            let head: [&dyn rusqlite::ToSql; 3] = [&w.resource_type, &w.id, &row.param];
            let mut all: Vec<&dyn rusqlite::ToSql> = head.to_vec();
            all.extend(binds.iter().map(|b| b as &dyn rusqlite::ToSql));
            st.execute(all.as_slice()).map_err(internal)?;
        }
    }
    Ok(())
}

/// Appends an access-log event to the hash chain (same transaction as the event).
fn append_chain(tx: &Transaction, event_id: &str, body: &str) -> StoreResult<()> {
    let last: Option<(i64, String)> = {
        let mut st = tx
            .prepare_cached(statements::AUDIT_CHAIN_LAST)
            .map_err(internal)?;
        let mut rows = st.query([]).map_err(internal)?;
        match rows.next().map_err(internal)? {
            Some(r) => Some((r.get(0).map_err(internal)?, r.get(1).map_err(internal)?)),
            None => None,
        }
    };
    let (seq, prev) = last.unwrap_or((0, GENESIS.to_string()));
    let hash = chain_hash(&prev, body);
    tx.prepare_cached(&statements::audit_chain_insert(&Sqlite))
        .and_then(|mut st| st.execute(params![seq + 1, event_id, prev, hash]))
        .map_err(internal)?;
    Ok(())
}
