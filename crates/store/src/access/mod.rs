//! The one place where the store asks the access policy about items.
//!
//! Every interaction (read, search, includes, history, `$everything`, bundles) builds
//! an [`AccessGate`] for the patients its candidate items belong to, then asks it per
//! item. The gate loads each patient's facts once per request (the Patient, its
//! RelatedPersons, its grants and its referral link graph) and calls
//! `nordlys_policy::decide` — a pure function — with the item facts kept in the
//! item's `facts` column. No handler and no backend decides access.
mod load;
mod matching;
mod study;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use nordlys_policy::{
    decide, item_facts, opens_at, redact_with, Decision, DecisionInput, Grant, ItemFacts, Level,
    LinkGraph, PatientFacts, PolicyConfig, Principal, Reason, Relation,
};
use serde_json::Value;

use crate::context::RequestContext;
use crate::model::{ItemColumns, StoredResource};

pub(crate) use load::{PolicyCache, ViewCache, GRANT_KIND_SYSTEM};
pub(crate) use matching::clause_params;

/// What the policy needs about one patient, independent of who asks: cached across
/// requests (see [`load::ViewCache`]) and dropped whenever a write touches it.
pub(crate) struct PatientBase {
    pub(crate) facts: PatientFacts,
    pub(crate) grants: Vec<Grant>,
    pub(crate) links: LinkGraph,
}

/// One patient as this request's principal meets it.
pub(crate) struct PatientView {
    pub(crate) base: Arc<PatientBase>,
    /// For a citizen principal: their relations to this patient (held or refused),
    /// computed per request because they depend on `now`.
    pub(crate) relations: Vec<Relation>,
}

/// Decides per item for one request.
pub struct AccessGate {
    ctx: RequestContext,
    config: Arc<PolicyConfig>,
    views: HashMap<String, PatientView>,
    /// Facts of the items access-log entries are about (`Type/id` → facts).
    audited: HashMap<String, ItemFacts>,
    /// The DocumentReferences carrying each Binary (`Binary/id` → their columns).
    binary_documents: HashMap<String, Vec<ItemColumns>>,
    /// References that denote the principal (`Practitioner/…`, `Organization/…`).
    principal_refs: Vec<String>,
    /// For items of no patient: facts of an empty patient, so they still go through `decide`.
    nobody: PatientView,
}

impl AccessGate {
    /// The decision for an item with these columns.
    pub fn decide(&self, columns: &ItemColumns) -> Decision {
        let facts: Option<ItemFacts> = columns
            .facts
            .as_deref()
            .and_then(|f| serde_json::from_str(f).ok());
        let Some(item) = facts else {
            // No readable facts (should not happen for stored items): fail closed.
            return Decision::none(Reason::ItemUnreadable);
        };
        if item.resource_type == "AuditEvent" {
            return self.decide_log_entry(columns.patient_id.as_deref(), &item);
        }
        if item.resource_type == "Binary" {
            if let Some(docs) = self
                .binary_documents
                .get(&item.reference)
                .filter(|d| !d.is_empty())
            {
                return self.decide_binary(docs);
            }
        }
        self.decide_facts(columns.patient_id.as_deref(), &item, None)
    }

    /// A Binary is content: full where one of its documents is seen in full, else
    /// nothing (a metadata-level document shows no content).
    fn decide_binary(&self, documents: &[ItemColumns]) -> Decision {
        let mut best: Option<Decision> = None;
        for doc in documents {
            let d = self.decide(doc);
            if d.content_level() == Level::Full {
                return d;
            }
            best.get_or_insert(Decision::none(d.reason));
        }
        best.unwrap_or_else(|| Decision::none(Reason::ItemUnreadable))
    }

    /// An access-log entry is seen as the items it names are (§ 6 "access log" row):
    /// the strictest decision over them; with none loaded, the policy answers alone.
    fn decide_log_entry(&self, patient_id: Option<&str>, entry: &ItemFacts) -> Decision {
        let mut strictest: Option<Decision> = None;
        for audited in entry.entities.iter().filter_map(|r| self.audited.get(r)) {
            let d = self.decide_facts(patient_id, entry, Some(audited));
            if strictest.is_none_or(|s| d.level < s.level) {
                strictest = Some(d);
            }
        }
        strictest.unwrap_or_else(|| self.decide_facts(patient_id, entry, None))
    }

