//! The generated leak test: random small worlds (seeded), loaded into a store, then
//! every principal on every read path, compared item by item with an oracle that
//! computes the expected visibility straight from the generated JSON with
//! `nordlys_policy` (see `leak/oracle.rs`).
//!
//! Why: the access policy is the product's core and is applied on many paths (read,
//! vread, search with `_include`/`_revinclude`, chains and `_has`, `_summary=count`,
//! history, `$everything`, batch, the access log). A single path that forgets the gate,
//! or applies it to the wrong thing, leaks. Hand-written tests cover the paths one
//! rule at a time; this covers the cross product with exact sets — never more, and
//! never less (a missing visible item is also a failure).
//!
//! Each backend runs [`leak_suite`] with a function that makes a fresh backend.
//! Failures print the seed, principal, path and item (grouped, four of each kind;
//! `NORDLYS_LEAK_VERBOSE=1` prints every one); `NORDLYS_LEAK_SEEDS=1,2,3` chooses the
//! worlds (default [`SEEDS`]).
mod build;
mod check;
mod log;
mod oracle;
mod reads;
mod search;
mod world;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use nordlys_policy::{Principal, Purpose, SecurityLevel};
use nordlys_store::{Backend, FhirStore, RequestContext, ResourceKey, StoreConfig};
use serde_json::Value;

pub use check::Finding;
pub use world::{generate, World};

use crate::fixtures::{HOSPITAL_ORG, OTHER_ORG};
use check::{Checker, Who};
use oracle::Oracle;

/// The worlds run by default.
pub const SEEDS: [u64; 3] = [11, 2024, 7_000_001];

/// The seeds to run: `NORDLYS_LEAK_SEEDS` (comma-separated) or [`SEEDS`].
pub fn seeds() -> Vec<u64> {
    match std::env::var("NORDLYS_LEAK_SEEDS") {
        Ok(s) => s.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        Err(_) => SEEDS.to_vec(),
    }
}

/// What one world covered and found.
#[derive(Debug, Clone)]
pub struct WorldReport {
    pub seed: u64,
    pub items: usize,
    pub principals: usize,
    pub calls: u64,
    pub assertions: u64,
    pub findings: Vec<Finding>,
    pub seconds: f64,
    /// Time per path.
    pub phases: String,
    /// Item reads whose expected level was none / metadata / full.
    pub levels: [u64; 3],
}

fn principals(world: &World, oracle: &Oracle) -> Vec<Who> {
    let mut out: Vec<(Principal, String)> = world
        .citizens
        .iter()
        .map(|c| {
            (
                Principal::Citizen {
                    pid: c.pid.clone(),
                    level: SecurityLevel::High,
                },
                format!("citizen {} [{}]", c.who, c.pid),
            )
        })
        .collect();
    if let Some(c) = world.citizens.iter().find(|c| c.who.starts_with("patient")) {
        out.push((
            Principal::Citizen {
                pid: c.pid.clone(),
                level: SecurityLevel::Substantial,
            },
            format!("citizen {} at substantial", c.who),
        ));
    }
    for (orgnr, hpr, org) in [
        (HOSPITAL_ORG, world::HPR_A, "A"),
        (OTHER_ORG, world::HPR_B, "B"),
    ] {
        for purpose in [Some(Purpose::Treat), Some(Purpose::EmergencyTreat), None] {
            let p = Principal::Practitioner {
                hpr: hpr.into(),
                orgnr: orgnr.into(),
                purpose,
            };
            out.push((
                p,
                format!(
                    "practitioner of org {org} ({orgnr}) purpose {}",
                    purpose.map_or("none", Purpose::code)
                ),
            ));
        }
        let s = Principal::System {
            client_id: format!("system-{org}"),
            orgnr: orgnr.into(),
            scopes: vec!["system/*.read".into()],
        };
        out.push((s, format!("system of org {org} ({orgnr})")));
    }
    out.into_iter()
        .map(|(principal, label)| Who {
            refs: oracle.principal_refs(&principal),
            principal,
            label,
        })
        .collect()
}

/// Loads the world: first versions grouped by owner, then the second versions.
async fn load(store: &FhirStore, world: &World) -> Result<(), String> {
    let rounds = world
        .items
        .iter()
        .map(|i| i.versions.len())
        .max()
        .unwrap_or(1);
    for round in 0..rounds {
        let mut by_owner: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for item in &world.items {
            if let Some(v) = item.versions.get(round) {
                by_owner
                    .entry(item.owner.as_str())
                    .or_default()
                    .push(v.clone());
            }
        }
        for (owner, resources) in by_owner {
            let sent = resources.clone();
            let report = store
                .unchecked_import(resources, Some(owner))
                .await
                .map_err(|e| format!("import: {e:?}"))?;
            if let Some((i, why)) = report.failed.first() {
                return Err(format!("import refused {} of the world: {why}", sent[*i]));
            }
        }
    }
    Ok(())
}

