//! Searching only through what the principal can see (§ 1: a hidden item "does not
//! exist"; a metadata item shows "no clinical content").
//!
//! Why this is more than filtering the final hits: a chained parameter
//! (`Observation?subject:Patient.name=…`) or `_has` (`Patient?_has:Observation:subject:code=…`)
//! matches through *other* items, and SQL evaluates them over every stored item. A
//! hit found through a hidden item tells the principal that item exists (and what it
//! contains). Likewise a metadata-level item must not match on an element its
//! metadata view removes (an Observation's masked code, a report's `result` links),
//! nor may `_include`/`_revinclude` follow such a removed reference.
//!
//! So: chains and `_has` are resolved here first — the inner clause is searched on
//! its own, its hits go through the gate, and the clause is replaced by the ids it
//! reaches through visible items — and every hit seen at metadata is kept only if
//! the index entries of the parameters it was matched on are the same in its
//! redacted view. Older versions are seen no more than the current version is.
use std::future::Future;
use std::pin::Pin;

use nordlys_fhir::{extract_index, IndexEntry, ParamType};
use nordlys_policy::{redact_with, Decision, Level};
use serde_json::Value;

use super::AccessGate;
use crate::backend::Hit;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{ItemColumns, ResourceKey, StoredResource};
use crate::search::{Clause, Condition, SearchPlan};
use crate::service::FhirStore;

/// Most resources a chain or `_has` may resolve to (each becomes a bound parameter).
const MAX_LINKED: usize = 5000;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

fn stricter(a: Decision, b: Decision) -> Decision {
    if b.level < a.level {
        b
    } else {
        a
    }
}

fn entries<'a>(
    index: &'a [IndexEntry],
    param: &'a str,
) -> impl Iterator<Item = &'a IndexEntry> + 'a {
    index.iter().filter(move |e| e.param == param)
}

/// The parameters the clauses read on the resource itself (not through other items).
pub(crate) fn clause_params(clauses: &[Clause]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in clauses {
        let p = match c {
            Clause::Match { param, .. }
            | Clause::NotMatch { param, .. }
            | Clause::Missing { param, .. }
            | Clause::Chain { param, .. } => param,
            _ => continue,
        };
        if !out.contains(p) {
            out.push(p.clone());
        }
    }
    out
}

impl AccessGate {
    /// The decision for a stored version: no looser than for the item's current
    /// version (a label added later also closes the older versions).
    pub fn decide_version(&self, version: &ItemColumns, current: Option<&ItemColumns>) -> Decision {
        let d = self.decide(version);
        match current {
            Some(c) if c != version => stricter(d, self.decide(c)),
            _ => d,
        }
    }

    /// [`AccessGate::shape`] for an older version, decided by [`AccessGate::decide_version`].
    pub fn shape_version(
        &self,
        stored: StoredResource,
        current: Option<&ItemColumns>,
    ) -> Option<StoredResource> {
        let decision = self.decide_version(&stored.columns, current);
        match decision.level {
            Level::None => None,
            Level::Full => Some(stored),
            Level::Metadata => {
                let value = serde_json::from_str::<Value>(&stored.body).ok()?;
                let body = redact_with(&value, decision.redaction()).to_string();
                Some(StoredResource { body, ..stored })
            }
        }
    }

    /// May this item be matched on (or followed through) `params`? At full, yes; at
    /// metadata only if its redacted view has the same index entries for them (`*`:
    /// every reference parameter); hidden, never.
    pub fn matchable(&self, stored: &StoredResource, params: &[String]) -> bool {
        let d = self.decide(&stored.columns);
        match d.level {
            Level::None => false,
            Level::Full => true,
            Level::Metadata => {
                let Ok(body) = serde_json::from_str::<Value>(&stored.body) else {
                    return false;
                };
                let before = extract_index(&body);
                let after = extract_index(&redact_with(&body, d.redaction()));
                let mut names: Vec<&str> = params
                    .iter()
                    .map(String::as_str)
                    .filter(|p| *p != "*")
                    .collect();
                if params.iter().any(|p| p == "*") {
                    names.extend(
                        before
                            .iter()
                            .filter(|e| {
                                matches!(e.value, nordlys_fhir::IndexValue::Reference { .. })
                            })
                            .map(|e| e.param.as_str()),
                    );
                }
                names
                    .iter()
                    .all(|p| entries(&before, p).eq(entries(&after, p)))
            }
        }
    }
}

