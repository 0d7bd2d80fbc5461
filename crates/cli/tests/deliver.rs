//! Notification delivery through the real binary: `nordlys serve --smtp …` sends a
//! new document's notification to a real SMTP server (the testkit sink) once, and
//! after a SIGKILL and a restart on the same database sends nothing again — on
//! SQLite and on PostgreSQL.
use std::process::Child;
use std::time::Duration;

use chrono::Utc;
use nordlys_testkit::notify::{document, instant, patient, pid};
use nordlys_testkit::smtp::SmtpSink;
use serde_json::{json, Value};

mod common;
use common::{free_port, serve, system_token, wait_ready};

const CLINICAL: &str = "Utredning for lungekreft";

/// The server with notification delivery to `smtp`, a round every second.
fn start(database: &str, port: u16, smtp: &str) -> Child {
    let args = [
        "--smtp",
        smtp,
        "--mail-from",
        "varsel@helse.example.no",
        "--portal-url",
        "https://helse.example.no/",
        "--notify-interval",
        "1",
    ];
    serve(database, port, &args)
}

async fn put(client: &reqwest::Client, base: &str, token: &str, resource: Value) {
    let path = format!(
        "{}/{}",
        resource["resourceType"].as_str().unwrap_or_default(),
        resource["id"].as_str().unwrap_or_default()
    );
    let r = client
        .put(format!("{base}/fhir/{path}"))
        .bearer_auth(token)
        .header("content-type", "application/fhir+json")
        .json(&resource)
        .send()
        .await
        .unwrap_or_else(|e| panic!("PUT {path}: {e}"));
    assert!(r.status().is_success(), "PUT {path}: {}", r.status());
}

async fn scenario(database: &str) {
    let sink = SmtpSink::start().await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut server = start(database, port, &sink.url());
    wait_ready(&client, &base).await;
    let token = system_token(&client, &base, "deliver-test").await;
    let token = token.as_str();
    let (fnr, birth) = pid(45, 11);
    let mut p = patient("mailed", &fnr, birth);
    p["telecom"] = json!([{"system": "email", "value": "per@example.no"}]);
    put(&client, &base, token, p).await;
    put(
        &client,
        &base,
        token,
        document("doc-bin", "mailed", &instant(Utc::now()), None, CLINICAL),
    )
    .await;
    let mails = sink.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 1, "one mail within 30 s");
    assert_eq!(mails[0].to, ["per@example.no"]);
    assert!(mails[0]
        .body()
        .starts_with("Du har et nytt dokument i Nordlys helse.\n"));
    assert!(!mails[0].data.contains(CLINICAL));
    // The outbox is marked right after the server accepted the mail; give that a
    // moment, or the restart would be held off by the claim's lease, not the mark.
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix
    let _ = server.wait();
    let mut again = start(database, port, &sink.url());
    wait_ready(&client, &base).await;
    // Several delivery rounds (every second) on the restarted server.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(sink.mails().len(), 1, "no second mail after the restart");
    let _ = again.kill();
    let _ = again.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_mail_across_a_sigkill_sqlite() {
    let dir = std::env::temp_dir().join(format!("nordlys-deliver-{}", uuid_like()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    scenario(&format!("sqlite://{}", dir.join("n.db").display())).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_mail_across_a_sigkill_postgres() {
    let (url, _guard) = nordlys_testkit::postgres::fresh_database().await;
    scenario(&url).await;
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}
