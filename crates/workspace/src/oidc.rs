//! Production login for health personnel: HelseID (OpenID Connect, authorization
//! code + PKCE), with the flow shared with the portal (`nordlys_web::oidc`).
//!
//! Why these checks, in this order: the ID token is checked by the API's own token
//! checker (signature, issuer, audience = this client, expiry), then its nonce and
//! issuer against this login; then the workspace's own conditions — an HPR number
//! (only authorised health personnel may use the workspace; HelseID also logs in
//! people without one, so its absence is refused in plain words) and security level
//! 4 (`helseid://claims/identity/security_level`, BankID-class). The session then
//! holds the token exactly as after the development login: a practitioner without a
//! purpose of use, and the purpose is chosen when a patient is opened
//! (`session::purpose_ctx`).
use axum::extract::{Query, State};
use axum::http::header::HOST;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use nordlys_api::auth::claims::HPR_CLAIM;
use nordlys_policy::Principal;
use serde_json::Value;

use crate::directory::staff;
use crate::i18n::text;
use crate::page::message;
use crate::session::{cookie_value, set_cookie, with_cookie, Session, Visitor, SESSION_COOKIE};
use crate::WorkspaceState;

/// Cookie carrying the `state` of a HelseID login in progress (path `/clinician`).
const LOGIN_COOKIE: &str = "nordlys_ws_login";
/// HelseID: security level of the authentication ("4" = high).
pub const LEVEL_CLAIM: &str = "helseid://claims/identity/security_level";
/// HelseID: the unit (underenhet) the practitioner works in, if the client sent one.
pub const ORGNR_CHILD_CLAIM: &str = "helseid://claims/client/claims/orgnr_child";
/// The only level accepted for the workspace.
const REQUIRED_LEVEL: &str = "4";

fn redirect_uri(state: &WorkspaceState, headers: &HeaderMap) -> Option<String> {
    let config = state.config.oidc.as_ref()?;
    if let Some(u) = &config.redirect_uri {
        return Some(u.clone());
    }
    let host = headers.get(HOST)?.to_str().ok()?;
    Some(format!("http://{host}/clinician/login/callback"))
}

/// `GET /clinician/login/helseid`: off to HelseID.
pub async fn start(
    State(state): State<WorkspaceState>,
    visitor: Visitor,
    headers: HeaderMap,
) -> Response {
    let lang = visitor.lang;
    let (Some(config), Some(redirect)) =
        (state.config.oidc.as_ref(), redirect_uri(&state, &headers))
    else {
        return message(
            lang,
            StatusCode::NOT_FOUND,
            "login.title",
            text(lang, "login.helseid-missing"),
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

/// Why a verified HelseID login is still not let in (each has its own words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The flow failed (state, code, token checks): "try again".
    Failed,
    /// No HPR number: not authorised health personnel.
    NoHpr,
    /// Below security level 4.
    LowLevel,
}

/// The workspace's own conditions on the claims of a verified ID token.
pub fn admit(claims: &Value, principal: Result<Principal, String>) -> Result<Principal, Refusal> {
    let has_hpr = claims
        .get(HPR_CLAIM)
        .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()) || v.is_number());
    if !has_hpr {
        return Err(Refusal::NoHpr);
    }
    let level = match claims.get(LEVEL_CLAIM) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    if level != REQUIRED_LEVEL {
        return Err(Refusal::LowLevel);
    }
    match principal {
        Ok(p @ Principal::Practitioner { purpose: None, .. }) => Ok(p),
        _ => Err(Refusal::Failed),
    }
}

