//! The forms suite on PostgreSQL: each scenario on its own fresh database; the
//! concurrent sends meet real row locks (issue 6 § 2).
use std::sync::Arc;

use nordlys_store::{FhirStore, StoreConfig};
use nordlys_store_postgres::PostgresBackend;
use nordlys_testkit::postgres::{fresh_database, DropGuard};

async fn fresh() -> (FhirStore, DropGuard) {
    let (url, guard) = fresh_database().await;
    let backend = PostgresBackend::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e:?}"));
    let store = FhirStore::new(Arc::new(backend), StoreConfig::default());
    store
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("migrate: {e:?}"));
    (store, guard)
}

nordlys_testkit::forms_tests!(fresh());
