//! The oracle: what each principal may see of each item, computed straight from the
//! generated JSON with `nordlys_policy`, independently of the store's plumbing (no
//! stored facts columns, no gate, no SQL).
//!
//! Why this is a fair oracle: the policy crate is tested on its own against the spec
//! (table, property and grant tests); the leak test asks whether the store applies it
//! on every path. So expected = `decide` on facts we build ourselves, and any
//! difference is the store's doing.
//!
//! Semantics the oracle adds on top of `decide` (the stricter reading of § 1):
//! - an older version is seen at most as the current version is (a label added later
//!   closes the history too);
//! - a Binary is seen as its DocumentReference's content (`content_level`);
//! - an access-log entry is seen at the strictest level over the items it names;
//! - a search, chain, `_has` or include may only match or follow an element the
//!   principal can see: at `metadata`, only parameters whose index entries survive the
//!   redaction unchanged (so a masked Observation code never matches); the checker
//!   (`Checker::searchable`) applies this with the stored index.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use nordlys_policy::{
    decide, grant_from_consent, item_facts, patient_facts, redact_with, relation_candidates,
    Decision, DecisionInput, Grant, ItemFacts, Level, LinkGraph, PatientFacts, PolicyConfig,
    Principal, Reason, GRANT_KIND_SYSTEM, HPR_SYSTEM, ORGNR_SYSTEM,
};
use serde_json::Value;

use super::world::World;

struct View {
    facts: PatientFacts,
    grants: Vec<Grant>,
    links: LinkGraph,
}

/// Expected decisions for one world at one instant.
pub struct Oracle {
    pub now: DateTime<Utc>,
    config: PolicyConfig,
    views: HashMap<String, View>,
    /// `Type/id` → facts of each version (index 0 = version 1).
    facts: HashMap<String, Vec<ItemFacts>>,
    /// `Type/id` → patient id.
    patient_of: HashMap<String, Option<String>>,
    /// Directory resources, for the principal's references.
    directory: Vec<Value>,
    /// `Binary/id` → the DocumentReference named by its `securityContext`.
    security_context: HashMap<String, String>,
    nobody: View,
}

fn empty_view() -> View {
    let facts = patient_facts(
        &serde_json::json!({"resourceType": "Patient", "id": "-"}),
        &[],
    );
    View {
        facts,
        grants: Vec::new(),
        links: LinkGraph::new(),
    }
}

fn stricter(a: Decision, b: Decision) -> Decision {
    if b.level < a.level {
        b
    } else {
        a
    }
}

impl Oracle {
    /// `stored_at` stands for the time the store recorded each item (items whose § 6
    /// date is their storage time are dated by it).
    pub fn new(world: &World, stored_at: DateTime<Utc>, now: DateTime<Utc>) -> Oracle {
        let mut facts: HashMap<String, Vec<ItemFacts>> = HashMap::new();
        let mut patient_of = HashMap::new();
        let mut directory = Vec::new();
        let mut security_context = HashMap::new();
        for item in &world.items {
            if let Some(doc) = item
                .current()
                .pointer("/securityContext/reference")
                .and_then(Value::as_str)
            {
                security_context.insert(item.reference(), doc.to_string());
            }
            let f = item
                .versions
                .iter()
                .map(|v| item_facts(v, stored_at, Some(&item.owner)))
                .collect();
            facts.insert(item.reference(), f);
            patient_of.insert(item.reference(), item.patient.clone());
            if item.patient.is_none() && item.resource_type() != "Binary" {
                directory.push(item.current().clone());
            }
        }
        let mut config = PolicyConfig::default();
        config.add_paediatric_units(&directory);
        let mut views = HashMap::new();
        for pid in &world.patients {
            let mine = |rt: &str| -> Vec<&Value> {
                world
                    .items
                    .iter()
                    .filter(|i| {
                        i.patient.as_deref() == Some(pid.as_str()) && i.resource_type() == rt
                    })
                    .map(|i| i.current())
                    .collect()
            };
            let patient = mine("Patient")
                .first()
                .copied()
                .cloned()
                .unwrap_or(Value::Null);
            let related: Vec<Value> = mine("RelatedPerson").into_iter().cloned().collect();
            let grants = mine("Consent")
                .into_iter()
                .filter(|c| {
                    c.pointer("/category/0/coding/0/system")
                        .and_then(Value::as_str)
                        == Some(GRANT_KIND_SYSTEM)
                })
                .map(|c| {
                    grant_from_consent(c).unwrap_or_else(|_| Grant::unreadable(c["id"].as_str()))
                })
                .collect();
            let links = LinkGraph::from_items(
                world
                    .items
                    .iter()
                    .filter(|i| i.patient.as_deref() == Some(pid.as_str()))
                    .filter_map(|i| facts.get(&i.reference()).and_then(|v| v.last())),
            );
            views.insert(
                pid.clone(),
                View {
                    facts: patient_facts(&patient, &related),
                    grants,
                    links,
                },
            );
        }
        Oracle {
            now,
            config,
            views,
            facts,
            patient_of,
            directory,
            security_context,
            nobody: empty_view(),
        }
    }

    /// References that denote the principal (its Practitioner and Organization).
    pub fn principal_refs(&self, principal: &Principal) -> Vec<String> {
        let wanted: Vec<(&str, &str, &str)> = match principal {
            Principal::Practitioner { hpr, orgnr, .. } => {
                vec![
                    ("Practitioner", HPR_SYSTEM, hpr.as_str()),
                    ("Organization", ORGNR_SYSTEM, orgnr.as_str()),
                ]
            }
            Principal::System { orgnr, .. } => vec![("Organization", ORGNR_SYSTEM, orgnr.as_str())],
            Principal::Citizen { .. } => Vec::new(),
        };
        let mut out = Vec::new();
        for (rt, system, value) in wanted {
            for d in self.directory.iter().filter(|d| d["resourceType"] == rt) {
                let ids = d["identifier"].as_array().cloned().unwrap_or_default();
                if ids
                    .iter()
                    .any(|i| i["system"] == system && i["value"] == value)
                {
                    out.push(format!("{rt}/{}", d["id"].as_str().unwrap_or_default()));
                }
            }
        }
        out
    }