/// The bodies the backend stored, per version.
async fn stored_bodies(
    backend: &Arc<dyn Backend>,
    world: &World,
) -> Result<std::collections::HashMap<String, Vec<Value>>, String> {
    let ctx = RequestContext::new(Principal::System {
        client_id: "leak-test".into(),
        orgnr: String::new(),
        scopes: Vec::new(),
    });
    let mut out = std::collections::HashMap::new();
    for item in &world.items {
        let key = ResourceKey::new(item.resource_type(), item.id());
        let mut versions = Vec::new();
        for v in 1..=item.versions.len() {
            let s = backend
                .read_version(&ctx, &key, v as i64)
                .await
                .map_err(|e| format!("{e:?}"))?;
            let s = s.ok_or_else(|| format!("{} v{v} was not stored", item.reference()))?;
            versions.push(serde_json::from_str(&s.body).map_err(|e| e.to_string())?);
        }
        out.insert(item.reference(), versions);
    }
    Ok(out)
}

/// Generates, loads and checks the world of `seed` on `backend` (fresh and migrated).
pub async fn check_world(backend: Arc<dyn Backend>, seed: u64) -> WorldReport {
    let started = Instant::now();
    let store = FhirStore::new(backend.clone(), StoreConfig::default());
    let today = nordlys_policy::oslo_today(Utc::now());
    let world = generate(seed, today);
    let stored_at = Utc::now();
    let fatal = |problem: String| WorldReport {
        seed,
        items: 0,
        principals: 0,
        calls: 0,
        assertions: 0,
        findings: vec![Finding {
            seed,
            principal: "-".into(),
            path: "load".into(),
            item: "-".into(),
            problem,
        }],
        seconds: 0.0,
        phases: String::new(),
        levels: [0; 3],
    };
    if let Err(e) = load(&store, &world).await {
        return fatal(e);
    }
    let stored = match stored_bodies(&backend, &world).await {
        Ok(s) => s,
        Err(e) => return fatal(e),
    };
    let oracle = Oracle::new(&world, stored_at, Utc::now());
    let whos = principals(&world, &oracle);
    let index = check::index_of(&stored);
    let mut c = Checker {
        store: &store,
        backend,
        world: &world,
        oracle: &oracle,
        stored,
        index,
        redacted_index: Default::default(),
        findings: Vec::new(),
        levels: [0; 3],
        calls: 0,
        assertions: 0,
    };
    let mut phases = [0f64; 8];
    for who in &whos {
        let mut t = Instant::now();
        let mut lap = |i: usize, t: &mut Instant| {
            phases[i] += t.elapsed().as_secs_f64();
            *t = Instant::now();
        };
        c.reads(who).await;
        lap(0, &mut t);
        c.type_searches(who).await;
        lap(1, &mut t);
        c.include_searches(who).await;
        lap(2, &mut t);
        c.chain_searches(who).await;
        lap(3, &mut t);
        c.histories(who).await;
        lap(4, &mut t);
        c.everything(who).await;
        lap(5, &mut t);
        c.batches(who).await;
        lap(6, &mut t);
    }
    let t = Instant::now();
    let log = c.log_snapshot().await;
    for who in &whos {
        c.access_log(who, &log).await;
    }
    phases[7] = t.elapsed().as_secs_f64();
    let phases = PHASES
        .iter()
        .zip(phases)
        .map(|(n, s)| format!("{n} {s:.1}s"))
        .collect::<Vec<_>>()
        .join(", ");
    WorldReport {
        seed,
        items: world.items.len(),
        principals: whos.len(),
        calls: c.calls,
        assertions: c.assertions,
        findings: c.findings,
        seconds: started.elapsed().as_secs_f64(),
        phases,
        levels: c.levels,
    }
}

const PHASES: [&str; 8] = [
    "read/vread",
    "search",
    "include",
    "chain/_has",
    "history",
    "$everything",
    "batch",
    "access log",
];

/// Runs every seed, each on a fresh backend from `fresh` (whose second value, e.g. a
/// database guard, is dropped after the world), prints the coverage, and panics with
/// the findings grouped by path and problem if there are any.
pub async fn leak_suite<F, Fut, G>(backend_name: &str, fresh: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = (Arc<dyn Backend>, G)>,
{
    let mut reports = Vec::new();
    for seed in seeds() {
        let (backend, guard) = fresh().await;
        let r = check_world(backend, seed).await;
        drop(guard);
        eprintln!(
            "leak test [{backend_name}] seed {}: {} items, {} principals, {} calls, {} assertions, reads expected none/metadata/full {:?}, {} findings, {:.1} s ({})",
            r.seed, r.items, r.principals, r.calls, r.assertions, r.levels, r.findings.len(), r.seconds, r.phases
        );
        if std::env::var_os("NORDLYS_LEAK_VERBOSE").is_some() {
            r.findings.iter().for_each(|f| eprintln!("  {f}"));
        }
        reports.push(r);
    }
    let findings: Vec<&Finding> = reports.iter().flat_map(|r| &r.findings).collect();
    if findings.is_empty() {
        return;
    }
    let mut groups: BTreeMap<(String, String), Vec<&Finding>> = BTreeMap::new();
    for f in &findings {
        let path = f
            .path
            .split(['?', ' ', '('])
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        let problem = f.problem.split(':').next().unwrap_or_default().to_string();
        groups.entry((path, problem)).or_default().push(f);
    }
    let mut text = format!("{} leak-test findings on {backend_name}:\n", findings.len());
    for ((path, problem), fs) in &groups {
        text.push_str(&format!("\n== {path} / {problem}: {} ==\n", fs.len()));
        for f in fs.iter().take(4) {
            text.push_str(&format!("  {f}\n"));
        }
    }
    panic!("{text}");
}
