//! Logging in and out.
//!
//! Development login (`--dev-auth`): the practitioners of the directory, one button
//! each (name, HPR number, unit), or any HPR number and organisation number; it
//! signs a practitioner token *without* a purpose of use through the API's dev
//! issuer and checks it with the API's token checker, so everything after login is
//! the production path. Production login is HelseID (`oidc.rs`), offered here
//! when `--workspace-oidc` is set.
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use nordlys_api::auth::dev::{dev_claims, sign_dev_token, DevTokenRequest};
use nordlys_api::auth::now_secs;
use nordlys_policy::{Principal, Purpose};
use serde::Deserialize;

use crate::directory::staff;
use crate::i18n::text;
use crate::page::{message, respond, shell};
use crate::security::{csrf_ok, csrf_refused};
use crate::session::{set_cookie, with_cookie, Clinician, Session, Visitor, SESSION_COOKIE};
use crate::WorkspaceState;

/// Signs a development practitioner token and checks it like any token.
pub fn practitioner_token(
    state: &WorkspaceState,
    hpr: &str,
    orgnr: &str,
    purpose: Option<Purpose>,
    reason: Option<&str>,
) -> Option<(String, Principal)> {
    let request = DevTokenRequest::Practitioner {
        hpr: hpr.to_owned(),
        orgnr: orgnr.to_owned(),
        purpose: purpose.map(|p| p.code().to_owned()),
        reason: reason.map(str::to_owned),
    };
    let token = dev_claims(&request, now_secs())
        .ok()
        .and_then(|claims| sign_dev_token(&claims).ok())?;
    let principal = state.auth.authenticate(&token).ok()?;
    Some((token, principal))
}

/// `GET /clinician/login`.
pub async fn page(State(state): State<WorkspaceState>, visitor: Visitor) -> Response {
    let lang = visitor.lang;
    if visitor.session.is_some() {
        return Redirect::to("/clinician").into_response();
    }
    let title = text(lang, "login.title");
    let helseid = html! {
        @if state.config.oidc.is_some() {
            p { a.button href="/clinician/login/helseid" { (text(lang, "login.helseid")) } }
        } @else {
            p { (text(lang, "login.helseid-missing")) }
        }
    };
    if !state.config.dev_login {
        let body = html! { h1 { (title) } (helseid) };
        return respond(
            StatusCode::OK,
            shell(lang, title, "/clinician/login", None, body),
        );
    }
    let people = match staff(&state).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "workspace login: reading the directory failed");
            Vec::new()
        }
    };
    let body = html! {
        h1 { (title) }
        (helseid)
        p { (text(lang, "login.dev-intro")) }
        table.staff {
            thead { tr { th { (text(lang, "login.name")) } th { (text(lang, "who.hpr")) } th { (text(lang, "login.unit")) } th {} } }
            tbody {
                @for s in &people {
                    tr {
                        td { (s.name) } td { (s.hpr) } td { (s.unit_name) " (" (s.orgnr) ")" }
                        td {
                            form method="post" action="/clinician/login" {
                                input type="hidden" name="hpr" value=(s.hpr);
                                input type="hidden" name="orgnr" value=(s.orgnr);
                                button type="submit" { (text(lang, "login.submit")) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (text(lang, "login.other")) }
        form method="post" action="/clinician/login" {
            div.field { label for="hpr" { (text(lang, "who.hpr")) } " " input #hpr name="hpr" inputmode="numeric" required; }
            div.field { label for="orgnr" { (text(lang, "login.orgnr")) } " " input #orgnr name="orgnr" inputmode="numeric" pattern="[0-9]{9}" required; }
            button type="submit" { (text(lang, "login.submit")) }
        }
    };
    respond(
        StatusCode::OK,
        shell(lang, title, "/clinician/login", None, body),
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    hpr: String,
    orgnr: String,
}

/// `POST /clinician/login` (development login).
pub async fn submit(
    State(state): State<WorkspaceState>,
    visitor: Visitor,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = visitor.lang;
    if !state.config.dev_login {
        return message(
            lang,
            StatusCode::NOT_FOUND,
            "login.title",
            text(lang, "login.helseid-missing"),
            None,
        );
    }
    let (hpr, orgnr) = (form.hpr.trim(), form.orgnr.trim());
    let Some((token, Principal::Practitioner { .. })) =
        practitioner_token(&state, hpr, orgnr, None, None)
    else {
        return message(
            lang,
            StatusCode::BAD_REQUEST,
            "login.failed-title",
            text(lang, "login.failed"),
            None,
        );
    };
    let mut session = Session::new(token, hpr.to_owned(), orgnr.to_owned());
    session.lang = Some(lang);
    let known = staff(&state).await.unwrap_or_default();
    let me = known.iter().find(|s| s.hpr == hpr && s.orgnr == orgnr);
    session.name = me.map_or_else(|| format!("HPR {hpr}"), |s| s.name.clone());
    session.org_name = me.map_or_else(String::new, |s| s.unit_name.clone());
    let sid = state.sessions.start(session);
    with_cookie(
        Redirect::to("/clinician").into_response(),
        set_cookie(SESSION_COOKIE, &sid, state.config.secure_cookies, None),
    )
}

use nordlys_web::CsrfForm;

/// `POST /clinician/logout`.
pub async fn logout(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !csrf_ok(&clinician.session, form.csrf.as_deref()) {
        return csrf_refused(clinician.lang);
    }
    state.sessions.end(&clinician.sid);
    with_cookie(
        Redirect::to("/clinician/login").into_response(),
        set_cookie(SESSION_COOKIE, "", state.config.secure_cookies, Some(0)),
    )
}
