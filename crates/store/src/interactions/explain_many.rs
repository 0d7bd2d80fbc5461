//! `explain` for many items and many principals at once: what the clinician
//! workspace shows as "what the family sees" beside each item of a patient.
//!
//! Why a batch beside [`FhirStore::explain`]: the overview asks about every item on
//! the page for the patient and for each parent or representative. One `explain` per
//! item and person would build one gate (Patient, relations, grants, referral
//! graph) per pair; here the caller's gate is built once and one gate per principal
//! asked about, and the question is one access-log event. The decisions are the
//! gate's own ([`crate::access::AccessGate::explain`]), exactly as in `explain`.
use nordlys_policy::Principal;

use crate::audit::AuditAction;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{ResourceKey, StoredResource};
use crate::service::FhirStore;
use crate::Explanation;

impl FhirStore {
    /// For every item of `item_refs` (`Type/id`, items of patient `patient_id`) the
    /// caller of `ctx` may see, the explanation for each principal of `as_principals`
    /// (in that order). Items the caller may not see, unknown, deleted or of another
    /// patient are left out (as `explain` answers them: like unknown ones).
    ///
    /// Errors: `Forbidden` for a citizen caller; `BadRequest` for a malformed reference.
    pub async fn explain_many(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
        item_refs: &[String],
        as_principals: &[Principal],
    ) -> StoreResult<Vec<(String, Vec<Explanation>)>> {
        if matches!(ctx.principal, Principal::Citizen { .. }) {
            return Err(StoreError::Forbidden(
                "explanations are for health personnel and operators; the portal explains a citizen's own access".into(),
            ));
        }
        let mut keys = Vec::with_capacity(item_refs.len());
        for r in item_refs {
            let Some((rt, id)) = r.split_once('/') else {
                return Err(StoreError::BadRequest(format!(
                    "item must be a reference Type/id, not '{r}'"
                )));
            };
            self.check_type(rt)?;
            if !super::prepare::is_valid_id(id) {
                return Err(StoreError::BadRequest(format!(
                    "'{id}' is not a valid FHIR id"
                )));
            }
            keys.push(ResourceKey::new(rt, id));
        }
        let stored: Vec<StoredResource> = self
            .backend
            .read_many(ctx, &keys)
            .await?
            .into_iter()
            .filter(|s| !s.deleted && s.columns.patient_id.as_deref() == Some(patient_id))
            .collect();
        let caller_gate = self.gate(ctx, stored.iter().map(|s| &s.columns)).await?;
        let visible: Vec<&StoredResource> = stored
            .iter()
            .filter(|s| caller_gate.visible(&s.columns))
            .collect();
        let mut per_principal = Vec::with_capacity(as_principals.len());
        for principal in as_principals {
            let as_ctx = RequestContext {
                principal: principal.clone(),
                purpose: match principal {
                    Principal::Practitioner { purpose, .. } => *purpose,
                    _ => None,
                },
                reason: None,
                request_id: ctx.request_id.clone(),
                now: ctx.now,
            };
            per_principal.push(
                self.gate(&as_ctx, visible.iter().map(|s| &s.columns))
                    .await?,
            );
        }
        let mut out = Vec::with_capacity(visible.len());
        // In the order asked, so the caller can zip with its own list.
        for r in item_refs {
            let Some(s) = visible
                .iter()
                .find(|s| format!("{}/{}", s.resource_type, s.id) == *r)
            else {
                continue;
            };
            let explanations = as_principals
                .iter()
                .zip(&per_principal)
                .map(|(principal, gate)| {
                    let (decision, opens_at, relations) = gate.explain(&s.columns);
                    Explanation {
                        item: r.clone(),
                        principal: principal.clone(),
                        decision,
                        opens_at,
                        relations,
                    }
                })
                .collect();
            out.push((r.clone(), explanations));
        }
        self.log_access(ctx, AuditAction::Read, visible.iter().copied())
            .await?;
        Ok(out)
    }
}
