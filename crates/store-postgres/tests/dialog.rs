//! The dialog store suite on PostgreSQL, on its own fresh database: docs/dialog.md.
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

nordlys_testkit::dialog_tests!(fresh());
