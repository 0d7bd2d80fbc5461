//! The generated leak test (`nordlys_testkit::leak`) on SQLite: random worlds, every
//! principal, every read path, compared with the policy oracle.
use std::sync::Arc;

use nordlys_store::Backend;
use nordlys_store_sqlite::SqliteBackend;

async fn fresh() -> (Arc<dyn Backend>, ()) {
    let backend = SqliteBackend::in_memory().unwrap_or_else(|e| panic!("open: {e:?}"));
    backend
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("migrate: {e:?}"));
    (Arc::new(backend), ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_path_shows_more_or_less_than_the_policy_allows() {
    nordlys_testkit::leak::leak_suite("sqlite", 3, fresh).await;
}
