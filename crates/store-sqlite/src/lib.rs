//! The embedded store: SQLite in WAL mode, one file under the data folder.
//!
//! Why this shape: SQLite allows one writer and many readers. We keep one writer
//! connection behind a mutex (writes are short transactions) and a small pool of
//! reader connections, and run every statement on tokio's blocking pool so the async
//! server never waits on disk. `synchronous = FULL`: an acknowledged write survives
//! a crash of the process and of the machine.

mod conn;
mod outbox;
mod schema;
mod subs;
mod write;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use nordlys_store::audit::ChainLink;
use nordlys_store::backend::{Committed, Hit};
use nordlys_store::{
    Backend, HistoryQuery, OutboxEntry, PendingWrite, RequestContext, ResourceKey, SearchPlan,
    Settle, StoreError, StoreResult, StoredResource,
};
use nordlys_store_sql::{statements, Dialect};

use conn::Pool;

/// SQLite placeholders: `?1`, `?2`, …
pub(crate) struct Sqlite;

impl Dialect for Sqlite {
    fn placeholder(&self, n: usize) -> String {
        format!("?{n}")
    }

    fn without_index(&self, column: &str) -> String {
        format!("+{column}")
    }
}

/// The SQLite backend.
#[derive(Clone)]
pub struct SqliteBackend {
    pool: Arc<Pool>,
}

impl SqliteBackend {
    /// Opens (or creates) the database file; the folder is created if missing.
    pub fn open(path: &Path) -> StoreResult<Self> {
        Ok(SqliteBackend {
            pool: Arc::new(Pool::open(path)?),
        })
    }

    /// A private in-memory database (tests): one connection serves reads and writes.
    pub fn in_memory() -> StoreResult<Self> {
        Ok(SqliteBackend {
            pool: Arc::new(Pool::in_memory()?),
        })
    }

    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || pool.with_reader(f))
            .await
            .map_err(|e| StoreError::Internal(format!("sqlite reader task: {e}")))?
    }
}

