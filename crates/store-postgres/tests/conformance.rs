//! The storage conformance suite on PostgreSQL: each scenario on its own fresh
//! database, dropped when the store is.
use std::sync::Arc;

use async_trait::async_trait;
use nordlys_store::audit::ChainLink;
use nordlys_store::backend::Hit;
use nordlys_store::{
    Backend, Committed, FhirStore, HistoryQuery, OutboxEntry, PendingWrite, RequestContext,
    ResourceKey, SearchPlan, Settle, StoreConfig, StoreResult, StoredResource,
};
use nordlys_store_postgres::PostgresBackend;
use nordlys_testkit::postgres::{fresh_database, DropGuard};

/// The backend plus the guard of its database: the suite only hands back a
/// `FhirStore`, so the guard rides along and drops the database with the store.
struct Owned {
    inner: PostgresBackend,
    _guard: DropGuard,
}

#[async_trait]
impl Backend for Owned {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn migrate(&self) -> StoreResult<()> {
        self.inner.migrate().await
    }
    async fn read_current(
        &self,
        ctx: &RequestContext,
        key: &ResourceKey,
    ) -> StoreResult<Option<StoredResource>> {
        self.inner.read_current(ctx, key).await
    }
    async fn read_version(
        &self,
        ctx: &RequestContext,
        key: &ResourceKey,
        version: i64,
    ) -> StoreResult<Option<StoredResource>> {
        self.inner.read_version(ctx, key, version).await
    }
    async fn read_many(
        &self,
        ctx: &RequestContext,
        keys: &[ResourceKey],
    ) -> StoreResult<Vec<StoredResource>> {
        self.inner.read_many(ctx, keys).await
    }
    async fn history(
        &self,
        ctx: &RequestContext,
        query: &HistoryQuery,
    ) -> StoreResult<Vec<StoredResource>> {
        self.inner.history(ctx, query).await
    }
    async fn search(&self, ctx: &RequestContext, plan: &SearchPlan) -> StoreResult<Vec<Hit>> {
        self.inner.search(ctx, plan).await
    }
    async fn referenced_by(
        &self,
        ctx: &RequestContext,
        sources: &[ResourceKey],
        params: &[String],
    ) -> StoreResult<Vec<Hit>> {
        self.inner.referenced_by(ctx, sources, params).await
    }
    async fn referencing(
        &self,
        ctx: &RequestContext,
        targets: &[ResourceKey],
        source_type: &str,
        param: &str,
    ) -> StoreResult<Vec<Hit>> {
        self.inner
            .referencing(ctx, targets, source_type, param)
            .await
    }
    async fn audit_chain(
        &self,
        ctx: &RequestContext,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<ChainLink>> {
        self.inner.audit_chain(ctx, after, limit).await
    }
    async fn commit(
        &self,
        ctx: &RequestContext,
        writes: Vec<PendingWrite>,
    ) -> StoreResult<Vec<Committed>> {
        self.inner.commit(ctx, writes).await
    }
    async fn commit_with_outbox(
        &self,
        ctx: &RequestContext,
        writes: Vec<PendingWrite>,
        outbox: Vec<OutboxEntry>,
    ) -> StoreResult<Vec<Committed>> {
        self.inner.commit_with_outbox(ctx, writes, outbox).await
    }
    async fn enqueue(&self, ctx: &RequestContext, outbox: Vec<OutboxEntry>) -> StoreResult<usize> {
        self.inner.enqueue(ctx, outbox).await
    }
    async fn outbox_due(
        &self,
        ctx: &RequestContext,
        now_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<OutboxEntry>> {
        self.inner.outbox_due(ctx, now_ms, limit).await
    }
    async fn outbox_settle(
        &self,
        ctx: &RequestContext,
        person: &str,
        item: &str,
        settle: Settle,
    ) -> StoreResult<bool> {
        self.inner.outbox_settle(ctx, person, item, settle).await
    }
    async fn outbox_claim(
        &self,
        ctx: &RequestContext,
        now_ms: i64,
        until_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<OutboxEntry>> {
        self.inner.outbox_claim(ctx, now_ms, until_ms, limit).await
    }
    async fn outbox_of_patient(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
    ) -> StoreResult<Vec<OutboxEntry>> {
        self.inner.outbox_of_patient(ctx, patient_id).await
    }
    async fn changes_after(
        &self,
        ctx: &RequestContext,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<nordlys_store::subscriptions::Change>> {
        self.inner.changes_after(ctx, after, limit).await
    }
    async fn subscription_cursor(&self, ctx: &RequestContext) -> StoreResult<i64> {
        self.inner.subscription_cursor(ctx).await
    }
    async fn changes_settled(&self, ctx: &RequestContext) -> StoreResult<Option<i64>> {
        self.inner.changes_settled(ctx).await
    }
    async fn subscription_enqueue(
        &self,
        ctx: &RequestContext,
        events: Vec<nordlys_store::subscriptions::SubEvent>,
        cursor: i64,
    ) -> StoreResult<()> {
        self.inner.subscription_enqueue(ctx, events, cursor).await
    }
    async fn subscription_pending(
        &self,
        ctx: &RequestContext,
        limit: usize,
    ) -> StoreResult<Vec<nordlys_store::subscriptions::SubEvent>> {
        self.inner.subscription_pending(ctx, limit).await
    }
    async fn subscription_settle(
        &self,
        ctx: &RequestContext,
        seqs: Vec<i64>,
        settle: nordlys_store::subscriptions::SubSettle,
    ) -> StoreResult<()> {
        self.inner.subscription_settle(ctx, seqs, settle).await
    }
}

async fn fresh() -> FhirStore {
    let (url, guard) = fresh_database().await;
    let inner = PostgresBackend::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e:?}"));
    let store = FhirStore::new(
        Arc::new(Owned {
            inner,
            _guard: guard,
        }),
        StoreConfig::default(),
    );
    store
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("migrate: {e:?}"));
    store
}

nordlys_testkit::conformance_tests!(fresh());
