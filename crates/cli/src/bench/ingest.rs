//! Home-measurement ingest (issue 6 § 4, "measurement ingest (Observations/s)"):
//! `nordlys bench --ingest N` has a home-monitoring hub (a system client of its own
//! organisation) post N Observations in transaction Bundles of `--ingest-batch`, through
//! the same store path the API's `POST /fhir` takes: validation, indexing, the policy's
//! write check, the treating unit's thresholds (every patient has one, and about one
//! reading in a hundred crosses it, so threshold Tasks are raised and deduplicated on
//! the way), the access log and one commit per Bundle.
//!
//! Why through the store and not HTTP: the figure is the ingest path's; the JSON
//! transport adds parsing of the request and response bodies, which is the same for
//! every FHIR write and measured by the other scenarios.
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Datelike, SecondsFormat, Utc};
use hdrhistogram::Histogram;
use nordlys_policy::Principal;
use nordlys_store::{
    FhirStore, RequestContext, THRESHOLD_CATEGORY_CODE, THRESHOLD_CATEGORY_SYSTEM,
};
use serde_json::{json, Value};

use crate::db;

/// The treating hospital (sets thresholds) and the hub's operator.
const UNIT: &str = "983974899";
const HUB: &str = "889640782";
const LOINC: &str = "http://loinc.org";

fn system(client: &str, orgnr: &str) -> RequestContext {
    RequestContext::new(Principal::System {
        client_id: client.into(),
        orgnr: orgnr.into(),
        scopes: vec!["system/*.read".into(), "system/*.write".into()],
    })
}

fn transaction(resources: Vec<Value>, method: &str) -> Value {
    let entry: Vec<Value> = resources
        .into_iter()
        .map(|r| {
            let rt = r["resourceType"].as_str().unwrap_or("").to_string();
            let url = match (method, r["id"].as_str()) {
                ("PUT", Some(id)) => format!("{rt}/{id}"),
                _ => rt,
            };
            json!({"resource": r, "request": {"method": method, "url": url}})
        })
        .collect();
    json!({"resourceType": "Bundle", "type": "transaction", "entry": entry})
}

/// Patient `i` with its Device and the unit's threshold Goal.
fn setup(i: usize, pid: &str, birth: &str) -> (Vec<Value>, Value) {
    let p = format!("bench-dho-{i}");
    let unit = vec![
        json!({"resourceType": "Patient", "id": p,
            "identifier": [{"system": nordlys_policy::FNR_SYSTEM, "value": pid}],
            "name": [{"family": "Benk", "given": [format!("M{i}")]}], "birthDate": birth}),
        json!({"resourceType": "Goal", "id": format!("{p}-limits"), "lifecycleStatus": "active",
            "category": [{"coding": [{"system": THRESHOLD_CATEGORY_SYSTEM, "code": THRESHOLD_CATEGORY_CODE}]}],
            "description": {"text": "Grenser"}, "subject": {"reference": format!("Patient/{p}")},
            "target": [{"measure": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                        "detailRange": {"low": {"value": 90}, "high": {"value": 160}}}]}),
    ];
    let device = json!({"resourceType": "Device", "id": format!("{p}-hub"), "status": "active",
        "patient": {"reference": format!("Patient/{p}")}});
    (unit, device)
}

/// Reading `n` for patient `i`: BP, weight, SpO2 and glucose in turn; every 100th BP
/// crosses the threshold.
fn reading(i: usize, n: usize, at: &str) -> Value {
    let p = format!("bench-dho-{i}");
    let q = |v: f64, unit: &str| json!({"value": v, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit});
    let code = |c: &str| json!({"coding": [{"system": LOINC, "code": c}]});
    let mut o = json!({"resourceType": "Observation", "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "subject": {"reference": format!("Patient/{p}")}, "device": {"reference": format!("Device/{p}-hub")},
        "effectiveDateTime": at});
    match n % 4 {
        0 => {
            let sys = if n.is_multiple_of(100) { 172.0 } else { 128.0 };
            o["code"] = code("85354-9");
            o["component"] = json!([{"code": code("8480-6"), "valueQuantity": q(sys, "mm[Hg]")},
                                    {"code": code("8462-4"), "valueQuantity": q(78.0, "mm[Hg]")}]);
        }
        1 => {
            o["code"] = code("29463-7");
            o["valueQuantity"] = q(81.0, "kg");
        }
        2 => {
            o["code"] = code("59408-5");
            o["valueQuantity"] = q(96.0, "%");
        }
        _ => {
            o["code"] = code("2339-0");
            o["valueQuantity"] = q(6.0, "mmol/L");
        }
    }
    o
}