#[async_trait]
impl Backend for SqliteBackend {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> StoreResult<()> {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || pool.with_writer(schema::migrate))
            .await
            .map_err(|e| StoreError::Internal(format!("sqlite migrate task: {e}")))?
    }

    async fn read_current(
        &self,
        _ctx: &RequestContext,
        key: &ResourceKey,
    ) -> StoreResult<Option<StoredResource>> {
        let key = key.clone();
        self.read(move |c| {
            conn::query_one(
                c,
                &statements::read_current(&Sqlite),
                &[&key.resource_type, &key.id],
            )
        })
        .await
    }

    async fn read_version(
        &self,
        _ctx: &RequestContext,
        key: &ResourceKey,
        version: i64,
    ) -> StoreResult<Option<StoredResource>> {
        let key = key.clone();
        self.read(move |c| {
            conn::query_one(
                c,
                &statements::read_version(&Sqlite),
                &[&key.resource_type, &key.id, &version],
            )
        })
        .await
    }

    async fn read_many(
        &self,
        _ctx: &RequestContext,
        keys: &[ResourceKey],
    ) -> StoreResult<Vec<StoredResource>> {
        let mut out = Vec::with_capacity(keys.len());
        // Chunked: SQLite limits the number of bound parameters per statement.
        for chunk in keys.chunks(400) {
            let q = statements::read_many(&Sqlite, chunk);
            out.extend(self.read(move |c| conn::query_versions(c, &q)).await?);
        }
        Ok(out)
    }

    async fn history(
        &self,
        _ctx: &RequestContext,
        query: &HistoryQuery,
    ) -> StoreResult<Vec<StoredResource>> {
        let q = statements::history(&Sqlite, query);
        self.read(move |c| conn::query_versions(c, &q)).await
    }

    async fn search(&self, _ctx: &RequestContext, plan: &SearchPlan) -> StoreResult<Vec<Hit>> {
        let q = nordlys_store_sql::search_query(&Sqlite, plan);
        self.read(move |c| conn::query_hits(c, &q)).await
    }

    async fn referenced_by(
        &self,
        _ctx: &RequestContext,
        sources: &[ResourceKey],
        params: &[String],
    ) -> StoreResult<Vec<Hit>> {
        let mut out = Vec::new();
        for chunk in sources.chunks(400) {
            let q = nordlys_store_sql::include_query(&Sqlite, chunk, params);
            out.extend(self.read(move |c| conn::query_hits(c, &q)).await?);
        }
        Ok(out)
    }

    async fn referencing(
        &self,
        _ctx: &RequestContext,
        targets: &[ResourceKey],
        source_type: &str,
        param: &str,
    ) -> StoreResult<Vec<Hit>> {
        let mut out = Vec::new();
        for chunk in targets.chunks(400) {
            let q = nordlys_store_sql::revinclude_query(&Sqlite, chunk, source_type, param);
            out.extend(self.read(move |c| conn::query_hits(c, &q)).await?);
        }
        Ok(out)
    }

    async fn audit_chain(
        &self,
        _ctx: &RequestContext,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<ChainLink>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |c| {
            let mut st = c.prepare_cached(&statements::audit_chain(&Sqlite))?;
            let rows = st.query_map(rusqlite::params![after, limit], |r| {
                Ok(ChainLink {
                    seq: r.get(0)?,
                    event_id: r.get(1)?,
                    prev_hash: r.get(2)?,
                    hash: r.get(3)?,
                    body: r.get(4)?,
                    edited: r.get::<_, Option<i64>>(5)?.unwrap_or(0) > 1,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn commit(
        &self,
        ctx: &RequestContext,
        writes: Vec<PendingWrite>,
    ) -> StoreResult<Vec<Committed>> {
        let pool = self.pool.clone();
        let now = ctx.now;
        tokio::task::spawn_blocking(move || pool.with_writer_tx(|tx| write::apply(tx, writes, now)))
            .await
            .map_err(|e| StoreError::Internal(format!("sqlite writer task: {e}")))?
    }

    async fn commit_with_outbox(
        &self,
        ctx: &RequestContext,
        writes: Vec<PendingWrite>,
        entries: Vec<OutboxEntry>,
    ) -> StoreResult<Vec<Committed>> {
        let pool = self.pool.clone();
        let now = ctx.now;
        tokio::task::spawn_blocking(move || {
            pool.with_writer_tx(|tx| {
                let out = write::apply(tx, writes, now)?;
                if !entries.is_empty() {
                    outbox::insert(tx, &entries, Some(&out))?;
                }
                Ok(out)
            })
        })
        .await
        .map_err(|e| StoreError::Internal(format!("sqlite writer task: {e}")))?
    }

    async fn enqueue(
        &self,
        _ctx: &RequestContext,
        entries: Vec<OutboxEntry>,
    ) -> StoreResult<usize> {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            pool.with_writer_tx(|tx| outbox::insert(tx, &entries, None))
        })
        .await
        .map_err(|e| StoreError::Internal(format!("sqlite writer task: {e}")))?
    }

    async fn outbox_due(
        &self,
        _ctx: &RequestContext,
        now_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |c| outbox::due(c, now_ms, limit)).await
    }

    async fn outbox_settle(
        &self,
        _ctx: &RequestContext,
        person: &str,
        item: &str,
        settle: Settle,
    ) -> StoreResult<bool> {
        let pool = self.pool.clone();
        let (person, item) = (person.to_string(), item.to_string());
        tokio::task::spawn_blocking(move || {
            pool.with_writer_tx(|tx| outbox::settle(tx, &person, &item, settle))
        })
        .await
        .map_err(|e| StoreError::Internal(format!("sqlite writer task: {e}")))?
    }

    async fn outbox_claim(
        &self,
        _ctx: &RequestContext,
        now_ms: i64,
        until_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let pool = self.pool.clone();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        tokio::task::spawn_blocking(move || {
            pool.with_writer_tx(|tx| outbox::claim(tx, now_ms, until_ms, limit))
        })
        .await
        .map_err(|e| StoreError::Internal(format!("sqlite writer task: {e}")))?
    }

    async fn outbox_of_patient(
        &self,
        _ctx: &RequestContext,
        patient_id: &str,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let patient_id = patient_id.to_string();
        self.read(move |c| outbox::of_patient(c, &patient_id)).await
    }

    async fn changes_after(
        &self,
        _ctx: &RequestContext,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<nordlys_store::subscriptions::Change>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |c| subs::changes_after(c, after, limit))
            .await
    }

    async fn subscription_cursor(&self, _ctx: &RequestContext) -> StoreResult<i64> {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || pool.with_writer_tx(|tx| subs::cursor(tx)))
            .await
            .map_err(|e| StoreError::Internal(format!("sqlite writer task: {e}")))?
    }

    async fn subscription_enqueue(
        &self,
        _ctx: &RequestContext,
        events: Vec<nordlys_store::subscriptions::SubEvent>,
        cursor: i64,
    ) -> StoreResult<()> {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            pool.with_writer_tx(|tx| subs::enqueue(tx, &events, cursor))
        })
        .await
        .map_err(|e| StoreError::Internal(format!("sqlite writer task: {e}")))?
    }

    async fn subscription_pending(
        &self,
        _ctx: &RequestContext,
        limit: usize,
    ) -> StoreResult<Vec<nordlys_store::subscriptions::SubEvent>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |c| subs::pending(c, limit)).await
    }

    async fn subscription_settle(
        &self,
        _ctx: &RequestContext,
        seqs: Vec<i64>,
        settle: nordlys_store::subscriptions::SubSettle,
    ) -> StoreResult<()> {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            pool.with_writer_tx(|tx| subs::settle(tx, &seqs, settle))
        })
        .await
        .map_err(|e| StoreError::Internal(format!("sqlite writer task: {e}")))?
    }
}
