//! The generated leak test (`nordlys_testkit::leak`) on PostgreSQL: each world on its
//! own fresh database, dropped after the world.
use std::sync::Arc;

use nordlys_store::Backend;
use nordlys_store_postgres::PostgresBackend;
use nordlys_testkit::postgres::{fresh_database, DropGuard};

async fn fresh() -> (Arc<dyn Backend>, DropGuard) {
    let (url, guard) = fresh_database().await;
    let backend = PostgresBackend::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e:?}"));
    backend
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("migrate: {e:?}"));
    (Arc::new(backend), guard)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_path_shows_more_or_less_than_the_policy_allows() {
    nordlys_testkit::leak::leak_suite("postgres", 3, fresh).await;
}
