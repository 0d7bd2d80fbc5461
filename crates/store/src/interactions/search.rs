//! `search` with paging, totals and `_include`/`_revinclude` (with `:iterate`).
//!
//! Why the policy runs before paging: counts, totals and page boundaries must be
//! computed over what the principal may see, or a count would reveal hidden items.
//! The backend returns every hit with its policy columns (no bodies), the gate keeps
//! the visible ones, and only the page's bodies are fetched — then shaped (metadata
//! items redacted) by the same gate.
use std::collections::{HashMap, HashSet};

use crate::access::AccessGate;
use crate::audit::AuditAction;
use crate::backend::Hit;
use crate::context::RequestContext;
use crate::error::StoreResult;
use crate::model::{ResourceKey, StoredResource};
use crate::search::result::{IncludeSpec, SearchResult};
use crate::search::SearchRequest;
use crate::service::FhirStore;

/// How many rounds `:iterate` follows at most (guards against cycles and blow-up).
const MAX_ITERATE: usize = 4;

impl FhirStore {
    /// Bodies of `keys`, in the order of `keys`, shaped by the gate (hidden ones left out).
    pub(crate) async fn shaped_bodies(
        &self,
        ctx: &RequestContext,
        gate: &AccessGate,
        keys: &[ResourceKey],
    ) -> StoreResult<Vec<StoredResource>> {
        let fetched = self.backend.read_many(ctx, keys).await?;
        let mut by_key: HashMap<ResourceKey, StoredResource> =
            fetched.into_iter().map(|r| (r.key(), r)).collect();
        Ok(keys
            .iter()
            .filter_map(|k| by_key.remove(k))
            .filter_map(|s| gate.shape(s))
            .collect())
    }

    /// `GET [type]?…` / `POST [type]/_search`.
    pub async fn search(
        &self,
        ctx: &RequestContext,
        request: &SearchRequest,
    ) -> StoreResult<SearchResult> {
        self.check_type(&request.plan.resource_type)?;
        let is_directory =
            nordlys_policy::DIRECTORY_TYPES.contains(&request.plan.resource_type.as_str());
        if matches!(
            ctx.principal,
            nordlys_policy::Principal::Practitioner { purpose: None, .. }
        ) && !is_directory
        {
            // § 9: searching patient data without an asserted care relationship is
            // refused as a whole (reads of single items answer 404). Refused whatever
            // the data holds: a 403 that depended on hidden matches would reveal them.
            return Err(crate::error::StoreError::Forbidden(
                "searching patient data needs a care relationship (purpose of use TREAT, ETREAT or COC)".into(),
            ));
        }
        let mut gate = self.gate(ctx, std::iter::empty()).await?;
        // Chains and `_has` match only through items this principal may match (access/matching.rs).
        let plan = self.gate_links(ctx, &mut gate, &request.plan).await?;
        let hits = self.backend.search(ctx, &plan).await?;
        let params = crate::access::clause_params(&plan.clauses);
        let visible: Vec<Hit> = self.keep_matchable(ctx, &mut gate, hits, &params).await?;
        let visible = self.unsort_masked(ctx, &gate, visible, &plan.sort).await?;
        let total = visible.len();
        if request.summary_count {
            return Ok(SearchResult {
                matches: Vec::new(),
                included: Vec::new(),
                total: Some(total),
                has_next: false,
            });
        }
        let page: Vec<ResourceKey> = visible
            .iter()
            .skip(request.offset)
            .take(request.count)
            .map(|h| h.key.clone())
            .collect();
        let has_next = request.offset.saturating_add(request.count) < total;
        let matches = self.shaped_bodies(ctx, &gate, &page).await?;
        let included = self.includes(ctx, &mut gate, request, &matches).await?;
        self.log_access(
            ctx,
            AuditAction::Search,
            matches.iter().chain(included.iter()),
        )
        .await?;
        let total = match request.total {
            crate::search::TotalMode::None => None,
            crate::search::TotalMode::Accurate => Some(total),
        };
        Ok(SearchResult {
            matches,
            included,
            total,
            has_next,
        })
    }

    async fn includes(
        &self,
        ctx: &RequestContext,
        gate: &mut AccessGate,
        request: &SearchRequest,
        matches: &[StoredResource],
    ) -> StoreResult<Vec<StoredResource>> {
        if request.include.is_empty() && request.revinclude.is_empty() {
            return Ok(Vec::new());
        }
        let mut seen: HashSet<ResourceKey> = matches.iter().map(StoredResource::key).collect();
        let mut included: Vec<StoredResource> = Vec::new();
        let mut frontier: Vec<ResourceKey> = matches.iter().map(StoredResource::key).collect();
        for round in 0..=MAX_ITERATE {
            let mut found: Vec<Hit> = Vec::new();
            // Only references the principal can see are followed (access/matching.rs).
            for spec in request.include.iter().filter(|s| round == 0 || s.iterate) {
                let sources = self.followable(ctx, gate, &frontier, &spec.param).await?;
                found.extend(self.follow_include(ctx, spec, &sources).await?);
            }
            for spec in request
                .revinclude
                .iter()
                .filter(|s| round == 0 || s.iterate)
            {
                let hits = self
                    .backend
                    .referencing(ctx, &frontier, &spec.source_type, &spec.param)
                    .await?;
                found.extend(
                    self.keep_matchable(ctx, gate, hits, std::slice::from_ref(&spec.param))
                        .await?,
                );
            }
            self.extend_gate(ctx, gate, found.iter().map(|h| &h.columns))
                .await?;
            let fresh: Vec<ResourceKey> = found
                .into_iter()
                .filter(|h| gate.visible(&h.columns))
                .map(|h| h.key)
                .filter(|k| seen.insert(k.clone()))
                .collect();
            if fresh.is_empty() {
                break;
            }
            included.extend(self.shaped_bodies(ctx, gate, &fresh).await?);
            frontier = fresh;
        }
        Ok(included)
    }

    async fn follow_include(
        &self,
        ctx: &RequestContext,
        spec: &IncludeSpec,
        frontier: &[ResourceKey],
    ) -> StoreResult<Vec<Hit>> {
        let sources: Vec<ResourceKey> = frontier
            .iter()
            .filter(|k| spec.source_type == "*" || k.resource_type == spec.source_type)
            .cloned()
            .collect();
        if sources.is_empty() {
            return Ok(Vec::new());
        }
        let params = if spec.param == "*" {
            Vec::new()
        } else {
            vec![spec.param.clone()]
        };
        let hits = self.backend.referenced_by(ctx, &sources, &params).await?;
        Ok(hits
            .into_iter()
            .filter(|h| {
                spec.target_type
                    .as_ref()
                    .is_none_or(|t| &h.key.resource_type == t)
            })
            .collect())
    }
}
