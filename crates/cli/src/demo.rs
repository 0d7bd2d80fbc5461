//! `nordlys demo`: a synthetic region, served with development login, in one command.
//!
//! Why it loads every time: the demo region is dated relative to today (deferred
//! results, free slots); importing is idempotent, so a same-day restart writes
//! nothing and a later one moves the dates along. The people to log in as are read
//! from the loaded resources themselves, so what is printed always exists.
use crate::synth_shim as nordlys_synth;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;
use serde_json::Value;

use crate::import::{self, source::Position, Importer};
use crate::{db, serve};

const FNR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.1";
const HPR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.4";
const ORGNR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.101";

#[derive(Args, Debug, Clone)]
#[command(
    after_help = "Everything is synthetic (no real person). Stop with Ctrl-C; run again to reuse the data."
)]
pub struct DemoArgs {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "NORDLYS_LISTEN",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    pub listen: SocketAddr,
    /// Folder for the demo database (created if missing, reused if present).
    #[arg(
        long,
        env = "NORDLYS_DEMO_DIR",
        default_value = "./data/demo",
        value_name = "DIR"
    )]
    pub data_dir: PathBuf,
    /// The day the demo is set on (YYYY-MM-DD); default today.
    #[arg(long, value_name = "DATE")]
    pub today: Option<NaiveDate>,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create the data folder {}", args.data_dir.display()))?;
    let url = format!("sqlite://{}", args.data_dir.join("nordlys.db").display());
    let store = db::open_store(&url).await?;
    let today = args
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let region = nordlys_synth::demo_region(today);
    let people = People::from_resources(&region.resources);
    let mut importer = Importer::new(store.clone(), None, import::progress_bar("demo resources"));
    let name: Arc<str> = Arc::from("demo region");
    for (i, r) in region.resources.into_iter().enumerate() {
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
    if summary.failed > 0 {
        anyhow::bail!(
            "{} demo resources were refused by the store",
            summary.failed
        );
    }
    println!(
        "demo region in {}: {} written, {} unchanged",
        args.data_dir.display(),
        summary.written,
        summary.unchanged
    );
    let serve_args = serve::ServeArgs {
        listen: args.listen,
        db: db::DbArgs { database: url },
        dev_auth: true,
        max_body: nordlys_api::DEFAULT_MAX_BODY,
        issuer_config: None,
        public_base: None,
        rate_limit: None,
    };
    let state = serve::app_state(store, &serve_args)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (is another nordlys running? try --listen 127.0.0.1:8081)",
                args.listen
            )
        })?;
    let addr = listener.local_addr().unwrap_or(args.listen);
    print_welcome(addr, &people);
    nordlys_api::serve(listener, state, serve::shutdown_signal())
        .await
        .context("server stopped with an error")?;
    Ok(())
}

/// Who to log in as, taken from the loaded resources.
#[derive(Default)]
struct People {
    /// `(patient id, national id, name)`
    citizen: Option<(String, String, String)>,
    hpr: Option<String>,
    orgnr: Option<String>,
}

impl People {
    fn from_resources(resources: &[Value]) -> People {
        let mut p = People::default();
        for r in resources {
            match r["resourceType"].as_str() {
                Some("Patient") if p.citizen.is_none() => {
                    if let (Some(id), Some(pid)) = (r["id"].as_str(), identifier(r, FNR_SYSTEM)) {
                        let given = r["name"][0]["given"][0].as_str().unwrap_or("");
                        let family = r["name"][0]["family"].as_str().unwrap_or("");
                        p.citizen = Some((
                            id.to_owned(),
                            pid,
                            format!("{given} {family}").trim().to_owned(),
                        ));
                    }
                }
                Some("Practitioner") if p.hpr.is_none() => p.hpr = identifier(r, HPR_SYSTEM),
                Some("Organization") if p.orgnr.is_none() => p.orgnr = identifier(r, ORGNR_SYSTEM),
                _ => {}
            }
        }
        p
    }
}

fn identifier(r: &Value, system: &str) -> Option<String> {
    r["identifier"]
        .as_array()?
        .iter()
        .find(|i| i["system"] == system)
        .and_then(|i| i["value"].as_str())
        .map(str::to_owned)
}

fn print_welcome(addr: SocketAddr, people: &People) {
    let root = format!("http://{addr}");
    println!();
    println!("Nordlys demo is running (development login; all data synthetic). Stop with Ctrl-C.");
    println!("  citizen portal:       {root}/");
    println!("  clinician workspace:  {root}/clinician");
    println!("  FHIR API:             {root}/fhir   (CapabilityStatement: {root}/fhir/metadata)");
    println!();
    println!("Try (needs curl and jq):");
    let token = |body: String| {
        format!("TOKEN=$(curl -s -X POST {root}/dev/token -H 'content-type: application/json' -d '{body}' | jq -r .access_token)")
    };
    if let Some((id, pid, name)) = &people.citizen {
        println!("  # as the citizen {name}:");
        println!(
            "  {}",
            token(format!(
                "{{\"kind\": \"citizen\", \"pid\": \"{pid}\", \"acr\": \"idporten-loa-high\"}}"
            ))
        );
        println!("  curl -s -H \"Authorization: Bearer $TOKEN\" {root}/fhir/Patient/{id}/\\$everything | jq '.total'");
    }
    if let (Some(hpr), Some(orgnr)) = (&people.hpr, &people.orgnr) {
        println!("  # as a practitioner treating patients:");
        println!(
            "  {}",
            token(format!("{{\"kind\": \"practitioner\", \"hpr\": \"{hpr}\", \"orgnr\": \"{orgnr}\", \"purpose\": \"TREAT\"}}"))
        );
        println!("  curl -s -H \"Authorization: Bearer $TOKEN\" '{root}/fhir/Patient?_count=5' | jq '.entry[].resource.name'");
    }
    if let Some(orgnr) = &people.orgnr {
        println!("  # as the record system of organisation {orgnr}:");
        println!(
            "  {}",
            token(format!("{{\"kind\": \"system\", \"client_id\": \"demo-ehr\", \"orgnr\": \"{orgnr}\", \"scope\": \"system/*.read system/*.write\"}}"))
        );
        println!("  curl -s -H \"Authorization: Bearer $TOKEN\" '{root}/fhir/Observation?_summary=count' | jq .total");
    }
    println!();
}
