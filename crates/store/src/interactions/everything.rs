//! `Patient/[id]/$everything`: the patient and every item of its compartment the
//! principal may see — the same gate as every other path.
use crate::audit::AuditAction;
use crate::context::RequestContext;
use crate::error::StoreResult;
use crate::model::StoredResource;
use crate::search::{Clause, SearchPlan, ANY_TYPE};
use crate::service::FhirStore;

impl FhirStore {
    /// The patient first, then the compartment in storage order.
    pub async fn everything(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
    ) -> StoreResult<Vec<StoredResource>> {
        let patient = self.read(ctx, "Patient", patient_id).await?;
        let plan = SearchPlan {
            resource_type: ANY_TYPE.to_string(),
            clauses: vec![Clause::Compartment(patient_id.to_string())],
            sort: Vec::new(),
        };
        let hits = self.backend.search(ctx, &plan).await?;
        let keys: Vec<_> = self
            .visible(ctx, hits)
            .into_iter()
            .map(|h| h.key)
            .filter(|k| !(k.resource_type == "Patient" && k.id == patient_id))
            .collect();
        let mut out = vec![patient];
        out.extend(self.bodies(ctx, &keys).await?);
        self.log_access(ctx, AuditAction::Everything, out.iter())
            .await?;
        Ok(out)
    }
}
