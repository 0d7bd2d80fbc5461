//! The referral linkage of § 4 ("linked to a referral R") for one patient.
//!
//! Why a graph built once per patient: per-referral grants, the paediatric deferral and
//! the emergency lock on R all ask "is this item linked to R?", where the answer runs
//! through onward referrals (`basedOn` / `replaces`, recursively) and through
//! encounters `basedOn` a referral. The graph keeps only ServiceRequests, Encounters
//! and DiagnosticReports, so building it is cheap and a query is a few lookups.
//!
//! Observations listed in `DiagnosticReport.result` follow their report (§ 7: "the
//! report's Observations with it"): they are linked to what the report is linked to,
//! and the report's labels, deferral and release apply to them.
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::item::ItemFacts;
use crate::level::Category;

/// A ServiceRequest or Encounter in the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkNode {
    pub reference: String,
    /// `basedOn` (+ `replaces` for ServiceRequests).
    pub parents: Vec<String>,
    /// A ServiceRequest that is a requisition.
    pub requisition: bool,
    /// A ServiceRequest (referral or requisition).
    pub service_request: bool,
    /// ServiceRequest performer references / identifier values.
    pub receivers: Vec<String>,
    /// When the referral counts as received: `authoredOn` (the sending system's own
    /// time), else the time this server stored it. Not "the later of the two": records
    /// loaded from an existing system are stored today, and would all be deferred anew.
    pub received: DateTime<Utc>,
}

/// The linkage of one patient's items.
#[derive(Debug, Clone, Default)]
pub struct LinkGraph {
    nodes: HashMap<String, LinkNode>,
    reports: HashMap<String, ItemFacts>,
    report_of: HashMap<String, Vec<String>>,
}

impl LinkGraph {
    pub fn new() -> LinkGraph {
        LinkGraph::default()
    }

    /// Builds the graph from a patient's items (any items; irrelevant ones are skipped).
    pub fn from_items<'a, I: IntoIterator<Item = &'a ItemFacts>>(items: I) -> LinkGraph {
        let mut g = LinkGraph::new();
        for i in items {
            g.add(i);
        }
        g
    }

    /// Adds one item (ServiceRequest, Encounter and DiagnosticReport matter).
    pub fn add(&mut self, item: &ItemFacts) {
        match item.resource_type.as_str() {
            "ServiceRequest" | "Encounter" => {
                let sr = item.resource_type == "ServiceRequest";
                let mut parents = item.based_on.clone();
                parents.extend(item.replaces.iter().cloned());
                let received = item.authored.unwrap_or(item.stored_at);
                self.nodes.insert(
                    item.reference.clone(),
                    LinkNode {
                        reference: item.reference.clone(),
                        parents,
                        requisition: item.requisition,
                        service_request: sr,
                        receivers: item.receivers.clone(),
                        received,
                    },
                );
            }
            "DiagnosticReport" => {
                for r in &item.results {
                    let v = self.report_of.entry(r.clone()).or_default();
                    if !v.contains(&item.reference) {
                        v.push(item.reference.clone());
                    }
                }
                self.reports.insert(item.reference.clone(), item.clone());
            }
            _ => {}
        }
    }

    /// A ServiceRequest or Encounter by reference.
    pub fn node(&self, reference: &str) -> Option<&LinkNode> {
        self.nodes.get(reference)
    }

