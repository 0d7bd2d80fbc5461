//! Home measurements (DHO) over HTTP on PostgreSQL: the suite of
//! `nordlys_testkit::measurements`, each scenario on its own fresh database.
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

nordlys_testkit::measurement_tests!(fresh());
