//! The generated leak test: random small worlds (seeded), loaded into a store, then
//! every principal on every read path, compared item by item with an oracle that
//! computes the expected visibility straight from the generated JSON with
//! `nordlys_policy` (see `leak/oracle.rs`).
//!
//! Why: the access policy is the product's core and is applied on many paths (read,
//! vread, search with `_include`/`_revinclude`, chains and `_has`, `_summary=count`,
//! history, `$everything`, batch, the access log, the portal's chooser and tiles). A single path that forgets the gate,
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
mod portal;
mod reads;
mod run;
mod search;
mod sort;
mod subs;
mod world;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use nordlys_store::Backend;

pub use check::Finding;
pub use run::check_world;
pub use world::{generate, World};

/// The worlds run by default (a backend may run only the first few to stay within
/// its time budget, see [`leak_suite`]).
pub const SEEDS: [u64; 5] = [5, 4, 3, 11, 7_000_001];

/// Every tricky situation the default worlds must contain (see `Checker::probe`): if a
/// change to the generator lost one, the test would silently check less.
pub const PROBES: [&str; 9] = [
    "_has through a hidden Observation",
    "_sort by a masked parameter",
    "_include of a reference the metadata view removes",
    "chain through a hidden Patient",
    "chain/_has through a hidden or masked Observation",
    "metadata item on a masked search parameter",
    "older version closed by a later label",
    "portal tile listing a metadata-level item",
    "portal tile listing an item in full",
];

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
    if std::env::var_os("NORDLYS_LEAK_SEEDS").is_none() {
        let missing: Vec<&str> = PROBES
            .into_iter()
            .filter(|p| reports.iter().all(|r| !r.probes.contains_key(p)))
            .collect();
        let metadata: u64 = reports.iter().map(|r| r.levels[1]).sum();
        assert!(
            missing.is_empty() && metadata > 0,
            "the default worlds no longer cover {missing:?} (metadata reads: {metadata})"
        );
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
