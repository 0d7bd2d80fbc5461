//! The SQLite schema and its migrations. Each migration runs once, in order, inside
//! a transaction; `schema_version` records how far a database has come.
use nordlys_store::StoreResult;
use rusqlite::Connection;

use crate::conn::internal;

/// Migrations, in order. Never edit a released one; append a new one.
///
/// The value indexes end in `res_id` so a search's subquery is answered from the
/// index alone (covering), without a lookup in the index table per row.
///
/// Column order matters in SQLite: a row is read front to back, and a large `body`
/// spills into overflow pages, so the small columns a search reads (policy columns,
/// facts) come first and `body` last.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE resources (
    res_type TEXT NOT NULL, res_id TEXT NOT NULL, version INTEGER NOT NULL,
    last_updated INTEGER NOT NULL, deleted INTEGER NOT NULL,
    patient_id TEXT, owner_org TEXT, content_hash TEXT NOT NULL, facts TEXT, body TEXT NOT NULL,
    PRIMARY KEY (res_type, res_id)) WITHOUT ROWID;
CREATE INDEX resources_patient ON resources (patient_id, res_type);
CREATE INDEX resources_updated ON resources (res_type, last_updated);
CREATE TABLE resource_versions (
    seq INTEGER PRIMARY KEY,
    res_type TEXT NOT NULL, res_id TEXT NOT NULL, version INTEGER NOT NULL,
    last_updated INTEGER NOT NULL, deleted INTEGER NOT NULL,
    patient_id TEXT, owner_org TEXT, facts TEXT, body TEXT NOT NULL);
CREATE UNIQUE INDEX versions_key ON resource_versions (res_type, res_id, version);
CREATE INDEX versions_updated ON resource_versions (last_updated);
CREATE INDEX versions_type_updated ON resource_versions (res_type, last_updated);
CREATE TABLE idx_string (res_type TEXT NOT NULL, res_id TEXT NOT NULL, param TEXT NOT NULL, norm TEXT NOT NULL, exact TEXT NOT NULL);
CREATE INDEX idx_string_value ON idx_string (res_type, param, norm, res_id);
CREATE INDEX idx_string_res ON idx_string (res_type, res_id);
CREATE TABLE idx_token (res_type TEXT NOT NULL, res_id TEXT NOT NULL, param TEXT NOT NULL, system TEXT, code TEXT NOT NULL);
CREATE INDEX idx_token_value ON idx_token (res_type, param, code, system, res_id);
CREATE INDEX idx_token_res ON idx_token (res_type, res_id);
CREATE TABLE idx_reference (res_type TEXT NOT NULL, res_id TEXT NOT NULL, param TEXT NOT NULL, target_type TEXT, target_id TEXT, url TEXT NOT NULL);
CREATE INDEX idx_reference_target ON idx_reference (target_id, target_type, res_type, param, res_id);
CREATE INDEX idx_reference_res ON idx_reference (res_type, res_id, param);
CREATE TABLE idx_date (res_type TEXT NOT NULL, res_id TEXT NOT NULL, param TEXT NOT NULL, low INTEGER NOT NULL, high INTEGER NOT NULL);
CREATE INDEX idx_date_value ON idx_date (res_type, param, low, high, res_id);
CREATE INDEX idx_date_res ON idx_date (res_type, res_id);
CREATE TABLE idx_number (res_type TEXT NOT NULL, res_id TEXT NOT NULL, param TEXT NOT NULL, value REAL NOT NULL);
CREATE INDEX idx_number_value ON idx_number (res_type, param, value, res_id);
CREATE INDEX idx_number_res ON idx_number (res_type, res_id);
CREATE TABLE idx_quantity (res_type TEXT NOT NULL, res_id TEXT NOT NULL, param TEXT NOT NULL, value REAL NOT NULL, system TEXT, code TEXT);
CREATE INDEX idx_quantity_value ON idx_quantity (res_type, param, value, res_id);
CREATE INDEX idx_quantity_res ON idx_quantity (res_type, res_id);
CREATE TABLE idx_uri (res_type TEXT NOT NULL, res_id TEXT NOT NULL, param TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX idx_uri_value ON idx_uri (res_type, param, value, res_id);
CREATE INDEX idx_uri_res ON idx_uri (res_type, res_id);
"#,
    r#"
CREATE TABLE audit_chain (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
"#,
    // The notification outbox (nordlys_store::notify): UNIQUE (person, item) is the
    // exactly-once rule.
    r#"
CREATE TABLE outbox (
    person TEXT NOT NULL, item TEXT NOT NULL, patient_id TEXT NOT NULL, kind TEXT NOT NULL,
    due INTEGER NOT NULL, created INTEGER NOT NULL, delivered INTEGER, ready INTEGER,
    withdrawn INTEGER, attempts INTEGER NOT NULL DEFAULT 0,
    UNIQUE (person, item));
CREATE INDEX outbox_due ON outbox (due) WHERE delivered IS NULL AND withdrawn IS NULL AND ready IS NULL;
CREATE INDEX outbox_patient ON outbox (patient_id);
"#,
    // Delivery (nordlys-notify): when a deliverer may next try a ready entry, a claim's
    // lease or a failed attempt's backoff.
    r#"
ALTER TABLE outbox ADD COLUMN next_attempt INTEGER;
CREATE INDEX outbox_ready ON outbox (ready) WHERE ready IS NOT NULL AND delivered IS NULL;
"#,
    // FHIR Subscriptions (nordlys_store::subscriptions): the matcher's cursor over
    // resource_versions and the per-subscription event queue.
    crate::subs::MIGRATION,
];

pub(crate) fn migrate(c: &mut Connection) -> StoreResult<()> {
    c.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        .map_err(internal)?;
    let current: i64 = c
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_version",
            [],
            |r| r.get(0),
        )
        .map_err(internal)?;
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(i + 1).unwrap_or(i64::MAX);
        if version <= current {
            continue;
        }
        let tx = c.transaction().map_err(internal)?;
        tx.execute_batch(sql).map_err(internal)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [version],
        )
        .map_err(internal)?;
        tx.commit().map_err(internal)?;
    }
    Ok(())
}
