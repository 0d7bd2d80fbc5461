//! Logging in and out.
//!
//! Why the development login signs a real token: it builds the same claims as
//! ID-porten (`pid`, `acr`), signs them with the development key and checks them
//! with the API's token checker, so everything after login runs the production
//! code. The production OpenID Connect flow is in [`crate::oidc`]; the page offers
//! whichever is configured.
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use nordlys_api::auth::dev::{dev_claims, sign_dev_token, DevTokenRequest};
use nordlys_api::auth::now_secs;
use nordlys_policy::{Principal, SecurityLevel};
use nordlys_store::RequestContext;
use serde::Deserialize;

use crate::home::people_of;
use crate::i18n::text;
use crate::page::{message, respond, shell};
use crate::security::csrf_ok;
use crate::session::{set_cookie, with_cookie, Citizen, Session, Visitor, SESSION_COOKIE};
use crate::PortalState;

/// `GET /login`.
pub async fn page(State(state): State<PortalState>, visitor: Visitor) -> Response {
    let lang = visitor.lang;
    if visitor.session.is_some() {
        return Redirect::to("/").into_response();
    }
    let title = text(lang, "login.title");
    if !state.config.dev_login && state.config.oidc.is_none() {
        return message(
            lang,
            StatusCode::OK,
            "login.title",
            "login.production-missing",
            None,
        );
    }
    let body = html! {
        h1 { (title) }
        @if state.config.oidc.is_some() {
            p { (text(lang, "login.idporten-intro")) }
            p { a.button href="/login/oidc" { (text(lang, "login.idporten")) } }
        }
        @if state.config.dev_login { (dev_choices(&state, lang)) }
    };
    respond(StatusCode::OK, shell(lang, title, "/login", None, body))
}

/// The development login: the demo cast, and any national id at either level.
fn dev_choices(state: &PortalState, lang: crate::Lang) -> maud::Markup {
    html! {
        p { (text(lang, "login.dev-intro")) }
        ul.people {
            @for c in &state.config.login_choices {
                li {
                    form method="post" action="/login" {
                        input type="hidden" name="pid" value=(c.pid);
                        input type="hidden" name="level" value="high";
                        button type="submit" { (c.display) }
                        // The demo cast is described in English (crates/synth), whatever
                        // the page's language: say so for screen readers (WCAG 3.1.2).
                        span.role lang="en" { (c.role) }
                    }
                }
            }
        }
        h2 { (text(lang, "login.other")) }
        form.other method="post" action="/login" {
            div.field {
                label for="pid" { (text(lang, "login.pid")) }
                input #pid name="pid" inputmode="numeric" autocomplete="off" pattern="[0-9]{11}" required;
            }
            div.field {
                label for="level" { (text(lang, "login.level")) }
                select #level name="level" {
                    option value="high" { (text(lang, "login.level-high")) }
                    option value="substantial" { (text(lang, "login.level-substantial")) }
                }
            }
            button type="submit" { (text(lang, "login.submit")) }
        }
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    pid: String,
    #[serde(default)]
    level: Option<String>,
}

/// `POST /login` (development login).
pub async fn submit(
    State(state): State<PortalState>,
    visitor: Visitor,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = visitor.lang;
    if !state.config.dev_login {
        return message(
            lang,
            StatusCode::NOT_FOUND,
            "login.title",
            "login.production-missing",
            None,
        );
    }
    let acr = match form.level.as_deref() {
        Some("substantial") => "idporten-loa-substantial",
        _ => "idporten-loa-high",
    };
    let request = DevTokenRequest::Citizen {
        pid: form.pid.trim().to_owned(),
        acr: Some(acr.to_owned()),
    };
    let token = dev_claims(&request, now_secs())
        .ok()
        .and_then(|claims| sign_dev_token(&claims).ok());
    let principal = token
        .as_deref()
        .and_then(|t| state.auth.authenticate(t).ok());
    let (Some(token), Some(principal)) = (token, principal) else {
        return message(
            lang,
            StatusCode::BAD_REQUEST,
            "login.failed-title",
            "login.failed",
            None,
        );
    };
    start_session(&state, lang, token, principal).await
}

/// After a checked login (development or OpenID Connect): a new session for the
/// citizen, acting for themself (or the first person they may act for), and the
/// redirect home with its cookie. A fresh session id every time (no fixation).
pub(crate) async fn start_session(
    state: &PortalState,
    lang: crate::Lang,
    token: String,
    principal: Principal,
) -> Response {
    let Principal::Citizen { pid, level } = principal.clone() else {
        return message(
            lang,
            StatusCode::BAD_REQUEST,
            "login.failed-title",
            "login.failed",
            None,
        );
    };
    let low_level = level < SecurityLevel::High;
    let mut session = Session::new(token, pid, low_level);
    session.lang = Some(lang);
    if !low_level {
        match people_of(state, &RequestContext::new(principal)).await {
            Ok(people) => {
                session.acting_for = people.first().map(|p| p.patient_id.clone());
                session.people = people;
            }
            Err(e) => {
                tracing::error!(error = %e, "portal login: finding represented persons failed");
                return message(
                    lang,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "error.title",
                    "error.internal",
                    None,
                );
            }
        }
    }
    let sid = state.sessions.start(session);
    with_cookie(
        Redirect::to("/").into_response(),
        set_cookie(SESSION_COOKIE, &sid, state.config.secure_cookies, None),
    )
}

use nordlys_web::CsrfForm;

/// `POST /logout`.
pub async fn logout(
    State(state): State<PortalState>,
    citizen: Citizen,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !csrf_ok(&citizen.session, form.csrf.as_deref()) {
        return crate::security::csrf_refused(citizen.lang);
    }
    state.sessions.end(&citizen.sid);
    with_cookie(
        Redirect::to("/login").into_response(),
        set_cookie(SESSION_COOKIE, "", state.config.secure_cookies, Some(0)),
    )
}
