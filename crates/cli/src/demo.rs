//! `nordlys demo`: a synthetic region, served with development login, in one command.
//!
//! Why it loads every time: the demo region is dated relative to today (deferred
//! results, free slots); importing is idempotent, so a same-day restart writes
//! nothing and a later one moves the dates along. Each item is owned by the
//! organisation that produced it (`meta.source` of the generated data).
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;

use crate::import::{self, source::Position, Importer};
use crate::{db, serve};

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
    /// Trusted token issuers besides the development one (as for `serve`), e.g. a
    /// local HelseID stand-in for the workspace login.
    #[arg(long, value_name = "PATH")]
    pub issuer_config: Option<PathBuf>,
    /// The workspace's HelseID login settings (as for `serve --workspace-oidc`).
    #[arg(long, value_name = "PATH")]
    pub workspace_oidc: Option<PathBuf>,
    #[command(flatten)]
    pub delivery: crate::deliver::DeliveryArgs,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create the data folder {}", args.data_dir.display()))?;
    let url = format!("sqlite://{}", args.data_dir.join("nordlys.db").display());
    let store = db::open_store(&url).await?;
    let store = crate::deliver::with_reminders(store, &args.delivery);
    let today = args
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let region = nordlys_synth::demo_region(today);
    let cast = Cast {
        persons: region.persons,
        practitioners: region.practitioners,
        systems: region.systems,
    };
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
        issuer_config: args.issuer_config.clone(),
        public_base: None,
        rate_limit: None,
        portal_oidc: None,
        workspace_oidc: args.workspace_oidc.clone(),
        portal_glossary: None,
        delivery: args.delivery.clone(),
        // The demo's receivers run on this machine, over plain HTTP.
        subscriptions_allow_http: true,
        subscriptions_allow_private_hosts: true,
    };
    let store = store.with_subscription_endpoints(serve::endpoint_rule(&serve_args));
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
    print_welcome(addr, &cast);
    let choices = cast
        .persons
        .iter()
        .map(|p| nordlys_portal::LoginChoice {
            pid: p.pid.clone(),
            display: p.display.clone(),
            role: p.role.clone(),
        })
        .collect();
    let scheduler = state
        .store
        .spawn_scheduler(std::time::Duration::from_secs(60));
    let portal_url = format!("http://{addr}/");
    let delivery = crate::deliver::spawn(&state.store, &args.delivery, Some(&portal_url))?;
    // FHIR Subscriptions, as in `serve`.
    let subscriptions = nordlys_api::subscriptions::spawn(
        state.store.clone(),
        state.subscriptions.clone(),
        nordlys_api::subscriptions::SubscriptionConfig::default(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("cannot start subscription delivery: {e}"))?;
    let served = nordlys_api::serve_app(
        listener,
        serve::application_with(
            state,
            choices,
            None,
            None,
            serve::workspace_oidc(&serve_args)?,
        ),
        serve::shutdown_signal(),
    )
    .await;
    scheduler.abort();
    subscriptions.abort();
    if let Some(d) = delivery {
        d.abort();
    }
    served.context("server stopped with an error")?;
    Ok(())
}

fn print_welcome(addr: SocketAddr, region: &Cast) {
    let root = format!("http://{addr}");
    println!();
    println!("Nordlys demo is running (development login; all data synthetic). Stop with Ctrl-C.");
    println!("  citizen portal:       {root}/");
    println!("  clinician workspace:  {root}/clinician");
    println!("  FHIR API:             {root}/fhir   (CapabilityStatement: {root}/fhir/metadata)");
    println!();
    if !region.persons.is_empty() {
        println!("People to log in as (citizen tokens, pid):");
        for p in &region.persons {
            println!("  {:<12} {:<28} {}", p.pid, p.display, p.role);
        }
        println!();
    }
    println!("Try (needs curl and jq):");
    let token = |body: String| {
        format!(
            "TOKEN=$(curl -s -X POST {root}/dev/token -H 'content-type: application/json' -d '{body}' | jq -r .access_token)"
        )
    };
    if let Some(p) = region.persons.iter().find(|p| p.patient.is_some()) {
        let patient = p.patient.as_deref().unwrap_or_default();
        println!("  # as the citizen {}:", p.display);
        println!(
            "  {}",
            token(format!(
                "{{\"kind\": \"citizen\", \"pid\": \"{}\", \"acr\": \"idporten-loa-high\"}}",
                p.pid
            ))
        );
        println!("  curl -s -H \"Authorization: Bearer $TOKEN\" {root}/fhir/{patient}/\\$everything | jq .total");
    }
    if let Some(d) = region.practitioners.first() {
        println!("  # as {} ({}), treating:", d.display, d.unit_name);
        println!(
            "  {}",
            token(format!(
                "{{\"kind\": \"practitioner\", \"hpr\": \"{}\", \"orgnr\": \"{}\", \"purpose\": \"TREAT\"}}",
                d.hpr, d.orgnr
            ))
        );
        println!("  curl -s -H \"Authorization: Bearer $TOKEN\" '{root}/fhir/Patient?_count=5' | jq '.entry[].resource.name'");
    }
    if let Some(sys) = region.systems.first() {
        println!("  # as the record system {}:", sys.display);
        println!(
            "  {}",
            token(format!(
                "{{\"kind\": \"system\", \"client_id\": \"{}\", \"orgnr\": \"{}\", \"scope\": \"{}\"}}",
                sys.client_id, sys.orgnr, sys.scope
            ))
        );
        println!("  curl -s -H \"Authorization: Bearer $TOKEN\" '{root}/fhir/DocumentReference?_summary=count' | jq .total");
    }
    println!();
}

/// The people of the demo, kept after the resources went to the store.
struct Cast {
    persons: Vec<nordlys_synth::DemoPerson>,
    practitioners: Vec<nordlys_synth::DemoPractitioner>,
    systems: Vec<nordlys_synth::DemoSystem>,
}
