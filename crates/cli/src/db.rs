//! Choosing the store backend from a database URL — the one place that does.
//!
//! Why here: the backend is picked once at start (`sqlite://PATH` embedded,
//! `postgres://…` production); everything after that sees only a `FhirStore`.
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Args;
use nordlys_store::{FhirStore, StoreConfig};

/// Default embedded database.
pub const DEFAULT_DATABASE: &str = "sqlite://./data/nordlys.db";

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Where the data lives: `sqlite://PATH` (embedded, file created if missing) or
    /// `postgres://user:pass@host/db`.
    #[arg(long, env = "NORDLYS_DATABASE", default_value = DEFAULT_DATABASE, value_name = "URL")]
    pub database: String,
}

/// Opens the backend named by `url` and brings its schema up to date.
pub async fn open_store(url: &str) -> anyhow::Result<FhirStore> {
    let store = if let Some(path) = url.strip_prefix("sqlite://") {
        open_sqlite(path)?
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let backend = nordlys_store_postgres::PostgresBackend::connect(url)
            .await
            .context("cannot connect to PostgreSQL")?;
        FhirStore::new(Arc::new(backend), StoreConfig::default())
    } else {
        bail!(
            "--database must be sqlite://PATH or postgres://…, not '{}'",
            redact(url)
        );
    };
    store
        .migrate()
        .await
        .context("cannot bring the database schema up to date")?;
    Ok(store)
}

fn open_sqlite(path: &str) -> anyhow::Result<FhirStore> {
    let backend = if path == ":memory:" {
        nordlys_store_sqlite::SqliteBackend::in_memory()
            .context("cannot open an in-memory SQLite database")?
    } else {
        if path.is_empty() {
            bail!("sqlite:// needs a file path, e.g. sqlite://./data/nordlys.db");
        }
        let path = Path::new(path);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create folder {}", dir.display()))?;
        }
        nordlys_store_sqlite::SqliteBackend::open(path)
            .with_context(|| format!("cannot open SQLite database {}", path.display()))?
    };
    Ok(FhirStore::new(Arc::new(backend), StoreConfig::default()))
}

/// A URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{user}:***@{}", &url[..s], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// `nordlys migrate`.
pub async fn migrate(args: DbArgs) -> anyhow::Result<()> {
    let store = open_store(&args.database).await?;
    println!(
        "schema of {} ({}) is up to date",
        redact(&args.database),
        store.backend_name()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgres://nordlys:hemmelig@db:5432/n"),
            "postgres://nordlys:***@db:5432/n"
        );
        assert_eq!(redact("sqlite://./data/x.db"), "sqlite://./data/x.db");
    }
}
