//! Home measurements (DHO) over HTTP on SQLite (in memory): the suite of
//! `nordlys_testkit::measurements` (1,000 readings in one Bundle, threshold Tasks, the
//! patient's view). The same suite runs on PostgreSQL in
//! `crates/store-postgres/tests/measurements.rs`.
use std::sync::Arc;

use nordlys_store::{FhirStore, StoreConfig};
use nordlys_store_sqlite::SqliteBackend;

async fn fresh() -> (FhirStore, ()) {
    let backend = SqliteBackend::in_memory().unwrap_or_else(|e| panic!("open: {e:?}"));
    let store = FhirStore::new(Arc::new(backend), StoreConfig::default());
    store
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("migrate: {e:?}"));
    (store, ())
}

nordlys_testkit::measurement_tests!(fresh());
