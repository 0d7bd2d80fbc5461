//! The real server on `127.0.0.1:0` over an in-memory SQLite store, plus dev tokens.
//!
//! Why the real thing: HTTP tests must exercise the same router, extractors, token
//! checks and error mapping as production; only the database is in memory and the
//! port is picked by the OS, so tests run in parallel.
use std::net::SocketAddr;
use std::sync::Arc;

use nordlys_api::{ApiConfig, AppState, Auth};
use nordlys_store::{FhirStore, StoreConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// National id of the test citizen (synthetic, valid control digits).
pub const CITIZEN_PID: &str = "13097248022";
/// HPR number of the test practitioner.
pub const PRACTITIONER_HPR: &str = "565501872";

/// A running server; stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub client: reqwest::Client,
    /// The store behind the server, for arranging data without HTTP.
    pub store: FhirStore,
    /// The websocket listeners of the server's subscriptions, for starting the
    /// delivery loop (`nordlys_api::subscriptions::spawn`) in subscription tests.
    pub subscriptions: Arc<nordlys_api::subscriptions::Hub>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Dev auth on, default limits.
    pub async fn start() -> TestServer {
        TestServer::start_with(ApiConfig {
            dev_auth: true,
            ..ApiConfig::default()
        })
        .await
    }

    pub async fn start_with(config: ApiConfig) -> TestServer {
        let portal = nordlys_portal::PortalConfig {
            dev_login: config.dev_auth,
            ..nordlys_portal::PortalConfig::default()
        };
        TestServer::start_full(config, &[], portal).await
    }

    /// A server trusting these issuers besides the dev issuer (with dev auth), with
    /// this portal configuration.
    pub async fn start_full(
        config: ApiConfig,
        issuers: &[nordlys_api::IssuerConfig],
        portal: nordlys_portal::PortalConfig,
    ) -> TestServer {
        let workspace = nordlys_workspace::WorkspaceConfig {
            dev_login: config.dev_auth,
            ..nordlys_workspace::WorkspaceConfig::default()
        };
        TestServer::start_with_workspace(config, issuers, portal, workspace).await
    }

    /// As [`TestServer::start_full`], with this workspace configuration too (e.g.
    /// its HelseID login).
    pub async fn start_with_workspace(
        config: ApiConfig,
        issuers: &[nordlys_api::IssuerConfig],
        portal: nordlys_portal::PortalConfig,
        workspace: nordlys_workspace::WorkspaceConfig,
    ) -> TestServer {
        let (store, ()) = memory_store().await;
        TestServer::start_on_with_workspace(store, config, issuers, portal, workspace).await
    }

    /// The server over a given (migrated) store — e.g. PostgreSQL, so an HTTP test runs
    /// on both backends.
    pub async fn start_on(
        store: FhirStore,
        config: ApiConfig,
        issuers: &[nordlys_api::IssuerConfig],
        portal: nordlys_portal::PortalConfig,
    ) -> TestServer {
        let workspace = nordlys_workspace::WorkspaceConfig {
            dev_login: config.dev_auth,
            ..nordlys_workspace::WorkspaceConfig::default()
        };
        TestServer::start_on_with_workspace(store, config, issuers, portal, workspace).await
    }

    /// [`TestServer::start_on`] with this workspace configuration.
    pub async fn start_on_with_workspace(
        store: FhirStore,
        config: ApiConfig,
        issuers: &[nordlys_api::IssuerConfig],
        portal: nordlys_portal::PortalConfig,
        workspace: nordlys_workspace::WorkspaceConfig,
    ) -> TestServer {
        let auth = Auth::new(issuers, config.dev_auth).expect("auth with dev issuer");
        let state = AppState::new(store.clone(), auth, config);
        let subscriptions = state.subscriptions.clone();
        // The portal beside the API, as `nordlys serve` mounts it.
        let portal = nordlys_portal::PortalState::new(store.clone(), state.auth.clone(), portal);
        let workspace =
            nordlys_workspace::WorkspaceState::new(store.clone(), state.auth.clone(), workspace);
        let app = nordlys_portal::router(portal)
            .merge(nordlys_workspace::router(workspace))
            .merge(nordlys_api::router(state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = nordlys_api::serve_app(listener, app, async {
                let _ = rx.await;
            })
            .await;
        });
        TestServer {
            addr,
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            store,
            subscriptions,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// `base + path` (path starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `POST /dev/token` with one of the contract's bodies.
    pub async fn token(&self, body: Value) -> String {
        let r = self
            .client
            .post(self.url("/dev/token"))
            .json(&body)
            .send()
            .await
            .expect("POST /dev/token");
        assert_eq!(r.status(), StatusCode::OK, "dev token for {body}");
        let v: Value = r.json().await.expect("token JSON");
        v["access_token"].as_str().expect("access_token").to_owned()
    }

    pub async fn citizen_token(&self, pid: &str) -> String {
        self.token(json!({"kind": "citizen", "pid": pid, "acr": "idporten-loa-high"}))
            .await
    }

    pub async fn practitioner_token(
        &self,
        hpr: &str,
        orgnr: &str,
        purpose: Option<&str>,
    ) -> String {
        let mut body = json!({"kind": "practitioner", "hpr": hpr, "orgnr": orgnr});
        if let Some(p) = purpose {
            body["purpose"] = json!(p);
        }
        self.token(body).await
    }

    pub async fn system_token(&self, client_id: &str, orgnr: &str) -> String {
        self.token(
            json!({"kind": "system", "client_id": client_id, "orgnr": orgnr,
                          "scope": "system/*.read system/*.write"}),
        )
        .await
    }

    /// GET with a bearer token; status and JSON body (`Null` if the body is not JSON).
    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        split(r).await
    }

    /// Sends JSON with a method and token.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let r = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token)
            .header("content-type", "application/fhir+json")
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        split(r).await
    }

    /// Sends raw bytes (malformed input tests).
    pub async fn send_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let r = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token)
            .header("content-type", "application/fhir+json")
            .body(body)
            .send()
            .await
            .expect("request");
        split(r).await
    }
}

/// A migrated in-memory SQLite store, with `()` where a PostgreSQL store returns its
/// database's drop guard, so the service suites (`dialog_tests!` …) take either.
pub async fn memory_store() -> (FhirStore, ()) {
    let backend = nordlys_store_sqlite::SqliteBackend::in_memory().expect("in-memory SQLite");
    let store = FhirStore::new(Arc::new(backend), StoreConfig::default());
    store.migrate().await.expect("migrate in-memory store");
    (store, ())
}

/// Status and body as JSON (`Null` when empty or not JSON).
pub async fn split(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let bytes = r.bytes().await.expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Ids of the entries of a Bundle with the given `search.mode` (any mode when `None`), in order.
pub fn entry_ids(bundle: &Value, mode: Option<&str>) -> Vec<String> {
    bundle["entry"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| mode.is_none_or(|m| e["search"]["mode"] == m))
                .filter_map(|e| {
                    let r = &e["resource"];
                    Some(format!(
                        "{}/{}",
                        r["resourceType"].as_str()?,
                        r["id"].as_str()?
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The first issue's code of an OperationOutcome (panics with the body otherwise).
pub fn outcome_code(body: &Value) -> String {
    assert_eq!(
        body["resourceType"], "OperationOutcome",
        "expected an OperationOutcome, got {body}"
    );
    body["issue"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
