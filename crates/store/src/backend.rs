//! The trait a database implements. One implementation per crate
//! (`store-sqlite`, `store-postgres`), chosen once in `main`.
//!
//! A backend is deliberately dumb: it stores versions and index rows atomically and
//! answers plans. It never decides access; it returns the policy columns with each
//! hit so that [`crate::FhirStore`] can decide per item without a second round trip.
//! Every method takes the [`RequestContext`] so that a backend can tag statements
//! (e.g. `application_name`) and so that no call path exists without one.
use async_trait::async_trait;

use crate::audit::ChainLink;
use crate::context::RequestContext;
use crate::error::StoreResult;
use crate::model::{HistoryQuery, ItemColumns, PendingWrite, ResourceKey, StoredResource};
use crate::notify::{OutboxEntry, Settle};
use crate::search::SearchPlan;
use crate::subscriptions::{Change, SubEvent, SubSettle};

/// The outcome of one write of a commit.
#[derive(Debug, Clone, PartialEq)]
pub struct Committed {
    /// The version that is current after the commit.
    pub stored: StoredResource,
    /// `false` when nothing was written (unchanged content, or deleting what was gone).
    pub changed: bool,
}

/// One search hit before policy: its key and the facts the policy needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub key: ResourceKey,
    pub columns: ItemColumns,
}

#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Short name for logs and metrics (`sqlite`, `postgres`).
    fn name(&self) -> &'static str;

    /// Brings the schema up to date; safe to run again.
    async fn migrate(&self) -> StoreResult<()>;

    /// The current version (possibly a delete marker), or `None` if the id was never used.
    async fn read_current(
        &self,
        ctx: &RequestContext,
        key: &ResourceKey,
    ) -> StoreResult<Option<StoredResource>>;

    /// One version, or `None`.
    async fn read_version(
        &self,
        ctx: &RequestContext,
        key: &ResourceKey,
        version: i64,
    ) -> StoreResult<Option<StoredResource>>;

    /// Current, non-deleted versions of many keys (order not guaranteed; missing ones left out).
    async fn read_many(
        &self,
        ctx: &RequestContext,
        keys: &[ResourceKey],
    ) -> StoreResult<Vec<StoredResource>>;

    /// History, newest first.
    async fn history(
        &self,
        ctx: &RequestContext,
        query: &HistoryQuery,
    ) -> StoreResult<Vec<StoredResource>>;

    /// All current, non-deleted resources matching the plan, in the plan's order.
    async fn search(&self, ctx: &RequestContext, plan: &SearchPlan) -> StoreResult<Vec<Hit>>;

    /// Targets of the reference parameters `params` of the given resources
    /// (`_include`); `params` empty means every reference parameter.
    async fn referenced_by(
        &self,
        ctx: &RequestContext,
        sources: &[ResourceKey],
        params: &[String],
    ) -> StoreResult<Vec<Hit>>;

    /// Resources of `source_type` whose reference parameter `param` points at one of
    /// `targets` (`_revinclude`).
    async fn referencing(
        &self,
        ctx: &RequestContext,
        targets: &[ResourceKey],
        source_type: &str,
        param: &str,
    ) -> StoreResult<Vec<Hit>>;

    /// Links of the access-log hash chain with `seq > after`, in order, at most `limit`.
    async fn audit_chain(
        &self,
        ctx: &RequestContext,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<ChainLink>>;

    /// Applies all writes in one transaction, or none: each precondition is checked
    /// inside it. Returns, in order, the version each write left current.
    async fn commit(
        &self,
        ctx: &RequestContext,
        writes: Vec<PendingWrite>,
    ) -> StoreResult<Vec<Committed>>;

    /// [`Backend::commit`], and in the same transaction queues the outbox entries
    /// (`ON CONFLICT (person, item)`: at most one per person and item, an undelivered
    /// one moved earlier or reopened, see [`crate::notify`]). Entries whose item the
    /// commit left unchanged are not queued.
    async fn commit_with_outbox(
        &self,
        ctx: &RequestContext,
        writes: Vec<PendingWrite>,
        outbox: Vec<OutboxEntry>,
    ) -> StoreResult<Vec<Committed>>;

    /// Queues entries on their own (same conflict rule); returns how many rows were
    /// inserted or changed.
    async fn enqueue(&self, ctx: &RequestContext, outbox: Vec<OutboxEntry>) -> StoreResult<usize>;

    /// Entries due at `now_ms` that are neither ready, delivered nor withdrawn,
    /// earliest first, at most `limit`.
    async fn outbox_due(
        &self,
        ctx: &RequestContext,
        now_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<OutboxEntry>>;

    /// Records what happened to one undelivered entry; `false` if there was none.
    async fn outbox_settle(
        &self,
        ctx: &RequestContext,
        person: &str,
        item: &str,
        settle: Settle,
    ) -> StoreResult<bool>;

    /// Claims up to `limit` ready, undelivered entries whose next attempt is due at
    /// `now_ms` for one deliverer until `until_ms` (their `next_attempt`), atomically:
    /// concurrent claims never return the same entry within a lease.
    async fn outbox_claim(
        &self,
        ctx: &RequestContext,
        now_ms: i64,
        until_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<OutboxEntry>>;

    /// Every entry about the patient's items, by person and item.
    async fn outbox_of_patient(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
    ) -> StoreResult<Vec<OutboxEntry>>;

    /// The change feed: committed versions with `seq > after` (`resource_versions`), in
    /// `seq` order, at most `limit` (crate::subscriptions).
    async fn changes_after(
        &self,
        ctx: &RequestContext,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<Change>>;

    /// The highest `seq` below which no write can still appear in the change feed
    /// (every transaction that took a number up to it has ended), or `None` when the
    /// backend never shows a gap (one writer, numbers in commit order). The matcher
    /// calls it before [`Backend::changes_after`] and passes a gap only below it.
    async fn changes_settled(&self, _ctx: &RequestContext) -> StoreResult<Option<i64>> {
        Ok(None)
    }

    /// The subscription matcher's cursor; the first call sets it to the end of the feed.
    async fn subscription_cursor(&self, ctx: &RequestContext) -> StoreResult<i64>;

    /// In one transaction: queues `events` (a duplicate (subscription, type, id,
    /// version) is ignored) and moves the matcher's cursor to `cursor`.
    async fn subscription_enqueue(
        &self,
        ctx: &RequestContext,
        events: Vec<SubEvent>,
        cursor: i64,
    ) -> StoreResult<()>;

    /// Undelivered, undropped events in queue order, at most `limit`.
    async fn subscription_pending(
        &self,
        ctx: &RequestContext,
        limit: usize,
    ) -> StoreResult<Vec<SubEvent>>;

    /// Records what happened to these events, in one transaction.
    async fn subscription_settle(
        &self,
        ctx: &RequestContext,
        seqs: Vec<i64>,
        settle: SubSettle,
    ) -> StoreResult<()>;
}
