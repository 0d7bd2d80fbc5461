//! The HTTP layer of Nordlys: FHIR R4 REST under `/fhir`, development tokens under
//! `/dev/token`, and `/health` + `/metrics` for operations.
//!
//! Why it is thin: every FHIR rule (validation, access policy, paging) lives in
//! [`nordlys_store::FhirStore`]; this crate only turns HTTP into store calls and store
//! results into HTTP. Three things are deliberately done here and only here:
//! checking tokens ([`auth`]), mapping every error to an OperationOutcome
//! ([`error::error_response`]), and shaping output (headers, Bundles, `_elements`).

pub mod auth;
pub mod error;
mod fhir;
mod health;
pub mod metrics;
mod observe;
pub mod outcome;
mod routes;
pub mod subscriptions;

use std::future::Future;
use std::sync::Arc;

pub use auth::{Auth, AuthConfigError, IssuerConfig};
pub use error::{error_response, ApiError};
pub use routes::router;

use nordlys_store::FhirStore;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest accepted request body in bytes; larger ones get 413.
    pub max_body: usize,
    /// Serve `POST /dev/token` (development tokens). Never in production.
    pub dev_auth: bool,
    /// Absolute base of the server as clients see it (`https://fhir.example.no`),
    /// used in `Location`, `fullUrl` and paging links. `None`: taken from `Host`.
    pub public_base: Option<String>,
    /// Requests per second allowed per principal (burst of one second); `None`: no limit.
    pub rate_limit: Option<u32>,
}

/// Default request body limit: 8 MiB.
pub const DEFAULT_MAX_BODY: usize = 8 * 1024 * 1024;

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            max_body: DEFAULT_MAX_BODY,
            dev_auth: false,
            public_base: None,
            rate_limit: None,
        }
    }
}

/// Everything a handler needs; cheap to clone (all shared parts are behind `Arc`).
#[derive(Clone)]
pub struct AppState {
    pub store: FhirStore,
    pub auth: Arc<Auth>,
    pub config: Arc<ApiConfig>,
    pub metrics: Arc<metrics::Metrics>,
    pub limiter: Option<Arc<auth::RateLimiter>>,
    /// Websocket listeners of subscriptions; the delivery loop
    /// ([`subscriptions::spawn`]) pings them.
    pub subscriptions: Arc<subscriptions::Hub>,
}

impl AppState {
    pub fn new(store: FhirStore, auth: Auth, config: ApiConfig) -> Self {
        let limiter = config
            .rate_limit
            .map(|n| Arc::new(auth::RateLimiter::new(n)));
        AppState {
            limiter,
            store,
            auth: Arc::new(auth),
            config: Arc::new(config),
            metrics: Arc::new(metrics::Metrics::default()),
            subscriptions: Arc::new(subscriptions::Hub::default()),
        }
    }
}

/// Serves the API on `listener` until `shutdown` completes, then lets open requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_app(listener, router(state), shutdown).await
}

/// Serves a whole application (the API router merged with others, e.g. the portal).
pub async fn serve_app(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