    fn decide_facts(
        &self,
        who: &Principal,
        refs: &[String],
        patient: Option<&str>,
        item: &ItemFacts,
        audited: Option<&ItemFacts>,
    ) -> Decision {
        let view = patient
            .and_then(|p| self.views.get(p))
            .unwrap_or(&self.nobody);
        let relations = match who {
            Principal::Citizen { pid, .. } => {
                relation_candidates(pid, &view.facts, &view.grants, self.now)
            }
            _ => Vec::new(),
        };
        decide(&DecisionInput {
            principal: who,
            principal_refs: refs,
            relations: &relations,
            patient: &view.facts,
            item,
            audited,
            links: &view.links,
            grants: &view.grants,
            now: self.now,
            config: &self.config,
        })
    }

    /// The expected decision for `reference` (current version, or `version`).
    pub fn decide(
        &self,
        who: &Principal,
        refs: &[String],
        reference: &str,
        version: Option<usize>,
    ) -> Decision {
        let Some(versions) = self.facts.get(reference) else {
            return Decision::none(Reason::ItemUnreadable);
        };
        let patient = self.patient_of.get(reference).cloned().flatten();
        let current = versions.len();
        let v = version.unwrap_or(current).clamp(1, current);
        if let Some(doc) = self.security_context.get(reference) {
            let d = self.decide(who, refs, doc, None);
            return Decision {
                level: d.content_level(),
                ..d
            };
        }
        let now = self.decide_facts(who, refs, patient.as_deref(), &versions[current - 1], None);
        if v == current {
            return now;
        }
        stricter(
            self.decide_facts(who, refs, patient.as_deref(), &versions[v - 1], None),
            now,
        )
    }

    /// The decision on a version's own facts, ignoring the current version (to count
    /// how often a later label closes an older version).
    pub fn decide_own_version(
        &self,
        who: &Principal,
        refs: &[String],
        reference: &str,
        version: usize,
    ) -> Level {
        let patient = self.patient_of.get(reference).cloned().flatten();
        match self
            .facts
            .get(reference)
            .and_then(|v| v.get(version.checked_sub(1)?))
        {
            Some(f) => {
                self.decide_facts(who, refs, patient.as_deref(), f, None)
                    .level
            }
            None => Level::None,
        }
    }

    /// The facts of an access-log entry, from its stored body and storage time.
    pub fn entry_facts(entry: &Value, stored_at: DateTime<Utc>) -> ItemFacts {
        item_facts(entry, stored_at, None)
    }

    /// An access-log entry: the strictest decision over the items it names.
    pub fn decide_entry(&self, who: &Principal, refs: &[String], facts: &ItemFacts) -> Decision {
        let patient = facts
            .entities
            .iter()
            .find_map(|e| e.strip_prefix("Patient/"))
            .map(str::to_string);
        let mut strictest: Option<Decision> = None;
        for e in &facts.entities {
            if let Some(audited) = self.facts.get(e).and_then(|v| v.last()) {
                let d = self.decide_facts(who, refs, patient.as_deref(), facts, Some(audited));
                strictest = Some(strictest.map_or(d, |s| stricter(s, d)));
            }
        }
        strictest.unwrap_or_else(|| self.decide_facts(who, refs, patient.as_deref(), facts, None))
    }

    /// The body a principal must get for `stored` at `decision`.
    pub fn shaped(stored: &Value, decision: Decision) -> Option<Value> {
        match decision.level {
            Level::None => None,
            Level::Full => Some(stored.clone()),
            Level::Metadata => Some(redact_with(stored, decision.redaction())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use nordlys_policy::SecurityLevel;

    #[test]
    fn the_oracle_gives_strangers_nothing_and_the_youth_its_own_record() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 22, 12, 0, 0)
            .single()
            .unwrap_or_default();
        let world = super::super::world::generate(11, nordlys_policy::oslo_today(now));
        let oracle = Oracle::new(&world, now, now);
        let citizen = |who: &str| {
            let c = world
                .citizens
                .iter()
                .find(|c| c.who.starts_with(who))
                .map(|c| c.pid.clone())
                .unwrap_or_default();
            Principal::Citizen {
                pid: c,
                level: SecurityLevel::High,
            }
        };
        let stranger = citizen("a stranger");
        let patient_items: Vec<String> = world
            .items
            .iter()
            .filter(|i| i.patient.is_some())
            .map(|i| i.reference())
            .collect();
        assert_eq!(patient_items.len(), 60);
        for r in &patient_items {
            assert_eq!(
                oracle.decide(&stranger, &[], r, None).level,
                Level::None,
                "{r}"
            );
        }
        assert_eq!(
            oracle
                .decide(&stranger, &[], "Organization/org-a", None)
                .level,
            Level::Full
        );
        let youth = citizen("patient f0c0");
        let own = oracle.decide(&youth, &[], "Patient/f0c0", None);
        assert_eq!(
            (own.level, own.reason.code()),
            (Level::Full, "youth.full".to_string())
        );
        let a = Principal::Practitioner {
            hpr: "412345674".into(),
            orgnr: crate::fixtures::HOSPITAL_ORG.into(),
            purpose: None,
        };
        assert_eq!(
            oracle.principal_refs(&a),
            vec![
                "Practitioner/prac-a".to_string(),
                "Organization/org-a".to_string()
            ]
        );
    }
}
