//! `nordlys serve`: the server, until SIGTERM or Ctrl-C.
//!
//! Why shutdown waits: open requests finish (axum's graceful shutdown) and the store
//! is dropped after the listener, so an acknowledged write is never cut off.
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use nordlys_api::{ApiConfig, AppState, Auth};
use nordlys_store::FhirStore;

use crate::db::{self, DbArgs};

#[derive(Args, Debug, Clone)]
#[command(after_help = "Examples:\n  \
    nordlys serve --dev-auth\n  \
    nordlys serve --listen 0.0.0.0:8080 --database postgres://nordlys@db/nordlys --issuer-config /etc/nordlys/issuers.json\n\n\
    The issuer file lists the token issuers to trust:\n  \
    {\"issuers\": [{\"issuer\": \"https://idporten.no\", \"audience\": \"nordlys\", \"jwks\": \"idporten-jwks.json\", \"algorithms\": [\"RS256\"]}]}\n\
    (JWKS paths are relative to the issuer file).")]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "NORDLYS_LISTEN",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub db: DbArgs,
    /// Enable POST /dev/token, which hands out development tokens to anyone. Never in production.
    #[arg(long, env = "NORDLYS_DEV_AUTH")]
    pub dev_auth: bool,
    /// Largest request body in bytes (larger requests get 413).
    #[arg(long, env = "NORDLYS_MAX_BODY", default_value_t = nordlys_api::DEFAULT_MAX_BODY, value_name = "BYTES")]
    pub max_body: usize,
    /// JSON file with the trusted token issuers (see below).
    #[arg(long, env = "NORDLYS_ISSUER_CONFIG", value_name = "PATH")]
    pub issuer_config: Option<PathBuf>,
    /// Public base URL as clients see it (for links), e.g. https://fhir.example.no. Default: from Host.
    #[arg(long, env = "NORDLYS_PUBLIC_BASE", value_name = "URL")]
    pub public_base: Option<String>,
    /// Requests per second allowed per caller (token), with a one-second burst; over it: 429.
    #[arg(long, env = "NORDLYS_RATE_LIMIT", value_name = "N")]
    pub rate_limit: Option<u32>,
    /// JSON file with the portal's citizen login (OpenID Connect with PKCE):
    /// {"issuer", "authorization_endpoint", "token_endpoint", "client_id", "redirect_uri", ...}.
    /// The issuer must also be in --issuer-config (its JWKS checks the tokens).
    #[arg(long, env = "NORDLYS_PORTAL_OIDC", value_name = "PATH")]
    pub portal_oidc: Option<PathBuf>,
    /// JSON file with the clinician workspace's HelseID login (OpenID Connect with
    /// PKCE), the same fields as --portal-oidc (set "acr_values": "" for HelseID).
    /// The issuer must also be in --issuer-config.
    #[arg(long, env = "NORDLYS_WORKSPACE_OIDC", value_name = "PATH")]
    pub workspace_oidc: Option<PathBuf>,
    /// JSON file of the region's plain-language glossary ({"word": "explanation"}),
    /// merged over the built-in one (shown below journal texts in the portal).
    #[arg(long, env = "NORDLYS_PORTAL_GLOSSARY", value_name = "PATH")]
    pub portal_glossary: Option<PathBuf>,
    #[command(flatten)]
    pub delivery: crate::deliver::DeliveryArgs,
    /// Let Subscriptions name plain http:// rest-hook endpoints (patient data in
    /// clear text). Off by default: https:// only.
    #[arg(long, env = "NORDLYS_SUBSCRIPTIONS_ALLOW_HTTP")]
    pub subscriptions_allow_http: bool,
    /// Let rest-hook endpoints be loopback, private or link-local addresses (the
    /// server's own network). Off by default.
    #[arg(long, env = "NORDLYS_SUBSCRIPTIONS_ALLOW_PRIVATE_HOSTS")]
    pub subscriptions_allow_private_hosts: bool,
}

/// The rest-hook endpoint rule from the serve options.
pub fn endpoint_rule(args: &ServeArgs) -> nordlys_store::subscriptions::EndpointRule {
    nordlys_store::subscriptions::EndpointRule {
        allow_http: args.subscriptions_allow_http,
        allow_private: args.subscriptions_allow_private_hosts,
    }
}

/// Reads the portal's OpenID Connect settings, if given.
pub fn portal_oidc(args: &ServeArgs) -> anyhow::Result<Option<nordlys_portal::oidc::OidcConfig>> {
    let Some(path) = &args.portal_oidc else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the portal login settings {}", path.display()))?;
    let config = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid portal login settings", path.display()))?;
    Ok(Some(config))
}