/// `GET /clinician/login/callback`: HelseID sends the browser back with a code.
pub async fn callback(
    State(state): State<WorkspaceState>,
    visitor: Visitor,
    headers: HeaderMap,
    Query(cb): Query<Callback>,
) -> Response {
    let lang = visitor.lang;
    let refuse = |why: &str, refusal: Refusal| {
        tracing::warn!(reason = why, "workspace HelseID login refused");
        let (status, key) = match refusal {
            Refusal::Failed => (StatusCode::BAD_REQUEST, "login.helseid-failed"),
            Refusal::NoHpr => (StatusCode::FORBIDDEN, "login.no-hpr"),
            Refusal::LowLevel => (StatusCode::FORBIDDEN, "login.low-level"),
        };
        let page = message(lang, status, "login.failed-title", text(lang, key), None);
        with_cookie(
            page,
            set_cookie(LOGIN_COOKIE, "", state.config.secure_cookies, Some(0)),
        )
    };
    let fail = |why: &str| refuse(why, Refusal::Failed);
    let Some(config) = state.config.oidc.clone() else {
        return fail("HelseID is not configured");
    };
    let browser_state = cookie_value(&headers, LOGIN_COOKIE);
    let redeemed =
        match nordlys_web::oidc::redeem(&config, cb, browser_state.as_deref(), &state.logins).await
        {
            Ok(redeemed) => redeemed,
            Err(why) => return fail(why),
        };
    let (id_token, pending) = (redeemed.id_token.as_str(), redeemed.pending);
    // Signature, issuer, audience and expiry first: nothing unverified is read.
    let checked = state.auth.authenticate(id_token);
    if let Err(e) = &checked {
        // A token without HPR fails the mapping, not the signature: tell it apart.
        if !e.contains("neither") {
            return fail("id_token not accepted");
        }
    }
    let claims = match nordlys_web::oidc::login_claims(id_token, &config, &pending) {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string()),
    };
    let principal = match admit(&claims, checked) {
        Ok(p) => p,
        Err(r) => return refuse("claims not admitted", r),
    };
    let Principal::Practitioner { hpr, orgnr, .. } = &principal else {
        return fail("not a practitioner");
    };
    // The access token when the API takes it as the same practitioner, else the ID token.
    let session_token = redeemed
        .access_token
        .as_deref()
        .filter(|t| state.auth.authenticate(t).as_ref() == Ok(&principal))
        .unwrap_or(id_token)
        .to_owned();
    let mut session = Session::new(session_token, hpr.clone(), orgnr.clone());
    session.helseid = true;
    session.lang = Some(lang);
    let known = staff(&state).await.unwrap_or_default();
    let me = known.iter().find(|s| &s.hpr == hpr && &s.orgnr == orgnr);
    session.name = claims
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| me.map(|s| s.name.clone()))
        .unwrap_or_else(|| format!("HPR {hpr}"));
    session.org_name = me.map_or_else(
        || {
            claims
                .get(ORGNR_CHILD_CLAIM)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        },
        |s| s.unit_name.clone(),
    );
    tracing::info!(hpr = %hpr, orgnr = %orgnr, "practitioner logged in through HelseID");
    let sid = state.sessions.start(session);
    let response = with_cookie(
        Redirect::to("/clinician").into_response(),
        set_cookie(SESSION_COOKIE, &sid, state.config.secure_cookies, None),
    );
    with_cookie(
        response,
        set_cookie(LOGIN_COOKIE, "", state.config.secure_cookies, Some(0)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn practitioner() -> Result<Principal, String> {
        Ok(Principal::Practitioner {
            hpr: "565501872".into(),
            orgnr: "983974899".into(),
            purpose: None,
        })
    }

    #[test]
    fn hpr_and_level_four_are_required() {
        let good = json!({HPR_CLAIM: "565501872", LEVEL_CLAIM: "4"});
        assert_eq!(
            admit(&good, practitioner()),
            practitioner().map_err(|_| Refusal::Failed)
        );
        let number = json!({HPR_CLAIM: 565501872, LEVEL_CLAIM: 4});
        assert!(admit(&number, practitioner()).is_ok());
        assert_eq!(
            admit(&json!({LEVEL_CLAIM: "4"}), Err("neither".into())),
            Err(Refusal::NoHpr)
        );
        assert_eq!(
            admit(&json!({HPR_CLAIM: "", LEVEL_CLAIM: "4"}), practitioner()),
            Err(Refusal::NoHpr)
        );
        assert_eq!(
            admit(
                &json!({HPR_CLAIM: "565501872", LEVEL_CLAIM: "3"}),
                practitioner()
            ),
            Err(Refusal::LowLevel)
        );
        assert_eq!(
            admit(&json!({HPR_CLAIM: "565501872"}), practitioner()),
            Err(Refusal::LowLevel)
        );
    }

    #[test]
    fn a_login_token_with_a_purpose_is_not_a_login() {
        let good = json!({HPR_CLAIM: "565501872", LEVEL_CLAIM: "4"});
        let with_purpose = Ok(Principal::Practitioner {
            hpr: "565501872".into(),
            orgnr: "983974899".into(),
            purpose: Some(nordlys_policy::Purpose::Treat),
        });
        assert_eq!(admit(&good, with_purpose), Err(Refusal::Failed));
    }
}
