//! "Forskning": the research studies that ask for consent, with their consent text,
//! and the person's answers — consent, decline, withdraw (`GET /research`,
//! `POST /research/{consent|decline|withdraw}`).
//!
//! Why the portal only forwards: who may answer for whom (the patient from 16, a parent
//! for a child under 16) is the policy's, checked by the store when it writes the
//! `research` grant; the grant and the ResearchSubject change in one transaction
//! (`FhirStore::consent_to_study` and friends). The portal resolves session handles
//! (never study ids in forms or addresses), checks the CSRF token, and says in plain
//! words what happened — the page shown after an answer is read afresh, so the effect
//! (the study's access opened or closed) is what the person sees at once.
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use nordlys_store::{StoreError, StudyChoice};

use crate::fetch::{error_page, handles, PortalError};
use crate::i18n::{text, text_with};
use crate::page::{message, person_label, respond, shell};
use crate::security::{csrf_ok, csrf_refused};
use crate::session::Citizen;
use crate::PortalState;

mod view;

/// A message on top of the page: (text key, is an error).
type Notice = (&'static str, bool);

/// `GET /research`.
pub async fn page(State(state): State<PortalState>, citizen: Citizen) -> Response {
    let flash = state
        .sessions
        .update(&citizen.sid, |s| s.flash.take())
        .flatten();
    render(&state, &citizen, flash, None, StatusCode::OK).await
}

async fn render(
    state: &PortalState,
    citizen: &Citizen,
    flash: Option<String>,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let lang = citizen.lang;
    let title = text(lang, "research.title");
    if citizen.session.low_level {
        let body =
            html! { h1 { (title) } div.notice role="note" { p { (text(lang, "level.explain")) } } };
        return respond(
            StatusCode::OK,
            shell(lang, title, "/research", Some(citizen), body),
        );
    }
    let Some(person) = citizen.patient().cloned() else {
        return Redirect::to("/").into_response();
    };
    let choices: Vec<StudyChoice> = match state
        .store
        .research_choices(&citizen.ctx, &person.patient_id)
        .await
    {
        Ok(c) => c,
        // Someone who may not answer for this person still sees the page, with why.
        Err(StoreError::NotFound { .. }) | Err(StoreError::Forbidden(_)) => Vec::new(),
        Err(e) => return error_page(&PortalError(e), citizen),
    };
    let refs: Vec<String> = choices
        .iter()
        .map(|c| format!("ResearchStudy/{}", c.study_id))
        .collect();
    let hs = handles(state, citizen, &refs);
    let body = html! {
        h1 { (title) }
        @if let Some(f) = &flash { div.notice.ok role="status" { p { (f) } } }
        @if let Some((key, error)) = notice {
            @if error { div.notice.error role="alert" { p { (text(lang, key)) } } }
            @else { div.notice.ok role="status" { p { (text(lang, key)) } } }
        }
        p.acting { (text_with(lang, "home.acting-for", &[("person", &person_label(lang, &person))])) }
        p.intro { (text(lang, "research.intro")) }
        (view::studies(lang, &citizen.session.csrf, &choices, &hs))
    };
    respond(status, shell(lang, title, "/research", Some(citizen), body))
}

/// The store's refusal in plain words, with the status to answer.
fn refusal(e: &StoreError) -> Option<(StatusCode, Notice)> {
    Some(match e {
        StoreError::Conflict(_) | StoreError::PreconditionFailed(_) => {
            (StatusCode::CONFLICT, ("research.conflict", true))
        }
        StoreError::Invalid(issues) if issues.iter().any(|i| i.diagnostics.contains("from 16")) => {
            (StatusCode::FORBIDDEN, ("research.refused", true))
        }
        StoreError::Invalid(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ("research.not-possible", true),
        ),
        StoreError::Forbidden(_) => (StatusCode::FORBIDDEN, ("research.refused", true)),
        StoreError::NotFound { resource_type, .. } if resource_type == "Patient" => {
            (StatusCode::FORBIDDEN, ("research.refused", true))
        }
        StoreError::NotFound { .. } | StoreError::Gone { .. } => {
            (StatusCode::NOT_FOUND, ("research.not-possible", true))
        }
        _ => return None,
    })
}

/// `POST /research/{consent|decline|withdraw}`: `study` (a handle) and `_csrf`.
pub async fn answer(
    State(state): State<PortalState>,
    Path(action): Path<String>,
    citizen: Citizen,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    if !csrf_ok(&citizen.session, field("_csrf")) {
        return csrf_refused(citizen.lang);
    }
    if citizen.session.low_level {
        return Redirect::to("/research").into_response();
    }
    let Some(patient_id) = citizen.patient().map(|p| p.patient_id.clone()) else {
        return Redirect::to("/").into_response();
    };
    let study = field("study")
        .and_then(|h| citizen.session.resolve(h))
        .and_then(|r| r.strip_prefix("ResearchStudy/"))
        .map(str::to_owned);
    let Some(study) = study else {
        return not_found(&citizen);
    };
    let (result, done) = match action.as_str() {
        "consent" => (
            state
                .store
                .consent_to_study(&citizen.ctx, &patient_id, &study)
                .await,
            "research.consented",
        ),
        "decline" => (
            state
                .store
                .decline_study(&citizen.ctx, &patient_id, &study)
                .await,
            "research.declined",
        ),
        "withdraw" => (
            state
                .store
                .withdraw_from_study(&citizen.ctx, &patient_id, &study)
                .await,
            "research.withdrawn",
        ),
        _ => return not_found(&citizen),
    };
    match result {
        Ok(_) => {
            let message = text(citizen.lang, done).to_owned();
            state
                .sessions
                .update(&citizen.sid, |s| s.flash = Some(message));
            Redirect::to("/research").into_response()
        }
        Err(e) => match refusal(&e) {
            Some((status, notice)) => render(&state, &citizen, None, Some(notice), status).await,
            None => error_page(&PortalError(e), &citizen),
        },
    }
}

fn not_found(citizen: &Citizen) -> Response {
    message(
        citizen.lang,
        StatusCode::NOT_FOUND,
        "error.not-found-title",
        "error.not-found",
        Some(citizen),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(msg: &str) -> StoreError {
        StoreError::Invalid(vec![nordlys_fhir::Issue {
            severity: nordlys_fhir::IssueSeverity::Error,
            code: "business-rule",
            expression: "Consent".into(),
            diagnostics: msg.into(),
        }])
    }

    #[test]
    fn refusals_in_plain_words() {
        let age =
            invalid("research: set by the patient from 16, or by a parent for a child under 16");
        assert_eq!(
            refusal(&age),
            Some((StatusCode::FORBIDDEN, ("research.refused", true)))
        );
        let gone = invalid("there is no consent in force to withdraw");
        assert_eq!(
            refusal(&gone).map(|r| r.1 .0),
            Some("research.not-possible")
        );
        let hidden = StoreError::NotFound {
            resource_type: "Patient".into(),
            id: "x".into(),
        };
        assert_eq!(refusal(&hidden).map(|r| r.0), Some(StatusCode::FORBIDDEN));
        assert_eq!(refusal(&StoreError::Internal("x".into())), None);
    }
}
