//! Throw-away PostgreSQL databases for tests.
//!
//! Why one database per test: tests run in parallel (and several crates' tests run
//! against the same server), so each gets a fresh, empty database and drops it when
//! done; no test can see another's rows or depend on the order tests run in.
//!
//! The server is `NORDLYS_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`, trust auth); that URL is only used
//! to create and drop the test databases.
//!
//! Why a Norwegian ICU default collation when the server has one: production
//! databases are created with a Norwegian locale, whose ordering differs from byte
//! order (`aa`, `å`, upper case). Tests must prove the schema does not depend on the
//! database default, so they run under the awkward one.
use tokio_postgres::NoTls;

/// The server tests use, from `NORDLYS_TEST_POSTGRES`.
pub fn admin_url() -> String {
    std::env::var("NORDLYS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Drops its database when dropped (best effort: a failure is printed, not raised).
#[derive(Debug)]
pub struct DropGuard {
    admin_url: String,
    name: String,
}

impl DropGuard {
    /// The database name (`nordlys_test_…`).
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        let admin = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        // Drop may run inside a tokio runtime, which cannot block on itself: use a
        // separate thread with its own small runtime.
        let outcome = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let client = connect(&admin).await?;
                client.batch_execute(&sql).await.map_err(|e| e.to_string())
            })
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!(
                "could not drop test database {}: cleanup thread panicked",
                self.name
            ),
        }
    }
}

async fn connect(url: &str) -> Result<tokio_postgres::Client, String> {
    let (client, conn) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(|e| format!("cannot connect to test server {url}: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    format!("{}/{name}{query}", &base[..host_end])
}

/// Creates an empty database and returns its URL and the guard that drops it.
/// Panics (it is for tests) when the server cannot be reached.
pub async fn fresh_database() -> (String, DropGuard) {
    let admin = admin_url();
    let name = format!("nordlys_test_{}", uuid::Uuid::new_v4().simple());
    let client = connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("{e} (set NORDLYS_TEST_POSTGRES)"));
    let icu = format!("CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'nb-NO'");
    if client.batch_execute(&icu).await.is_err() {
        let plain = format!("CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'");
        client
            .batch_execute(&plain)
            .await
            .unwrap_or_else(|e| panic!("create test database {name}: {e}"));
    }
    (
        with_database(&admin, &name),
        DropGuard {
            admin_url: admin,
            name,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "t2"),
            "postgres://u@h/t2?sslmode=disable"
        );
        assert_eq!(
            with_database("postgresql://u@h:5433", "t3"),
            "postgresql://u@h:5433/t3"
        );
    }
}
