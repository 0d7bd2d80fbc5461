//! `nordlys`: the one binary — server, schema migration, import, synthetic data,
//! the demo and the load generator.
//!
//! Why one binary: operators and developers install one thing; each job is a
//! subcommand whose `--help` explains it. Exit codes are part of the contract:
//! 0 success, 2 usage (clap), 1 failure with a one-line reason on stderr.
mod audit;
mod bench;
mod db;
mod deliver;
mod demo;
mod generate;
mod import;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "nordlys",
    version,
    about = "Nordlys — a FHIR R4 server for Norwegian patient services",
    long_about = "Nordlys — a FHIR R4 server for Norwegian patient services.\n\n\
        Start here:\n  \
        nordlys demo                      load a synthetic demo region and serve it with dev login\n  \
        nordlys serve --dev-auth          serve ./data/nordlys.db on http://127.0.0.1:8080\n  \
        nordlys import data/*.ndjson      load FHIR Bundles or NDJSON (safe to re-run)\n  \
        nordlys generate --patients 1000 --seed 1 --out region.ndjson\n\n\
        Every option can also be set by an environment variable (NORDLYS_…), shown in each\n\
        command's --help. Logging follows RUST_LOG (e.g. RUST_LOG=nordlys_api=debug).",
    after_help = "Exit codes: 0 success, 1 failure (one line on stderr), 2 wrong usage."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: FHIR API under /fhir, /health, /metrics (and /dev/token with --dev-auth).
    Serve(serve::ServeArgs),
    /// Bring a database schema up to date (safe to run again).
    Migrate(db::DbArgs),
    /// Load FHIR Bundles (JSON) or NDJSON files, or folders of them, into the store.
    Import(import::ImportArgs),
    /// Generate a deterministic synthetic region (patients, families, records).
    Generate(generate::GenerateArgs),
    /// Load a synthetic demo region and serve it with development login.
    Demo(demo::DemoArgs),
    /// Measure requests/s and latency against a server, or self-contained.
    Bench(bench::BenchArgs),
    /// Check the access log: `audit verify` walks its hash chain (exit 1 if broken).
    Audit(audit::AuditArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match cli.command {
        Command::Serve(_) | Command::Demo(_) => "info",
        _ => "warn",
    };
    init_tracing(default_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&anyhow::anyhow!("cannot start the async runtime: {e}")),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Migrate(args) => db::migrate(args).await,
            Command::Import(args) => import::run(args).await,
            Command::Generate(args) => generate::run(args).await,
            Command::Demo(args) => demo::run(args).await,
            Command::Bench(args) => bench::run(args).await,
            Command::Audit(args) => audit::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// One line on stderr, exit 1.
fn fail(e: &anyhow::Error) -> ExitCode {
    let line = format!("{e:#}").replace(['\n', '\r'], " ");
    eprintln!("error: {line}");
    ExitCode::from(1)
}

fn init_tracing(default_level: &str) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
