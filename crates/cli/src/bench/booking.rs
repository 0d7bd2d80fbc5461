//! Booking throughput under contention (issue 6 § 1): N citizens race over M free
//! slots through `POST /fhir/Appointment/$book`, all for the same slot at a time.
//!
//! Why this shape: it is the worst case for the version precondition — every slot
//! is wanted by every client at once, so per slot one request wins and the others
//! get a 409 and move to the next. The figures are bookings/s (slots taken per second
//! of wall time) and the latency of every request, winners and losers alike. After
//! the run the store is checked: every slot busy, exactly one booking per slot.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Datelike, Utc};
use hdrhistogram::Histogram;
use nordlys_store::{FhirStore, RequestContext};
use serde_json::{json, Value};

/// What the race measured.
#[derive(Debug, Clone)]
pub struct BookingResult {
    pub clients: usize,
    pub slots: usize,
    pub booked: usize,
    pub conflicts: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

impl BookingResult {
    pub fn bookings_per_second(&self) -> f64 {
        self.booked as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// `clients` synthetic adults with their own national ids: (patient id, pid).
pub(super) fn citizens(clients: usize) -> anyhow::Result<Vec<(String, String, Value)>> {
    let birth =
        chrono::NaiveDate::from_ymd_opt(Utc::now().year() - 40, 3, 1).context("a birth date")?;
    let first = nordlys_fhir::ids::individual_range(birth.year()).map_or(0, |r| *r.start());
    let pids: Vec<String> = (0..2000u16)
        .filter_map(|k| nordlys_fhir::ids::generate_fnr(birth, first + k, true))
        .take(clients)
        .collect();
    anyhow::ensure!(
        pids.len() == clients,
        "only {} national ids for {clients} clients",
        pids.len()
    );
    Ok(pids
        .into_iter()
        .enumerate()
        .map(|(i, pid)| {
            let id = format!("bench-booker-{i}");
            let patient = json!({"resourceType": "Patient", "id": id,
                "identifier": [{"system": nordlys_policy::FNR_SYSTEM, "value": pid}],
                "name": [{"family": "Benk", "given": [format!("Klient {i}")]}],
                "birthDate": birth.format("%Y-%m-%d").to_string()});
            (id, pid, patient)
        })
        .collect())
}

/// The schedule and its `slots` free slots, three days ahead, 20 minutes each.
fn schedule_and_slots(slots: usize) -> Vec<Value> {
    let start = Utc::now() + chrono::Duration::days(3);
    let fmt = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut out = vec![
        json!({"resourceType": "Schedule", "id": "bench-booking", "active": true,
        "comment": "Benkemerking", "actor": [{"reference": "Practitioner/bench-gp"}]}),
    ];
    for i in 0..slots {
        let s = start + chrono::Duration::minutes(20 * i as i64);
        out.push(
            json!({"resourceType": "Slot", "id": format!("bench-slot-{i}"),
            "schedule": {"reference": "Schedule/bench-booking"}, "status": "free",
            "start": fmt(s), "end": fmt(s + chrono::Duration::minutes(20))}),
        );
    }
    out
}

/// Loads the data (owned by `orgnr`), races, and checks the store afterwards.
pub async fn run(
    store: &FhirStore,
    client: &reqwest::Client,
    root: &str,
    orgnr: &str,
    clients: usize,
    slots: usize,
) -> anyhow::Result<BookingResult> {
    let people = citizens(clients)?;
    let mut data = schedule_and_slots(slots);
    data.extend(people.iter().map(|(_, _, p)| p.clone()));
    let report = store
        .unchecked_import(data, Some(orgnr))
        .await
        .map_err(|e| anyhow::anyhow!("booking data: {e}"))?;
    anyhow::ensure!(
        report.failed.is_empty(),
        "booking data refused: {:?}",
        report.failed
    );
    let mut tokens = Vec::with_capacity(clients);
    for (_, pid, _) in &people {
        tokens.push(token(client, root, pid).await?);
    }
    let frontier = Arc::new(AtomicUsize::new(0));
    let url = format!("{root}/fhir/Appointment/$book");
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for ((patient, _, _), token) in people.into_iter().zip(tokens) {
        let (client, url, frontier) = (client.clone(), url.clone(), frontier.clone());
        tasks.push(tokio::spawn(async move {
            race(&client, &url, &token, &patient, &frontier, slots).await
        }));
    }
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let (mut booked, mut conflicts, mut errors, mut first_error) = (0, 0, 0, None);
    for t in tasks {
        let r = t.await.context("a booking client")??;
        booked += r.booked;
        conflicts += r.conflicts;
        errors += r.errors;
        first_error = first_error.or(r.first_error);
        hist.add(&r.hist)?;
    }
    let elapsed = started.elapsed();
    check(store, orgnr, slots, booked).await?;
    Ok(BookingResult {
        clients,
        slots,
        booked,
        conflicts,
        errors,
        first_error,
        elapsed,
        p50_us: hist.value_at_quantile(0.5),
        p99_us: hist.value_at_quantile(0.99),
        max_us: hist.max(),
    })
}

struct ClientResult {
    booked: usize,
    conflicts: usize,
    errors: usize,
    first_error: Option<String>,
    hist: Histogram<u64>,
}

/// One client: always the lowest slot not known to be taken, until none is left.
async fn race(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    patient: &str,
    frontier: &AtomicUsize,
    slots: usize,
) -> anyhow::Result<ClientResult> {
    let mut out = ClientResult {
        booked: 0,
        conflicts: 0,
        errors: 0,
        first_error: None,
        hist: Histogram::new_with_bounds(1, 60_000_000, 3)?,
    };
    loop {
        let slot = frontier.load(Ordering::SeqCst);
        if slot >= slots {
            return Ok(out);
        }
        let body = json!({"resourceType": "Parameters", "parameter": [
            {"name": "patient", "valueReference": {"reference": format!("Patient/{patient}")}},
            {"name": "slot", "valueReference": {"reference": format!("Slot/bench-slot-{slot}")}}]});
        let t = Instant::now();
        let r = client
            .post(url)
            .bearer_auth(token)
            .header("content-type", "application/fhir+json")
            .body(body.to_string())
            .send()
            .await;
        let status = match r {
            Ok(r) => {
                let s = r.status().as_u16();
                let _ = r.bytes().await;
                s
            }
            Err(_) => 0,
        };
        let _ = out.hist.record(t.elapsed().as_micros().max(1) as u64);
        match status {
            201 => out.booked += 1,
            409 => out.conflicts += 1,
            other => {
                out.errors += 1;
                out.first_error
                    .get_or_insert(format!("status {other} for slot {slot}"));
                if out.errors > 100 {
                    return Ok(out);
                }
                continue;
            }
        }
        // Taken either way: nobody needs to ask for it again.
        frontier.fetch_max(slot + 1, Ordering::SeqCst);
    }
}

pub(super) async fn token(
    client: &reqwest::Client,
    root: &str,
    pid: &str,
) -> anyhow::Result<String> {
    let r = client
        .post(format!("{root}/dev/token"))
        .json(&json!({"kind": "citizen", "pid": pid, "acr": "idporten-loa-high"}))
        .send()
        .await?;
    let v: Value = r.json().await.unwrap_or(Value::Null);
    v["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("dev token refused: {v}"))
}

/// Every slot busy, and exactly `slots` booked Appointments on the schedule.
async fn check(store: &FhirStore, orgnr: &str, slots: usize, booked: usize) -> anyhow::Result<()> {
    anyhow::ensure!(booked == slots, "{booked} bookings for {slots} slots");
    let ctx = RequestContext::new(nordlys_policy::Principal::System {
        client_id: "nordlys-bench".into(),
        orgnr: orgnr.into(),
        scopes: vec!["system/*.read".into()],
    });
    let params = vec![
        (
            "slot:Slot.schedule".to_owned(),
            "Schedule/bench-booking".to_owned(),
        ),
        ("status".to_owned(), "booked".to_owned()),
        ("_summary".to_owned(), "count".to_owned()),
    ];
    let request = store.parse_search("Appointment", &params, false)?;
    let found = store.search(&ctx, &request).await?;
    anyhow::ensure!(
        found.total == Some(slots),
        "{:?} booked Appointments in the store for {slots} slots",
        found.total
    );
    let request = store.parse_search(
        "Slot",
        &[
            ("schedule".to_owned(), "Schedule/bench-booking".to_owned()),
            ("status".to_owned(), "free".to_owned()),
            ("_summary".to_owned(), "count".to_owned()),
        ],
        false,
    )?;
    let free = store.search(&ctx, &request).await?;
    anyhow::ensure!(free.total == Some(0), "{:?} slots left free", free.total);
    Ok(())
}
