//! The dialog store suite on SQLite (in memory): docs/dialog.md.
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

nordlys_testkit::dialog_tests!(fresh());
