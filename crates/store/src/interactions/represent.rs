//! Whom a citizen may act for, and what the policy says of an item kind before any
//! item exists — the two questions the portal asks that are not FHIR interactions.
//!
//! Why here and not in the portal: the portal must never decide access itself. Both
//! answers come from the same gate and the same pure `decide` as every read.
//!
//! - [`FhirStore::represented`] finds the patients a citizen might be related to
//!   (their own record, records with a RelatedPerson carrying their national id, and
//!   grants naming those or naming the national id itself), keeps those whose Patient resource the gate shows them,
//!   and logs that the names were seen.
//! - [`FhirStore::probe`] decides hypothetical items (say, "a test result dated
//!   today") for a patient. The portal uses it to explain a closed tile or a hidden
//!   period in general words, so the explanation depends on rules, never on which
//!   items exist.
use std::collections::BTreeSet;

use nordlys_fhir::ids::{DNR_SYSTEM, FNR_SYSTEM};
use nordlys_fhir::ParamType;
use nordlys_policy::{Decision, Level, Principal, RelationKind};
use serde_json::Value;

use crate::audit::AuditAction;
use crate::context::RequestContext;
use crate::error::StoreResult;
use crate::model::{ItemColumns, ResourceKey, StoredResource};
use crate::search::{Clause, Condition, SearchPlan, SystemMatch};
use crate::service::FhirStore;

/// A patient the citizen may act for (or is), as the gate shows it.
#[derive(Debug, Clone)]
pub struct Represented {
    /// The Patient, shaped for the citizen (full or metadata).
    pub patient: StoredResource,
    /// The relations that hold, strongest first (`Myself` before any other).
    pub relations: Vec<RelationKind>,
}

/// `pid` as a fødselsnummer or a D-nummer token.
fn national_id_tokens(pid: &str) -> Vec<Condition> {
    [FNR_SYSTEM, DNR_SYSTEM]
        .iter()
        .map(|s| Condition::Token {
            system: SystemMatch::Is((*s).into()),
            code: Some(pid.to_string()),
        })
        .collect()
}

pub(crate) fn by_identifier(resource_type: &str, pid: &str) -> SearchPlan {
    let any_of = national_id_tokens(pid);
    SearchPlan {
        resource_type: resource_type.into(),
        clauses: vec![Clause::Match {
            param: "identifier".into(),
            kind: ParamType::Token,
            any_of,
        }],
        sort: Vec::new(),
    }
}

fn rank(kind: &RelationKind) -> u8 {
    match kind {
        RelationKind::Myself => 0,
        RelationKind::Parent => 1,
        RelationKind::FosterParent => 2,
        RelationKind::Guardian => 3,
        RelationKind::Proxy(_) => 4,
    }
}

impl FhirStore {
    /// The patients citizen `ctx.principal` is or may act for, self first. Other
    /// principals get an empty list (they choose patients by purpose, not relation).
    pub async fn represented(&self, ctx: &RequestContext) -> StoreResult<Vec<Represented>> {
        let Principal::Citizen { pid, .. } = &ctx.principal else {
            return Ok(Vec::new());
        };
        let mut candidates: BTreeSet<String> = BTreeSet::new();
        let mut actor_refs: Vec<Condition> = Vec::new();
        for hit in self
            .backend
            .search(ctx, &by_identifier("Patient", pid))
            .await?
        {
            candidates.insert(hit.key.id.clone());
            actor_refs.push(Condition::Reference {
                target_type: Some("Patient".into()),
                id: hit.key.id,
            });
        }
        for hit in self
            .backend
            .search(ctx, &by_identifier("RelatedPerson", pid))
            .await?
        {
            if let Some(p) = hit.columns.patient_id {
                candidates.insert(p);
            }
            actor_refs.push(Condition::Reference {
                target_type: Some("RelatedPerson".into()),
                id: hit.key.id,
            });
        }
        // Proxies, foster parents and guardians are named by grants: by a reference to
        // the citizen's Patient or RelatedPerson, or by their national id alone.
        let mut grant_searches = vec![SearchPlan {
            resource_type: "Consent".into(),
            clauses: vec![Clause::Match {
                param: nordlys_fhir::identifier_param("actor"),
                kind: ParamType::Token,
                any_of: national_id_tokens(pid),
            }],
            sort: Vec::new(),
        }];
        if !actor_refs.is_empty() {
            grant_searches.push(SearchPlan {
                resource_type: "Consent".into(),
                clauses: vec![Clause::Match {
                    param: "actor".into(),
                    kind: ParamType::Reference,
                    any_of: actor_refs,
                }],
                sort: Vec::new(),
            });
        }
        for plan in &grant_searches {
            for hit in self.backend.search(ctx, plan).await? {
                if let Some(p) = hit.columns.patient_id {
                    candidates.insert(p);
                }
            }
        }
        let keys: Vec<ResourceKey> = candidates
            .iter()
            .map(|id| ResourceKey::new("Patient", id))
            .collect();
        let stored: Vec<StoredResource> = self
            .backend
            .read_many(ctx, &keys)
            .await?
            .into_iter()
            .filter(|s| !s.deleted)
            .collect();
        let gate = self.gate(ctx, stored.iter().map(|s| &s.columns)).await?;
        let mut out: Vec<Represented> = Vec::new();
        for s in stored {
            let mut relations: Vec<RelationKind> = gate
                .view(&s.id)
                .map(|v| {
                    v.relations
                        .iter()
                        .filter(|r| r.holds())
                        .map(|r| r.kind)
                        .collect()
                })
                .unwrap_or_default();
            if relations.is_empty() {
                continue;
            }
            relations.sort_by_key(rank);
            relations.dedup();
            if let Some(patient) = gate.shape(s) {
                out.push(Represented { patient, relations });
            }
        }
        out.sort_by(|a, b| {
            rank(&a.relations[0])
                .cmp(&rank(&b.relations[0]))
                .then_with(|| a.patient.id.cmp(&b.patient.id))
        });
        self.log_access(ctx, AuditAction::Search, out.iter().map(|r| &r.patient))
            .await?;
        Ok(out)
    }

    /// Decides hypothetical `items` (resources not stored, each naming `patient_id`
    /// as subject) for the principal, as the gate would decide them if they were
    /// stored now without an owner. Nothing is read but the patient's policy inputs,
    /// so nothing is logged.
    pub async fn probe(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
        items: &[Value],
    ) -> StoreResult<Vec<Decision>> {
        let columns = ItemColumns {
            patient_id: Some(patient_id.to_string()),
            ..ItemColumns::default()
        };
        let gate = self.gate(ctx, std::iter::once(&columns)).await?;
        Ok(items
            .iter()
            .map(|item| gate.decide_resource(Some(patient_id), item, None))
            .collect())
    }

    /// Whether the principal sees anything of patient `patient_id` at all (the
    /// Patient resource at metadata level or more).
    pub async fn sees_patient(&self, ctx: &RequestContext, patient_id: &str) -> StoreResult<bool> {
        let key = ResourceKey::new("Patient", patient_id);
        let Some(stored) = self.backend.read_current(ctx, &key).await? else {
            return Ok(false);
        };
        let gate = self.gate(ctx, std::iter::once(&stored.columns)).await?;
        Ok(!stored.deleted && gate.decide(&stored.columns).level != Level::None)
    }
}
