//! The subscription queue on SQLite (nordlys_store::subscriptions): the change feed
//! is `resource_versions` read by `seq`; events and the matcher's cursor are small
//! tables of their own, written on the single writer.
use nordlys_store::subscriptions::{Change, SubEvent, SubSettle};
use nordlys_store::StoreResult;
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::conn::internal;

pub(crate) const MIGRATION: &str = r#"
CREATE TABLE subscription_cursor (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE subscription_events (
    seq INTEGER PRIMARY KEY, subscription TEXT NOT NULL, res_type TEXT NOT NULL,
    res_id TEXT NOT NULL, version INTEGER NOT NULL, created INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL, done INTEGER,
    dropped INTEGER NOT NULL DEFAULT 0,
    UNIQUE (subscription, res_type, res_id, version));
CREATE INDEX subscription_events_pending ON subscription_events (seq) WHERE done IS NULL;
"#;

pub(crate) fn changes_after(
    c: &Connection,
    after: i64,
    limit: i64,
) -> rusqlite::Result<Vec<Change>> {
    let mut st = c.prepare_cached(
        "SELECT seq, res_type, res_id, version FROM resource_versions WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = st.query_map(params![after, limit], |r| {
        Ok(Change {
            seq: r.get(0)?,
            resource_type: r.get(1)?,
            id: r.get(2)?,
            version: r.get(3)?,
        })
    })?;
    rows.collect()
}

pub(crate) fn cursor(c: &Connection) -> StoreResult<i64> {
    c.execute(
        "INSERT INTO subscription_cursor (name, seq) SELECT 'matcher', COALESCE(MAX(seq), 0) FROM resource_versions WHERE true ON CONFLICT (name) DO NOTHING",
        [],
    )
    .map_err(internal)?;
    c.query_row(
        "SELECT seq FROM subscription_cursor WHERE name = 'matcher'",
        [],
        |r| r.get(0),
    )
    .optional()
    .map_err(internal)
    .map(|v| v.unwrap_or(0))
}

pub(crate) fn enqueue(c: &Connection, events: &[SubEvent], cursor: i64) -> StoreResult<()> {
    let mut st = c
        .prepare_cached(
            "INSERT INTO subscription_events (subscription, res_type, res_id, version, created, next_attempt) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        )
        .map_err(internal)?;
    for e in events {
        st.execute(params![
            e.subscription,
            e.resource_type,
            e.id,
            e.version,
            e.created,
            e.next_attempt
        ])
        .map_err(internal)?;
    }
    c.execute(
        "INSERT INTO subscription_cursor (name, seq) VALUES ('matcher', ?1) \
         ON CONFLICT (name) DO UPDATE SET seq = MAX(seq, excluded.seq)",
        [cursor],
    )
    .map_err(internal)?;
    Ok(())
}

fn event(r: &Row) -> rusqlite::Result<SubEvent> {
    Ok(SubEvent {
        seq: r.get(0)?,
        subscription: r.get(1)?,
        resource_type: r.get(2)?,
        id: r.get(3)?,
        version: r.get(4)?,
        created: r.get(5)?,
        attempts: r.get(6)?,
        next_attempt: r.get(7)?,
    })
}

pub(crate) fn pending(c: &Connection, limit: i64) -> rusqlite::Result<Vec<SubEvent>> {
    let mut st = c.prepare_cached(
        "SELECT seq, subscription, res_type, res_id, version, created, attempts, next_attempt \
         FROM subscription_events WHERE done IS NULL ORDER BY seq LIMIT ?1",
    )?;
    let rows = st.query_map([limit], event)?;
    rows.collect()
}

pub(crate) fn settle(c: &Connection, seqs: &[i64], settle: SubSettle) -> StoreResult<()> {
    let (sql, at) = match settle {
        SubSettle::Delivered(at) => (
            "UPDATE subscription_events SET done = ?2, attempts = attempts + 1 WHERE seq = ?1 AND done IS NULL",
            at,
        ),
        SubSettle::Retry(at) => (
            "UPDATE subscription_events SET next_attempt = ?2, attempts = attempts + 1 WHERE seq = ?1 AND done IS NULL",
            at,
        ),
        SubSettle::Dropped(at) => (
            "UPDATE subscription_events SET done = ?2, dropped = 1 WHERE seq = ?1 AND done IS NULL",
            at,
        ),
    };
    let mut st = c.prepare_cached(sql).map_err(internal)?;
    for seq in seqs {
        st.execute(params![seq, at]).map_err(internal)?;
    }
    Ok(())
}
