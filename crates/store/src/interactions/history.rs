//! Instance, type and system history. Versions of items the principal may not see
//! are left out, exactly as in search; metadata-level ones are redacted.
use std::collections::HashMap;

use crate::audit::AuditAction;
use crate::context::RequestContext;
use crate::error::StoreResult;
use crate::model::{HistoryQuery, ItemColumns, ResourceKey, StoredResource};
use crate::service::FhirStore;

impl FhirStore {
    /// Instance, type or system history, newest first.
    pub async fn history(
        &self,
        ctx: &RequestContext,
        query: &HistoryQuery,
    ) -> StoreResult<Vec<StoredResource>> {
        if let Some(rt) = &query.resource_type {
            self.check_type(rt)?;
        }
        let mut q = query.clone();
        q.count = q.count.clamp(1, self.config.max_count);
        let wanted = q.count;
        let mut skip = query.offset;
        q.offset = 0;
        let mut gate = self.gate(ctx, std::iter::empty()).await?;
        // Filtering may drop rows, so read pages until the page is full or history ends.
        let mut out = Vec::with_capacity(wanted);
        loop {
            let rows = self.backend.history(ctx, &q).await?;
            let n = rows.len();
            // Older versions are seen no more than the current one (access/matching.rs).
            let current = self.current_columns(ctx, &rows).await?;
            self.extend_gate(
                ctx,
                &mut gate,
                rows.iter().map(|r| &r.columns).chain(current.values()),
            )
            .await?;
            for r in rows {
                let now = current.get(&r.key());
                let shaped = if r.deleted {
                    (gate.decide_version(&r.columns, now).level != nordlys_policy::Level::None)
                        .then_some(r)
                } else {
                    gate.shape_version(r, now)
                };
                let Some(r) = shaped else { continue };
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                if out.len() < wanted {
                    out.push(r);
                }
            }
            if out.len() >= wanted || n < q.count {
                self.log_access(ctx, AuditAction::History, out.iter())
                    .await?;
                return Ok(out);
            }
            q.offset += n;
        }
    }

    /// The current version's columns of each item among `rows` (deleted ones included).
    async fn current_columns(
        &self,
        ctx: &RequestContext,
        rows: &[StoredResource],
    ) -> StoreResult<HashMap<ResourceKey, ItemColumns>> {
        let mut keys: Vec<ResourceKey> = rows.iter().map(StoredResource::key).collect();
        keys.sort();
        keys.dedup();
        let mut out: HashMap<ResourceKey, ItemColumns> = self
            .backend
            .read_many(ctx, &keys)
            .await?
            .into_iter()
            .map(|s| (s.key(), s.columns))
            .collect();
        let deleted: Vec<ResourceKey> = keys.into_iter().filter(|k| !out.contains_key(k)).collect();
        for k in deleted {
            if let Some(s) = self.backend.read_current(ctx, &k).await? {
                out.insert(k, s.columns);
            }
        }
        Ok(out)
    }
}
