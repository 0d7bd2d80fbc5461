//! The OpenID Connect authorization code flow with PKCE, shared by the portal's
//! citizen login (ID-porten) and the workspace's practitioner login (HelseID).
//!
//! Why each piece:
//! - **PKCE (S256)** binds the code to this browser's login: an intercepted code is
//!   useless without the verifier, which never leaves the server.
//! - **state** (in a short-lived HttpOnly cookie *and* the server's pending map) stops
//!   login CSRF: a callback not started by this browser is refused.
//! - **nonce** in the ID token ties the token to this login attempt (no replay).
//!
//! Why here: both front ends must run exactly the same flow; only what is done with
//! the verified token (a citizen session, a practitioner session) differs. Token
//! signatures, issuer, audience and expiry are checked by the API's token checker in
//! each front end, not here (this crate knows no token issuers).
use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::session::random_token;

/// A login not completed within this time starts over.
pub const PENDING_TTL: Duration = Duration::from_secs(600);

/// An issuer as a front end uses it (`--portal-oidc`, `--workspace-oidc` files).
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
    /// Asked of the issuer; default `idporten-loa-high`; empty: not sent (HelseID
    /// states the level in a claim instead).
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
#[derive(Debug, Clone)]
pub struct Pending {
    pub verifier: String,
    pub nonce: String,
    pub redirect_uri: String,
    pub started: Instant,
}

/// Logins in progress, by `state`.
#[derive(Default)]
pub struct PendingLogins(Mutex<HashMap<String, Pending>>);

impl PendingLogins {
    pub fn put(&self, state: String, p: Pending) {
        let mut m = self.0.lock();
        m.retain(|_, v| v.started.elapsed() < PENDING_TTL);
        m.insert(state, p);
    }

    /// The login of `state`, once (a second callback with it is refused).
    pub fn take(&self, state: &str) -> Option<Pending> {
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

/// A login about to start: the `state`, the URL to send the browser to, and what
/// to keep until the callback.
pub struct Begun {
    pub state: String,
    pub url: String,
    pub pending: Pending,
}

/// Starts a login at `config`'s issuer, coming back to `redirect_uri`.
pub fn begin(config: &OidcConfig, redirect_uri: &str, ui_locale: &str) -> Begun {
    let state = random_token();
    let verifier = format!("{}{}", random_token(), random_token());
    let nonce = random_token();
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &config.scope)
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge(&verifier))
        .append_pair("code_challenge_method", "S256");
    if !config.acr_values.is_empty() {
        query.append_pair("acr_values", &config.acr_values);
    }
    query.append_pair("ui_locales", ui_locale);
    let url = format!("{}?{}", config.authorization_endpoint, query.finish());
    Begun {
        state,
        url,
        pending: Pending {
            verifier,
            nonce,
            redirect_uri: redirect_uri.to_owned(),
            started: Instant::now(),
        },
    }
}

/// Why an ID token that passed the signature checks still belongs to no login here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdTokenError {
    Unreadable,
    NonceMismatch,
    OtherIssuer,
}

impl std::fmt::Display for IdTokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IdTokenError::Unreadable => "id_token claims unreadable",
            IdTokenError::NonceMismatch => "nonce mismatch",
            IdTokenError::OtherIssuer => "id_token from another issuer",
        })
    }
}

/// The claims of an ID token whose signature, audience and expiry were checked
/// already, if its nonce is this login's and its issuer the configured one.
pub fn login_claims(
    id_token: &str,
    config: &OidcConfig,
    pending: &Pending,
) -> Result<Value, IdTokenError> {
    let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(id_token)
        .map_err(|_| IdTokenError::Unreadable)?;
    if claims.get("nonce").and_then(Value::as_str) != Some(pending.nonce.as_str()) {
        return Err(IdTokenError::NonceMismatch);
    }
    if claims.get("iss").and_then(Value::as_str) != Some(config.issuer.as_str()) {
        return Err(IdTokenError::OtherIssuer);
    }
    Ok(claims)
}

/// The back-channel code exchange (RFC 6749 § 4.1.3 with the PKCE verifier).
pub async fn exchange(config: &OidcConfig, code: &str, pending: &Pending) -> Result<Value, String> {
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
        let config: OidcConfig = serde_json::from_value(serde_json::json!({
            "issuer": "i", "authorization_endpoint": "https://i/a", "token_endpoint": "https://i/t",
            "client_id": "c"}))
        .unwrap_or_else(|e| panic!("{e}"));
        let b = begin(&config, "https://x/cb", "nb");
        assert!(b.url.contains("code_challenge_method=S256") && b.url.contains("acr_values="));
        p.put(b.state.clone(), b.pending);
        assert!(p.take(&b.state).is_some());
        assert!(p.take(&b.state).is_none());
    }

    #[test]
    fn empty_acr_is_not_sent() {
        let config: OidcConfig = serde_json::from_value(serde_json::json!({
            "issuer": "i", "authorization_endpoint": "https://i/a", "token_endpoint": "https://i/t",
            "client_id": "c", "acr_values": ""}))
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(!begin(&config, "https://x/cb", "nb")
            .url
            .contains("acr_values"));
    }
}

/// What the issuer sends the browser back with: `?code=…&state=…`, or `?error=…`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// The steps every callback shares (portal and workspace): the issuer answered without
/// an error, the state is the one this browser's login cookie holds, the login is one
/// we started and have not redeemed, and the code is exchanged for tokens. Gives the
/// (still unverified) tokens and the pending login, or why not (for the log).
pub async fn redeem(
    config: &OidcConfig,
    cb: Callback,
    browser_state: Option<&str>,
    logins: &PendingLogins,
) -> Result<Redeemed, &'static str> {
    if cb.error.is_some() {
        return Err("the issuer answered with an error");
    }
    let (Some(code), Some(login_state)) = (cb.code, cb.state) else {
        return Err("callback without code or state");
    };
    if browser_state != Some(login_state.as_str()) {
        return Err("state does not match this browser's login");
    }
    let Some(pending) = logins.take(&login_state) else {
        return Err("unknown or expired login");
    };
    let tokens = match exchange(config, &code, &pending).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "OpenID Connect token exchange failed");
            return Err("token exchange failed");
        }
    };
    let Some(id_token) = tokens.get("id_token").and_then(Value::as_str) else {
        return Err("no id_token");
    };
    Ok(Redeemed {
        id_token: id_token.to_string(),
        access_token: tokens
            .get("access_token")
            .and_then(Value::as_str)
            .map(str::to_string),
        pending,
    })
}

/// A redeemed callback: the issuer's tokens, not yet verified, and the login they end.
#[derive(Debug)]
pub struct Redeemed {
    pub id_token: String,
    pub access_token: Option<String>,
    pub pending: Pending,
}