/// Reads the workspace's HelseID settings, if given.
pub fn workspace_oidc(
    args: &ServeArgs,
) -> anyhow::Result<Option<nordlys_portal::oidc::OidcConfig>> {
    let Some(path) = &args.workspace_oidc else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read the workspace login settings {}",
            path.display()
        )
    })?;
    let config = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid workspace login settings", path.display()))?;
    Ok(Some(config))
}

/// Builds the API state from the options.
pub fn app_state(store: FhirStore, args: &ServeArgs) -> anyhow::Result<AppState> {
    let auth = match &args.issuer_config {
        Some(path) => {
            Auth::from_file(path, args.dev_auth).context("cannot load the issuer configuration")?
        }
        None => Auth::new(&[], args.dev_auth).context("cannot set up token checking")?,
    };
    if auth.issuer_count() == 0 {
        tracing::warn!("no token issuers configured: every /fhir request except /fhir/metadata will get 401; use --issuer-config or --dev-auth");
    }
    if args.dev_auth {
        tracing::warn!("development login is ON: POST /dev/token hands out tokens to anyone");
    }
    let config = ApiConfig {
        max_body: args.max_body,
        dev_auth: args.dev_auth,
        public_base: args.public_base.clone(),
        rate_limit: args.rate_limit,
    };
    Ok(AppState::new(store, auth, config))
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let store = db::open_store(&args.db.database).await?;
    let store = crate::deliver::with_reminders(store, &args.delivery);
    let store = store.with_subscription_endpoints(endpoint_rule(&args));
    let state = app_state(store, &args)?;
    let oidc = portal_oidc(&args)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr().unwrap_or(args.listen);
    tracing::info!(%addr, backend = state.store.backend_name(), "serving FHIR at http://{addr}/fhir");
    // Deferred notifications fall due on their own; the scheduler re-decides them.
    let scheduler = state
        .store
        .spawn_scheduler(std::time::Duration::from_secs(60));
    let delivery =
        crate::deliver::spawn(&state.store, &args.delivery, args.public_base.as_deref())?;
    // FHIR Subscriptions: matched from the change feed, delivered by rest-hook/websocket.
    let subscriptions = nordlys_api::subscriptions::spawn(
        state.store.clone(),
        state.subscriptions.clone(),
        nordlys_api::subscriptions::SubscriptionConfig::default(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("cannot start subscription delivery: {e}"))?;
    let app = application_with(
        state,
        Vec::new(),
        oidc,
        args.portal_glossary.clone(),
        workspace_oidc(&args)?,
    );
    let served = nordlys_api::serve_app(listener, app, shutdown_signal()).await;
    scheduler.abort();
    subscriptions.abort();
    if let Some(d) = delivery {
        d.abort();
    }
    served.context("server stopped with an error")?;
    tracing::info!("stopped");
    Ok(())
}

/// The API and the citizen portal in one router, sharing the store and token checker.
/// `login_choices` are the people the development login offers (the demo's cast).
pub fn application(
    state: AppState,
    login_choices: Vec<nordlys_portal::LoginChoice>,
    oidc: Option<nordlys_portal::oidc::OidcConfig>,
    glossary_path: Option<PathBuf>,
) -> axum::Router {
    application_with(state, login_choices, oidc, glossary_path, None)
}

/// [`application`] with the workspace's HelseID login (`--workspace-oidc`).
pub fn application_with(
    state: AppState,
    login_choices: Vec<nordlys_portal::LoginChoice>,
    oidc: Option<nordlys_portal::oidc::OidcConfig>,
    glossary_path: Option<PathBuf>,
    workspace_oidc: Option<nordlys_portal::oidc::OidcConfig>,
) -> axum::Router {
    let portal = nordlys_portal::PortalState::new(
        state.store.clone(),
        state.auth.clone(),
        nordlys_portal::PortalConfig {
            dev_login: state.config.dev_auth,
            login_choices,
            oidc,
            glossary_path,
            secure_cookies: state
                .config
                .public_base
                .as_deref()
                .is_some_and(|b| b.starts_with("https://")),
            ..nordlys_portal::PortalConfig::default()
        },
    );
    let workspace = nordlys_workspace::WorkspaceState::new(
        state.store.clone(),
        state.auth.clone(),
        nordlys_workspace::WorkspaceConfig {
            dev_login: state.config.dev_auth,
            secure_cookies: state
                .config
                .public_base
                .as_deref()
                .is_some_and(|b| b.starts_with("https://")),
            oidc: workspace_oidc,
            ..nordlys_workspace::WorkspaceConfig::default()
        },
    );
    nordlys_portal::router(portal)
        .merge(nordlys_workspace::router(workspace))
        .merge(nordlys_api::router(state))
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing open requests");
}
