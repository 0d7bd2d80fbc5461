//! Form submission latency (issue 6 § 2): N citizens each send the triage form over
//! `POST /fhir/QuestionnaireResponse/$submit` as fast as they can for the duration.
//!
//! Why this measures what a citizen waits for: one request is the whole send —
//! validation against the Questionnaire, the § 10 decision, scoring, and one commit of
//! the response, the unit's Task and the access-log event. After the run the store is
//! checked: exactly one `form-answer` Task per accepted form.
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use nordlys_store::{FhirStore, RequestContext};
use serde_json::{json, Value};

/// What the run measured.
pub struct FormsResult {
    pub clients: usize,
    pub sent: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

impl FormsResult {
    pub fn per_second(&self) -> f64 {
        self.sent as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

fn answers(severe: bool) -> Value {
    let coding = |c: &str| json!([{"valueCoding": {"code": c}}]);
    let mut items = vec![
        json!({"linkId": "fever", "answer": [{"valueBoolean": severe}]}),
        json!({"linkId": "breath", "answer": coding(if severe { "rest" } else { "no" })}),
        json!({"linkId": "days", "answer": coding("3to7")}),
        json!({"linkId": "meds", "item": [{"linkId": "meds.name", "answer": [{"valueString": "Paracet"}]}]}),
    ];
    if severe {
        items.insert(
            1,
            json!({"linkId": "temp", "answer": [{"valueDecimal": 39.2}]}),
        );
    }
    Value::Array(items)
}

/// Loads the form and its unit (owned by `orgnr`), sends for `duration`, checks.
pub async fn run(
    store: &FhirStore,
    client: &reqwest::Client,
    root: &str,
    orgnr: &str,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<FormsResult> {
    let people = super::booking::citizens(clients)?;
    let mut data = vec![
        json!({"resourceType": "Organization", "id": "bench-form-unit", "name": "Benk",
            "identifier": [{"system": nordlys_policy::ORGNR_SYSTEM, "value": orgnr}]}),
        nordlys_forms::builtin::triage("bench-triage", "bench-form-unit"),
    ];
    data.extend(people.iter().map(|(_, _, p)| p.clone()));
    let report = store
        .unchecked_import(data, Some(orgnr))
        .await
        .map_err(|e| anyhow::anyhow!("forms data: {e}"))?;
    anyhow::ensure!(
        report.failed.is_empty(),
        "forms data refused: {:?}",
        report.failed
    );
    let before = inbox(store, orgnr).await?;
    let url = format!("{root}/fhir/QuestionnaireResponse/$submit");
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for (i, (patient, pid, _)) in people.into_iter().enumerate() {
        let token = super::booking::token(client, root, &pid).await?;
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            send(
                &client,
                &url,
                &token,
                &patient,
                i % 2 == 0,
                started + duration,
            )
            .await
        }));
    }
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let (mut sent, mut errors, mut first_error) = (0, 0, None);
    for t in tasks {
        let (s, e, f, h) = t.await.context("a forms client")??;
        sent += s;
        errors += e;
        first_error = first_error.or(f);
        hist.add(&h)?;
    }
    let elapsed = started.elapsed();
    let after = inbox(store, orgnr).await?;
    anyhow::ensure!(
        after == before + sent,
        "{} new Tasks for {sent} forms",
        after - before
    );
    Ok(FormsResult {
        clients,
        sent,
        errors,
        first_error,
        elapsed,
        p50_us: hist.value_at_quantile(0.5),
        p99_us: hist.value_at_quantile(0.99),
        max_us: hist.max(),
    })
}

type ClientResult = (usize, usize, Option<String>, Histogram<u64>);

async fn send(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    patient: &str,
    severe: bool,
    until: Instant,
) -> anyhow::Result<ClientResult> {
    let mut hist = Histogram::new_with_bounds(1, 60_000_000, 3)?;
    let (mut sent, mut errors, mut first) = (0, 0, None);
    let body = json!({"resourceType": "Parameters", "parameter": [
        {"name": "patient", "valueReference": {"reference": format!("Patient/{patient}")}},
        {"name": "questionnaire", "valueReference": {"reference": "Questionnaire/bench-triage"}},
        {"name": "response", "resource": {"resourceType": "QuestionnaireResponse", "status": "completed", "item": answers(severe)}}]})
    .to_string();
    while Instant::now() < until {
        let t = Instant::now();
        let r = client
            .post(url)
            .bearer_auth(token)
            .header("content-type", "application/fhir+json")
            .body(body.clone())
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
        let _ = hist.record(t.elapsed().as_micros().max(1) as u64);
        if status == 201 {
            sent += 1;
        } else {
            errors += 1;
            first.get_or_insert(format!("status {status}"));
            if errors > 100 {
                break;
            }
        }
    }
    Ok((sent, errors, first, hist))
}

/// How many Tasks the unit's inbox holds (one `form-answer` per form accepted).
async fn inbox(store: &FhirStore, orgnr: &str) -> anyhow::Result<usize> {
    let ctx = RequestContext::new(nordlys_policy::Principal::System {
        client_id: "nordlys-bench".into(),
        orgnr: orgnr.into(),
        scopes: vec!["system/*.read".into()],
    });
    let params = vec![
        (
            "owner".to_owned(),
            "Organization/bench-form-unit".to_owned(),
        ),
        ("_summary".to_owned(), "count".to_owned()),
    ];
    let request = store.parse_search("Task", &params, false)?;
    let found = store.search(&ctx, &request).await?;
    found.total.context("no count")
}
