//! The forms suite on SQLite (in memory): concurrent sends of one draft or request
//! deliver exactly once (issue 6 § 2).
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

nordlys_testkit::forms_tests!(fresh());
