//! Instance, type and system history. Versions of items the principal may not see
//! are left out, exactly as in search.
use crate::access::{Access, AccessGate};
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
        let gate = AccessGate::new(ctx);
        // Filtering may drop rows, so read pages until the page is full or history ends.
        let mut out = Vec::with_capacity(q.count);
        let wanted = q.count;
        let mut skip = query.offset;
        q.offset = 0;
        loop {
            let rows = self.backend.history(ctx, &q).await?;
            let n = rows.len();
            for r in rows {
                if gate.level(&r.columns) == Access::None {
                    continue;
                }
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
