//! The checker: runs calls as one principal and compares what comes back with the
//! oracle — never more, never less, metadata items redacted exactly as the policy's
//! redaction — and records every difference as a [`Finding`] naming the seed, the
//! principal, the path and the item.
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use nordlys_fhir::{extract_index, IndexEntry, IndexValue};
use nordlys_policy::{redact_with, Decision, Level, Principal};
use nordlys_store::{Backend, FhirStore, RequestContext, StoredResource};
use serde_json::Value;

use super::oracle::Oracle;
use super::world::World;

/// A principal under test.
#[derive(Debug, Clone)]
pub struct Who {
    pub principal: Principal,
    pub label: String,
    pub refs: Vec<String>,
}

/// One difference between the store and the oracle.
#[derive(Debug, Clone)]
pub struct Finding {
    pub seed: u64,
    pub principal: String,
    pub path: String,
    pub item: String,
    /// `LEAK`, `MISSING`, `SHAPE`, `ERROR`, …, with the expected decision.
    pub problem: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "seed {} | {} | {} | {} | {}",
            self.seed, self.principal, self.path, self.item, self.problem
        )
    }
}

/// Expected hits: `Type/id` (and version for history) → decision.
pub type Expected = BTreeMap<(String, usize), Decision>;

pub struct Checker<'a> {
    /// Prefix of every path in findings (`after change: ` in the second half).
    pub stage: &'static str,
    pub store: &'a FhirStore,
    pub backend: Arc<dyn Backend>,
    pub world: &'a World,
    pub oracle: &'a Oracle,
    /// `Type/id` → stored bodies, one per version (as the backend holds them).
    pub stored: HashMap<String, Vec<Value>>,
    /// Index entries of the current bodies, and of their redacted views (cached).
    pub index: HashMap<String, Vec<IndexEntry>>,
    pub redacted_index: RefCell<HashMap<(String, String), Vec<IndexEntry>>>,
    pub findings: Vec<Finding>,
    /// How often each tricky situation came up (coverage, printed per world).
    pub probes: RefCell<BTreeMap<&'static str, u64>>,
    /// Searches refused (403) and answered for the current principal.
    pub refusals: (u32, u32),
    /// Reads whose expected level was none / metadata / full (coverage).
    pub levels: [u64; 3],
    pub calls: u64,
    pub assertions: u64,
}

fn body_of(s: &StoredResource) -> Value {
    serde_json::from_str(&s.body).unwrap_or(Value::Null)
}

pub fn reason(d: Decision) -> String {
    format!("{:?} ({})", d.level, d.reason.code())
}

impl<'a> Checker<'a> {
    pub fn ctx(&self, who: &Who) -> RequestContext {
        let mut ctx = RequestContext::new(who.principal.clone());
        ctx.now = self.oracle.now;
        ctx
    }

    pub fn expect(&self, who: &Who, reference: &str, version: Option<usize>) -> Decision {
        self.oracle
            .decide(&who.principal, &who.refs, reference, version)
    }

    pub fn fail(&mut self, who: &Who, path: &str, item: &str, problem: String) {
        self.findings.push(Finding {
            seed: self.world.seed,
            principal: who.label.clone(),
            path: format!("{}{path}", self.stage),
            item: item.to_string(),
            problem,
        });
    }

    /// The stored body of `reference` at `version` (current when `None`).
    pub fn stored_body(&self, reference: &str, version: Option<usize>) -> Option<&Value> {
        let versions = self.stored.get(reference)?;
        match version {
            Some(v) => versions.get(v.checked_sub(1)?),
            None => versions.last(),
        }
    }

    /// Compares one returned body with what `decision` allows.
    pub fn check_body(
        &mut self,
        who: &Who,
        path: &str,
        reference: &str,
        version: Option<usize>,
        got: &Value,
        decision: Decision,
    ) {
        self.assertions += 1;
        let Some(stored) = self.stored_body(reference, version).cloned() else {
            self.fail(
                who,
                path,
                reference,
                "returned an item the world does not have".into(),
            );
            return;
        };
        match Oracle::shaped(&stored, decision) {
            None => self.fail(
                who,
                path,
                reference,
                format!("LEAK: returned, expected {}", reason(decision)),
            ),
            Some(want) if &want != got => {
                let redacted = got
                    .pointer("/meta/security")
                    .is_some_and(|s| s.to_string().contains("REDACTED"));
                self.fail(
                    who,
                    path,
                    reference,
                    format!("SHAPE: body differs from the {:?} view (returned redacted: {redacted}), expected {}", decision.level, reason(decision)),
                );
            }
            Some(_) => {}
        }
    }

