//! Running one world: load it, build the principals and the oracle, run every path
//! in two lanes, check the access log, change the rules and run again.
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use nordlys_policy::{Principal, Purpose, SecurityLevel};
use nordlys_store::{Backend, FhirStore, RequestContext, ResourceKey, StoreConfig};
use serde_json::Value;

use super::check::{self, Checker, Finding, Who};
use super::oracle::Oracle;
use super::world::{self, generate, World};
use super::{change, WorldReport};
use crate::fixtures::{HOSPITAL_ORG, OTHER_ORG};

pub(super) fn principals(world: &World, oracle: &Oracle) -> Vec<Who> {
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
        c.subscriptions(who).await;
        lap(5, &mut t);
        if !all {
            continue;
        }
        c.include_searches(who).await;
        c.sorted_searches(who).await;
        lap(2, &mut t);
        c.chain_searches(who).await;
        c.judge_refusals(who);
        lap(3, &mut t);
        c.histories(who).await;
        lap(4, &mut t);
        c.batches(who).await;
        c.portal(who).await;
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
    "batch+portal",
    "access log",
    "after change",
];
