//! Connections: one writer, a few readers, and row mapping.
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use nordlys_store::backend::Hit;
use nordlys_store::{ItemColumns, ResourceKey, StoreError, StoreResult, StoredResource};
use nordlys_store_sql::{Query, SqlValue};
use parking_lot::Mutex;
use rusqlite::types::{ToSql, ToSqlOutput, Value as SqlLite};
use rusqlite::{Connection, OpenFlags, Row, Transaction, TransactionBehavior};

const READERS: usize = 4;

pub(crate) struct Pool {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

pub(crate) fn internal(e: rusqlite::Error) -> StoreError {
    StoreError::Internal(format!("sqlite: {e}"))
}

fn configure(c: &Connection, writer: bool) -> rusqlite::Result<()> {
    c.busy_timeout(std::time::Duration::from_secs(10))?;
    if writer {
        c.pragma_update(None, "journal_mode", "WAL")?;
    }
    c.pragma_update(None, "synchronous", "FULL")?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    c.pragma_update(None, "cache_size", -32_000)?;
    // Every write (and every read's access-log entry is a write) resets the other
    // connections' page caches in WAL mode; memory-mapped reads make re-reading a page
    // a memory access instead of a pread system call and a copy.
    c.pragma_update(None, "mmap_size", 1_i64 << 30)?;
    c.set_prepared_statement_cache_capacity(256);
    Ok(())
}

impl Pool {
    pub(crate) fn open(path: &Path) -> StoreResult<Self> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Internal(format!(
                        "cannot create data folder {}: {e}",
                        dir.display()
                    ))
                })?;
            }
        }
        let writer = Connection::open(path).map_err(internal)?;
        configure(&writer, true).map_err(internal)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let r = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(internal)?;
            configure(&r, false).map_err(internal)?;
            readers.push(Mutex::new(r));
        }
        Ok(Pool {
            writer: Mutex::new(writer),
            readers,
            next: AtomicUsize::new(0),
        })
    }

    pub(crate) fn in_memory() -> StoreResult<Self> {
        let writer = Connection::open_in_memory().map_err(internal)?;
        configure(&writer, false).map_err(internal)?;
        Ok(Pool {
            writer: Mutex::new(writer),
            readers: Vec::new(),
            next: AtomicUsize::new(0),
        })
    }

    pub(crate) fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> StoreResult<T> {
        if self.readers.is_empty() {
            return f(&self.writer.lock()).map_err(internal);
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..self.readers.len() {
            if let Some(c) = self.readers[(start + i) % self.readers.len()].try_lock() {
                return f(&c).map_err(internal);
            }
        }
        let c = self.readers[start % self.readers.len()].lock();
        f(&c).map_err(internal)
    }

    pub(crate) fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        f(&mut self.writer.lock())
    }

    /// Runs `f` in an immediate transaction; commits on `Ok`, rolls back on `Err`.
    pub(crate) fn with_writer_tx<T>(
        &self,
        f: impl FnOnce(&Transaction) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut c = self.writer.lock();
        let tx = c
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(internal)?;
        let out = f(&tx)?;
        tx.commit().map_err(internal)?;
        Ok(out)
    }
}

/// Binding for the shared statements' values.
pub(crate) struct Bind<'a>(pub &'a SqlValue);

impl ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            SqlValue::Text(s) => {
                ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(s.as_bytes()))
            }
            SqlValue::Int(i) => ToSqlOutput::Owned(SqlLite::Integer(*i)),
            SqlValue::Real(f) => ToSqlOutput::Owned(SqlLite::Real(*f)),
            SqlValue::Null => ToSqlOutput::Owned(SqlLite::Null),
        })
    }
}

pub(crate) fn millis_to_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Maps a row of `statements::VERSION_COLUMNS` starting at column `at`.
pub(crate) fn version_row(row: &Row, at: usize) -> rusqlite::Result<StoredResource> {
    Ok(StoredResource {
        resource_type: row.get(at)?,
        id: row.get(at + 1)?,
        version: row.get(at + 2)?,
        last_updated: millis_to_time(row.get(at + 3)?),
        deleted: row.get::<_, i64>(at + 4)? != 0,
        body: row.get(at + 5)?,
        columns: ItemColumns {
            patient_id: row.get(at + 6)?,
            owner_org: row.get(at + 7)?,
            facts: row.get(at + 8)?,
        },
    })
}

pub(crate) fn query_one(
    c: &Connection,
    sql: &str,
    params: &[&dyn ToSql],
) -> rusqlite::Result<Option<StoredResource>> {
    let mut st = c.prepare_cached(sql)?;
    let mut rows = st.query(params)?;
    match rows.next()? {
        Some(row) => Ok(Some(version_row(row, 0)?)),
        None => Ok(None),
    }
}

fn bound(q: &Query) -> Vec<Bind<'_>> {
    q.params.iter().map(Bind).collect()
}

pub(crate) fn query_versions(c: &Connection, q: &Query) -> rusqlite::Result<Vec<StoredResource>> {
    let mut st = c.prepare_cached(&q.sql)?;
    let binds = bound(q);
    let rows = st.query_map(rusqlite::params_from_iter(binds.iter()), |r| {
        version_row(r, 0)
    })?;
    rows.collect()
}

pub(crate) fn query_hits(c: &Connection, q: &Query) -> rusqlite::Result<Vec<Hit>> {
    let mut st = c.prepare_cached(&q.sql)?;
    let binds = bound(q);
    let rows = st.query_map(rusqlite::params_from_iter(binds.iter()), |r| {
        Ok(Hit {
            key: ResourceKey {
                resource_type: r.get(0)?,
                id: r.get(1)?,
            },
            columns: ItemColumns {
                patient_id: r.get(2)?,
                owner_org: r.get(3)?,
                facts: r.get(4)?,
            },
        })
    })?;
    rows.collect()
}