    /// The DiagnosticReports whose `result` lists this item.
    pub fn reports_of<'a>(&'a self, item: &ItemFacts) -> impl Iterator<Item = &'a ItemFacts> + 'a {
        self.report_of
            .get(&item.reference)
            .into_iter()
            .flatten()
            .filter_map(|r| self.reports.get(r))
    }

    /// The category with the graph's knowledge: the Task of a requisition is results.
    pub fn category_of(&self, item: &ItemFacts) -> Option<Category> {
        if item.resource_type == "Task" && item.category == Some(Category::Documents) {
            let serves_requisition = item
                .focus
                .iter()
                .chain(&item.based_on)
                .any(|r| self.nodes.get(r).is_some_and(|n| n.requisition));
            if serves_requisition {
                return Some(Category::Results);
            }
        }
        item.category
    }

    /// Everything `item` is linked to in the sense of § 4: the item itself, its direct
    /// link targets (`basedOn`, `replaces`, `context.related`, encounters and what those
    /// encounters are `basedOn`), the ancestors of any ServiceRequest among them
    /// (recursively), and the same for the reports the item belongs to. A grant on R
    /// with meaning `related` covers the item iff R is in this list.
    pub fn linked<'a>(&'a self, item: &'a ItemFacts) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = Vec::with_capacity(8);
        let mut stack: Vec<&'a str> = Vec::with_capacity(8);
        self.seed(item, &mut stack);
        for report in self.reports_of(item) {
            stack.push(&report.reference);
            self.seed(report, &mut stack);
        }
        while let Some(r) = stack.pop() {
            if out.contains(&r) {
                continue;
            }
            out.push(r);
            if let Some(n) = self.nodes.get(r) {
                if n.service_request {
                    stack.extend(n.parents.iter().map(String::as_str));
                }
            }
        }
        out
    }

    /// Is `item` linked to `referral` (§ 4)?
    pub fn is_linked(&self, item: &ItemFacts, referral: &str) -> bool {
        self.linked(item).contains(&referral)
    }

    fn seed<'a>(&'a self, item: &'a ItemFacts, stack: &mut Vec<&'a str>) {
        stack.push(&item.reference);
        stack.extend(
            item.based_on
                .iter()
                .chain(&item.replaces)
                .chain(&item.related)
                .map(String::as_str),
        );
        for e in &item.encounters {
            stack.push(e);
            if let Some(n) = self.nodes.get(e.as_str()) {
                stack.extend(n.parents.iter().map(String::as_str));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::item_facts;
    use chrono::TimeZone;
    use serde_json::json;

    fn facts(v: serde_json::Value) -> ItemFacts {
        item_facts(
            &v,
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            Some("974"),
        )
    }

    #[test]
    fn onward_referrals_encounters_and_reports_link_to_the_first_referral() {
        let r1 = facts(json!({"resourceType": "ServiceRequest", "id": "r1"}));
        let r2 = facts(
            json!({"resourceType": "ServiceRequest", "id": "r2", "basedOn": [{"reference": "ServiceRequest/r1"}]}),
        );
        let r3 = facts(
            json!({"resourceType": "ServiceRequest", "id": "r3", "replaces": [{"reference": "ServiceRequest/r2"}]}),
        );
        let enc = facts(
            json!({"resourceType": "Encounter", "id": "e1", "basedOn": [{"reference": "ServiceRequest/r3"}]}),
        );
        let doc = facts(
            json!({"resourceType": "DocumentReference", "id": "d1", "context": {"encounter": [{"reference": "Encounter/e1"}]}}),
        );
        let rep = facts(
            json!({"resourceType": "DiagnosticReport", "id": "dr", "basedOn": [{"reference": "ServiceRequest/r2"}],
            "result": [{"reference": "Observation/o1"}]}),
        );
        let obs = facts(json!({"resourceType": "Observation", "id": "o1"}));
        let other = facts(json!({"resourceType": "DocumentReference", "id": "d2"}));
        let g = LinkGraph::from_items([&r1, &r2, &r3, &enc, &doc, &rep, &obs, &other]);
        for item in [&r1, &r2, &r3, &enc, &doc, &rep, &obs] {
            assert!(g.is_linked(item, "ServiceRequest/r1"), "{}", item.reference);
        }
        assert!(!g.is_linked(&other, "ServiceRequest/r1"));
        assert!(!g.is_linked(&r1, "ServiceRequest/r2"));
        let mut linked = g.linked(&obs);
        linked.sort_unstable();
        assert_eq!(
            linked,
            vec![
                "DiagnosticReport/dr",
                "Observation/o1",
                "ServiceRequest/r1",
                "ServiceRequest/r2"
            ]
        );
    }

    #[test]
    fn cycles_terminate_and_requisition_tasks_are_results() {
        let a = facts(
            json!({"resourceType": "ServiceRequest", "id": "a", "basedOn": [{"reference": "ServiceRequest/b"}],
            "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "108252007"}]}]}),
        );
        let b = facts(
            json!({"resourceType": "ServiceRequest", "id": "b", "basedOn": [{"reference": "ServiceRequest/a"}]}),
        );
        let task = facts(
            json!({"resourceType": "Task", "id": "t", "focus": {"reference": "ServiceRequest/a"}}),
        );
        let g = LinkGraph::from_items([&a, &b, &task]);
        assert_eq!(g.linked(&a).len(), 2);
        assert_eq!(g.category_of(&task), Some(Category::Results));
        assert_eq!(g.category_of(&b), Some(Category::Referrals));
    }
}
