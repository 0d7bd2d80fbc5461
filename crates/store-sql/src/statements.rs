//! The fixed statements of the storage protocol (reads, history, writes), shared by
//! both relational backends. Only placeholders come from the [`Dialect`].
use nordlys_store::{HistoryQuery, ResourceKey};

use crate::{Dialect, Query, SqlValue};

/// Columns of a stored version, in this order, for [`crate::Dialect`]-agnostic row mapping:
/// type, id, version, last_updated (ms), deleted (0/1), body, patient_id, owner_org, facts.
pub const VERSION_COLUMNS: &str =
    "res_type, res_id, version, last_updated, deleted, body, patient_id, owner_org, facts";

pub fn read_current(d: &dyn Dialect) -> String {
    format!(
        "SELECT {VERSION_COLUMNS} FROM resources WHERE res_type = {} AND res_id = {}",
        d.placeholder(1),
        d.placeholder(2)
    )
}

pub fn read_version(d: &dyn Dialect) -> String {
    format!(
        "SELECT {VERSION_COLUMNS} FROM resource_versions WHERE res_type = {} AND res_id = {} AND version = {}",
        d.placeholder(1),
        d.placeholder(2),
        d.placeholder(3)
    )
}

/// Current, non-deleted versions of several keys.
pub fn read_many(d: &dyn Dialect, keys: &[ResourceKey]) -> Query {
    let mut params = Vec::with_capacity(keys.len() * 2);
    let mut ors = Vec::with_capacity(keys.len());
    for k in keys {
        params.push(SqlValue::Text(k.resource_type.clone()));
        let t = d.placeholder(params.len());
        params.push(SqlValue::Text(k.id.clone()));
        let i = d.placeholder(params.len());
        ors.push(format!("(res_type = {t} AND res_id = {i})"));
    }
    if ors.is_empty() {
        ors.push("1 = 0".into());
    }
    Query {
        sql: format!(
            "SELECT {VERSION_COLUMNS} FROM resources WHERE deleted = 0 AND ({})",
            ors.join(" OR ")
        ),
        params,
    }
}

/// History, newest first: `seq` is the commit order (assigned by the database on insert).
pub fn history(d: &dyn Dialect, q: &HistoryQuery) -> Query {
    let mut params = Vec::new();
    let mut wh = vec!["1 = 1".to_string()];
    if let Some(t) = &q.resource_type {
        params.push(SqlValue::Text(t.clone()));
        wh.push(format!("res_type = {}", d.placeholder(params.len())));
    }
    if let Some(id) = &q.id {
        params.push(SqlValue::Text(id.clone()));
        wh.push(format!("res_id = {}", d.placeholder(params.len())));
    }
    if let Some(since) = q.since {
        params.push(SqlValue::Int(since.timestamp_millis()));
        wh.push(format!("last_updated >= {}", d.placeholder(params.len())));
    }
    params.push(SqlValue::Int(i64::try_from(q.count).unwrap_or(i64::MAX)));
    let limit = d.placeholder(params.len());
    params.push(SqlValue::Int(i64::try_from(q.offset).unwrap_or(i64::MAX)));
    let offset = d.placeholder(params.len());
    Query {
        sql: format!(
            "SELECT {VERSION_COLUMNS} FROM resource_versions WHERE {} ORDER BY seq DESC LIMIT {limit} OFFSET {offset}",
            wh.join(" AND ")
        ),
        params,
    }
}

/// The current row's version, deleted flag, content hash and body, for a write's checks.
pub fn current_for_write(d: &dyn Dialect) -> String {
    format!(
        "SELECT version, deleted, content_hash, {VERSION_COLUMNS} FROM resources WHERE res_type = {} AND res_id = {}",
        d.placeholder(1),
        d.placeholder(2)
    )
}

/// Insert or replace the current row: type, id, version, last_updated, deleted, body,
/// patient_id, owner_org, content_hash.
pub fn upsert_current(d: &dyn Dialect) -> String {
    let p: Vec<String> = (1..=10).map(|n| d.placeholder(n)).collect();
    format!(
        "INSERT INTO resources (res_type, res_id, version, last_updated, deleted, body, patient_id, owner_org, facts, content_hash) \
         VALUES ({}) ON CONFLICT (res_type, res_id) DO UPDATE SET version = excluded.version, \
         last_updated = excluded.last_updated, deleted = excluded.deleted, body = excluded.body, \
         patient_id = excluded.patient_id, owner_org = excluded.owner_org, facts = excluded.facts, \
         content_hash = excluded.content_hash",
        p.join(", ")
    )
}

/// Append a version: type, id, version, last_updated, deleted, body, patient_id, owner_org, facts.
pub fn insert_version(d: &dyn Dialect) -> String {
    let p: Vec<String> = (1..=9).map(|n| d.placeholder(n)).collect();
    format!(
        "INSERT INTO resource_versions ({VERSION_COLUMNS}) VALUES ({})",
        p.join(", ")
    )
}

/// Statements removing a resource's index rows (one per index table).
pub fn delete_index(d: &dyn Dialect) -> Vec<String> {
    crate::IndexTable::ALL
        .iter()
        .map(|t| {
            format!(
                "DELETE FROM {} WHERE res_type = {} AND res_id = {}",
                t.name(),
                d.placeholder(1),
                d.placeholder(2)
            )
        })
        .collect()
}

