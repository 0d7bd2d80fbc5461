//! The citizen portal (innbyggerportal): server-rendered HTML at `/` over the same
//! store, policy engine and access log as the FHIR API.
//!
//! Why server-rendered, with no script at all: a page is one request and one
//! answer, fast on a phone and easy to make accessible; the Content-Security-Policy
//! can forbid every script; and nothing of the record sits in a browser cache
//! longer than the page.
//!
//! Why the portal never decides access: every list and detail page is a store
//! search or read made with the citizen's own token context, so the gate, the
//! redaction and the access log are exactly those of the FHIR API. The portal only
//! chooses *which* patient (from [`nordlys_store::FhirStore::represented`]) and
//! turns the policy's reason codes into plain words ([`explain`]).
//!
//! Why no ids in URLs: resource ids can carry meaning ("doc-bup-1"), so detail links
//! use opaque per-session handles ([`session::Session::handle`]); the patient acted
//! for lives in the session, never in the address.
pub mod chart;
pub mod explain;
mod fetch;
pub mod glossary;
mod home;
pub mod i18n;
mod login;
pub mod oidc;
mod page;
mod research;
mod security;
pub mod session;
mod settings;
pub mod tiles;
mod video_check;
mod view;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use nordlys_api::Auth;
use nordlys_store::FhirStore;

pub use fetch::PortalError;
pub use i18n::Lang;

/// Someone the development login offers (the demo's cast).
#[derive(Debug, Clone)]
pub struct LoginChoice {
    pub pid: String,
    /// Name and age, e.g. "Kari, 13".
    pub display: String,
    /// Who this is, e.g. "Kari's mother".
    pub role: String,
}

/// Settings of the portal.
#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// Offer the development login (only with `--dev-auth`).
    pub dev_login: bool,
    /// People listed on the development login page.
    pub login_choices: Vec<LoginChoice>,
    /// Mark cookies `Secure` (the portal is served over TLS by a proxy in production).
    pub secure_cookies: bool,
    /// A session not used for this long is ended.
    pub idle_timeout: Duration,
    /// The region's glossary (JSON word → explanation), merged over the built-in one.
    pub glossary_path: Option<PathBuf>,
    /// The citizen issuer for production login (OpenID Connect with PKCE).
    pub oidc: Option<oidc::OidcConfig>,
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            dev_login: false,
            login_choices: Vec::new(),
            secure_cookies: false,
            idle_timeout: Duration::from_secs(15 * 60),
            glossary_path: None,
            oidc: None,
        }
    }
}

/// What every portal handler needs; cheap to clone.
#[derive(Clone)]
pub struct PortalState {
    pub store: FhirStore,
    pub auth: Arc<Auth>,
    pub config: Arc<PortalConfig>,
    pub sessions: Arc<session::Sessions>,
    /// Plain-language explanations shown below journal texts.
    pub glossary: Arc<glossary::Glossary>,
    /// OpenID Connect logins in progress.
    pub logins: Arc<oidc::PendingLogins>,
}

impl PortalState {
    pub fn new(store: FhirStore, auth: Arc<Auth>, config: PortalConfig) -> Self {
        let sessions = Arc::new(session::Sessions::new(config.idle_timeout));
        let glossary = Arc::new(glossary::Glossary::load(config.glossary_path.as_deref()));
        PortalState {
            store,
            auth,
            config: Arc::new(config),
            sessions,
            glossary,
            logins: Arc::new(oidc::PendingLogins::default()),
        }
    }
}

/// Dialog forms carry a file: up to the store's attachment limit plus the form.
fn dialog_body_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(nordlys_store::MAX_ATTACHMENT_BYTES + 256 * 1024)
}

/// The portal's routes. Merge with the API router (which owns the fallback).
pub fn router(state: PortalState) -> Router {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(login::page).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/login/oidc", get(oidc::start))
        .route("/login/callback", get(oidc::callback))
        .route("/act-for", post(home::act_for))
        .route("/static/portal.css", get(page::stylesheet))
        .route("/tiles/{tile}", get(tiles::list))
        .route("/tiles/{tile}/{handle}", get(tiles::detail))
        .route("/content/{handle}", get(tiles::documents::content))
        .route("/careplan/save", post(tiles::careplan_edit::save))
        .route("/booking", get(tiles::booking::page))
        .route("/video-check", get(video_check::page))
        .route("/booking/book", post(tiles::booking::book))
        .route("/booking/move", post(tiles::booking::change))
        .route("/booking/cancel", post(tiles::booking::cancel))
        .route("/forms/sent/{handle}", get(tiles::forms_fill::sent))
        .route(
            "/forms/{handle}",
            get(tiles::forms_fill::page).post(tiles::forms_fill::submit),
        )
        .route("/dialog", get(tiles::dialog::page))
        .route(
            "/dialog/new",
            post(tiles::dialog::start).layer(dialog_body_limit()),
        )
        .route("/dialog/file/{handle}", get(tiles::dialog_thread::file))
        .route("/dialog/{handle}", get(tiles::dialog_thread::page))
        .route(
            "/dialog/{handle}/reply",
            post(tiles::dialog_thread::reply).layer(dialog_body_limit()),
        )
        .route("/research", get(research::page))
        .route("/research/{action}", post(research::answer))
        .route("/settings", get(settings::page))
        .route(
            "/settings/notifications",
            get(settings::notifications::page).post(settings::notifications::save),
        )
        .route("/settings/{action}", post(settings::change))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .with_state(state)
}
