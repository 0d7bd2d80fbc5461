//! Instance, type and system history. Versions of items the principal may not see
//! are left out, exactly as in search; metadata-level ones are redacted.
use crate::audit::AuditAction;
use crate::context::RequestContext;
use crate::error::StoreResult;
use crate::model::{HistoryQuery, StoredResource};
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
            self.extend_gate(ctx, &mut gate, rows.iter().map(|r| &r.columns))
                .await?;
            for r in rows {
                let shaped = if r.deleted {
                    gate.visible(&r.columns).then_some(r)
                } else {
                    gate.shape(r)
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
}
