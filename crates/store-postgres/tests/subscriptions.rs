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
