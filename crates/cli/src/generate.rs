//! `nordlys generate`: a deterministic synthetic region, to NDJSON or straight into a store.
//!
//! Why deterministic: benchmarks and tests must be repeatable; the same `--seed`,
//! `--patients` and `--today` give the same resources byte for byte.
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;
use nordlys_synth::RegionConfig;

use crate::db;
use crate::import::{self, source::Position, Importer};

#[derive(Args, Debug, Clone)]
#[command(after_help = "Examples:\n  \
    nordlys generate --patients 1000 --seed 1 --out region.ndjson\n  \
    nordlys generate --patients 100000 --seed 7 --database sqlite://./data/big.db")]
pub struct GenerateArgs {
    /// Number of patients (each with a realistic record, families and proxies).
    #[arg(long, default_value_t = 1000)]
    pub patients: usize,
    /// Seed of the generator: the same seed gives the same region.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The day the region is generated "as of" (YYYY-MM-DD); default today.
    #[arg(long, value_name = "DATE")]
    pub today: Option<NaiveDate>,
    /// Write NDJSON (one resource a line) to this file.
    #[arg(long, value_name = "FILE", conflicts_with = "database")]
    pub out: Option<PathBuf>,
    /// Load into this store instead (sqlite://PATH or postgres://…).
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// Owner organisation recorded for the generated items when loading into a store.
    #[arg(long, value_name = "ORGNR", requires = "database")]
    pub owner_org: Option<String>,
}

pub async fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let today = args
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let config = RegionConfig {
        patients: args.patients,
        seed: args.seed,
        today,
    };
    match (&args.out, &args.database) {
        (Some(out), None) => write_ndjson(config, out),
        (None, Some(url)) => {
            let store = db::open_store(url).await?;
            let bar = import::progress_bar("resources");
            let mut importer = Importer::new(store, args.owner_org.clone(), bar);
            let name: Arc<str> = Arc::from("generated");
            for (i, r) in nordlys_synth::region(config).enumerate() {
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
            let summary = importer.finish().await?;
            import::print_summary(&summary);
            if summary.failed > 0 {
                anyhow::bail!(
                    "{} generated resources were refused by the store",
                    summary.failed
                );
            }
            Ok(())
        }
        _ => anyhow::bail!("say where the region goes: --out FILE.ndjson or --database URL"),
    }
}

fn write_ndjson(config: RegionConfig, out: &PathBuf) -> anyhow::Result<()> {
    let started = Instant::now();
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create folder {}", dir.display()))?;
    }
    let file =
        std::fs::File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let bar = import::progress_bar("resources");
    let mut n = 0usize;
    for r in nordlys_synth::region(config) {
        serde_json::to_writer(&mut w, &r).context("cannot write NDJSON")?;
        w.write_all(b"\n")
            .with_context(|| format!("cannot write {}", out.display()))?;
        n += 1;
        bar.inc(1);
    }
    w.flush()
        .with_context(|| format!("cannot write {}", out.display()))?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!("wrote {n} resources to {} in {secs:.1} s", out.display());
    Ok(())
}
