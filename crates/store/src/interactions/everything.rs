//! `Patient/[id]/$everything`: the patient and every item of its compartment the
//! principal may see — the same gate as every other path.
use crate::audit::AuditAction;
use crate::context::RequestContext;
use crate::error::StoreResult;
use crate::model::{ResourceKey, StoredResource};
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
        let gate = self.gate(ctx, hits.iter().map(|h| &h.columns)).await?;
        let keys: Vec<ResourceKey> = hits
            .into_iter()
            .filter(|h| gate.visible(&h.columns))
            .map(|h| h.key)
            .filter(|k| !(k.resource_type == "Patient" && k.id == patient_id))
            .collect();
        let mut out = vec![patient];
        out.extend(self.shaped_bodies(ctx, &gate, &keys).await?);
        self.log_access(ctx, AuditAction::Everything, out.iter().skip(1))
            .await?;
        Ok(out)
    }
}
