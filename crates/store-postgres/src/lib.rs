//! The production store: PostgreSQL through a pool of tokio-postgres connections.
//!
//! Why this shape: it must answer exactly like the embedded SQLite store, so it uses
//! the same tables (`schema.rs` mirrors SQLite's layout, with byte-order collation)
//! and the same statements from `nordlys-store-sql`; only placeholders (`$n`),
//! binding and transactions are its own. Unlike SQLite, many writers run at once, so
//! writes lock the rows they change and map races to 409 (`write.rs`).

mod chain;
mod conn;
mod decide;
mod index;
mod outbox;
mod pipeline;
mod schema;
mod subs;
mod write;

use async_trait::async_trait;
use deadpool_postgres::Pool;
use nordlys_store::audit::ChainLink;
use nordlys_store::backend::Hit;
use nordlys_store::{
    Backend, Committed, HistoryQuery, OutboxEntry, PendingWrite, RequestContext, ResourceKey,
    SearchPlan, Settle, StoreResult, StoredResource,
};
use nordlys_store_sql::{statements, Dialect, Query};

/// PostgreSQL placeholders: `$1`, `$2`, …
pub(crate) struct Postgres;

impl Dialect for Postgres {
    fn placeholder(&self, n: usize) -> String {
        format!("${n}")
    }
}

/// Keys per statement for `read_many` and includes, like the SQLite backend (results
/// are concatenated per chunk, so the order matches too).
const KEY_CHUNK: usize = 400;

/// The PostgreSQL backend. Cloning shares the pool.
#[derive(Clone)]
pub struct PostgresBackend {
    pool: Pool,
    /// The subscription feed's open probes (subs::Horizon), shared by clones.
    horizon: std::sync::Arc<std::sync::Mutex<subs::Horizon>>,
}

impl PostgresBackend {
    /// Builds the connection pool for `url` (`postgres://user@host:port/db`, no TLS)
    /// and checks that the server answers, so a wrong address fails at start.
    pub async fn connect(url: &str) -> StoreResult<PostgresBackend> {
        let pool = conn::pool(url)?;
        let client = conn::client(&pool).await?;
        client
            .simple_query("SELECT 1")
            .await
            .map_err(conn::internal)?;
        drop(client);
        Ok(PostgresBackend {
            pool,
            horizon: std::sync::Arc::default(),
        })
    }

    /// The schema version the database has reached (0 before the first `migrate`).
    pub async fn schema_version(&self) -> StoreResult<i64> {
        schema::version(&conn::client(&self.pool).await?).await
    }

    /// The newest schema version this build can migrate to.
    pub fn latest_schema_version() -> i64 {
        schema::latest()
    }

    async fn run(&self, q: &Query) -> StoreResult<Vec<tokio_postgres::Row>> {
        let client = conn::client(&self.pool).await?;
        conn::query(&client, q).await
    }

    async fn versions(&self, q: &Query) -> StoreResult<Vec<StoredResource>> {
        conn::versions(&self.run(q).await?)
    }

    async fn hits(&self, q: &Query) -> StoreResult<Vec<Hit>> {
        conn::hits(&self.run(q).await?)
    }

    /// One version by a fixed statement (prepared once per connection).
    async fn read_one(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> StoreResult<Option<StoredResource>> {
        let client = conn::client(&self.pool).await?;
        let st = client.prepare_cached(sql).await.map_err(conn::internal)?;
        let row = client
            .query_opt(&st, params)
            .await
            .map_err(conn::internal)?;
        row.map(|r| conn::version_row(&r, 0).map_err(conn::internal))
            .transpose()
    }
}

#[async_trait]
impl Backend for PostgresBackend {
    fn name(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> StoreResult<()> {
        let mut client = conn::client(&self.pool).await?;
        schema::migrate(&mut client).await
    }

    async fn read_current(
        &self,
        _ctx: &RequestContext,
        key: &ResourceKey,
    ) -> StoreResult<Option<StoredResource>> {
        self.read_one(
            &statements::read_current(&Postgres),
            &[&key.resource_type, &key.id],
        )
        .await
    }

    async fn read_version(
        &self,
        _ctx: &RequestContext,
        key: &ResourceKey,
        version: i64,
    ) -> StoreResult<Option<StoredResource>> {
        self.read_one(
            &statements::read_version(&Postgres),
            &[&key.resource_type, &key.id, &version],
        )
        .await
    }

    async fn read_many(
        &self,
        _ctx: &RequestContext,
        keys: &[ResourceKey],
    ) -> StoreResult<Vec<StoredResource>> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(KEY_CHUNK) {
            out.extend(
                self.versions(&statements::read_many(&Postgres, chunk))
                    .await?,
            );
        }
        Ok(out)
    }

    async fn history(
        &self,
        _ctx: &RequestContext,
        query: &HistoryQuery,
    ) -> StoreResult<Vec<StoredResource>> {
        self.versions(&statements::history(&Postgres, query)).await
    }

