//! Crash safety: SIGKILL the real server during concurrent writes, restart it on the
//! same database, and check that every acknowledged write is there and that no
//! transaction is half-applied — on SQLite and on PostgreSQL.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

mod common;
use common::{free_port, serve, system_token, wait_ready};

async fn token(client: &reqwest::Client, base: &str) -> String {
    system_token(client, base, "crash-test").await
}

fn patient(id: &str) -> Value {
    json!({"resourceType": "Patient", "id": id, "name": [{"family": "Krasj", "given": [id]}],
           "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": "15038010015"}]})
}

/// What the writers were told was stored: single PUTs and two-entry transactions.
#[derive(Default)]
struct Acked {
    puts: Vec<String>,
    transactions: Vec<(String, String)>,
    attempted_transactions: Vec<(String, String)>,
}

async fn writer(
    client: reqwest::Client,
    base: String,
    token: String,
    n: usize,
    acked: Arc<Mutex<Acked>>,
) {
    for i in 0.. {
        let id = format!("w{n}-{i}");
        let put = client
            .put(format!("{base}/fhir/Patient/{id}"))
            .bearer_auth(&token)
            .header("content-type", "application/fhir+json")
            .body(patient(&id).to_string())
            .send()
            .await;
        match put {
            Ok(r) if r.status().is_success() => acked
                .lock()
                .map(|mut a| a.puts.push(id.clone()))
                .unwrap_or(()),
            Ok(_) => {}
            Err(_) => return, // the server is gone
        }
        let (a, b) = (format!("t{n}-{i}-a"), format!("t{n}-{i}-b"));
        acked
            .lock()
            .map(|mut x| x.attempted_transactions.push((a.clone(), b.clone())))
            .unwrap_or(());
        let tx = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
            {"resource": patient(&a), "request": {"method": "PUT", "url": format!("Patient/{a}")}},
            {"resource": patient(&b), "request": {"method": "PUT", "url": format!("Patient/{b}")}}
        ]});
        let r = client
            .post(format!("{base}/fhir"))
            .bearer_auth(&token)
            .header("content-type", "application/fhir+json")
            .body(tx.to_string())
            .send()
            .await;
        match r {
            Ok(r) if r.status().is_success() => acked
                .lock()
                .map(|mut x| x.transactions.push((a, b)))
                .unwrap_or(()),
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

async fn exists(client: &reqwest::Client, base: &str, token: &str, id: &str) -> bool {
    let r = client
        .get(format!("{base}/fhir/Patient/{id}"))
        .bearer_auth(token)
        .send()
        .await;
    match r {
        Ok(r) if r.status().as_u16() == 200 => true,
        Ok(r) if r.status().as_u16() == 404 => false,
        Ok(r) => panic!("reading Patient/{id} after restart: status {}", r.status()),
        Err(e) => panic!("reading Patient/{id} after restart: {e}"),
    }
}

async fn crash_and_check(database: &str) {
    let client = reqwest::Client::new();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(database, port, &[]);
    wait_ready(&client, &base).await;
    let tok = token(&client, &base).await;
    let acked = Arc::new(Mutex::new(Acked::default()));
    let writers: Vec<_> = (0..8)
        .map(|n| {
            tokio::spawn(writer(
                client.clone(),
                base.clone(),
                tok.clone(),
                n,
                acked.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill().unwrap_or_else(|e| panic!("SIGKILL: {e}")); // Child::kill is SIGKILL on Unix
    let _ = server.wait();
    for w in writers {
        let _ = tokio::time::timeout(Duration::from_secs(10), w).await;
    }
    let mut server = serve(database, port, &[]);
    wait_ready(&client, &base).await;
    let tok = token(&client, &base).await;
    let (puts, transactions, attempted) = {
        let a = acked.lock().unwrap_or_else(|e| e.into_inner());
        (
            a.puts.clone(),
            a.transactions.clone(),
            a.attempted_transactions.clone(),
        )
    };
    assert!(
        puts.len() >= 10 && transactions.len() >= 5,
        "too few writes before the kill: {} puts, {} transactions",
        puts.len(),
        transactions.len()
    );
    for id in &puts {
        assert!(
            exists(&client, &base, &tok, id).await,
            "acknowledged write Patient/{id} is lost"
        );
    }
    for (a, b) in &transactions {
        assert!(
            exists(&client, &base, &tok, a).await && exists(&client, &base, &tok, b).await,
            "acknowledged transaction {a}+{b} is lost"
        );
    }
    for (a, b) in &attempted {
        let (ea, eb) = (
            exists(&client, &base, &tok, a).await,
            exists(&client, &base, &tok, b).await,
        );
        assert_eq!(ea, eb, "transaction {a}+{b} is half-applied");
    }
    println!(
        "{database}: {} acknowledged puts, {} acknowledged of {} attempted transactions survived",
        puts.len(),
        transactions.len(),
        attempted.len()
    );
    let _ = server.kill();
    let _ = server.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_writes_on_sqlite_loses_nothing_acknowledged() {
    let dir = std::env::temp_dir().join(format!("nordlys-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let database = format!("sqlite://{}", dir.join("crash.db").display());
    crash_and_check(&database).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_writes_on_postgres_loses_nothing_acknowledged() {
    let (url, _guard) = nordlys_testkit::postgres::fresh_database().await;
    crash_and_check(&url).await;
}
