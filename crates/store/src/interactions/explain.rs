//! `Patient/[id]/$explain`: why a given principal sees a given item at the level it
//! does (access-policy.md § 12).
//!
//! Why it goes through the ordinary gate: an explanation that is computed by a second
//! code path could disagree with what the principal is actually shown. So the store
//! builds a request context for the principal asked about, loads the same
//! [`crate::access::AccessGate`] every read uses, and asks it
//! ([`crate::access::AccessGate::explain`]) — the decision in the answer is the one a
//! read by that principal would get at the same instant.
//!
//! Why the caller must see the item: the answer names the item's existence, its
//! patient's relations and rules. A caller who could not read the item gets the same
//! 404 as for an unknown id (the stricter reading; `docs/access-policy.md`,
//! "Explanations"). Citizens may not ask at all (403): the portal explains in plain
//! words instead. The question itself is logged in the access log like a read.
use chrono::{DateTime, Utc};
use nordlys_policy::{Decision, Principal, ProxyScope, Relation, RelationKind};

use crate::audit::AuditAction;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::ResourceKey;
use crate::service::FhirStore;

/// The answer to "why does this principal see this item at this level?".
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// `Type/id` of the item.
    pub item: String,
    /// The principal the question was about.
    pub principal: Principal,
    /// The gate's decision: level, reason code, whether the patient is notified.
    pub decision: Decision,
    /// When the item opens to this principal if only time stands in the way.
    pub opens_at: Option<DateTime<Utc>>,
    /// For a citizen: every relation considered, held or refused (with the refusal).
    pub relations: Vec<Relation>,
}

/// The stable code of a relation kind in explanations (`self`, `parent`, `foster-parent`,
/// `guardian`, `proxy-full`, `proxy-limited`).
pub fn relation_code(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::Myself => "self",
        RelationKind::Parent => "parent",
        RelationKind::FosterParent => "foster-parent",
        RelationKind::Guardian => "guardian",
        RelationKind::Proxy(ProxyScope::Full) => "proxy-full",
        RelationKind::Proxy(ProxyScope::Limited) => "proxy-limited",
    }
}

fn not_found(item_ref: &str) -> StoreError {
    let (rt, id) = item_ref.split_once('/').unwrap_or(("Resource", item_ref));
    StoreError::NotFound {
        resource_type: rt.to_string(),
        id: id.to_string(),
    }
}

impl FhirStore {
    /// Explains the decision for `as_principal` on `item_ref` (`Type/id`), an item of
    /// patient `patient_id`, asked by the principal of `ctx`.
    ///
    /// Errors: `Forbidden` for a citizen caller; `BadRequest` for a malformed
    /// reference; `NotFound` when the item is unknown, deleted, not the patient's, or
    /// not visible to the caller (indistinguishable by design).
    pub async fn explain(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
        item_ref: &str,
        as_principal: Principal,
    ) -> StoreResult<Explanation> {
        if matches!(ctx.principal, Principal::Citizen { .. }) {
            return Err(StoreError::Forbidden(
                "explanations are for health personnel and operators; the portal explains a citizen's own access".into(),
            ));
        }
        let Some((resource_type, id)) = item_ref.split_once('/') else {
            return Err(StoreError::BadRequest(format!(
                "item must be a reference Type/id, not '{item_ref}'"
            )));
        };
        self.check_type(resource_type)?;
        if !super::prepare::is_valid_id(id) {
            return Err(StoreError::BadRequest(format!(
                "'{id}' is not a valid FHIR id"
            )));
        }
        let key = ResourceKey::new(resource_type, id);
        let Some(stored) = self.backend.read_current(ctx, &key).await? else {
            return Err(not_found(item_ref));
        };
        if stored.deleted || stored.columns.patient_id.as_deref() != Some(patient_id) {
            return Err(not_found(item_ref));
        }
        let caller_gate = self.gate(ctx, [&stored.columns]).await?;
        if !caller_gate.visible(&stored.columns) {
            self.log_refusal(ctx, AuditAction::Read, &stored).await?;
            return Err(not_found(item_ref));
        }
        let as_ctx = RequestContext {
            principal: as_principal.clone(),
            purpose: match &as_principal {
                Principal::Practitioner { purpose, .. } => *purpose,
                _ => None,
            },
            reason: None,
            request_id: ctx.request_id.clone(),
            now: ctx.now,
        };
        let gate = self.gate(&as_ctx, [&stored.columns]).await?;
        let (decision, opens_at, relations) = gate.explain(&stored.columns);
        self.log_access(ctx, AuditAction::Read, [&stored]).await?;
        Ok(Explanation {
            item: format!("{resource_type}/{id}"),
            principal: as_principal,
            decision,
            opens_at,
            relations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_codes_are_distinct() {
        let kinds = [
            RelationKind::Myself,
            RelationKind::Parent,
            RelationKind::FosterParent,
            RelationKind::Guardian,
            RelationKind::Proxy(ProxyScope::Full),
            RelationKind::Proxy(ProxyScope::Limited),
        ];
        let mut codes: Vec<&str> = kinds.iter().map(|k| relation_code(*k)).collect();
        assert_eq!(
            codes,
            [
                "self",
                "parent",
                "foster-parent",
                "guardian",
                "proxy-full",
                "proxy-limited"
            ]
        );
        codes.dedup();
        assert_eq!(codes.len(), 6);
    }

    #[test]
    fn not_found_names_the_item() {
        let StoreError::NotFound { resource_type, id } = not_found("DocumentReference/x") else {
            panic!("expected NotFound");
        };
        assert_eq!(
            (resource_type.as_str(), id.as_str()),
            ("DocumentReference", "x")
        );
    }
}
