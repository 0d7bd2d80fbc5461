//! The PostgreSQL schema and its migrations, mirroring the SQLite layout column for
//! column so that the shared statements mean the same on both.
//!
//! Why `COLLATE "C"` on every compared text column: the shared search SQL scans
//! string prefixes as ranges (`norm >= $1 AND norm < $2`, the upper bound ending in
//! U+10FFFF) and sorts by text. SQLite compares bytes; the database's default
//! collation (e.g. `nb_NO.UTF-8`) would not, and prefix ranges, `_sort` and the order
//! of ids would differ between the backends. `C` compares bytes, which for UTF-8 is
//! code-point order, exactly like SQLite.
//!
//! Why an advisory lock: API nodes starting together all run `migrate`; the lock
//! (held until the migration transaction ends) lets exactly one apply a migration
//! while the others wait and then find nothing left to do.
use deadpool_postgres::Object;
use nordlys_store::StoreResult;

use crate::conn::internal;

/// Migrations, in order. Never edit a released one; append a new one.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE resources (
    res_type TEXT COLLATE "C" NOT NULL, res_id TEXT COLLATE "C" NOT NULL, version BIGINT NOT NULL,
    last_updated BIGINT NOT NULL, deleted INTEGER NOT NULL, body TEXT NOT NULL,
    patient_id TEXT COLLATE "C", owner_org TEXT COLLATE "C", content_hash TEXT NOT NULL,
    PRIMARY KEY (res_type, res_id));
CREATE INDEX resources_patient ON resources (patient_id, res_type);
CREATE INDEX resources_updated ON resources (res_type, last_updated);
CREATE TABLE resource_versions (
    res_type TEXT COLLATE "C" NOT NULL, res_id TEXT COLLATE "C" NOT NULL, version BIGINT NOT NULL,
    last_updated BIGINT NOT NULL, deleted INTEGER NOT NULL, body TEXT NOT NULL,
    patient_id TEXT COLLATE "C", owner_org TEXT COLLATE "C",
    PRIMARY KEY (res_type, res_id, version));
CREATE INDEX versions_updated ON resource_versions (last_updated);
CREATE INDEX versions_type_updated ON resource_versions (res_type, last_updated);
CREATE TABLE idx_string (res_type TEXT COLLATE "C" NOT NULL, res_id TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL,
    norm TEXT COLLATE "C" NOT NULL, exact TEXT COLLATE "C" NOT NULL);
CREATE INDEX idx_string_value ON idx_string (res_type, param, norm);
CREATE INDEX idx_string_res ON idx_string (res_type, res_id);
CREATE TABLE idx_token (res_type TEXT COLLATE "C" NOT NULL, res_id TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL,
    system TEXT COLLATE "C", code TEXT COLLATE "C" NOT NULL);
CREATE INDEX idx_token_value ON idx_token (res_type, param, code, system);
CREATE INDEX idx_token_res ON idx_token (res_type, res_id);
CREATE TABLE idx_reference (res_type TEXT COLLATE "C" NOT NULL, res_id TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL,
    target_type TEXT COLLATE "C", target_id TEXT COLLATE "C", url TEXT COLLATE "C" NOT NULL);
CREATE INDEX idx_reference_target ON idx_reference (target_id, target_type, res_type, param);
CREATE INDEX idx_reference_res ON idx_reference (res_type, res_id, param);
CREATE TABLE idx_date (res_type TEXT COLLATE "C" NOT NULL, res_id TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL,
    low BIGINT NOT NULL, high BIGINT NOT NULL);
CREATE INDEX idx_date_value ON idx_date (res_type, param, low, high);
CREATE INDEX idx_date_res ON idx_date (res_type, res_id);
CREATE TABLE idx_number (res_type TEXT COLLATE "C" NOT NULL, res_id TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL,
    value DOUBLE PRECISION NOT NULL);
CREATE INDEX idx_number_value ON idx_number (res_type, param, value);
CREATE INDEX idx_number_res ON idx_number (res_type, res_id);
CREATE TABLE idx_quantity (res_type TEXT COLLATE "C" NOT NULL, res_id TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL,
    value DOUBLE PRECISION NOT NULL, system TEXT COLLATE "C", code TEXT COLLATE "C");
CREATE INDEX idx_quantity_value ON idx_quantity (res_type, param, value);
CREATE INDEX idx_quantity_res ON idx_quantity (res_type, res_id);
CREATE TABLE idx_uri (res_type TEXT COLLATE "C" NOT NULL, res_id TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL);
CREATE INDEX idx_uri_value ON idx_uri (res_type, param, value);
CREATE INDEX idx_uri_res ON idx_uri (res_type, res_id);
"#];

/// Key of the advisory lock serialising migrations (ASCII "nordlys").
const MIGRATION_LOCK: i64 = 0x006e_6f72_646c_7973;

/// Applies the pending migrations in one transaction, under the migration lock.
pub(crate) async fn migrate(client: &mut Object) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(internal)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.map_err(internal)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)").await.map_err(internal)?;
    let current: i64 =
        tx.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[]).await.map_err(internal)?.get(0);
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(i + 1).unwrap_or(i64::MAX);
        if version <= current {
            continue;
        }
        tx.batch_execute(sql).await.map_err(internal)?;
        tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&version]).await.map_err(internal)?;
        tracing::info!(version, "postgres schema migrated");
    }
    tx.commit().await.map_err(internal)
}

/// The schema version a database has reached (0 for an empty one).
pub(crate) async fn version(client: &Object) -> StoreResult<i64> {
    let exists: bool = client
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
        .await
        .map_err(internal)?
        .get(0);
    if !exists {
        return Ok(0);
    }
    Ok(client.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[]).await.map_err(internal)?.get(0))
}

/// The newest schema version this build knows.
pub(crate) fn latest() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}