    /// Compares a list of returned resources with the expected set (by key and version).
    pub fn compare(
        &mut self,
        who: &Who,
        path: &str,
        expected: &Expected,
        got: &[StoredResource],
        versioned: bool,
    ) {
        let mut seen: BTreeMap<(String, usize), usize> = BTreeMap::new();
        for s in got {
            let reference = format!("{}/{}", s.resource_type, s.id);
            let version = if versioned { s.version as usize } else { 0 };
            *seen.entry((reference.clone(), version)).or_default() += 1;
            self.assertions += 1;
            match expected.get(&(reference.clone(), version)) {
                None => {
                    let d = self.expect(who, &reference, versioned.then_some(version));
                    let problem = if reference.starts_with("AuditEvent/") {
                        "LEAK: access-log entry about items this principal may not see".to_string()
                    } else if d.level == Level::None {
                        format!("LEAK: returned, expected {}", reason(d))
                    } else {
                        format!("EXTRA: visible ({}) but must not match here", reason(d))
                    };
                    self.fail(who, path, &format!("{reference} v{}", s.version), problem);
                }
                Some(d) => {
                    let body = body_of(s);
                    self.check_body(
                        who,
                        path,
                        &reference,
                        versioned.then_some(version),
                        &body,
                        *d,
                    );
                }
            }
        }
        for ((reference, version), d) in expected {
            self.assertions += 1;
            match seen.get(&(reference.clone(), *version)) {
                None => self.fail(
                    who,
                    path,
                    &format!("{reference} v{version}"),
                    format!("MISSING: not returned, expected {}", reason(*d)),
                ),
                Some(n) if *n > 1 => self.fail(
                    who,
                    path,
                    reference,
                    format!("DUPLICATE: returned {n} times"),
                ),
                Some(_) => {}
            }
        }
    }

    /// Counts one occurrence of a tricky situation the oracle had to rule on.
    pub fn probe(&self, what: &'static str) {
        *self.probes.borrow_mut().entry(what).or_default() += 1;
    }

    /// Visible items of the world matching `filter`, at their current version.
    pub fn visible(
        &self,
        who: &Who,
        filter: impl Fn(&super::world::Item) -> bool,
        params: &[&str],
    ) -> Expected {
        let mut out = Expected::new();
        for item in self.world.items.iter().filter(|i| filter(i)) {
            let r = item.reference();
            let d = self.expect(who, &r, None);
            if self.searchable(&r, d, params) {
                out.insert((r, 0), d);
            } else if d.level == Level::Metadata {
                self.probe("metadata item on a masked search parameter");
            }
        }
        out
    }

    /// May a search match (or an include follow) `params` of `reference` seen at `d`?
    /// At full, yes; at metadata, only if the redaction leaves their index entries as
    /// they are (see the oracle's doc).
    pub fn searchable(&self, reference: &str, d: Decision, params: &[&str]) -> bool {
        match d.level {
            Level::None => false,
            Level::Full => true,
            Level::Metadata => {
                let Some(before) = self.index.get(reference) else {
                    return false;
                };
                let key = (reference.to_string(), format!("{:?}", d.redaction()));
                let mut cache = self.redacted_index.borrow_mut();
                let after = cache.entry(key).or_insert_with(|| {
                    let body = self
                        .stored_body(reference, None)
                        .cloned()
                        .unwrap_or(Value::Null);
                    extract_index(&redact_with(&body, d.redaction()))
                });
                let of = |idx: &[IndexEntry], p: &str| -> Vec<IndexEntry> {
                    idx.iter().filter(|e| e.param == p).cloned().collect()
                };
                params.iter().all(|p| of(before, p) == of(after, p))
            }
        }
    }

    /// Reference targets (`Type/id`) of `param` in the stored body of `reference`.
    pub fn refs(&self, reference: &str, param: &str) -> Vec<String> {
        let Some(index) = self.index.get(reference) else {
            return Vec::new();
        };
        index
            .iter()
            .filter(|e| e.param == param)
            .filter_map(|e| match &e.value {
                IndexValue::Reference {
                    target_type: Some(t),
                    target_id: Some(id),
                    ..
                } => Some(format!("{t}/{id}")),
                _ => None,
            })
            .collect()
    }
}

/// The search index of every stored current body, computed once.
pub fn index_of(stored: &HashMap<String, Vec<Value>>) -> HashMap<String, Vec<IndexEntry>> {
    stored
        .iter()
        .filter_map(|(r, v)| Some((r.clone(), extract_index(v.last()?))))
        .collect()
}
