//! `nordlys bench`: requests/s and latency of the scenarios of quality.md.
//!
//! Two ways: against any FHIR server (`--base-url` + `--token`, so a peer server can
//! be measured with the same tool and the same numbers), or `--self-contained`, which
//! loads a generated region into a store, starts the server in-process and runs every
//! scenario.
mod booking;
mod forms;
mod ingest;
mod load;
mod outbox;
mod selfcontained;
mod subscriptions;

use std::time::Duration;

use clap::{Args, ValueEnum};

pub use load::parse_duration;

#[derive(Args, Debug, Clone)]
#[command(after_help = "Examples:\n  \
    nordlys bench --self-contained --patients 1000\n  \
    nordlys bench --base-url http://127.0.0.1:8080/fhir --token \"$TOKEN\" --scenario read --patient p1 --clients 32 --duration 10s\n  \
    nordlys bench --base-url http://127.0.0.1:8080/fhir --token \"$TOKEN\" --path 'Observation?code=2345-7'")]
pub struct BenchArgs {
    /// FHIR base URL of the server to measure, e.g. http://127.0.0.1:8080/fhir.
    #[arg(
        long,
        env = "NORDLYS_BENCH_BASE_URL",
        required_unless_present_any = ["self_contained", "outbox", "ingest", "subscriptions"],
        value_name = "URL"
    )]
    pub base_url: Option<String>,
    /// Bearer token sent with every request.
    #[arg(
        long,
        env = "NORDLYS_BENCH_TOKEN",
        required_unless_present_any = ["self_contained", "outbox", "ingest", "subscriptions"],
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// What to request (with --base-url).
    #[arg(long, value_enum, default_value_t = Scenario::Read)]
    pub scenario: Scenario,
    /// Patient id the scenario is about (with --base-url; required unless --path is given).
    #[arg(long, value_name = "ID")]
    pub patient: Option<String>,
    /// Request this path (relative to the base URL) instead of the scenario's.
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// Concurrent clients (each waits for its answer before sending the next).
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// How long to measure each scenario (10s, 500ms, 2m).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Start an in-process server on a generated region and run all scenarios.
    #[arg(long, conflicts_with_all = ["base_url", "token", "path"])]
    pub self_contained: bool,
    /// Store for --self-contained (default: a fresh SQLite file in a temporary folder).
    #[arg(long, value_name = "URL", requires = "self_contained")]
    pub database: Option<String>,
    /// Patients in the generated region (--self-contained).
    #[arg(long, default_value_t = 1000)]
    pub patients: usize,
    /// Seed of the generated region (--self-contained).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Measure the notification outbox instead: queue N notifications and deliver
    /// them through a no-op channel (messages/s; bench/outbox.rs).
    #[arg(long, value_name = "N", conflicts_with_all = ["base_url", "token", "path", "self_contained"])]
    pub outbox: Option<usize>,
    /// Store for --outbox (default: a fresh SQLite file in a temporary folder).
    #[arg(long, value_name = "URL", requires = "outbox")]
    pub outbox_database: Option<String>,
    /// Persons the --outbox notifications are spread over.
    #[arg(long, default_value_t = 200)]
    pub outbox_people: usize,
    /// Entries per claim in --outbox (the deliverer's batch).
    #[arg(long, default_value_t = 100)]
    pub outbox_batch: usize,
    /// Measure home-measurement ingest instead: a hub posts N Observations in
    /// transaction Bundles, thresholds applied (Observations/s; bench/ingest.rs).
    #[arg(long, value_name = "N", conflicts_with_all = ["base_url", "token", "path", "self_contained", "outbox"])]
    pub ingest: Option<usize>,
    /// Store for --ingest (default: a fresh SQLite file in a temporary folder).
    #[arg(long, value_name = "URL", requires = "ingest")]
    pub ingest_database: Option<String>,
    /// Patients the --ingest readings are spread over.
    #[arg(long, default_value_t = 100)]
    pub ingest_patients: usize,
    /// Observations per Bundle in --ingest.
    #[arg(long, default_value_t = 1000)]
    pub ingest_batch: usize,
    /// Measure subscriptions instead: N Communications committed while a rest-hook
    /// subscription listens; events/s and commit → delivery latency
    /// (bench/subscriptions.rs).
    #[arg(long, value_name = "N", conflicts_with_all = ["base_url", "token", "path", "self_contained", "outbox", "ingest"])]
    pub subscriptions: Option<usize>,
    /// Store for --subscriptions (default: a fresh SQLite file in a temporary folder).
    #[arg(long, value_name = "URL", requires = "subscriptions")]
    pub subscriptions_database: Option<String>,
}

/// The scenarios of quality.md § Performance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// `GET Patient/{id}`: read by id.
    Read,
    /// `GET DocumentReference?patient={id}`: a patient-scoped search.
    Search,
    /// `GET Patient?_id={id}&_revinclude=DocumentReference:patient`.
    Revinclude,
}

impl Scenario {
    pub fn path(self, patient: &str) -> String {
        match self {
            Scenario::Read => format!("Patient/{patient}"),
            Scenario::Search => format!("DocumentReference?patient={patient}"),
            Scenario::Revinclude => {
                format!("Patient?_id={patient}&_revinclude=DocumentReference:patient")
            }
        }
    }
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if let Some(n) = args.outbox {
        let db = args.outbox_database.as_deref();
        return outbox::run(db, n, args.outbox_people, args.outbox_batch).await;
    }
    if let Some(n) = args.ingest {
        let db = args.ingest_database.as_deref();
        return ingest::run(db, n, args.ingest_patients, args.ingest_batch).await;
    }
    if let Some(n) = args.subscriptions {
        return subscriptions::run(args.subscriptions_database.as_deref(), n).await;
    }
    if args.self_contained {
        return selfcontained::run(&args).await;
    }
    let (Some(base), Some(token)) = (&args.base_url, &args.token) else {
        anyhow::bail!("--base-url and --token are needed (or use --self-contained)");
    };
    let path = match (&args.path, &args.patient) {
        (Some(p), _) => p.trim_start_matches('/').to_owned(),
        (None, Some(id)) => args.scenario.path(id),
        (None, None) => {
            anyhow::bail!("say what to request: --patient ID (for the scenario) or --path PATH")
        }
    };
    let url = format!("{}/{path}", base.trim_end_matches('/'));
    let client = load::http_client(args.clients)?;
    println!("GET {url}  ({} clients, {:?})", args.clients, args.duration);
    let r = load::run(&client, &url, token, args.clients, args.duration).await?;
    print_header();
    print_row(&format!("{:?}", args.scenario).to_lowercase(), &r);
    if r.errors > 0 {
        anyhow::bail!(
            "{} of {} requests failed (first: {})",
            r.errors,
            r.requests,
            r.first_error.unwrap_or_default()
        );
    }
    Ok(())
}

pub(crate) fn print_header() {
    println!(
        "{:<34} {:>10} {:>9} {:>9} {:>9} {:>8}",
        "scenario", "req/s", "p50 ms", "p99 ms", "max ms", "errors"
    );
}

pub(crate) fn print_row(name: &str, r: &load::LoadResult) {
    let ms = |us: u64| us as f64 / 1000.0;
    println!(
        "{:<34} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>8}",
        name,
        r.rps(),
        ms(r.p50_us),
        ms(r.p99_us),
        ms(r.max_us),
        r.errors
    );
}
