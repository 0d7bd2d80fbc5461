//! The clinician workspace (`/clinician`): server-rendered HTML for health personnel
//! over the same store, policy engine and access log as the FHIR API and the
//! citizen portal.
//!
//! Why it is built like the portal (server-rendered, no script, server-side
//! sessions, opaque handles, CSRF tokens): the same reasons hold, and more so — a
//! clinician's screen shows many patients' data, so nothing of it may sit in URLs,
//! browser history or shared caches.
//!
//! Why the workspace never decides access: every list, read and write is a store
//! call with the practitioner's own token context (HPR number, legal entity and the
//! purpose chosen when opening the patient), so the gate, § 8/§ 10 checks and the
//! access log are exactly the API's. What the family sees of each item comes from
//! [`nordlys_store::FhirStore::explain_many`], the engine behind `$explain`.
mod act;
mod actions;
mod careplan;
mod citizen;
pub mod consents;
mod dialog_open;
mod directory;
mod form_answer;
pub mod i18n;
mod inbox;
mod inbox_thread;
mod login;
mod measurements;
pub mod oidc;
mod overview;
mod page;
mod patient;
mod security;
pub mod session;

use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use nordlys_api::Auth;
use nordlys_store::FhirStore;

pub use i18n::Lang;

/// Settings of the workspace.
#[derive(Debug, Clone)]
pub struct WorkspaceConfig {
    /// Offer the development login (only with `--dev-auth`).
    pub dev_login: bool,
    /// Mark cookies `Secure` (served over TLS by a proxy in production).
    pub secure_cookies: bool,
    /// A session not used for this long is ended.
    pub idle_timeout: Duration,
    /// HelseID (OpenID Connect) login, `--workspace-oidc`; `None`: not offered.
    pub oidc: Option<nordlys_web::oidc::OidcConfig>,
}

impl Default for WorkspaceConfig {
    fn default() -> Self {
        WorkspaceConfig {
            dev_login: false,
            secure_cookies: false,
            idle_timeout: Duration::from_secs(15 * 60),
            oidc: None,
        }
    }
}

/// What every handler needs; cheap to clone.
#[derive(Clone)]
pub struct WorkspaceState {
    pub store: FhirStore,
    pub auth: Arc<Auth>,
    pub config: Arc<WorkspaceConfig>,
    pub sessions: Arc<session::Sessions>,
    /// HelseID logins in progress.
    pub logins: Arc<nordlys_web::oidc::PendingLogins>,
}

impl WorkspaceState {
    pub fn new(store: FhirStore, auth: Arc<Auth>, config: WorkspaceConfig) -> Self {
        let sessions = Arc::new(session::Sessions::new(config.idle_timeout));
        WorkspaceState {
            store,
            auth,
            config: Arc::new(config),
            sessions,
            logins: Arc::new(nordlys_web::oidc::PendingLogins::default()),
        }
    }
}

/// The workspace's routes, all under `/clinician`. Merge with the other routers.
pub fn router(state: WorkspaceState) -> Router {
    Router::new()
        .route("/clinician", get(patient::home))
        .route("/clinician/login", get(login::page).post(login::submit))
        .route("/clinician/logout", post(login::logout))
        .route("/clinician/login/helseid", get(oidc::start))
        .route("/clinician/login/callback", get(oidc::callback))
        .route("/clinician/static/workspace.css", get(page::stylesheet))
        .route("/clinician/find", post(patient::find))
        .route("/clinician/open", post(patient::open))
        .route("/clinician/close", post(patient::close))
        .route("/clinician/patient", get(overview::page))
        .route("/clinician/item/{handle}", get(actions::item_page))
        .route("/clinician/act/{action}", post(act::act))
        .route("/clinician/careplan", get(careplan::page))
        .route("/clinician/careplan/save", post(careplan::save))
        .route("/clinician/careplan/handover", post(careplan::propose))
        .route(
            "/clinician/careplan/handover-answer",
            post(careplan::answer),
        )
        .route("/clinician/measurements", get(measurements::page))
        .route(
            "/clinician/measurements/threshold",
            post(measurements::set_threshold),
        )
        .route("/clinician/inbox", get(inbox::page))
        .route("/clinician/inbox/act", post(inbox::act))
        .route("/clinician/inbox/file/{handle}", get(inbox_thread::file))
        .route("/clinician/inbox/{handle}", get(inbox_thread::page))
        .route("/clinician/forms/{handle}", get(form_answer::page))
        .route(
            "/clinician/dialog/open",
            get(dialog_open::page).post(dialog_open::submit),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .with_state(state)
}
