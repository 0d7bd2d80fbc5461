//! `nordlys bench --self-contained`: generate, import, serve in-process, measure.
//!
//! The data: a region of `--patients` as background, plus the benchmark patient of
//! quality.md (1,000 documents from one organisation). Read-by-id and the searches
//! are about that patient, as its organisation's record system and as the citizen.
//!
//! Why in one process: anyone can reproduce the figures of docs/benchmarks.md with one
//! command and no setup. The import is timed on the store calls alone (generation is
//! not counted), and the citizen and organisation searches run back to back in the
//! same run so their ratio (the policy overhead) is meaningful on a noisy machine.
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use nordlys_api::{ApiConfig, AppState, Auth};
use nordlys_store::FhirStore;
use serde_json::{json, Value};

use super::{load, print_header, print_row, BenchArgs, Scenario};
use crate::db;
use crate::import::source::Position;
use crate::import::Importer;

/// The organisation that produced the benchmark patient's documents.
const BENCH_ORG: &str = nordlys_synth::BENCH_ORGNR;
/// Documents of the benchmark patient (quality.md: one patient with 1,000 documents).
const BENCH_DOCUMENTS: usize = 1000;
/// Documents of the portal benchmark's patient (quality.md: a tile with 200 items).
const TILE_DOCUMENTS: usize = 200;

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
        store.clone(),
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
    let app = crate::serve::application(state, Vec::new(), None, None);
    let server = tokio::spawn(nordlys_api::serve_app(listener, app, async {
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
    // The portal's busiest page, the journal tile (every item fetched and decided, one
    // page of 50 rendered), for a patient with 200 documents (quality.md's figure) and
    // for the one with 1,000; one client, so latency is server time.
    for (pid, name) in [
        (
            nordlys_synth::TILE_PATIENT_PID,
            "portal tile, 200 items (1 client)",
        ),
        (loaded.pid.as_str(), "portal tile, 1,000 items (1 client)"),
    ] {
        let cookie = portal_login(&root, pid).await?;
        let portal = load::run_with_header(
            &client,
            &format!("{root}/tiles/journal"),
            ("cookie", &cookie),
            1,
            args.duration,
        )
        .await?;
        print_row(name, &portal);
        results.push(portal);
    }
    let race = super::booking::run(&store, &client, &root, BENCH_ORG, args.clients, 200).await?;
    println!(
        "booking race: {} clients over {} slots: {} booked, {} told 'taken' (409), {} errors in {:.2} s",
        race.clients, race.slots, race.booked, race.conflicts, race.errors, race.elapsed.as_secs_f64()
    );
    println!(
        "{:<34} {:>10.0} bookings/s  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        "booking under contention",
        race.bookings_per_second(),
        race.p50_us as f64 / 1000.0,
        race.p99_us as f64 / 1000.0,
        race.max_us as f64 / 1000.0
    );
    anyhow::ensure!(
        race.errors == 0,
        "{} booking requests failed (first: {})",
        race.errors,
        race.first_error.clone().unwrap_or_default()
    );
    for clients in [1, args.clients] {
        let forms =
            super::forms::run(&store, &client, &root, BENCH_ORG, clients, args.duration).await?;
        println!(
            "{:<34} {:>10.0} forms/s  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  ({} sent, {} clients)",
            "form submission ($submit)",
            forms.per_second(),
            forms.p50_us as f64 / 1000.0,
            forms.p99_us as f64 / 1000.0,
            forms.max_us as f64 / 1000.0,
            forms.sent,
            forms.clients
        );
        anyhow::ensure!(
            forms.errors == 0,
            "{} form submissions failed (first: {})",
            forms.errors,
            forms.first_error.clone().unwrap_or_default()
        );
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

/// Logs in through the portal's development login; the session cookie.
async fn portal_login(root: &str, pid: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let r = client
        .post(format!("{root}/login"))
        .form(&[("pid", pid), ("level", "high")])
        .send()
        .await?;
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("nordlys_sid="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("portal login refused ({})", r.status()))
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

/// Imports the region plus the benchmark patient with its 1,000 documents; the
/// import rate counts only the time spent in the store.
async fn load_region(store: &FhirStore, patients: usize, seed: u64) -> anyhow::Result<Loaded> {
    let today = chrono::Local::now().date_naive();
    let config = nordlys_synth::RegionConfig {
        patients,
        seed,
        today,
    };
    let mut importer = Importer::new(
        store.clone(),
        None,
        crate::import::progress_bar("resources"),
    );
    let name: Arc<str> = Arc::from("generated");
    let bench = nordlys_synth::patient_with_documents(BENCH_DOCUMENTS, seed)
        .into_iter()
        .chain(nordlys_synth::tile_patient_with_documents(
            TILE_DOCUMENTS,
            seed,
        ));
    for (i, r) in nordlys_synth::region(config).chain(bench).enumerate() {
        importer
            .push(
                r,
                Position {
                    file: name.clone(),
                    line: None,
                    entry: Some(i + 1),
                },
            )
            .await?;
    }
    let s = importer.finish().await?;
    if s.failed > 0 {
        anyhow::bail!("the store refused {} generated resources", s.failed);
    }
    Ok(Loaded {
        resources: s.written + s.unchanged,
        written: s.written,
        store_time: s.store_time,
        patient_id: nordlys_synth::BENCH_PATIENT_ID.to_owned(),
        pid: nordlys_synth::BENCH_PATIENT_PID.to_owned(),
        documents: BENCH_DOCUMENTS,
    })
}
