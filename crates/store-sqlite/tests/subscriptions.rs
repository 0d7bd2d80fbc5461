//! The subscription suite on SQLite, on a database file (the restart scenario opens
//! the same file again).
use std::path::PathBuf;
use std::sync::Arc;

use nordlys_store::{FhirStore, StoreConfig};
use nordlys_store_sqlite::SqliteBackend;

/// Removes the database files when the scenario ends.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn fresh() -> (String, Cleanup) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("nordlys-subs-{}-{nanos}", std::process::id()));
    let file = dir.join("nordlys.db");
    (file.to_string_lossy().into_owned(), Cleanup(dir))
}

async fn open(location: &str) -> FhirStore {
    let backend = SqliteBackend::open(std::path::Path::new(location))
        .unwrap_or_else(|e| panic!("open {location}: {e:?}"));
    let store = FhirStore::new(Arc::new(backend), StoreConfig::default());
    store
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("migrate: {e:?}"));
    store
}

nordlys_testkit::subscription_tests!(fresh(), open);
