//! The shared care plan over HTTP on SQLite (in memory): the suite of
//! `nordlys_testkit::careplan` (lost update → one 412, Provenance, one active plan,
//! sharing consent, the patient's own parts). The same suite runs on PostgreSQL in
//! `crates/store-postgres/tests/careplan.rs`.
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

nordlys_testkit::careplan_tests!(fresh());
