//! [`FhirStore`]: the FHIR interactions over any [`Backend`], with validation,
//! indexing, the access policy and paging in one place.
use std::sync::Arc;

use crate::access::{PolicyCache, ViewCache};
use crate::audit::sink::AuditSink;
use crate::backend::Backend;
use crate::error::StoreResult;
use crate::model::StoredResource;
use crate::search::SearchRequest;

/// Settings of the generic layer.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// Default page size of searches and history.
    pub default_count: usize,
    /// Largest page size a client may ask for.
    pub max_count: usize,
    /// The region's access-policy settings (deferral days, paediatric units…).
    pub policy: nordlys_policy::PolicyConfig,
    /// Decide what a write opened right after its commit (default). `false` leaves
    /// it to the scheduler (within its interval plus 30 s): for bulk writers that
    /// must not wait, and for tests of the crash path.
    pub inline_follow_up: bool,
    /// Days after a letter became visible to a person until they are reminded of it
    /// if nobody has read it (`letter-reminder`, crate::notify::reminder); 0 = never.
    pub letter_reminder_days: u32,
    /// Which rest-hook endpoints Subscriptions may name besides `https://` to public
    /// hosts (crate::subscriptions::endpoint); nothing more by default.
    pub subscription_endpoints: crate::subscriptions::EndpointRule,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            default_count: 50,
            max_count: 1000,
            policy: nordlys_policy::PolicyConfig::default(),
            inline_follow_up: true,
            letter_reminder_days: 7,
            subscription_endpoints: crate::subscriptions::EndpointRule::default(),
        }
    }
}

/// What a create or update did.
#[derive(Debug, Clone)]
pub enum WriteOutcome {
    /// A new resource (201).
    Created(StoredResource),
    /// A new version of an existing resource (200).
    Updated(StoredResource),
    /// Nothing written: a conditional create matched, or the content was unchanged (200).
    Unchanged(StoredResource),
}

impl WriteOutcome {
    pub fn stored(&self) -> &StoredResource {
        match self {
            WriteOutcome::Created(r) | WriteOutcome::Updated(r) | WriteOutcome::Unchanged(r) => r,
        }
    }
}

/// Counts of an import run, and the records that could not be stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub written: usize,
    pub unchanged: usize,
    /// `(position in the given batch, reason)` for each record left out.
    pub failed: Vec<(usize, String)>,
}

/// The FHIR store: cheap to clone, shared by all requests.
#[derive(Clone)]
pub struct FhirStore {
    pub(crate) backend: Arc<dyn Backend>,
    pub(crate) config: StoreConfig,
    pub(crate) audit: Arc<AuditSink>,
    pub(crate) policy: Arc<PolicyCache>,
    pub(crate) views: Arc<ViewCache>,
    /// Signalled after every committed batch: wakes the subscription matcher
    /// (crate::subscriptions), which then reads the change feed.
    pub(crate) committed: Arc<tokio::sync::Notify>,
}

impl FhirStore {
    pub fn new(backend: Arc<dyn Backend>, config: StoreConfig) -> Self {
        let audit = Arc::new(AuditSink::new(backend.clone()));
        let policy = Arc::new(PolicyCache::new(config.policy.clone()));
        let views = Arc::new(ViewCache::new(std::time::Duration::from_secs(5), 20_000));
        FhirStore {
            backend,
            config,
            audit,
            policy,
            views,
            committed: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Signalled after every committed batch (see [`crate::subscriptions`]).
    pub fn committed(&self) -> Arc<tokio::sync::Notify> {
        self.committed.clone()
    }

    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// The same store (same backend, caches and log) with another inline follow-up
    /// setting (see [`StoreConfig::inline_follow_up`]).
    pub fn with_inline_follow_up(&self, on: bool) -> FhirStore {
        let mut s = self.clone();
        s.config.inline_follow_up = on;
        s
    }

    /// The same store with another letter reminder delay (see
    /// [`StoreConfig::letter_reminder_days`]).
    pub fn with_letter_reminder_days(&self, days: u32) -> FhirStore {
        let mut s = self.clone();
        s.config.letter_reminder_days = days;
        s
    }

    /// The same store with another rest-hook endpoint rule (see
    /// [`StoreConfig::subscription_endpoints`]).
    pub fn with_subscription_endpoints(
        &self,
        rule: crate::subscriptions::EndpointRule,
    ) -> FhirStore {
        let mut s = self.clone();
        s.config.subscription_endpoints = rule;
        s
    }

    /// The rest-hook endpoint rule in force.
    pub fn subscription_endpoints(&self) -> crate::subscriptions::EndpointRule {
        self.config.subscription_endpoints
    }

    /// Commits a batch with its notifications (§ 11, [`crate::notify`]): entries for
    /// the batch's items in the same transaction, and what the batch opened decided
    /// again after it. Writes of Organizations refresh the policy's unit list.
    pub(crate) async fn commit_writes(
        &self,
        ctx: &crate::context::RequestContext,
        writes: Vec<crate::model::PendingWrite>,
    ) -> StoreResult<Vec<crate::backend::Committed>> {
        let (mut outbox, follow) = self.plan_notifications(ctx, &writes).await?;
        // Committed with the batch, so what it opened is decided even if this process
        // stops right after the commit (crate::notify::decide).
        let markers = follow.markers(ctx.now.timestamp_millis());
        outbox.extend(markers.iter().cloned());
        let out = self.commit_quietly(ctx, writes, outbox).await;
        if out.is_ok() && self.config.inline_follow_up {
            self.notify_after_commit(ctx, follow, &markers).await;
        }
        out
    }

    /// Commits a batch without deciding notifications (bulk import and migration must
    /// not notify); `outbox` is queued in the same transaction.
    pub(crate) async fn commit_quietly(
        &self,
        ctx: &crate::context::RequestContext,
        writes: Vec<crate::model::PendingWrite>,
        outbox: Vec<crate::notify::OutboxEntry>,
    ) -> StoreResult<Vec<crate::backend::Committed>> {
        let touches_units = writes.iter().any(|w| w.resource_type == "Organization");
        let touched: Vec<(String, Option<String>)> = writes
            .iter()
            .map(|w| (w.resource_type.clone(), w.columns.patient_id.clone()))
            .collect();
        let out = self.backend.commit_with_outbox(ctx, writes, outbox).await;
        // Dropped after the commit: a request that loaded the view before it sees the
        // change on its next load, never an older view cached after the change.
        self.views
            .invalidate(touched.iter().map(|(t, p)| (t.as_str(), p.as_deref())));
        if touches_units {
            self.policy.invalidate();
        }
        if out.is_ok() {
            self.committed.notify_one();
        }
        out
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        self.backend.migrate().await
    }

    /// Parses a search query (`[(name, value)]` as in the URL or the `_search` form body).
    /// `lenient` ignores unknown parameters (`Prefer: handling=lenient`).
    pub fn parse_search(
        &self,
        resource_type: &str,
        params: &[(String, String)],
        lenient: bool,
    ) -> StoreResult<SearchRequest> {
        crate::search::parse_search(resource_type, params, lenient, &self.config)
    }
}