    async fn search(&self, _ctx: &RequestContext, plan: &SearchPlan) -> StoreResult<Vec<Hit>> {
        self.hits(&nordlys_store_sql::search_query(&Postgres, plan))
            .await
    }

    async fn referenced_by(
        &self,
        _ctx: &RequestContext,
        sources: &[ResourceKey],
        params: &[String],
    ) -> StoreResult<Vec<Hit>> {
        let mut out = Vec::new();
        for chunk in sources.chunks(KEY_CHUNK) {
            out.extend(
                self.hits(&nordlys_store_sql::include_query(&Postgres, chunk, params))
                    .await?,
            );
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
        for chunk in targets.chunks(KEY_CHUNK) {
            out.extend(
                self.hits(&nordlys_store_sql::revinclude_query(
                    &Postgres,
                    chunk,
                    source_type,
                    param,
                ))
                .await?,
            );
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
        let client = conn::client(&self.pool).await?;
        let st = client
            .prepare_cached(&statements::audit_chain(&Postgres))
            .await
            .map_err(conn::internal)?;
        let rows = client
            .query(&st, &[&after, &limit])
            .await
            .map_err(conn::internal)?;
        rows.iter()
            .map(|r| {
                Ok(ChainLink {
                    seq: r.try_get(0)?,
                    event_id: r.try_get(1)?,
                    prev_hash: r.try_get(2)?,
                    hash: r.try_get(3)?,
                    body: r.try_get(4)?,
                    edited: r.try_get::<_, Option<i64>>(5)?.unwrap_or(0) > 1,
                })
            })
            .collect::<Result<Vec<_>, tokio_postgres::Error>>()
            .map_err(conn::internal)
    }

    async fn commit(
        &self,
        _ctx: &RequestContext,
        writes: Vec<PendingWrite>,
    ) -> StoreResult<Vec<Committed>> {
        write::commit(&self.pool, &writes, &[]).await
    }

    async fn commit_with_outbox(
        &self,
        _ctx: &RequestContext,
        writes: Vec<PendingWrite>,
        entries: Vec<OutboxEntry>,
    ) -> StoreResult<Vec<Committed>> {
        write::commit(&self.pool, &writes, &entries).await
    }

    async fn enqueue(
        &self,
        _ctx: &RequestContext,
        entries: Vec<OutboxEntry>,
    ) -> StoreResult<usize> {
        let client = conn::client(&self.pool).await?;
        outbox::insert(&client, &entries, None)
            .await
            .map_err(conn::internal)
    }

    async fn outbox_due(
        &self,
        _ctx: &RequestContext,
        now_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        outbox::due(&conn::client(&self.pool).await?, now_ms, limit).await
    }

    async fn outbox_settle(
        &self,
        _ctx: &RequestContext,
        person: &str,
        item: &str,
        settle: Settle,
    ) -> StoreResult<bool> {
        outbox::settle(&conn::client(&self.pool).await?, person, item, settle).await
    }

    async fn outbox_claim(
        &self,
        _ctx: &RequestContext,
        now_ms: i64,
        until_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        outbox::claim(&conn::client(&self.pool).await?, now_ms, until_ms, limit).await
    }

    async fn outbox_of_patient(
        &self,
        _ctx: &RequestContext,
        patient_id: &str,
    ) -> StoreResult<Vec<OutboxEntry>> {
        outbox::of_patient(&conn::client(&self.pool).await?, patient_id).await
    }

    async fn changes_after(
        &self,
        _ctx: &RequestContext,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<nordlys_store::subscriptions::Change>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        subs::changes_after(&self.pool, after, limit).await
    }

    async fn changes_settled(&self, _ctx: &RequestContext) -> StoreResult<Option<i64>> {
        subs::settled(&self.pool, &self.horizon).await.map(Some)
    }

    async fn subscription_cursor(&self, _ctx: &RequestContext) -> StoreResult<i64> {
        subs::cursor(&self.pool).await
    }

    async fn subscription_enqueue(
        &self,
        _ctx: &RequestContext,
        events: Vec<nordlys_store::subscriptions::SubEvent>,
        cursor: i64,
    ) -> StoreResult<()> {
        subs::enqueue(&self.pool, &events, cursor).await
    }

    async fn subscription_pending(
        &self,
        _ctx: &RequestContext,
        limit: usize,
    ) -> StoreResult<Vec<nordlys_store::subscriptions::SubEvent>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        subs::pending(&self.pool, limit).await
    }

    async fn subscription_settle(
        &self,
        _ctx: &RequestContext,
        seqs: Vec<i64>,
        settle: nordlys_store::subscriptions::SubSettle,
    ) -> StoreResult<()> {
        subs::settle(&self.pool, &seqs, settle).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered() {
        assert_eq!(Postgres.placeholder(1), "$1");
        assert_eq!(
            statements::read_current(&Postgres),
            format!(
                "SELECT {} FROM resources WHERE res_type = $1 AND res_id = $2",
                statements::VERSION_COLUMNS
            )
        );
    }
}