fn plan(resource_type: &str, clauses: Vec<Clause>) -> SearchPlan {
    SearchPlan {
        resource_type: resource_type.to_string(),
        clauses,
        sort: Vec::new(),
    }
}

impl FhirStore {
    /// The plan with every chain and `_has` replaced by what it reaches through items
    /// this principal may match (see the module doc).
    pub(crate) async fn gate_links(
        &self,
        ctx: &RequestContext,
        gate: &mut AccessGate,
        p: &SearchPlan,
    ) -> StoreResult<SearchPlan> {
        let mut clauses = Vec::with_capacity(p.clauses.len());
        for c in &p.clauses {
            clauses.push(self.resolve_clause(ctx, gate, &p.resource_type, c).await?);
        }
        Ok(SearchPlan {
            clauses,
            ..p.clone()
        })
    }

    fn resolve_clause<'a>(
        &'a self,
        ctx: &'a RequestContext,
        gate: &'a mut AccessGate,
        resource_type: &'a str,
        clause: &'a Clause,
    ) -> BoxFuture<'a, StoreResult<Clause>> {
        Box::pin(async move {
            match clause {
                Clause::Chain {
                    param,
                    target_types,
                    inner,
                } => {
                    let mut any_of = Vec::new();
                    for t in target_types {
                        let inner = self.resolve_clause(ctx, gate, t, inner).await?;
                        let params = clause_params(std::slice::from_ref(&inner));
                        let hits = self.backend.search(ctx, &plan(t, vec![inner])).await?;
                        for h in self.keep_matchable(ctx, gate, hits, &params).await? {
                            any_of.push(Condition::Reference {
                                target_type: Some(t.clone()),
                                id: h.key.id,
                            });
                        }
                    }
                    if any_of.len() > MAX_LINKED {
                        return Err(too_many(param));
                    }
                    Ok(if any_of.is_empty() {
                        Clause::Nothing
                    } else {
                        Clause::Match {
                            param: param.clone(),
                            kind: ParamType::Reference,
                            any_of,
                        }
                    })
                }
                Clause::Has {
                    source_type,
                    source_param,
                    inner,
                } => {
                    let inner = self.resolve_clause(ctx, gate, source_type, inner).await?;
                    let mut params = clause_params(std::slice::from_ref(&inner));
                    params.push(source_param.clone());
                    let hits = self
                        .backend
                        .search(ctx, &plan(source_type, vec![inner]))
                        .await?;
                    let sources: Vec<ResourceKey> = self
                        .keep_matchable(ctx, gate, hits, &params)
                        .await?
                        .into_iter()
                        .map(|h| h.key)
                        .collect();
                    let mut ids: Vec<String> = Vec::new();
                    if !sources.is_empty() {
                        for h in self
                            .backend
                            .referenced_by(ctx, &sources, std::slice::from_ref(source_param))
                            .await?
                        {
                            if h.key.resource_type == resource_type && !ids.contains(&h.key.id) {
                                ids.push(h.key.id);
                            }
                        }
                    }
                    if ids.len() > MAX_LINKED {
                        return Err(too_many(&format!("_has:{source_type}:{source_param}")));
                    }
                    Ok(if ids.is_empty() {
                        Clause::Nothing
                    } else {
                        Clause::Id(ids)
                    })
                }
                other => Ok(other.clone()),
            }
        })
    }

    /// The hits this principal may see and match on `params` (order kept): hidden ones
    /// go, metadata ones stay only if [`AccessGate::matchable`].
    pub(crate) async fn keep_matchable(
        &self,
        ctx: &RequestContext,
        gate: &mut AccessGate,
        hits: Vec<Hit>,
        params: &[String],
    ) -> StoreResult<Vec<Hit>> {
        self.extend_gate(ctx, gate, hits.iter().map(|h| &h.columns))
            .await?;
        let levels: Vec<Level> = hits.iter().map(|h| gate.decide(&h.columns).level).collect();
        let partial: Vec<ResourceKey> = hits
            .iter()
            .zip(&levels)
            .filter(|(_, l)| **l == Level::Metadata && !params.is_empty())
            .map(|(h, _)| h.key.clone())
            .collect();
        let mut ok: std::collections::HashSet<ResourceKey> = std::collections::HashSet::new();
        if !partial.is_empty() {
            for s in self.backend.read_many(ctx, &partial).await? {
                if gate.matchable(&s, params) {
                    ok.insert(s.key());
                }
            }
        }
        Ok(hits
            .into_iter()
            .zip(levels)
            .filter(|(h, l)| match l {
                Level::None => false,
                Level::Full => true,
                Level::Metadata => params.is_empty() || ok.contains(&h.key),
            })
            .map(|(h, _)| h)
            .collect())
    }

    /// `_sort` must not order by what a metadata view hides: hits seen at metadata
    /// level whose sort parameters the redaction removes or changes are moved after
    /// all others, in id order, as if they had no value (their place would otherwise
    /// tell the hidden code or date). `_id` and `_lastUpdated` are never masked.
    pub(crate) async fn unsort_masked(
        &self,
        ctx: &RequestContext,
        gate: &AccessGate,
        hits: Vec<Hit>,
        sort: &[crate::search::SortKey],
    ) -> StoreResult<Vec<Hit>> {
        let params: Vec<String> = sort
            .iter()
            .map(|k| k.param.clone())
            .filter(|p| !p.starts_with('_'))
            .collect();
        if params.is_empty() {
            return Ok(hits);
        }
        let metadata: Vec<ResourceKey> = hits
            .iter()
            .filter(|h| gate.decide(&h.columns).level == Level::Metadata)
            .map(|h| h.key.clone())
            .collect();
        if metadata.is_empty() {
            return Ok(hits);
        }
        let masked: std::collections::HashSet<ResourceKey> = self
            .backend
            .read_many(ctx, &metadata)
            .await?
            .into_iter()
            .filter(|s| !gate.matchable(s, &params))
            .map(|s| s.key())
            .collect();
        if masked.is_empty() {
            return Ok(hits);
        }
        let (mut keep, mut moved): (Vec<Hit>, Vec<Hit>) =
            hits.into_iter().partition(|h| !masked.contains(&h.key));
        moved.sort_by(|a, b| a.key.id.cmp(&b.key.id));
        keep.extend(moved);
        Ok(keep)
    }

    /// The keys among `keys` whose `param` this principal may follow (`_include`).
    pub(crate) async fn followable(
        &self,
        ctx: &RequestContext,
        gate: &mut AccessGate,
        keys: &[ResourceKey],
        param: &str,
    ) -> StoreResult<Vec<ResourceKey>> {
        let stored = self.backend.read_many(ctx, keys).await?;
        self.extend_gate(ctx, gate, stored.iter().map(|s| &s.columns))
            .await?;
        let params = [param.to_string()];
        let ok: std::collections::HashSet<ResourceKey> = stored
            .iter()
            .filter(|s| gate.matchable(s, &params))
            .map(StoredResource::key)
            .collect();
        Ok(keys.iter().filter(|k| ok.contains(k)).cloned().collect())
    }
}

fn too_many(what: &str) -> StoreError {
    StoreError::NotSupported(format!(
        "'{what}' reaches more than {MAX_LINKED} resources; narrow the search"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clause_params_are_the_parameters_read_on_the_resource_itself() {
        let token = Condition::Token {
            system: crate::search::SystemMatch::Any,
            code: Some("x".into()),
        };
        let code = Clause::Match {
            param: "code".into(),
            kind: ParamType::Token,
            any_of: vec![token.clone()],
        };
        let clauses = vec![
            code.clone(),
            Clause::Chain {
                param: "subject".into(),
                target_types: vec!["Patient".into()],
                inner: Box::new(code.clone()),
            },
            Clause::Has {
                source_type: "Observation".into(),
                source_param: "subject".into(),
                inner: Box::new(code.clone()),
            },
            Clause::Id(vec!["a".into()]),
            Clause::NotMatch {
                param: "code".into(),
                kind: ParamType::Token,
                any_of: vec![token],
            },
            Clause::Compartment("p".into()),
        ];
        assert_eq!(
            clause_params(&clauses),
            vec!["code".to_string(), "subject".to_string()]
        );
    }
}
