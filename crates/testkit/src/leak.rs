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
//! Each backend runs [`leak_suite`] with a function that makes a fresh backend and the
//! number of default worlds its time budget allows (about a minute in a debug build).
//! Failures print the seed, principal, path and item (grouped, four of each kind;
//! `NORDLYS_LEAK_VERBOSE=1` prints every one); `NORDLYS_LEAK_SEEDS=1,2,3` chooses the
//! worlds (default [`SEEDS`]).
mod build;
mod change;
mod check;
mod grants;
mod include;
mod items;
mod log;
mod oracle;
mod reads;
mod search;
mod world;

use std::collections::{BTreeMap, HashMap};
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

/// The worlds run by default (a backend may run only the first few to stay within
/// its time budget, see [`leak_suite`]).
pub const SEEDS: [u64; 3] = [11, 7_000_001, 2024];

/// The seeds to run: `NORDLYS_LEAK_SEEDS` (comma-separated), else the first `default`
/// of [`SEEDS`].
pub fn seeds(default: usize) -> Vec<u64> {
    match std::env::var("NORDLYS_LEAK_SEEDS") {
        Ok(s) => s.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        Err(_) => SEEDS.iter().take(default).copied().collect(),
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
    /// How often each tricky situation came up (the oracle ruled an item out of a
    /// search, chain, `_has` or include that naive filtering would have let through).
    pub probes: BTreeMap<&'static str, u64>,
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

/// Imports the versions of each item after the first `before[i]` (all on the first
/// load), round by round, grouped by owner.
async fn load(store: &FhirStore, world: &World, before: &[usize]) -> Result<(), String> {
    let rounds = world
        .items
        .iter()
        .map(|i| i.versions.len())
        .max()
        .unwrap_or(1);
    for round in 0..rounds {
        let mut by_owner: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for (i, item) in world.items.iter().enumerate() {
            if round < before.get(i).copied().unwrap_or(0) {
                continue;
            }
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
) -> Result<HashMap<String, Vec<Value>>, String> {
    let ctx = RequestContext::new(Principal::System {
        client_id: "leak-test".into(),
        orgnr: String::new(),
        scopes: Vec::new(),
    });
    let mut out = HashMap::new();
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

/// What a stage of a world covered and found.
#[derive(Default)]
struct Tally {
    calls: u64,
    assertions: u64,
    findings: Vec<Finding>,
    levels: [u64; 3],
    probes: BTreeMap<&'static str, u64>,
    principals: usize,
}

impl Tally {
    fn add(&mut self, c: Checker<'_>) {
        self.calls += c.calls;
        self.assertions += c.assertions;
        self.findings.extend(c.findings);
        for (a, b) in self.levels.iter_mut().zip(c.levels) {
            *a += b;
        }
        for (k, v) in c.probes.take() {
            *self.probes.entry(k).or_default() += v;
        }
    }
}

/// One stage: every principal on every path (two lanes), then (first stage) the log.
async fn stage(
    store: &FhirStore,
    backend: &Arc<dyn Backend>,
    world: &World,
    stored_at: chrono::DateTime<Utc>,
    name: &'static str,
    phases: &mut [f64; 9],
    tally: &mut Tally,
) -> Result<(), String> {
    let stored = stored_bodies(backend, world).await?;
    let oracle = Oracle::new(world, stored_at, Utc::now());
    let whos = principals(world, &oracle);
    tally.principals = tally.principals.max(whos.len());
    let index = check::index_of(&stored);
    let make = |stored: HashMap<String, Vec<Value>>| Checker {
        stage: name,
        store,
        backend: backend.clone(),
        world,
        oracle: &oracle,
        index: index.clone(),
        stored,
        redacted_index: Default::default(),
        findings: Vec::new(),
        levels: [0; 3],
        probes: Default::default(),
        refusals: (0, 0),
        calls: 0,
        assertions: 0,
    };
    let (mut c, mut other) = (make(stored.clone()), make(stored));
    // Two lanes of principals at once: the store serves concurrent requests, and a
    // database backend spends most of a call waiting.
    let (mut p1, mut p2) = ([0f64; 9], [0f64; 9]);
    let even: Vec<Who> = whos.iter().step_by(2).cloned().collect();
    let odd: Vec<Who> = whos.iter().skip(1).step_by(2).cloned().collect();
    let t = Instant::now();
    tokio::join!(
        paths(&mut c, &even, &mut p1, name.is_empty()),
        paths(&mut other, &odd, &mut p2, name.is_empty())
    );
    if name.is_empty() {
        for (i, (a, b)) in p1.iter().zip(p2).enumerate() {
            phases[i] += a.max(b);
        }
    } else {
        phases[8] += t.elapsed().as_secs_f64();
    }
    tally.add(other);
    if name.is_empty() {
        let t = Instant::now();
        let log = c.log_snapshot().await;
        let readers = whos.iter().filter(|w| {
            matches!(w.principal, Principal::Citizen { .. })
                || w.label
                    .starts_with("practitioner of org A (983974899) purpose TREAT")
                || w.label.starts_with("system of org A")
        });
        for who in readers {
            c.access_log(who, &log).await;
        }
        phases[7] += t.elapsed().as_secs_f64();
    }
    tally.add(c);
    Ok(())
}

/// Generates, loads and checks the world of `seed` on `backend` (fresh and migrated):
/// every path, then the rules change (see `leak/change.rs`) and every path again.
pub async fn check_world(backend: Arc<dyn Backend>, seed: u64) -> WorldReport {
    let started = Instant::now();
    let store = FhirStore::new(backend.clone(), StoreConfig::default());
    let mut world = generate(seed, nordlys_policy::oslo_today(Utc::now()));
    let stored_at = Utc::now();
    let mut phases = [0f64; 9];
    let mut tally = Tally::default();
    let mut outcome = load(&store, &world, &[]).await;
    if outcome.is_ok() {
        outcome = stage(
            &store,
            &backend,
            &world,
            stored_at,
            "",
            &mut phases,
            &mut tally,
        )
        .await;
    }
    if outcome.is_ok() {
        // Every patient's view is now cached; change the rules under it.
        let treat = Principal::Practitioner {
            hpr: world::HPR_A.into(),
            orgnr: HOSPITAL_ORG.into(),
            purpose: Some(Purpose::Treat),
        };
        for pid in &world.patients {
            let _ = store
                .everything(&RequestContext::new(treat.clone()), pid)
                .await;
        }
        let before = change::change(&mut world);
        outcome = load(&store, &world, &before).await;
    }
    if outcome.is_ok() {
        outcome = stage(
            &store,
            &backend,
            &world,
            stored_at,
            "after change: ",
            &mut phases,
            &mut tally,
        )
        .await;
    }
    if let Err(problem) = outcome {
        tally.findings.push(Finding {
            seed,
            principal: "-".into(),
            path: "load".into(),
            item: "-".into(),
            problem,
        });
    }
    let phases = PHASES
        .iter()
        .zip(phases)
        .map(|(n, s)| format!("{n} {s:.1}s"))
        .collect::<Vec<_>>()
        .join(", ");
    WorldReport {
        seed,
        items: world.items.len(),
        principals: tally.principals,
        calls: tally.calls,
        assertions: tally.assertions,
        findings: tally.findings,
        seconds: started.elapsed().as_secs_f64(),
        phases,
        levels: tally.levels,
        probes: tally.probes,
    }
}

/// Every path but the access log, for these principals (one lane). After a change
/// (`all` false) only the paths that decide per item directly: read/vread, searches
/// and `$everything` — enough to catch a stale cached view, at half the cost.
async fn paths(c: &mut Checker<'_>, whos: &[Who], phases: &mut [f64; 9], all: bool) {
    for who in whos {
        let mut t = Instant::now();
        let mut lap = |i: usize, t: &mut Instant| {
            phases[i] += t.elapsed().as_secs_f64();
            *t = Instant::now();
        };
        c.reads(who).await;
        lap(0, &mut t);
        c.type_searches(who).await;
        lap(1, &mut t);
        c.everything(who).await;
        lap(5, &mut t);
        if !all {
            continue;
        }
        c.include_searches(who).await;
        lap(2, &mut t);
        c.chain_searches(who).await;
        c.judge_refusals(who);
        lap(3, &mut t);
        c.histories(who).await;
        lap(4, &mut t);
        c.batches(who).await;
        lap(6, &mut t);
    }
}

const PHASES: [&str; 9] = [
    "read/vread",
    "search",
    "include",
    "chain/_has",
    "history",
    "$everything",
    "batch",
    "access log",
    "after change",
];

/// Runs `worlds` of [`SEEDS`] (or `NORDLYS_LEAK_SEEDS`), each on a fresh backend from
/// `fresh` (whose second value, e.g. a database guard, is dropped after the world),
/// prints the coverage, and panics with the findings grouped by path and problem if
/// there are any.
pub async fn leak_suite<F, Fut, G>(backend_name: &str, worlds: usize, fresh: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = (Arc<dyn Backend>, G)>,
{
    let mut reports = Vec::new();
    for seed in seeds(worlds) {
        let (backend, guard) = fresh().await;
        let r = check_world(backend, seed).await;
        drop(guard);
        eprintln!(
            "leak test [{backend_name}] seed {}: {} items, {} principals, {} calls, {} assertions, reads expected none/metadata/full {:?}, {} findings, {:.1} s ({})\n  probes: {:?}",
            r.seed, r.items, r.principals, r.calls, r.assertions, r.levels, r.findings.len(), r.seconds, r.phases, r.probes
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
