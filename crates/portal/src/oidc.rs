//! Production login: OpenID Connect authorization code flow with PKCE against the
//! citizen issuer (ID-porten).
//!
//! Why each piece:
//! - **PKCE (S256)** binds the code to this browser's login: an intercepted code is
//!   useless without the verifier, which never leaves the server.
//! - **state** (in a short-lived HttpOnly cookie *and* the server's pending map) stops
//!   login CSRF: a callback not started by this browser is refused.
//! - **nonce** in the ID token ties the token to this login attempt (no replay).
//! - The tokens are checked by the API's own token checker ([`nordlys_api::Auth`]:
//!   the issuer must be in the issuer configuration with its JWKS), so a portal
//!   session rests on exactly the checks a FHIR request gets. The session keeps the
//!   access token when the API accepts it (audience = the API), else the ID token.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::header::HOST;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use nordlys_policy::Principal;
use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::page::message;
use crate::session::{cookie_value, random_token, set_cookie, with_cookie, Visitor};
use crate::PortalState;

/// Cookie carrying the `state` of a login in progress.
const LOGIN_COOKIE: &str = "nordlys_login";
/// A login not completed within this time starts over.
const PENDING_TTL: Duration = Duration::from_secs(600);

/// The citizen issuer as the portal uses it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// `iss` of the tokens (must also be in the issuer configuration with its JWKS).
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub client_id: String,
    /// For confidential clients (client_secret_post); `None`: public client, PKCE only.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// The registered callback (`https://portal.example.no/login/callback`);
    /// `None`: derived from the request's Host (development and tests only).
    #[serde(default)]
    pub redirect_uri: Option<String>,
    /// Default `openid profile`.
    #[serde(default = "default_scope")]
    pub scope: String,
    /// Asked of the issuer; default `idporten-loa-high`.
    #[serde(default = "default_acr")]
    pub acr_values: String,
}

fn default_scope() -> String {
    "openid profile".into()
}

fn default_acr() -> String {
    "idporten-loa-high".into()
}

/// One login in progress.
struct Pending {
    verifier: String,
    nonce: String,
    redirect_uri: String,
    started: Instant,
}

/// Logins in progress, by `state`.
#[derive(Default)]
pub struct PendingLogins(Mutex<HashMap<String, Pending>>);

impl PendingLogins {
    fn put(&self, state: String, p: Pending) {
        let mut m = self.0.lock();
        m.retain(|_, v| v.started.elapsed() < PENDING_TTL);
        m.insert(state, p);
    }

    fn take(&self, state: &str) -> Option<Pending> {
        self.0
            .lock()
            .remove(state)
            .filter(|p| p.started.elapsed() < PENDING_TTL)
    }
}

/// The PKCE S256 challenge of a verifier (RFC 7636 § 4.2).
pub fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn redirect_uri(config: &OidcConfig, headers: &HeaderMap) -> Option<String> {
    if let Some(u) = &config.redirect_uri {
        return Some(u.clone());
    }
    let host = headers.get(HOST)?.to_str().ok()?;
    Some(format!("http://{host}/login/callback"))
}

