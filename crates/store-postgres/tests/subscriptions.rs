//! The subscription suite on PostgreSQL: each scenario on its own fresh database (the
//! restart scenario connects to it again), dropped when the scenario ends.
use std::sync::Arc;

use nordlys_store::{FhirStore, StoreConfig};
use nordlys_store_postgres::PostgresBackend;
use nordlys_testkit::postgres::fresh_database;

async fn open(url: &str) -> FhirStore {
    let backend = PostgresBackend::connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e:?}"));
    let store = FhirStore::new(Arc::new(backend), StoreConfig::default());
    store
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("migrate: {e:?}"));
    store
}

nordlys_testkit::subscription_tests!(fresh_database(), open);

/// Finding 8: a write whose transaction took its feed number, then stayed open longer
/// than the old 10 s gap window while later writes committed, is still matched once
/// it commits. The write is held by a direct connection owning the access-log chain
/// lock: a chained write (a Communication with its AuditEvent) takes its number, then
/// waits for that lock at the end of its transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_committing_after_a_long_wait_is_still_matched() {
    use nordlys_store::subscriptions::MatchState;
    use nordlys_testkit::booking::person;
    use nordlys_testkit::fixtures::{hospital_system, patient};
    use serde_json::json;

    let (url, _guard) = fresh_database().await;
    let store = open(&url).await;
    let ctx = hospital_system();
    store
        .update(
            &ctx,
            "Patient",
            "p-held",
            patient("p-held", "Berg", "Ola", "1970-01-01", &person(50, 3).0),
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("patient: {e:?}"));
    let sub = json!({"resourceType": "Subscription", "status": "requested", "reason": "held",
        "criteria": "Communication", "channel": {"type": "websocket"}});
    let sub = store
        .create(&ctx, sub, None)
        .await
        .unwrap_or_else(|e| panic!("subscription: {e:?}"));
    let sub_id = sub.stored().id.clone();
    let mut state = MatchState::default();
    store
        .subscription_cursor()
        .await
        .unwrap_or_else(|e| panic!("cursor: {e:?}"));
    store
        .match_subscriptions(&mut state)
        .await
        .unwrap_or_else(|e| panic!("match: {e:?}"));

    let (holder, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("direct connection: {e}"));
    tokio::spawn(conn);
    // CHAIN_LOCK of src/chain.rs ("nlchain").
    let chain_lock: i64 = 0x006e_6c63_6861_696e;
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&chain_lock])
        .await
        .unwrap_or_else(|e| panic!("chain lock: {e}"));
    let held = {
        let (store, ctx) = (store.clone(), ctx.clone());
        tokio::spawn(async move {
            let message = json!({"resourceType": "Communication", "id": "held", "status": "completed",
                "subject": {"reference": "Patient/p-held"},
                "payload": [{"contentString": "sent slowly"}]});
            store
                .update(&ctx, "Communication", "held", message, None)
                .await
        })
    };
    // The held write has taken its number once its AuditEvent waits for the lock.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    for i in 0..3 {
        let org =
            json!({"resourceType": "Organization", "id": format!("later-{i}"), "name": "Later"});
        store
            .update(&ctx, "Organization", &format!("later-{i}"), org, None)
            .await
            .unwrap_or_else(|e| panic!("later write: {e:?}"));
    }
    // Longer than the old window, the matcher running all the while.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(11);
    while std::time::Instant::now() < until {
        store
            .match_subscriptions(&mut state)
            .await
            .unwrap_or_else(|e| panic!("match: {e:?}"));
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let pending = store
        .pending_deliveries(100)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        pending.is_empty(),
        "nothing committed to match yet: {pending:?}"
    );
    assert!(!held.is_finished(), "the write is still held");

    holder
        .execute("SELECT pg_advisory_unlock($1)", &[&chain_lock])
        .await
        .unwrap_or_else(|e| panic!("unlock: {e}"));
    held.await
        .unwrap_or_else(|e| panic!("held task: {e}"))
        .unwrap_or_else(|e| panic!("held write: {e:?}"));
    for _ in 0..3 {
        store
            .match_subscriptions(&mut state)
            .await
            .unwrap_or_else(|e| panic!("match: {e:?}"));
    }
    let pending = store
        .pending_deliveries(100)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0].subscription.id, sub_id);
    let items: Vec<(String, String, i64)> = pending[0]
        .events
        .iter()
        .map(|e| (e.resource_type.clone(), e.id.clone(), e.version))
        .collect();
    assert_eq!(
        items,
        vec![("Communication".to_string(), "held".to_string(), 1)]
    );
}
