//! Races between concurrent transactions on a real PostgreSQL server: migrations,
//! creates of one id, If-Match updates and plain updates.
mod common;

use std::time::Duration;

use common::{backend, commit, ctx, put, with};
use nordlys_store::{Backend, Precondition, ResourceKey, StoreError};
use nordlys_store_postgres::PostgresBackend;
use serde_json::json;

fn key(rt: &str, id: &str) -> ResourceKey {
    ResourceKey::new(rt, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_wait_for_each_other() {
    let (url, _guard) = nordlys_testkit::postgres::fresh_database().await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let b = PostgresBackend::connect(&url)
                .await
                .map_err(|e| format!("{e:?}"))?;
            b.migrate().await.map_err(|e| format!("{e:?}"))
        }));
    }
    for t in tasks {
        let outcome = t.await.unwrap_or_else(|e| Err(format!("task: {e}")));
        assert_eq!(outcome, Ok(()));
    }
    let b = PostgresBackend::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        b.schema_version().await.ok(),
        Some(PostgresBackend::latest_schema_version())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_of_one_id_let_exactly_one_win() {
    let (b, _guard) = backend().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let b = b.clone();
        tasks.push(tokio::spawn(async move {
            let w = with(
                put("Appointment", "slot-1", json!({"n": i}), vec![]),
                Precondition::MustNotExist,
            );
            b.commit(&ctx(), vec![w]).await
        }));
    }
    let (mut ok, mut conflict) = (0, 0);
    for t in tasks {
        match t.await {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(StoreError::Conflict(_))) => conflict += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!((ok, conflict), (1, 7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_if_match_updates_let_exactly_one_win() {
    let (b, _guard) = backend().await;
    commit(
        &b,
        vec![put("Appointment", "a1", json!({"status": "free"}), vec![])],
    )
    .await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let b = b.clone();
        tasks.push(tokio::spawn(async move {
            let w = with(
                put(
                    "Appointment",
                    "a1",
                    json!({"status": "booked", "by": i}),
                    vec![],
                ),
                Precondition::VersionIs(1),
            );
            b.commit(&ctx(), vec![w]).await
        }));
    }
    let (mut ok, mut failed) = (0, 0);
    for t in tasks {
        match t.await {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(StoreError::PreconditionFailed(_))) => failed += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!((ok, failed), (1, 7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_plain_updates_lose_nothing() {
    let (b, _guard) = backend().await;
    commit(&b, vec![put("Patient", "p1", json!({}), vec![])]).await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let b = b.clone();
        tasks.push(tokio::spawn(async move {
            b.commit(&ctx(), vec![put("Patient", "p1", json!({"n": i}), vec![])])
                .await
        }));
    }
    let mut versions = Vec::new();
    for t in tasks {
        match t.await {
            Ok(Ok(c)) => versions.push(c[0].stored.version),
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    versions.sort_unstable();
    assert_eq!(versions, (2..=11).collect::<Vec<i64>>());
}

/// The race the row lock cannot cover: the id does not exist yet when both
/// transactions look. Another session inserts it and holds its transaction open
/// until our commit is waiting on it; our commit must then fail with 409.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_racing_an_uncommitted_create_is_a_conflict() {
    let (url, _guard) = nordlys_testkit::postgres::fresh_database().await;
    let b = PostgresBackend::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    b.migrate().await.unwrap_or_else(|e| panic!("{e:?}"));
    let (mut other, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(conn);
    let tx = other.transaction().await.unwrap_or_else(|e| panic!("{e}"));
    for sql in [
        "INSERT INTO resources (res_type, res_id, version, last_updated, deleted, body, content_hash) VALUES ('Patient', 'race', 1, 0, 0, '{}', 'h')",
        "INSERT INTO resource_versions (res_type, res_id, version, last_updated, deleted, body) VALUES ('Patient', 'race', 1, 0, 0, '{}')",
    ] {
        tx.batch_execute(sql).await.unwrap_or_else(|e| panic!("{e}"));
    }
    let ours = {
        let b = b.clone();
        tokio::spawn(async move {
            b.commit(&ctx(), vec![put("Patient", "race", json!({}), vec![])])
                .await
        })
    };
    // Wait until our commit is blocked on the other session's row.
    let (probe, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(conn);
    let mut waited = false;
    for _ in 0..200 {
        let n: i64 = probe
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .map(|r| r.get(0))
            .unwrap_or(0);
        if n > 0 {
            waited = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(waited, "our commit never waited on the other transaction");
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    let outcome = ours.await.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(outcome, Err(StoreError::Conflict(_))),
        "{outcome:?}"
    );
    let cur = b
        .read_current(&ctx(), &key("Patient", "race"))
        .await
        .ok()
        .flatten();
    assert_eq!(
        cur.map(|r| (r.version, r.body)),
        Some((1, "{}".to_string())),
        "the other session's row stands"
    );
}
