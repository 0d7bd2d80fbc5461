//! Production login: OpenID Connect authorization code flow with PKCE against the
//! citizen issuer (ID-porten).
//!
//! The flow itself (PKCE, state, nonce, code exchange) is `nordlys_web::oidc`,
//! shared with the workspace's HelseID login. Here: the tokens are checked by the
//! API's own token checker ([`nordlys_api::Auth`]: the issuer must be in the issuer
//! configuration with its JWKS), so a portal session rests on exactly the checks a
//! FHIR request gets. The session keeps the access token when the API accepts it
//! (audience = the API), else the ID token.
use axum::extract::{Query, State};
use axum::http::header::HOST;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use nordlys_policy::Principal;

pub use nordlys_web::oidc::{challenge, OidcConfig, PendingLogins};

use crate::page::message;
use crate::session::{cookie_value, set_cookie, with_cookie, Visitor};
use crate::PortalState;

/// Cookie carrying the `state` of a login in progress.
const LOGIN_COOKIE: &str = "nordlys_login";

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
    let begun = nordlys_web::oidc::begin(config, &redirect, lang.code());
    let (login_state, url) = (begun.state.clone(), begun.url.clone());
    state.logins.put(begun.state, begun.pending);
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

pub use nordlys_web::oidc::Callback;

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
    let browser_state = cookie_value(&headers, LOGIN_COOKIE);
    let redeemed =
        match nordlys_web::oidc::redeem(&config, cb, browser_state.as_deref(), &state.logins).await
        {
            Ok(redeemed) => redeemed,
            Err(why) => return fail(why),
        };
    let (id_token, pending) = (redeemed.id_token.as_str(), redeemed.pending);
    // Signature, issuer, audience and expiry by the API's checker; then the nonce.
    let Ok(principal) = state.auth.authenticate(id_token) else {
        return fail("id_token not accepted");
    };
    // Already verified above; read here only for the nonce and issuer.
    if let Err(e) = nordlys_web::oidc::login_claims(id_token, &config, &pending) {
        return fail(&e.to_string());
    }
    let session_token = redeemed
        .access_token
        .as_deref()
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
