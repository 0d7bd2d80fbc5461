//! Subscription throughput and latency (docs/subscriptions.md): `nordlys bench
//! --subscriptions N` commits N Communications from concurrent writers while a record
//! system's rest-hook subscription is active, and measures how many events per second
//! go from commit to an accepted POST at a local receiver, and the latency of each
//! (commit acknowledged → request received).
//!
//! What is measured is the whole path as `serve` runs it: the commit wakes the loop,
//! the matcher reads the change feed and runs the criteria as the owner through the
//! gate (`_id=` of the batch), queues the events with the cursor, and the deliverer
//! reads each item again as the owner and POSTs it. The receiver is in-process and
//! answers at once, so the figure is Nordlys's, not a network's.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::http::HeaderMap;
use nordlys_api::subscriptions::{spawn, Hub, SubscriptionConfig};
use nordlys_policy::Principal;
use nordlys_store::RequestContext;
use serde_json::json;

use crate::db;

const ORGNR: &str = "983974899";
/// Concurrent writers.
const WRITERS: usize = 8;
/// Patients the messages are spread over.
const PATIENTS: usize = 50;

fn system() -> RequestContext {
    RequestContext::new(Principal::System {
        client_id: "bench-subscriptions".into(),
        orgnr: ORGNR.into(),
        scopes: vec!["system/*.read".into(), "system/*.write".into()],
    })
}

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

