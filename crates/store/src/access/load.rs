//! Loading what the gate needs: per patient its facts, grants and link graph; per
//! request the references that denote the principal; per store the policy
//! configuration with the region's paediatric units.
//!
//! These loads read through the backend directly: they are the policy's own inputs,
//! never returned to the caller, and not themselves accesses to log.
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use nordlys_policy::{
    grant_from_consent, patient_facts, relation_candidates, Grant, ItemFacts, LinkGraph,
    PolicyConfig, Principal,
};
use serde_json::{json, Value};

use super::{AccessGate, PatientBase, PatientView};
use crate::context::RequestContext;
use crate::error::StoreResult;
use crate::model::{ItemColumns, ResourceKey};
use crate::search::{Clause, Condition, SearchPlan, SystemMatch};
use crate::service::FhirStore;

/// The policy configuration, with the paediatric units found among the stored
/// Organizations; rebuilt after an Organization is written.
#[derive(Default)]
pub(crate) struct PolicyCache {
    base: PolicyConfig,
    built: RwLock<Option<Arc<PolicyConfig>>>,
}

impl PolicyCache {
    pub(crate) fn new(base: PolicyConfig) -> Self {
        PolicyCache {
            base,
            built: RwLock::new(None),
        }
    }

    /// Forget the built configuration (an Organization changed).
    pub(crate) fn invalidate(&self) {
        if let Ok(mut b) = self.built.write() {
            *b = None;
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

fn bodies_of(stored: Vec<crate::model::StoredResource>) -> Vec<Value> {
    stored
        .iter()
        .filter_map(|s| serde_json::from_str(&s.body).ok())
        .collect()
}

impl FhirStore {
    async fn policy_config(&self, ctx: &RequestContext) -> StoreResult<Arc<PolicyConfig>> {
        if let Ok(b) = self.policy.built.read() {
            if let Some(c) = b.as_ref() {
                return Ok(c.clone());
            }
        }
        let hits = self
            .backend
            .search(ctx, &plan("Organization", Vec::new()))
            .await?;
        let keys: Vec<ResourceKey> = hits.into_iter().map(|h| h.key).collect();
        let orgs = bodies_of(self.backend.read_many(ctx, &keys).await?);
        let mut config = self.policy.base.clone();
        config.add_paediatric_units(&orgs);
        let config = Arc::new(config);
        if let Ok(mut b) = self.policy.built.write() {
            *b = Some(config.clone());
        }
        Ok(config)
    }

    async fn load_base(&self, ctx: &RequestContext, patient_id: &str) -> StoreResult<PatientBase> {
        let patient = self
            .backend
            .read_current(ctx, &ResourceKey::new("Patient", patient_id))
            .await?;
        let patient: Value = patient
            .filter(|p| !p.deleted)
            .and_then(|p| serde_json::from_str(&p.body).ok())
            .unwrap_or_else(|| json!({"resourceType": "Patient", "id": patient_id}));
        let in_compartment = |rt: &str| plan(rt, vec![Clause::Compartment(patient_id.to_string())]);
        let related_keys: Vec<ResourceKey> = self
            .backend
            .search(ctx, &in_compartment("RelatedPerson"))
            .await?
            .into_iter()
            .map(|h| h.key)
            .collect();
        let related = bodies_of(self.backend.read_many(ctx, &related_keys).await?);
        let consent_keys: Vec<ResourceKey> = self
            .backend
            .search(ctx, &in_compartment("Consent"))
            .await?
            .into_iter()
            .map(|h| h.key)
            .collect();
        let grants: Vec<Grant> = bodies_of(self.backend.read_many(ctx, &consent_keys).await?)
            .iter()
            .filter(|c| {
                c.pointer("/category/0/coding/0/system")
                    .and_then(Value::as_str)
                    == Some(GRANT_KIND_SYSTEM)
            })
            .map(|c| {
                grant_from_consent(c)
                    .unwrap_or_else(|_| Grant::unreadable(c.get("id").and_then(Value::as_str)))
            })
            .collect();
        let mut links = LinkGraph::new();
        for rt in LINK_TYPES {
            for hit in self.backend.search(ctx, &in_compartment(rt)).await? {
                if let Some(f) = hit
                    .columns
                    .facts
                    .as_deref()
                    .and_then(|f| serde_json::from_str::<ItemFacts>(f).ok())
                {
                    links.add(&f);
                }
            }
        }
        Ok(PatientBase {
            facts: patient_facts(&patient, &related),
            grants,
            links,
        })
    }

    async fn load_view(&self, ctx: &RequestContext, patient_id: &str) -> StoreResult<PatientView> {
        let base = match self.views.get(patient_id) {
            Some(b) => b,
            None => {
                let generation = self.views.generation();
                let b = Arc::new(self.load_base(ctx, patient_id).await?);
                self.views.put(patient_id, b.clone(), generation);
                b
            }
        };
        let relations = match &ctx.principal {
            Principal::Citizen { pid, .. } => {
                relation_candidates(pid, &base.facts, &base.grants, ctx.now)
            }
            _ => Vec::new(),
        };
        Ok(PatientView { base, relations })
    }

    /// `Practitioner/…` and `Organization/…` references for the principal's HPR number
    /// and organisation number (for named blocks and held referrals).
    async fn principal_refs(&self, ctx: &RequestContext) -> StoreResult<Vec<String>> {
        let key = match &ctx.principal {
            Principal::Practitioner { hpr, orgnr, .. } => format!("p|{hpr}|{orgnr}"),
            Principal::System { orgnr, .. } => format!("s|{orgnr}"),
            Principal::Citizen { .. } => return Ok(Vec::new()),
        };
        let cached = self.views.principals.lock().ok().and_then(|m| {
            m.get(&key)
                .filter(|(at, _)| at.elapsed() < self.views.ttl)
                .map(|(_, r)| r.clone())
        });
        if let Some(refs) = cached {
            return Ok(refs);
        }
        let refs = self.lookup_principal_refs(ctx).await?;
        if let Ok(mut m) = self.views.principals.lock() {
            if m.len() >= self.views.capacity {
                m.clear();
            }
            m.insert(key, (Instant::now(), refs.clone()));
        }
        Ok(refs)
    }

    async fn lookup_principal_refs(&self, ctx: &RequestContext) -> StoreResult<Vec<String>> {
        let mut lookups: Vec<(&str, &str, String)> = Vec::new();
        match &ctx.principal {
            Principal::Practitioner { hpr, orgnr, .. } => {
                lookups.push(("Practitioner", HPR_SYSTEM, hpr.clone()));
                lookups.push(("Organization", ORGNR_SYSTEM, orgnr.clone()));
            }
            Principal::System { orgnr, .. } => {
                lookups.push(("Organization", ORGNR_SYSTEM, orgnr.clone()))
            }
            Principal::Citizen { .. } => {}
        }
        let mut refs = Vec::new();
        for (rt, system, value) in lookups {
            if value.is_empty() {
                continue;
            }
            let token = Condition::Token {
                system: SystemMatch::Is(system.into()),
                code: Some(value),
            };
            let clause = Clause::Match {
                param: "identifier".into(),
                kind: nordlys_fhir::ParamType::Token,
                any_of: vec![token],
            };
            for hit in self.backend.search(ctx, &plan(rt, vec![clause])).await? {
                refs.push(format!("{}/{}", hit.key.resource_type, hit.key.id));
            }
        }
        // A referral sent to a ward is held by the legal entity the ward is part of:
        // the principal's organisation also stands for its units (`partOf`, a few levels).
        let mut frontier: Vec<String> = refs
            .iter()
            .filter(|r| r.starts_with("Organization/"))
            .cloned()
            .collect();
        for _ in 0..3 {
            let mut next = Vec::new();
            for org in &frontier {
                let (t, id) = org.split_once('/').unwrap_or(("Organization", org));
                let cond = Condition::Reference {
                    target_type: Some(t.to_string()),
                    id: id.to_string(),
                };
                let clause = Clause::Match {
                    param: "partof".into(),
                    kind: nordlys_fhir::ParamType::Reference,
                    any_of: vec![cond],
                };
                for hit in self
                    .backend
                    .search(ctx, &plan("Organization", vec![clause]))
                    .await?
                {
                    let r = format!("Organization/{}", hit.key.id);
                    if !refs.contains(&r) {
                        refs.push(r.clone());
                        next.push(r);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        Ok(refs)
    }

    /// Loads what the gate does not know yet about these items: their patients' views,
    /// and for access-log entries the facts of the items they are about.
    pub(crate) async fn extend_gate<'a, I>(
        &self,
        ctx: &RequestContext,
        gate: &mut AccessGate,
        items: I,
    ) -> StoreResult<()>
    where
        I: IntoIterator<Item = &'a ItemColumns>,
    {
        let mut patients = BTreeSet::new();
        let mut audited = BTreeSet::new();
        let mut binaries: Vec<ResourceKey> = Vec::new();
        // Each Binary's own stored (owner, patient): a carrier counts only with the same.
        let mut binary_columns: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
        for c in items {
            if let Some(f) = c.facts.as_deref().filter(|f| f.contains("\"Binary\"")) {
                if let Ok(facts) = serde_json::from_str::<ItemFacts>(f) {
                    if facts.resource_type == "Binary"
                        && !gate.binary_documents.contains_key(&facts.reference)
                    {
                        if let Some((t, id)) = facts.reference.split_once('/') {
                            binaries.push(ResourceKey::new(t, id));
                            binary_columns.insert(
                                facts.reference.clone(),
                                (c.owner_org.clone(), c.patient_id.clone()),
                            );
                        }
                    }
                }
            }
            if let Some(p) = &c.patient_id {
                if !gate.views.contains_key(p) {
                    patients.insert(p.clone());
                }
            }
            if let Some(f) = c.facts.as_deref().filter(|f| f.contains("\"AuditEvent\"")) {
                if let Ok(facts) = serde_json::from_str::<ItemFacts>(f) {
                    audited.extend(
                        facts
                            .entities
                            .into_iter()
                            .filter(|r| !gate.audited.contains_key(r)),
                    );
                }
            }
        }
        let keys: Vec<ResourceKey> = audited
            .iter()
            .filter_map(|r| r.split_once('/'))
            .map(|(t, i)| ResourceKey::new(t, i))
            .collect();
        if !keys.is_empty() {
            for s in self.backend.read_many(ctx, &keys).await? {
                if let Some(f) = s
                    .columns
                    .facts
                    .as_deref()
                    .and_then(|f| serde_json::from_str::<ItemFacts>(f).ok())
                {
                    gate.audited
                        .insert(format!("{}/{}", s.resource_type, s.id), f);
                }
            }
        }
        if !binaries.is_empty() {
            let mut docs = self
                .backend
                .referencing(
                    ctx,
                    &binaries,
                    "DocumentReference",
                    crate::interactions::prepare::BINARY_LINK_PARAM,
                )
                .await?;
            // Attachments of dialog messages follow their message (docs/dialog.md).
            docs.extend(
                self.backend
                    .referencing(
                        ctx,
                        &binaries,
                        "Communication",
                        crate::interactions::prepare::BINARY_LINK_PARAM,
                    )
                    .await?,
            );
            let doc_keys: Vec<ResourceKey> = docs.iter().map(|h| h.key.clone()).collect();
            let bodies = self.backend.read_many(ctx, &doc_keys).await?;
            for b in &binaries {
                gate.binary_documents
                    .insert(format!("{}/{}", b.resource_type, b.id), Vec::new());
            }
            for doc in bodies {
                if let Some(p) = &doc.columns.patient_id {
                    if !gate.views.contains_key(p) {
                        patients.insert(p.clone());
                    }
                }
                let Ok(v) = serde_json::from_str::<Value>(&doc.body) else {
                    continue;
                };
                for link in crate::interactions::prepare::binary_targets(&v) {
                    if !carries(binary_columns.get(&link), &doc.columns) {
                        // Another organisation's (or patient's) item pointing at this
                        // Binary opens nothing: no content laundering through a link.
                        continue;
                    }
                    if let Some(list) = gate.binary_documents.get_mut(&link) {
                        list.push(doc.columns.clone());
                    }
                }
            }
        }
        for p in patients {
            let view = self.load_view(ctx, &p).await?;
            gate.views.insert(p, view);
        }
        Ok(())
    }

    /// A gate for these items (their patients and audited items loaded).
    pub(crate) async fn gate<'a, I>(
        &self,
        ctx: &RequestContext,
        items: I,
    ) -> StoreResult<AccessGate>
    where
        I: IntoIterator<Item = &'a ItemColumns>,
    {
        let nobody_facts = patient_facts(&json!({"resourceType": "Patient", "id": "-"}), &[]);
        let mut gate = AccessGate {
            ctx: ctx.clone(),
            config: self.policy_config(ctx).await?,
            views: HashMap::new(),
            audited: HashMap::new(),
            binary_documents: HashMap::new(),
            principal_refs: self.principal_refs(ctx).await?,
            nobody: PatientView {
                base: Arc::new(PatientBase {
                    facts: nobody_facts,
                    grants: Vec::new(),
                    links: LinkGraph::new(),
                }),
                relations: Vec::new(),
            },
        };
        self.extend_gate(ctx, &mut gate, items).await?;
        Ok(gate)
    }
}

/// Types whose writes change a patient's base view (facts, grants, link graph).
pub(crate) const VIEW_TYPES: [&str; 6] = [
    "Patient",
    "RelatedPerson",
    "Consent",
    "ServiceRequest",
    "Encounter",
    "DiagnosticReport",
];
const LINK_TYPES: [&str; 3] = ["ServiceRequest", "Encounter", "DiagnosticReport"];

/// Patients' base views across requests. Exact on one server (every write that
/// touches a view drops it); with several servers on one PostgreSQL database the TTL
/// bounds how long another server's change can go unseen.
pub(crate) struct ViewCache {
    map: Mutex<Views>,
    /// Bumped by every invalidation of a patient's view.
    generation: AtomicU64,
    /// `Practitioner/…`/`Organization/…` references per principal key.
    principals: Mutex<HashMap<String, (Instant, Vec<String>)>>,
    ttl: Duration,
    capacity: usize,
}

/// The cached views and, per patient, when its view was last invalidated: a view
/// loaded across an invalidation *of that patient* is not cached, so a load racing a
/// commit can never put an older view back — while loads of other patients, racing
/// unrelated writes, still are (a global stamp made every load under a steady write
/// load uncacheable).
#[derive(Default)]
struct Views {
    views: HashMap<String, (Instant, Arc<PatientBase>)>,
    stamps: HashMap<String, u64>,
    /// Stamps older than this were forgotten (to bound memory): a patient without a
    /// stamp counts as invalidated at `floor`.
    floor: u64,
}

impl ViewCache {
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        ViewCache {
            map: Mutex::new(Views::default()),
            generation: AtomicU64::new(0),
            principals: Mutex::new(HashMap::new()),
            ttl,
            capacity,
        }
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn get(&self, patient_id: &str) -> Option<Arc<PatientBase>> {
        let map = self.map.lock().ok()?;
        map.views
            .get(patient_id)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, b)| b.clone())
    }

    fn put(&self, patient_id: &str, base: Arc<PatientBase>, loaded_at: u64) {
        if let Ok(mut map) = self.map.lock() {
            let last = map.stamps.get(patient_id).copied().unwrap_or(map.floor);
            if last > loaded_at {
                return;
            }
            if map.views.len() >= self.capacity {
                map.views.clear();
            }
            map.views
                .insert(patient_id.to_string(), (Instant::now(), base));
        }
    }

    /// Drops the views these writes change.
    pub(crate) fn invalidate<'a>(
        &self,
        writes: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) {
        let Ok(mut map) = self.map.lock() else { return };
        for (rt, patient) in writes {
            if rt == "Practitioner" || rt == "Organization" {
                if let Ok(mut p) = self.principals.lock() {
                    p.clear();
                }
            }
            if let Some(p) = patient.filter(|_| VIEW_TYPES.contains(&rt)) {
                let stamp = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
                map.views.remove(p);
                if map.stamps.len() >= self.capacity {
                    map.stamps.clear();
                    map.floor = stamp;
                }
                map.stamps.insert(p.to_string(), stamp);
            }
        }
    }
}

/// The grant-kind code system of contract.md.
pub(crate) const GRANT_KIND_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/grant-kind";
const HPR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.4";
const ORGNR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.101";

/// Whether `carrier` may decide the Binary whose stored (owner, patient) is `binary`:
/// only with the same owner organisation, and the same patient where the Binary has
/// one (R4 puts Binary in no patient compartment, so most are stored without).
fn carries(binary: Option<&(Option<String>, Option<String>)>, carrier: &ItemColumns) -> bool {
    let Some((owner, patient)) = binary else {
        return false;
    };
    owner == &carrier.owner_org && (patient.is_none() || patient == &carrier.patient_id)
}

#[cfg(test)]
mod view_cache_tests {
    use super::*;

    fn base() -> Arc<PatientBase> {
        Arc::new(PatientBase {
            facts: patient_facts(&json!({"resourceType": "Patient", "id": "p"}), &[]),
            grants: Vec::new(),
            links: LinkGraph::new(),
        })
    }

    #[test]
    fn a_load_racing_its_own_patients_write_is_not_cached_but_others_are() {
        let cache = ViewCache::new(Duration::from_secs(60), 10);
        let loaded_at = cache.generation();
        cache.invalidate([("Consent", Some("a"))]);
        cache.put("a", base(), loaded_at);
        assert!(cache.get("a").is_none(), "a's view predates a's new grant");
        cache.put("b", base(), loaded_at);
        assert!(cache.get("b").is_some(), "b was not written");
        cache.invalidate([("Appointment", Some("b"))]);
        assert!(cache.get("b").is_some(), "an Appointment changes no view");
        cache.invalidate([("RelatedPerson", Some("b"))]);
        assert!(cache.get("b").is_none());
    }

    #[test]
    fn forgotten_stamps_count_as_recent() {
        let cache = ViewCache::new(Duration::from_secs(60), 2);
        let loaded_at = cache.generation();
        for p in ["x", "y", "z"] {
            cache.invalidate([("Consent", Some(p))]);
        }
        // x's stamp was dropped with the others when the table filled up; the floor
        // still keeps x's older load out.
        cache.put("x", base(), loaded_at);
        assert!(cache.get("x").is_none());
        cache.put("x", base(), cache.generation());
        assert!(cache.get("x").is_some());
    }
}