/// Runs the ingest bench: `total` Observations over `patients` patients in Bundles of `batch`.
pub async fn run(
    database: Option<&str>,
    total: usize,
    patients: usize,
    batch: usize,
) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("nordlys-bench-ingest-{}", std::process::id()));
    let url = match database {
        Some(u) => u.to_owned(),
        None => format!("sqlite://{}", dir.join("nordlys.db").display()),
    };
    let result = measure(&url, total, patients.clamp(1, 1000), batch.max(1)).await;
    if database.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

async fn measure(url: &str, total: usize, patients: usize, batch: usize) -> anyhow::Result<()> {
    let store: FhirStore = db::open_store(url).await?;
    println!(
        "ingest bench on {}: {total} Observations for {patients} patients, Bundles of {batch}",
        store.backend_name()
    );
    let birth =
        chrono::NaiveDate::from_ymd_opt(Utc::now().year() - 70, 5, 1).context("a birth date")?;
    let first = nordlys_fhir::ids::individual_range(birth.year()).map_or(0, |r| *r.start());
    let pids: Vec<String> = (0..2000u16)
        .filter_map(|k| nordlys_fhir::ids::generate_fnr(birth, first + k, true))
        .take(patients)
        .collect();
    anyhow::ensure!(pids.len() == patients, "only {} national ids", pids.len());
    let unit = system("bench-dips", UNIT);
    let hub = system("bench-hub", HUB);
    let birth = birth.format("%Y-%m-%d").to_string();
    let (mut unit_items, mut devices) = (Vec::new(), Vec::new());
    for (i, pid) in pids.iter().enumerate() {
        let (u, d) = setup(i, pid, &birth);
        unit_items.extend(u);
        devices.push(d);
    }
    for chunk in unit_items.chunks(200) {
        store
            .bundle(&unit, transaction(chunk.to_vec(), "PUT"))
            .await
            .context("patients")?;
    }
    for chunk in devices.chunks(200) {
        store
            .bundle(&hub, transaction(chunk.to_vec(), "PUT"))
            .await
            .context("devices")?;
    }
    let at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut hist = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).context("histogram")?;
    let started = Instant::now();
    let (mut sent, mut stored) = (0usize, 0usize);
    while sent < total {
        let n = batch.min(total - sent);
        // A hub's Bundle: readings of a run of patients, as they come in.
        let obs: Vec<Value> = (sent..sent + n)
            .map(|k| reading(k % patients, k / patients, &at))
            .collect();
        let t = Instant::now();
        let resp = store
            .bundle(&hub, transaction(obs, "POST"))
            .await
            .context("ingest")?;
        hist.record(t.elapsed().as_micros().max(1) as u64).ok();
        stored += resp["entry"].as_array().map_or(0, Vec::len);
        sent += n;
    }
    let elapsed: Duration = started.elapsed();
    anyhow::ensure!(stored == total, "{stored} of {total} Observations stored");
    println!(
        "{:<34} {:>10} {:>9} {:>9} {:>9}",
        "scenario", "obs/s", "p50 ms", "p99 ms", "max ms"
    );
    let ms = |us: u64| us as f64 / 1000.0;
    println!(
        "{:<34} {:>10.0} {:>9.1} {:>9.1} {:>9.1}",
        format!("ingest (Bundle of {batch})"),
        total as f64 / elapsed.as_secs_f64().max(1e-9),
        ms(hist.value_at_quantile(0.5)),
        ms(hist.value_at_quantile(0.99)),
        ms(hist.max())
    );
    Ok(())
}
