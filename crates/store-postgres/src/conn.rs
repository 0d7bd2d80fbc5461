//! The connection pool, parameter binding, row mapping and error mapping.
//!
//! Why typed binding: the shared statements carry their parameters as
//! [`SqlValue`]s. Dynamic statements (search, history, `read_many`) are sent with
//! `query_typed`, which states each parameter's type up front, so a statement costs
//! one round trip and is never left behind in a per-connection statement cache (the
//! number of distinct search statements is unbounded). Fixed statements are prepared
//! once per connection instead.
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use nordlys_store::backend::Hit;
use nordlys_store::{ItemColumns, ResourceKey, StoreError, StoreResult, StoredResource};
use nordlys_store_sql::{Query, SqlValue};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{NoTls, Row};

/// Connections per server process: enough for 32 concurrent clients with short
/// statements, small enough that several API nodes fit under `max_connections`.
pub(crate) const POOL_SIZE: usize = 16;

/// Builds the pool; connections are opened lazily, on first use.
pub(crate) fn pool(url: &str) -> StoreResult<Pool> {
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| StoreError::Internal(format!("invalid PostgreSQL url: {e}")))?;
    if config.get_application_name().is_none() {
        config.application_name("nordlys");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(POOL_SIZE)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(30)))
        .create_timeout(Some(Duration::from_secs(10)))
        .build()
        .map_err(|e| StoreError::Internal(format!("postgres pool: {e}")))
}

/// A pooled connection.
pub(crate) async fn client(pool: &Pool) -> StoreResult<Object> {
    pool.get()
        .await
        .map_err(|e| StoreError::Internal(format!("postgres pool: {e}")))
}

/// How a failed statement is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Another transaction created the same row first: 409.
    Conflict,
    /// Serialization failure or deadlock: the whole transaction may be retried.
    Retry,
    /// Anything else: logged, 500.
    Other,
}

pub(crate) fn classify(e: &tokio_postgres::Error) -> Failure {
    match e.code() {
        Some(c) if *c == SqlState::UNIQUE_VIOLATION => Failure::Conflict,
        Some(c)
            if *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED =>
        {
            Failure::Retry
        }
        _ => Failure::Other,
    }
}

/// The detail for the server log (message, detail and hint of a server error).
pub(crate) fn detail(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("postgres {}: {db}", db.code().code()),
        None => format!("postgres: {e}"),
    }
}

/// Maps an error of a read or of DDL: everything is internal.
pub(crate) fn internal(e: tokio_postgres::Error) -> StoreError {
    StoreError::Internal(detail(&e))
}

/// A `NULL` needs a Rust value to bind; every nullable column bound this way is text.
static NULL_TEXT: Option<&str> = None;

/// One shared-statement parameter with the type it is sent as.
pub(crate) fn typed(v: &SqlValue) -> (&(dyn ToSql + Sync), Type) {
    match v {
        SqlValue::Text(s) => (s, Type::TEXT),
        SqlValue::Int(i) => (i, Type::INT8),
        SqlValue::Real(f) => (f, Type::FLOAT8),
        SqlValue::Null => (&NULL_TEXT, Type::TEXT),
    }
}

/// Runs a dynamic statement in one round trip.
pub(crate) async fn query(c: &tokio_postgres::Client, q: &Query) -> StoreResult<Vec<Row>> {
    let params: Vec<(&(dyn ToSql + Sync), Type)> = q.params.iter().map(typed).collect();
    c.query_typed(&q.sql, &params).await.map_err(internal)
}

pub(crate) fn millis_to_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Maps a row of `statements::VERSION_COLUMNS` starting at column `at`.
pub(crate) fn version_row(row: &Row, at: usize) -> Result<StoredResource, tokio_postgres::Error> {
    Ok(StoredResource {
        resource_type: row.try_get(at)?,
        id: row.try_get(at + 1)?,
        version: row.try_get(at + 2)?,
        last_updated: millis_to_time(row.try_get(at + 3)?),
        deleted: row.try_get::<_, i32>(at + 4)? != 0,
        body: row.try_get(at + 5)?,
        columns: ItemColumns {
            patient_id: row.try_get(at + 6)?,
            owner_org: row.try_get(at + 7)?,
            facts: row.try_get(at + 8)?,
        },
    })
}

pub(crate) fn versions(rows: &[Row]) -> StoreResult<Vec<StoredResource>> {
    rows.iter()
        .map(|r| version_row(r, 0).map_err(internal))
        .collect()
}

/// Maps rows of `HIT_COLUMNS`: type, id, patient, owner.
pub(crate) fn hits(rows: &[Row]) -> StoreResult<Vec<Hit>> {
    rows.iter()
        .map(|r| {
            Ok(Hit {
                key: ResourceKey {
                    resource_type: r.try_get(0)?,
                    id: r.try_get(1)?,
                },
                columns: ItemColumns {
                    patient_id: r.try_get(2)?,
                    owner_org: r.try_get(3)?,
                    facts: r.try_get(4)?,
                },
            })
        })
        .collect::<Result<Vec<_>, tokio_postgres::Error>>()
        .map_err(internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_sent_with_their_sql_type() {
        let types: Vec<Type> = [
            SqlValue::Text("a".into()),
            SqlValue::Int(1),
            SqlValue::Real(1.5),
            SqlValue::Null,
        ]
        .iter()
        .map(|v| typed(v).1)
        .collect();
        assert_eq!(
            types,
            vec![Type::TEXT, Type::INT8, Type::FLOAT8, Type::TEXT]
        );
    }

    #[test]
    fn a_bad_url_is_reported_not_panicked() {
        let Err(StoreError::Internal(msg)) = pool("postgres://host:notaport/db") else {
            panic!("bad url accepted")
        };
        assert!(msg.starts_with("invalid PostgreSQL url"), "{msg}");
    }
}