    fn decide_facts(
        &self,
        patient_id: Option<&str>,
        item: &ItemFacts,
        audited: Option<&ItemFacts>,
    ) -> Decision {
        let view = patient_id
            .and_then(|p| self.views.get(p))
            .unwrap_or(&self.nobody);
        decide(&DecisionInput {
            principal: &self.ctx.principal,
            principal_refs: &self.principal_refs,
            relations: &view.relations,
            patient: &view.base.facts,
            item,
            audited,
            links: &view.base.links,
            grants: &view.base.grants,
            now: self.ctx.now,
            config: &self.config,
        })
    }

    /// The decision for a resource about to be written, from its content.
    pub fn decide_resource(
        &self,
        patient_id: Option<&str>,
        resource: &Value,
        owner_org: Option<&str>,
    ) -> Decision {
        let item = item_facts(resource, self.ctx.now, owner_org);
        self.decide_facts(patient_id, &item, None)
    }

    /// The decision for an item with these columns, with what explains it (§ 12): the
    /// instant it opens if only time stands in the way (`nordlys_policy::opens_at`),
    /// and the principal's relations to the item's patient, held or refused. The
    /// decision is exactly [`AccessGate::decide`]'s. For access-log entries the
    /// opening instant is not computed (`None`): they follow the items they name.
    pub fn explain(
        &self,
        columns: &ItemColumns,
    ) -> (Decision, Option<DateTime<Utc>>, Vec<Relation>) {
        let decision = self.decide(columns);
        let view = columns
            .patient_id
            .as_deref()
            .and_then(|p| self.views.get(p))
            .unwrap_or(&self.nobody);
        let facts: Option<ItemFacts> = columns
            .facts
            .as_deref()
            .and_then(|f| serde_json::from_str(f).ok());
        let opens = match &facts {
            Some(item) if item.resource_type != "AuditEvent" => opens_at(&DecisionInput {
                principal: &self.ctx.principal,
                principal_refs: &self.principal_refs,
                relations: &view.relations,
                patient: &view.base.facts,
                item,
                audited: None,
                links: &view.base.links,
                grants: &view.base.grants,
                now: self.ctx.now,
                config: &self.config,
            }),
            _ => None,
        };
        (decision, opens, view.relations.clone())
    }

    /// Whether the item is visible at all.
    pub fn visible(&self, columns: &ItemColumns) -> bool {
        self.decide(columns).level != Level::None
    }

    /// Shapes a stored resource for this principal: unchanged at `full`, redacted at
    /// `metadata` (with the REDACTED security label), `None` when hidden.
    pub fn shape(&self, stored: StoredResource) -> Option<StoredResource> {
        let decision = self.decide(&stored.columns);
        match decision.level {
            Level::None => None,
            Level::Full => Some(stored),
            Level::Metadata => {
                let Ok(value) = serde_json::from_str::<Value>(&stored.body) else {
                    return None;
                };
                let body = redact_with(&value, decision.redaction()).to_string();
                Some(StoredResource { body, ..stored })
            }
        }
    }

    /// The patient's view, if loaded (for grant checks on writes).
    pub(crate) fn view(&self, patient_id: &str) -> Option<&PatientView> {
        self.views.get(patient_id)
    }

    pub(crate) fn principal(&self) -> &Principal {
        &self.ctx.principal
    }

    /// Types no client writes: the server alone records the access log.
    pub fn may_write_type(&self, resource_type: &str) -> bool {
        resource_type != "AuditEvent"
    }

    /// Whether the principal may write an item with these facts at all (§ 10). The
    /// policy decides (`nordlys_policy::may_write`): health personnel and systems write
    /// their own organisation's data, and the care team of a shared care plan writes
    /// the plan; citizens write only grants here (checked against § 8 by the policy) and
    /// everything else through the store's dedicated operations.
    pub fn may_write(&self, resource_type: &str, columns: &ItemColumns) -> bool {
        if !self.may_write_type(resource_type) {
            return false;
        }
        let facts: Option<ItemFacts> = columns
            .facts
            .as_deref()
            .and_then(|f| serde_json::from_str(f).ok());
        let Some(mut item) = facts else {
            return false;
        };
        // The stored owner column is the truth (facts of older rows may lack it).
        item.owner_org = columns.owner_org.clone();
        nordlys_policy::may_write(
            &self.ctx.principal,
            &self.principal_refs,
            &item,
            self.decide(columns),
        )
    }
}
