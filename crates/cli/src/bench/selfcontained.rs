//! `nordlys bench --self-contained`: generate, import, serve in-process, measure.
//!
//! Why in one process: anyone can reproduce the figures of docs/benchmarks.md with one
//! command and no setup. The import is timed on the store calls alone (generation is
//! not counted), and the citizen and organisation searches run back to back in the
//! same run so their ratio (the policy overhead) is meaningful on a noisy machine.
use crate::synth_shim as nordlys_synth;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use nordlys_api::{ApiConfig, AppState, Auth};
use nordlys_store::FhirStore;
use serde_json::{json, Value};

use super::{load, print_header, print_row, BenchArgs, Scenario};
use crate::db;
use crate::import::CHUNK;

/// The organisation that owns everything the bench imports.
const BENCH_ORG: &str = "983974899";
const FNR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.1";
const DNR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.2";

/// Removes the temporary data folder when the bench ends.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Loaded {
    resources: usize,
    written: usize,
    store_time: Duration,
    patient_id: String,
    pid: String,
    documents: usize,
}

pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let (url, _tmp) = match &args.database {
        Some(u) => (u.clone(), None),
        None => {
            let dir = std::env::temp_dir().join(format!("nordlys-bench-{}", std::process::id()));
            (
                format!("sqlite://{}", dir.join("nordlys.db").display()),
                Some(TempDir(dir)),
            )
        }
    };
    let store = db::open_store(&url).await?;
    println!(
        "loading a generated region of {} patients (seed {}) into {}",
        args.patients,
        args.seed,
        db::redact(&url)
    );
    let loaded = load_region(&store, args.patients, args.seed).await?;
    let import_rate = loaded.resources as f64 / loaded.store_time.as_secs_f64().max(1e-9);
    println!(
        "bulk import: {} resources ({} written) in {:.1} s of store time = {:.0} resources/s",
        loaded.resources,
        loaded.written,
        loaded.store_time.as_secs_f64(),
        import_rate
    );
    println!(
        "bench patient: Patient/{} with {} documents",
        loaded.patient_id, loaded.documents
    );

    let auth = Auth::new(&[], true).context("dev issuer")?;
    let state = AppState::new(
        store,
        auth,
        ApiConfig {
            dev_auth: true,
            ..ApiConfig::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot bind 127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(nordlys_api::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let root = format!("http://{addr}");
    let client = load::http_client(args.clients)?;
    let system = dev_token(
        &client,
        &root,
        json!({"kind": "system", "client_id": "nordlys-bench", "orgnr": BENCH_ORG}),
    )
    .await?;
    let citizen = dev_token(
        &client,
        &root,
        json!({"kind": "citizen", "pid": loaded.pid, "acr": "idporten-loa-high"}),
    )
    .await?;

    let base = format!("{root}/fhir");
    let id = &loaded.patient_id;
    let runs: [(&str, String, &str); 4] = [
        (
            "read by id (owner system)",
            Scenario::Read.path(id),
            &system,
        ),
        (
            "patient search (citizen)",
            Scenario::Search.path(id),
            &citizen,
        ),
        (
            "patient search (owner system)",
            Scenario::Search.path(id),
            &system,
        ),
        (
            "_revinclude (owner system)",
            Scenario::Revinclude.path(id),
            &system,
        ),
    ];
    println!("{} clients, {:?} per scenario", args.clients, args.duration);
    print_header();
    let mut results = Vec::new();
    for (name, path, token) in &runs {
        let r = load::run(
            &client,
            &format!("{base}/{path}"),
            token,
            args.clients,
            args.duration,
        )
        .await?;
        print_row(name, &r);
        results.push(r);
    }
    println!("{:<34} {:>10.0} resources/s", "bulk import", import_rate);
    if results[2].rps() > 0.0 && results[1].rps() > 0.0 {
        println!(
            "policy overhead (citizen vs owner search, req/s ratio): {:.2}x",
            results[2].rps() / results[1].rps()
        );
    }
    let _ = stop.send(());
    let _ = server.await;
    let failed: u64 = results.iter().map(|r| r.errors).sum();
    if failed > 0 {
        let first = results
            .iter()
            .find_map(|r| r.first_error.clone())
            .unwrap_or_default();
        anyhow::bail!("{failed} requests failed during the bench (first: {first})");
    }
    Ok(())
}

async fn dev_token(client: &reqwest::Client, root: &str, body: Value) -> anyhow::Result<String> {
    let r = client
        .post(format!("{root}/dev/token"))
        .json(&body)
        .send()
        .await?;
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    v["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("dev token refused ({status}): {v}"))
}

/// Imports the region in chunks, timing only the store; picks the patient with the
/// most documents (and a national id, for the citizen token).
async fn load_region(store: &FhirStore, patients: usize, seed: u64) -> anyhow::Result<Loaded> {
    let today = chrono::Local::now().date_naive();
    let config = nordlys_synth::RegionConfig {
        patients,
        seed,
        today,
    };
    let mut pids: HashMap<String, String> = HashMap::new();
    let mut docs: HashMap<String, usize> = HashMap::new();
    let (mut resources, mut written, mut store_time) = (0usize, 0usize, Duration::ZERO);
    let mut chunk = Vec::with_capacity(CHUNK);
    let bar = crate::import::progress_bar("resources");
    let owner = Some(BENCH_ORG);
    let mut region = nordlys_synth::region(config).peekable();
    while region.peek().is_some() {
        chunk.extend(region.by_ref().take(CHUNK));
        for r in &chunk {
            note(r, &mut pids, &mut docs);
        }
        let n = chunk.len();
        let t0 = Instant::now();
        let report = store
            .unchecked_import(std::mem::take(&mut chunk), owner)
            .await
            .context("import of the region failed")?;
        store_time += t0.elapsed();
        resources += n;
        written += report.written;
        if let Some((_, reason)) = report.failed.first() {
            anyhow::bail!(
                "the store refused {} generated resources (first: {reason})",
                report.failed.len()
            );
        }
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    let best = pids
        .iter()
        .map(|(id, pid)| (docs.get(id).copied().unwrap_or(0), id, pid))
        .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .ok_or_else(|| anyhow::anyhow!("the generated region has no patient with a national id"))?;
    Ok(Loaded {
        resources,
        written,
        store_time,
        documents: best.0,
        patient_id: best.1.clone(),
        pid: best.2.clone(),
    })
}

fn note(r: &Value, pids: &mut HashMap<String, String>, docs: &mut HashMap<String, usize>) {
    match r["resourceType"].as_str() {
        Some("Patient") => {
            let id = r["id"].as_str();
            let pid = r["identifier"].as_array().and_then(|ids| {
                ids.iter()
                    .find(|i| matches!(i["system"].as_str(), Some(FNR_SYSTEM | DNR_SYSTEM)))
                    .and_then(|i| i["value"].as_str())
            });
            if let (Some(id), Some(pid)) = (id, pid) {
                pids.insert(id.to_owned(), pid.to_owned());
            }
        }
        Some("DocumentReference") => {
            let subject = r["subject"]["reference"]
                .as_str()
                .and_then(|s| s.strip_prefix("Patient/"));
            if let Some(p) = subject {
                *docs.entry(p.to_owned()).or_default() += 1;
            }
        }
        _ => {}
    }
}