/// `GET /login/oidc`: starts a login at the issuer.
pub async fn start(
    State(state): State<PortalState>,
    visitor: Visitor,
    headers: HeaderMap,
) -> Response {
    let lang = visitor.lang;
    let Some(config) = state.config.oidc.as_ref() else {
        return message(
            lang,
            StatusCode::NOT_FOUND,
            "login.title",
            "login.production-missing",
            None,
        );
    };
    let Some(redirect) = redirect_uri(config, &headers) else {
        return message(
            lang,
            StatusCode::BAD_REQUEST,
            "login.failed-title",
            "login.failed",
            None,
        );
    };
    let login_state = random_token();
    let verifier = format!("{}{}", random_token(), random_token());
    let nonce = random_token();
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", &redirect)
        .append_pair("scope", &config.scope)
        .append_pair("state", &login_state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge(&verifier))
        .append_pair("code_challenge_method", "S256")
        .append_pair("acr_values", &config.acr_values)
        .append_pair("ui_locales", lang.code())
        .finish();
    let url = format!("{}?{query}", config.authorization_endpoint);
    state.logins.put(
        login_state.clone(),
        Pending {
            verifier,
            nonce,
            redirect_uri: redirect,
            started: Instant::now(),
        },
    );
    with_cookie(
        Redirect::to(&url).into_response(),
        set_cookie(
            LOGIN_COOKIE,
            &login_state,
            state.config.secure_cookies,
            Some(600),
        ),
    )
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /login/callback`: the issuer sends the browser back with a code.
pub async fn callback(
    State(state): State<PortalState>,
    visitor: Visitor,
    headers: HeaderMap,
    Query(cb): Query<Callback>,
) -> Response {
    let lang = visitor.lang;
    let fail = |why: &str| {
        tracing::warn!(reason = why, "portal OpenID Connect login refused");
        message(
            lang,
            StatusCode::BAD_REQUEST,
            "login.failed-title",
            "login.failed",
            None,
        )
    };
    let Some(config) = state.config.oidc.clone() else {
        return fail("OpenID Connect is not configured");
    };
    if cb.error.is_some() {
        return fail("the issuer answered with an error");
    }
    let (Some(code), Some(login_state)) = (cb.code, cb.state) else {
        return fail("callback without code or state");
    };
    if cookie_value(&headers, LOGIN_COOKIE).as_deref() != Some(login_state.as_str()) {
        return fail("state does not match this browser's login");
    }
    let Some(pending) = state.logins.take(&login_state) else {
        return fail("unknown or expired login");
    };
    let tokens = match exchange(&config, &code, &pending).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "token exchange failed");
            return fail("token exchange failed");
        }
    };
    let Some(id_token) = tokens.get("id_token").and_then(Value::as_str) else {
        return fail("no id_token");
    };
    // Signature, issuer, audience and expiry by the API's checker; then the nonce.
    let Ok(principal) = state.auth.authenticate(id_token) else {
        return fail("id_token not accepted");
    };
    // Already verified above; read here only for the nonce and issuer.
    let claims: Value =
        jsonwebtoken::dangerous::insecure_decode_claims(id_token).unwrap_or(Value::Null);
    if claims.get("nonce").and_then(Value::as_str) != Some(pending.nonce.as_str()) {
        return fail("nonce mismatch");
    }
    if claims.get("iss").and_then(Value::as_str) != Some(config.issuer.as_str()) {
        return fail("id_token from another issuer");
    }
    let session_token = tokens
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| state.auth.authenticate(t).as_ref() == Ok(&principal))
        .unwrap_or(id_token)
        .to_owned();
    if !matches!(principal, Principal::Citizen { .. }) {
        return fail("not a citizen");
    }
    let mut response = crate::login::start_session(&state, lang, session_token, principal).await;
    response = with_cookie(
        response,
        set_cookie(LOGIN_COOKIE, "", state.config.secure_cookies, Some(0)),
    );
    response
}

/// The back-channel code exchange (RFC 6749 § 4.1.3 with the PKCE verifier).
async fn exchange(config: &OidcConfig, code: &str, pending: &Pending) -> Result<Value, String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", pending.redirect_uri.as_str()),
        ("client_id", config.client_id.as_str()),
        ("code_verifier", pending.verifier.as_str()),
    ];
    if let Some(secret) = &config.client_secret {
        form.push(("client_secret", secret.as_str()));
    }
    let r = client
        .post(&config.token_endpoint)
        .form(&form)
        .send()
        .await
        .map_err(|e| format!("token endpoint unreachable: {e}"))?;
    let status = r.status();
    let body: Value = r
        .json()
        .await
        .map_err(|e| format!("token answer not JSON: {e}"))?;
    if !status.is_success() {
        return Err(format!("token endpoint answered {status}"));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 appendix B.
    #[test]
    fn s256_challenge_matches_the_rfc_example() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn pending_logins_are_single_use() {
        let p = PendingLogins::default();
        p.put(
            "s".into(),
            Pending {
                verifier: "v".into(),
                nonce: "n".into(),
                redirect_uri: "r".into(),
                started: Instant::now(),
            },
        );
        assert!(p.take("s").is_some());
        assert!(p.take("s").is_none());
    }
}