async fn receiver() -> anyhow::Result<(String, Arrivals)> {
    let arrivals: Arrivals = Arc::default();
    let seen = arrivals.clone();
    let app = axum::Router::new().fallback(move |headers: HeaderMap| {
        let seen = seen.clone();
        async move {
            if let Some(ev) = headers.get("x-nordlys-event").and_then(|v| v.to_str().ok()) {
                let item = ev.split("/_history").next().unwrap_or(ev).to_string();
                if let Ok(mut m) = seen.lock() {
                    m.entry(item).or_insert_with(Instant::now);
                }
            }
            axum::http::StatusCode::OK
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://{addr}/hook"), arrivals))
}

/// Runs the bench with `events` messages on `database` (default: a fresh SQLite file).
pub async fn run(database: Option<&str>, events: usize) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("nordlys-bench-subs-{}", std::process::id()));
    let url = match database {
        Some(u) => u.to_owned(),
        None => format!("sqlite://{}", dir.join("nordlys.db").display()),
    };
    let result = measure(&url, events.max(1)).await;
    if database.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

async fn measure(url: &str, events: usize) -> anyhow::Result<()> {
    // The bench's receiver listens on 127.0.0.1 over plain HTTP.
    let store = db::open_store(url)
        .await?
        .with_subscription_endpoints(nordlys_store::subscriptions::EndpointRule::OPEN);
    let ctx = system();
    for p in 0..PATIENTS {
        let patient = json!({"resourceType": "Patient", "id": format!("bench-sub-{p}"),
            "name": [{"family": "Benk", "given": [format!("P{p}")]}], "birthDate": "1970-01-01"});
        store
            .update(&ctx, "Patient", &format!("bench-sub-{p}"), patient, None)
            .await
            .context("patients")?;
    }
    let (endpoint, arrivals) = receiver().await?;
    let sub = json!({"resourceType": "Subscription", "status": "requested", "reason": "bench",
        "criteria": "Communication", "channel": {"type": "rest-hook", "endpoint": endpoint}});
    store
        .create(&ctx, sub, None)
        .await
        .context("subscription")?;
    let runner = spawn(
        store.clone(),
        Arc::new(Hub::default()),
        SubscriptionConfig::default(),
    )
    .await
    .context("delivery loop")?;
    println!(
        "subscription bench on {}: {events} Communications from {WRITERS} writers, one rest-hook subscription",
        store.backend_name()
    );
    let committed: Arrivals = Arc::default();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..WRITERS {
        let (store, committed) = (store.clone(), committed.clone());
        tasks.spawn(async move {
            let ctx = system();
            let mut i = w;
            while i < events {
                let msg = json!({"resourceType": "Communication", "status": "completed",
                    "subject": {"reference": format!("Patient/bench-sub-{}", i % PATIENTS)},
                    "payload": [{"contentString": format!("melding {i}")}]});
                let out = store.create(&ctx, msg, None).await?;
                let key = format!("Communication/{}", out.stored().id);
                if let Ok(mut m) = committed.lock() {
                    m.insert(key, Instant::now());
                }
                i += WRITERS;
            }
            Ok::<(), nordlys_store::StoreError>(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.context("writer")?
            .map_err(|e| anyhow::anyhow!("write: {e:?}"))?;
    }
    let written = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let n = arrivals.lock().map(|m| m.len()).unwrap_or(0);
        if n >= events || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let single = single_latency(&store, &arrivals).await?;
    runner.abort();
    println!(
        "one message at a time (20, 200 ms apart, after the burst): commit → delivery p50 {:.1} ms, max {:.1} ms",
        single.value_at_quantile(0.5) as f64 / 1000.0,
        single.max() as f64 / 1000.0
    );
    let arrivals = arrivals.lock().map(|m| m.clone()).unwrap_or_default();
    let committed = committed.lock().map(|m| m.clone()).unwrap_or_default();
    let burst = arrivals
        .keys()
        .filter(|k| committed.contains_key(*k))
        .count();
    anyhow::ensure!(
        burst == events,
        "expected {events} notifications, got {}",
        arrivals.len()
    );
    let last = arrivals
        .iter()
        .filter(|(k, _)| committed.contains_key(*k))
        .map(|(_, t)| *t)
        .max()
        .unwrap_or(started);
    let mut latency = hdrhistogram::Histogram::<u64>::new(3)?;
    for (item, at) in arrivals.iter().filter(|(k, _)| committed.contains_key(*k)) {
        if let Some(c) = committed.get(item) {
            let us = at.saturating_duration_since(*c).as_micros();
            latency.record(u64::try_from(us).unwrap_or(u64::MAX))?;
        }
    }
    let total = last.duration_since(started).as_secs_f64();
    println!(
        "written: {events} in {:.2} s ({:.0} commits/s)",
        written.as_secs_f64(),
        events as f64 / written.as_secs_f64().max(1e-9)
    );
    println!(
        "delivered: {events} in {total:.2} s from the first commit = {:.0} events/s; commit → delivery p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        events as f64 / total.max(1e-9),
        latency.value_at_quantile(0.5) as f64 / 1000.0,
        latency.value_at_quantile(0.99) as f64 / 1000.0,
        latency.max() as f64 / 1000.0
    );
    Ok(())
}

/// Latency of isolated messages: the quiet case a record system sees most of the day.
async fn single_latency(
    store: &nordlys_store::FhirStore,
    arrivals: &Arrivals,
) -> anyhow::Result<hdrhistogram::Histogram<u64>> {
    let ctx = system();
    let mut h = hdrhistogram::Histogram::<u64>::new(3)?;
    for i in 0..20 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let msg = json!({"resourceType": "Communication", "status": "completed",
            "subject": {"reference": "Patient/bench-sub-0"},
            "payload": [{"contentString": format!("enkelt {i}")}]});
        let out = store
            .create(&ctx, msg, None)
            .await
            .context("single write")?;
        let at = Instant::now();
        let key = format!("Communication/{}", out.stored().id);
        let deadline = at + Duration::from_secs(30);
        loop {
            let got = arrivals.lock().ok().and_then(|m| m.get(&key).copied());
            if let Some(t) = got {
                let us = t.saturating_duration_since(at).as_micros();
                h.record(u64::try_from(us).unwrap_or(u64::MAX))?;
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "{key} was not delivered");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    Ok(h)
}
