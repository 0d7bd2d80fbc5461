//! Bulk-write and read-by-id throughput: PostgreSQL against the embedded store in the
//! same run (quality target: within 2× of SQLite). Ignored by default; run with
//! `cargo test --release -p nordlys-store-postgres --test throughput -- --ignored --nocapture --test-threads 1`.
//! `NORDLYS_BENCH_N` sets the number of resources (default 20,000), `NORDLYS_BENCH_BATCH`
//! the writes per commit (default 500).
use std::sync::Arc;
use std::time::{Duration, Instant};

use nordlys_store::{Backend, ItemColumns, PendingWrite, Precondition, ResourceKey};
use nordlys_store_postgres::PostgresBackend;
use nordlys_store_sqlite::SqliteBackend;
use nordlys_testkit::fixtures::{hospital_system, observation, patient, HOSPITAL_ORG};
use serde_json::Value;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Patients and their observations, each with the index rows the server would extract.
fn writes(n: usize) -> Vec<PendingWrite> {
    (0..n)
        .map(|i| {
            let resource: Value = if i % 10 == 0 {
                patient(
                    &format!("p{i}"),
                    "Nordmann",
                    "Kari",
                    "1980-03-15",
                    "15038010015",
                )
            } else {
                let day = 1 + i % 28;
                observation(
                    &format!("o{i}"),
                    &format!("p{}", i - i % 10),
                    "2345-7",
                    5.0 + (i % 7) as f64,
                    &format!("2026-01-{day:02}T08:00:00Z"),
                )
            };
            let rt = resource["resourceType"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let id = resource["id"].as_str().unwrap_or_default().to_string();
            PendingWrite {
                index: nordlys_fhir::extract_index(&resource),
                content_hash: nordlys_store::model::content_hash(&resource),
                columns: ItemColumns {
                    patient_id: Some(format!("p{}", i - i % 10)),
                    owner_org: Some(HOSPITAL_ORG.into()),
                    facts: None,
                },
                resource_type: rt,
                id,
                precondition: Precondition::Any,
                resource: Some(resource),
                skip_if_unchanged: true,
                chained: false,
            }
        })
        .collect()
}

async fn run(backend: Arc<dyn Backend>, n: usize, batch: usize) -> Duration {
    backend
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("migrate: {e:?}"));
    let all = writes(n);
    let ctx = hospital_system();
    let start = Instant::now();
    for chunk in all.chunks(batch) {
        let out = backend
            .commit(&ctx, chunk.to_vec())
            .await
            .unwrap_or_else(|e| panic!("commit: {e:?}"));
        assert_eq!(out.iter().filter(|c| c.changed).count(), chunk.len());
    }
    start.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run explicitly with --ignored"]
async fn bulk_commit_throughput() {
    let n = env("NORDLYS_BENCH_N", 20_000);
    let batch = env("NORDLYS_BENCH_BATCH", 500);
    let dir = std::env::temp_dir().join(format!("nordlys-bench-{}", uuid::Uuid::new_v4().simple()));
    let sqlite =
        SqliteBackend::open(&dir.join("bench.db")).unwrap_or_else(|e| panic!("open sqlite: {e:?}"));
    let t_sqlite = run(Arc::new(sqlite), n, batch).await;
    let _ = std::fs::remove_dir_all(&dir);

    let (url, _guard) = nordlys_testkit::postgres::fresh_database().await;
    let pg = PostgresBackend::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("connect: {e:?}"));
    let t_pg = run(Arc::new(pg), n, batch).await;

    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "bulk commit, {n} resources in batches of {batch}: sqlite {:.0}/s, postgres {:.0}/s, ratio {:.2}",
        rate(t_sqlite),
        rate(t_pg),
        t_pg.as_secs_f64() / t_sqlite.as_secs_f64()
    );
}

/// Reads by id from 32 concurrent tasks for two seconds; returns reads per second.
async fn reads(backend: Arc<dyn Backend>, n: usize) -> f64 {
    let all = writes(n);
    let ctx = hospital_system();
    backend
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("migrate: {e:?}"));
    for chunk in all.chunks(500) {
        backend
            .commit(&ctx, chunk.to_vec())
            .await
            .unwrap_or_else(|e| panic!("commit: {e:?}"));
    }
    let keys: Arc<Vec<ResourceKey>> = Arc::new(
        all.iter()
            .map(|w| ResourceKey::new(&w.resource_type, &w.id))
            .collect(),
    );
    let until = Instant::now() + Duration::from_secs(2);
    let mut tasks = Vec::new();
    for t in 0..32usize {
        let (backend, keys, ctx) = (backend.clone(), keys.clone(), ctx.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = 0usize;
            while Instant::now() < until {
                let key = &keys[(t * 7919 + done * 104_729) % keys.len()];
                let found = backend
                    .read_current(&ctx, key)
                    .await
                    .unwrap_or_else(|e| panic!("read: {e:?}"));
                assert!(found.is_some(), "{key:?} not found");
                done += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap_or(0);
    }
    total as f64 / 2.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run explicitly with --ignored"]
async fn read_by_id_throughput() {
    let n = env("NORDLYS_BENCH_N", 20_000);
    let dir = std::env::temp_dir().join(format!("nordlys-bench-{}", uuid::Uuid::new_v4().simple()));
    let sqlite =
        SqliteBackend::open(&dir.join("bench.db")).unwrap_or_else(|e| panic!("open sqlite: {e:?}"));
    let r_sqlite = reads(Arc::new(sqlite), n).await;
    let _ = std::fs::remove_dir_all(&dir);
    let (url, _guard) = nordlys_testkit::postgres::fresh_database().await;
    let pg = PostgresBackend::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("connect: {e:?}"));
    let r_pg = reads(Arc::new(pg), n).await;
    println!(
        "read by id, 32 tasks: sqlite {r_sqlite:.0}/s, postgres {r_pg:.0}/s, ratio {:.2}",
        r_sqlite / r_pg
    );
}
