//! Notification outbox throughput (issue 5 § 6: "messages/s through the outbox"):
//! `nordlys bench --outbox N` queues N notifications and measures how many per second
//! go through the whole delivery path — the scheduler's step (each due entry decided
//! again as its person, marked ready), the claim with a lease, the second decision,
//! the person's contact details and channel choice, the text, the send, and the mark
//! delivered — exactly what `Deliverer::run_once` does in `serve`.
//!
//! Why a no-op channel: the figure is the outbox's (database and policy work), not a
//! mail server's; a real SMTP relay or SMS gateway adds its own latency per message,
//! which concurrency on the channel side, not the outbox, would hide. The channel
//! counts what it was given, and the run fails unless every entry was sent once.
//!
//! Setup (not measured, but reported): P adults with an e-mail address, N journal
//! documents spread over them, written by a record system in transaction Bundles of
//! 100 — each Bundle commits its documents and their outbox entries together.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Datelike, Utc};
use nordlys_notify::{Channel, ChannelKind, Deliverer, DeliveryConfig, DeliveryError, Message};
use nordlys_policy::Principal;
use nordlys_store::{FhirStore, RequestContext};
use serde_json::{json, Value};

use crate::db;

/// Documents per transaction Bundle in the setup.
const CHUNK: usize = 100;
/// A valid organisation number for the bench's record system.
const ORGNR: &str = "983974899";

/// Counts messages and sends nothing.
struct Noop(AtomicUsize);

#[async_trait::async_trait]
impl Channel for Noop {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }
    async fn send(&self, _message: &Message) -> Result<(), DeliveryError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn system() -> RequestContext {
    RequestContext::new(Principal::System {
        client_id: "bench-outbox".into(),
        orgnr: ORGNR.into(),
        scopes: vec!["system/*.read".into(), "system/*.write".into()],
    })
}

fn transaction(resources: Vec<Value>) -> Value {
    let entry: Vec<Value> = resources
        .into_iter()
        .map(|r| {
            let url = format!(
                "{}/{}",
                r["resourceType"].as_str().unwrap_or(""),
                r["id"].as_str().unwrap_or("")
            );
            json!({"resource": r, "request": {"method": "PUT", "url": url}})
        })
        .collect();
    json!({"resourceType": "Bundle", "type": "transaction", "entry": entry})
}

/// `people` adults with valid national ids and an e-mail address.
fn patients(people: usize) -> anyhow::Result<Vec<Value>> {
    let birth =
        chrono::NaiveDate::from_ymd_opt(Utc::now().year() - 45, 2, 1).context("a birth date")?;
    let first = nordlys_fhir::ids::individual_range(birth.year()).map_or(0, |r| *r.start());
    let pids: Vec<String> = (0..2000u16)
        .filter_map(|k| nordlys_fhir::ids::generate_fnr(birth, first + k, true))
        .take(people)
        .collect();
    anyhow::ensure!(
        pids.len() == people,
        "only {} national ids for {people} people",
        pids.len()
    );
    Ok(pids
        .into_iter()
        .enumerate()
        .map(|(i, pid)| {
            json!({"resourceType": "Patient", "id": format!("bench-outbox-{i}"),
                "identifier": [{"system": nordlys_policy::FNR_SYSTEM, "value": pid}],
                "name": [{"family": "Benk", "given": [format!("P{i}")]}],
                "birthDate": birth.format("%Y-%m-%d").to_string(),
                "telecom": [{"system": "email", "value": format!("p{i}@example.no")}]})
        })
        .collect())
}

fn document(i: usize, patient: usize, date: &str) -> Value {
    json!({"resourceType": "DocumentReference", "id": format!("bench-outbox-doc-{i}"), "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]},
        "category": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/document-category", "code": "journal"}]}],
        "subject": {"reference": format!("Patient/bench-outbox-{patient}")}, "date": date,
        "content": [{"attachment": {"contentType": "text/plain", "data": "Tm90YXQ="}}]})
}

async fn queue(store: &FhirStore, messages: usize, people: usize) -> anyhow::Result<Duration> {
    let ctx = system();
    for chunk in patients(people)?.chunks(CHUNK) {
        store
            .bundle(&ctx, transaction(chunk.to_vec()))
            .await
            .context("patients")?;
    }
    let date = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let started = Instant::now();
    let mut i = 0;
    while i < messages {
        let n = CHUNK.min(messages - i);
        let docs = (i..i + n).map(|k| document(k, k % people, &date)).collect();
        store
            .bundle(&ctx, transaction(docs))
            .await
            .context("documents")?;
        i += n;
    }
    Ok(started.elapsed())
}

/// Runs the outbox bench with `messages` notifications for `people` persons.
pub async fn run(
    database: Option<&str>,
    messages: usize,
    people: usize,
    batch: usize,
) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("nordlys-bench-outbox-{}", std::process::id()));
    let url = match database {
        Some(u) => u.to_owned(),
        None => format!("sqlite://{}", dir.join("nordlys.db").display()),
    };
    let result = measure(&url, messages, people.clamp(1, 1000), batch.max(1)).await;
    if database.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

async fn measure(url: &str, messages: usize, people: usize, batch: usize) -> anyhow::Result<()> {
    let store = db::open_store(url).await?;
    println!(
        "outbox bench on {}: {messages} notifications for {people} people, claims of {batch}",
        store.backend_name()
    );
    let queued = queue(&store, messages, people).await?;
    println!(
        "queued with their documents: {messages} in {:.2} s ({:.0} documents+entries/s, Bundles of {CHUNK})",
        queued.as_secs_f64(),
        messages as f64 / queued.as_secs_f64().max(1e-9)
    );
    let channel = Arc::new(Noop(AtomicUsize::new(0)));
    let config = DeliveryConfig {
        batch,
        lease: Duration::from_secs(600),
        ..DeliveryConfig::new("https://helse.example.no/")
    };
    let deliverer = Deliverer::new(store.clone(), config).with_channel(channel.clone());
    let started = Instant::now();
    let mut delivered = 0;
    loop {
        let r = deliverer
            .run_once(Utc::now())
            .await
            .context("delivery round")?;
        anyhow::ensure!(r.failed == 0 && r.unreachable == 0, "undelivered: {r:?}");
        if r.delivered == 0 {
            break;
        }
        delivered += r.delivered;
    }
    let elapsed = started.elapsed();
    let sent = channel.0.load(Ordering::Relaxed);
    anyhow::ensure!(
        delivered == messages && sent == messages,
        "expected {messages} delivered and sent once each, got {delivered} delivered, {sent} sent"
    );
    println!(
        "delivered (decide → claim → decide → contact → send no-op → mark): {delivered} in {:.2} s = {:.0} messages/s",
        elapsed.as_secs_f64(),
        delivered as f64 / elapsed.as_secs_f64().max(1e-9)
    );
    Ok(())
}