/// Chain links after a sequence number, with each event's first version and whether
/// it was changed later: seq, event_id, prev_hash, hash, body (or NULL), max version.
pub fn audit_chain(d: &dyn Dialect) -> String {
    format!(
        "SELECT c.seq, c.event_id, c.prev_hash, c.hash, v.body, \
         (SELECT MAX(m.version) FROM resource_versions m WHERE m.res_type = 'AuditEvent' AND m.res_id = c.event_id) \
         FROM audit_chain c LEFT JOIN resource_versions v ON v.res_type = 'AuditEvent' AND v.res_id = c.event_id AND v.version = 1 \
         WHERE c.seq > {} ORDER BY c.seq LIMIT {}",
        d.placeholder(1),
        d.placeholder(2)
    )
}

/// The last link (seq, hash), for appending.
pub const AUDIT_CHAIN_LAST: &str = "SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1";

/// Append a link: seq, event_id, prev_hash, hash.
pub fn audit_chain_insert(d: &dyn Dialect) -> String {
    format!(
        "INSERT INTO audit_chain (seq, event_id, prev_hash, hash) VALUES ({}, {}, {}, {})",
        d.placeholder(1),
        d.placeholder(2),
        d.placeholder(3),
        d.placeholder(4)
    )
}

/// Columns of an outbox entry, in this order: person, item, patient_id, kind, due,
/// created, delivered, ready, withdrawn, attempts, next_attempt.
pub const OUTBOX_COLUMNS: &str =
    "person, item, patient_id, kind, due, created, delivered, ready, withdrawn, attempts, next_attempt";

/// Queue an entry: person, item, patient_id, kind, due, created. The unique key
/// `(person, item)` is the exactly-once rule: a second entry for the same person and
/// item inserts nothing; it only moves an undelivered entry earlier (a `release`
/// ended the deferral) or reopens a withdrawn one (the item became visible again).
pub fn outbox_insert(d: &dyn Dialect) -> String {
    format!(
        "INSERT INTO outbox (person, item, patient_id, kind, due, created) \
         VALUES ({}, {}, {}, {}, {}, {}) \
         ON CONFLICT (person, item) DO UPDATE SET due = excluded.due, withdrawn = NULL, ready = NULL \
         WHERE outbox.delivered IS NULL AND (outbox.withdrawn IS NOT NULL OR (outbox.ready IS NULL AND excluded.due < outbox.due))",
        d.placeholder(1),
        d.placeholder(2),
        d.placeholder(3),
        d.placeholder(4),
        d.placeholder(5),
        d.placeholder(6)
    )
}

/// Entries due at `now` (1) not yet ready, delivered or withdrawn, at most (2).
pub fn outbox_due(d: &dyn Dialect) -> String {
    format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox \
         WHERE delivered IS NULL AND withdrawn IS NULL AND ready IS NULL AND due <= {} \
         ORDER BY due, person, item LIMIT {}",
        d.placeholder(1),
        d.placeholder(2)
    )
}

/// Claims ready, undelivered entries whose next attempt is due at (1) for a deliverer
/// until (2), at most (3), returning them. The outer conditions repeat the inner ones
/// so that on PostgreSQL a concurrent claim, which waits for the first one's row locks
/// and then re-checks the updated rows, skips them: one claim per entry and lease.
pub fn outbox_claim(d: &dyn Dialect) -> String {
    let (now, until, limit) = (d.placeholder(1), d.placeholder(2), d.placeholder(3));
    let open = format!(
        "delivered IS NULL AND withdrawn IS NULL AND ready IS NOT NULL \
         AND (next_attempt IS NULL OR next_attempt <= {now})"
    );
    format!(
        "UPDATE outbox SET next_attempt = {until} WHERE {open} AND (person, item) IN \
         (SELECT person, item FROM outbox WHERE {open} ORDER BY ready, person, item LIMIT {limit}) \
         RETURNING {OUTBOX_COLUMNS}"
    )
}

/// Entries about a patient's items (1), by person and item.
pub fn outbox_of_patient(d: &dyn Dialect) -> String {
    format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE patient_id = {} ORDER BY person, item",
        d.placeholder(1)
    )
}

/// What one settlement sets on an undelivered entry: person (1), item (2), instant (3).
pub fn outbox_settle(d: &dyn Dialect, settle: nordlys_store::Settle) -> String {
    use nordlys_store::Settle;
    let set = match settle {
        Settle::Ready(_) => "ready = {t}",
        Settle::Withdrawn(_) => "withdrawn = {t}, ready = NULL",
        Settle::Reschedule(_) => "due = {t}, ready = NULL",
        Settle::Delivered(_) => "delivered = {t}, attempts = attempts + 1",
        Settle::Retry(_) => "next_attempt = {t}, attempts = attempts + 1",
    }
    .replace("{t}", &d.placeholder(3));
    format!(
        "UPDATE outbox SET {set} WHERE person = {} AND item = {} AND delivered IS NULL",
        d.placeholder(1),
        d.placeholder(2)
    )
}

/// The instant a settlement records.
pub fn settle_instant(settle: nordlys_store::Settle) -> i64 {
    use nordlys_store::Settle;
    match settle {
        Settle::Ready(t)
        | Settle::Withdrawn(t)
        | Settle::Reschedule(t)
        | Settle::Delivered(t)
        | Settle::Retry(t) => t,
    }
}
