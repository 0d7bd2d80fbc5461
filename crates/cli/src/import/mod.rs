//! `nordlys import`: files into the store, in chunks, with a progress bar.
//!
//! Why chunks of ~1000 through `unchecked_import`: one transaction per chunk is what
//! makes bulk loading fast, and re-running skips unchanged resources (the store
//! compares content hashes). The store validates each record and reports the ones it
//! left out by their place in the chunk, which we turn back into file and line.
pub mod source;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use nordlys_store::FhirStore;
use serde_json::Value;

use crate::db::{self, DbArgs};
use source::{Item, Position};

/// Resources per store call.
pub const CHUNK: usize = 1000;

#[derive(Args, Debug, Clone)]
#[command(
    after_help = "Files: *.json (a Bundle or one resource), *.ndjson / *.jsonl (one resource a line),\n\
    or folders of them. Bundle entries keep their ids; urn:uuid fullUrls become ids and the\n\
    references to them are rewritten. Re-running the same files writes nothing new.\n\n\
    Examples:\n  nordlys import region.ndjson\n  nordlys import --database postgres://nordlys@db/nordlys exports/"
)]
pub struct ImportArgs {
    /// Files or folders to import.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
    /// Organisation number recorded as owner of the imported items (who produced them).
    /// Without it, the organisation in `meta.source` = `urn:nordlys:org:ORGNR` is used
    /// (as `nordlys generate` writes it), else the items have no owner organisation.
    #[arg(long, env = "NORDLYS_IMPORT_OWNER_ORG", value_name = "ORGNR")]
    pub owner_org: Option<String>,
}

/// Counts of an import.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub written: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub elapsed: Duration,
    /// Time spent in the store calls alone.
    pub store_time: Duration,
}

impl Summary {
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            (self.written + self.unchanged) as f64 / secs
        } else {
            0.0
        }
    }
}

/// Feeds resources to the store in chunks and reports bad ones as it goes.
///
/// The owner organisation of each record is the `--owner-org` given, else the one
/// named in `meta.source` as `urn:nordlys:org:ORGNR` (how `nordlys generate` marks who
/// produced an item), else none. A chunk goes to the store in one call per owner.
pub struct Importer {
    store: FhirStore,
    owner_org: Option<String>,
    pending: Vec<(Value, Position, Option<String>)>,
    summary: Summary,
    started: Instant,
    bar: ProgressBar,
}

impl Importer {
    pub fn new(store: FhirStore, owner_org: Option<String>, bar: ProgressBar) -> Self {
        Importer {
            store,
            owner_org,
            pending: Vec::with_capacity(CHUNK),
            summary: Summary::default(),
            started: Instant::now(),
            bar,
        }
    }

    pub async fn push(&mut self, resource: Value, at: Position) -> anyhow::Result<()> {
        let owner = match &self.owner_org {
            Some(o) => Some(o.clone()),
            None => nordlys_synth::source_orgnr(&resource).map(str::to_owned),
        };
        self.pending.push((resource, at, owner));
        if self.pending.len() >= CHUNK {
            self.flush().await?;
        }
        Ok(())
    }

    /// A record that could not even be read.
    pub fn bad(&mut self, at: &Position, reason: &str) {
        self.summary.failed += 1;
        self.bar.suspend(|| eprintln!("{at}: {reason}"));
    }

    pub async fn finish(mut self) -> anyhow::Result<Summary> {
        self.flush().await?;
        self.summary.elapsed = self.started.elapsed();
        self.bar.finish_and_clear();
        Ok(self.summary)
    }

    async fn flush(&mut self) -> anyhow::Result<()> {
        let mut groups: Vec<(Option<String>, Vec<Value>, Vec<Position>)> = Vec::new();
        for (value, at, owner) in std::mem::take(&mut self.pending) {
            match groups.iter_mut().find(|g| g.0 == owner) {
                Some(g) => {
                    g.1.push(value);
                    g.2.push(at);
                }
                None => groups.push((owner, vec![value], vec![at])),
            }
        }
        for (owner, values, positions) in groups {
            let n = values.len();
            let t0 = Instant::now();
            let report = self
                .store
                .unchecked_import(values, owner.as_deref())
                .await
                .map_err(|e| {
                    // A refused commit is not about one record (those come back in `failed`).
                    anyhow::Error::new(e).context(format!(
                        "the store refused the chunk starting at {}",
                        positions[0]
                    ))
                })?;
            self.summary.store_time += t0.elapsed();
            self.summary.written += report.written;
            self.summary.unchanged += report.unchanged;
            for (i, reason) in &report.failed {
                match positions.get(*i) {
                    Some(at) => self.bad(at, reason),
                    None => self.bad(&positions[0], &format!("a record of this chunk: {reason}")),
                }
            }
            self.bar.inc(n as u64);
        }
        Ok(())
    }
}

/// A spinner with count and rate (hidden when stderr is not a terminal).
pub fn progress_bar(what: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    let template = format!("{{spinner}} {{human_pos}} {what} ({{per_sec}}) {{elapsed}} {{msg}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

pub fn print_summary(s: &Summary) {
    println!(
        "imported {} resources: {} written, {} unchanged, {} failed in {:.1} s ({:.0} resources/s)",
        s.written + s.unchanged,
        s.written,
        s.unchanged,
        s.failed,
        s.elapsed.as_secs_f64(),
        s.rate()
    );
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let files = source::collect_files(&args.paths)?;
    let store = db::open_store(&args.db.database).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Item>>(4);
    let reader = std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(CHUNK);
        for f in &files {
            read_file_into(f, &mut batch, &tx);
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
    });
    let mut importer = Importer::new(store, args.owner_org, progress_bar("resources"));
    while let Some(batch) = rx.recv().await {
        for item in batch {
            match item {
                Item::Resource(v, at) => importer.push(v, at).await?,
                Item::Bad(at, reason) => importer.bad(&at, &reason),
            }
        }
    }
    reader
        .join()
        .map_err(|_| anyhow::anyhow!("the file reader failed"))?;
    let summary = importer.finish().await.context("import failed")?;
    print_summary(&summary);
    if summary.failed > 0 {
        anyhow::bail!(
            "{} of {} records failed to import (see the lines above)",
            summary.failed,
            summary.failed + summary.written + summary.unchanged
        );
    }
    Ok(())
}

fn read_file_into(
    f: &std::path::Path,
    batch: &mut Vec<Item>,
    tx: &tokio::sync::mpsc::Sender<Vec<Item>>,
) {
    source::read_file(f, &mut |item| {
        batch.push(item);
        if batch.len() >= CHUNK {
            let full = std::mem::replace(batch, Vec::with_capacity(CHUNK));
            let _ = tx.blocking_send(full);
        }
    });
}
