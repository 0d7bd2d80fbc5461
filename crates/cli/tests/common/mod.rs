//! What the binary's process tests share: a free port, starting the real `nordlys
//! serve` on a database, waiting until it answers, and a development system token.
//!
//! Why the real binary in its own process: these tests kill it with SIGKILL and start
//! it again on the same database, which an in-process server cannot show.
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_nordlys");
/// The organisation the test systems act for.
pub const ORG: &str = "983974899";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18_080)
}

/// Starts `nordlys serve --dev-auth` on `database` at `port`, with `extra` arguments.
pub fn serve(database: &str, port: u16, extra: &[&str]) -> Child {
    let listen = format!("127.0.0.1:{port}");
    Command::new(BIN)
        .args([
            "serve",
            "--dev-auth",
            "--listen",
            &listen,
            "--database",
            database,
        ])
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"))
}

/// Waits (up to a minute) until `GET /health` succeeds.
pub async fn wait_ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if client
            .get(format!("{base}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server at {base} did not become ready");
}

/// A development token for system `client_id` of [`ORG`] that may read and write all.
pub async fn system_token(client: &reqwest::Client, base: &str, client_id: &str) -> String {
    let body = json!({"kind": "system", "client_id": client_id, "orgnr": ORG, "scope": "system/*.read system/*.write"});
    let r: Value = client
        .post(format!("{base}/dev/token"))
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("token: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("token body: {e}"));
    r["access_token"].as_str().unwrap_or_default().to_string()
}
