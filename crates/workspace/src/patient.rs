//! Choosing a patient, which needs a purpose of use.
//!
//! Why the purpose is chosen together with the search: § 9 refuses every search of
//! patient data without an asserted care relationship, and the Patient search is
//! one. The form asks for the purpose (treatment, emergency with a reason, care
//! coordination) first; a token with that purpose is signed, the search runs with
//! it, and the patient picked is opened with the same token. Without a purpose
//! nothing is searched and nothing opened. Emergency access needs a reason, is
//! marked on every page, and the store flags its access-log events as emergency.
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use nordlys_policy::Purpose;
use serde::Deserialize;
use serde_json::Value;

use crate::i18n::text;
use crate::login::practitioner_token;
use crate::page::{message, purpose_label, respond, shell};
use crate::security::{csrf_ok, csrf_refused};
use crate::session::{purpose_ctx, Clinician, OpenPatient, PendingChoice};
use crate::WorkspaceState;

/// Most patients one search lists.
const FIND_LIMIT: usize = 20;

/// `GET /clinician`: the patient search, patients found, the patient open.
pub async fn home(State(state): State<WorkspaceState>, clinician: Clinician) -> Response {
    let lang = clinician.lang;
    let mut session = clinician.session;
    session.flash = state
        .sessions
        .update(&clinician.sid, |s| s.flash.take())
        .flatten();
    let title = text(lang, "home.title");
    let body = html! {
        h1 { (title) }
        p.inbox { a href="/clinician/inbox" { (text(lang, "nav.inbox")) } }
        @if session.patient.is_some() {
            p { a href="/clinician/patient" { (text(lang, "home.to-overview")) } }
            form method="post" action="/clinician/close" {
                input type="hidden" name="_csrf" value=(session.csrf);
                button type="submit" { (text(lang, "home.close")) }
            }
        }
        h2 { (text(lang, "find.title")) }
        form.find method="post" action="/clinician/find" {
            input type="hidden" name="_csrf" value=(session.csrf);
            div.field {
                label for="query" { (text(lang, "find.query")) } " "
                input #query name="query" autocomplete="off" required;
            }
            fieldset {
                legend { (text(lang, "find.purpose")) }
                @for p in [Purpose::Treat, Purpose::CareCoordination, Purpose::EmergencyTreat] {
                    div.field {
                        input type="radio" name="purpose" value=(p.code()) id=(format!("purpose-{}", p.code()));
                        " " label for=(format!("purpose-{}", p.code())) { (purpose_label(lang, p)) }
                    }
                }
                div.field {
                    label for="reason" { (text(lang, "find.reason")) } " "
                    input #reason name="reason" size="50";
                }
            }
            button type="submit" { (text(lang, "find.submit")) }
        }
        @if let Some(pending) = &session.pending {
            h2 { (text(lang, "find.found")) }
            @if pending.found.is_empty() { p { (text(lang, "find.none")) } }
            ul.found {
                @for (handle, _, name) in &pending.found {
                    li {
                        form method="post" action="/clinician/open" {
                            input type="hidden" name="_csrf" value=(session.csrf);
                            input type="hidden" name="patient" value=(handle);
                            span.name { (name) } " "
                            button type="submit" { (text(lang, "find.open")) " (" (purpose_label(lang, pending.purpose)) ")" }
                        }
                    }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        shell(lang, title, "/clinician", Some(&session), body),
    )
}

#[derive(Deserialize)]
pub struct FindForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    query: String,
    #[serde(default)]
    purpose: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

/// A patient as listed: "Kari Nilsen, født 14.03.2013 (fnr 14031312345)".
fn listed(p: &Value) -> String {
    let n = &p["name"][0];
    let given: Vec<&str> = n["given"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let family = n["family"].as_str().unwrap_or("");
    let born = p["birthDate"].as_str().unwrap_or("");
    let nid = p["identifier"][0]["value"].as_str().unwrap_or("");
    format!("{} {family}, {born} ({nid})", given.join(" "))
}

/// `POST /clinician/find`: search with the purpose chosen.
pub async fn find(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    Form(form): Form<FindForm>,
) -> Response {
    let lang = clinician.lang;
    if !csrf_ok(&clinician.session, form.csrf.as_deref()) {
        return csrf_refused(lang);
    }
    let s = Some(&clinician.session);
    let Some(purpose) = form.purpose.as_deref().and_then(Purpose::from_code) else {
        return message(
            lang,
            StatusCode::BAD_REQUEST,
            "find.refused",
            text(lang, "find.need-purpose"),
            s,
        );
    };
    let reason = form
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if purpose == Purpose::EmergencyTreat && reason.is_none() {
        return message(
            lang,
            StatusCode::BAD_REQUEST,
            "find.refused",
            text(lang, "find.need-reason"),
            s,
        );
    }
    let query = form.query.trim();
    if query.is_empty() {
        return message(
            lang,
            StatusCode::BAD_REQUEST,
            "find.refused",
            text(lang, "find.need-query"),
            s,
        );
    }
    // A development login signs a purpose token (purpose and reason in its claims);
    // a HelseID login uses its own token with the purpose asserted on it.
    let token = if clinician.session.helseid {
        Some(clinician.session.token.clone())
    } else {
        practitioner_token(
            &state,
            &clinician.session.hpr,
            &clinician.session.orgnr,
            Some(purpose),
            reason.as_deref(),
        )
        .map(|(t, _)| t)
    };
    let Some((token, ctx)) = token.and_then(|t| {
        let ctx = purpose_ctx(&state, &t, purpose, reason.as_deref())?;
        Some((t, ctx))
    }) else {
        return message(
            lang,
            StatusCode::INTERNAL_SERVER_ERROR,
            "error.title",
            text(lang, "error.internal"),
            s,
        );
    };
    let by_id = query.len() == 11 && query.bytes().all(|b| b.is_ascii_digit());
    let param = if by_id { "identifier" } else { "name" };
    let params = vec![
        (param.to_owned(), query.to_owned()),
        ("_count".to_owned(), FIND_LIMIT.to_string()),
    ];
    let found = match state.store.parse_search("Patient", &params, false) {
        Ok(request) => state.store.search(&ctx, &request).await,
        Err(e) => Err(e),
    };
    let patients: Vec<(String, String)> = match found {
        Ok(r) => r
            .matches
            .iter()
            .filter_map(|m| {
                let v: Value = serde_json::from_str(&m.body).ok()?;
                Some((m.id.clone(), listed(&v)))
            })
            .collect(),
        Err(e) => return crate::overview::error_page(&e, &clinician),
    };
    state.sessions.update(&clinician.sid, |s| {
        let found = patients
            .into_iter()
            .map(|(id, name)| (s.handle(&format!("Patient/{id}")), id, name))
            .collect();
        s.pending = Some(PendingChoice {
            purpose,
            reason,
            token,
            found,
        });
    });
    Redirect::to("/clinician").into_response()
}

#[derive(Deserialize)]
pub struct OpenForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    patient: String,
}

/// `POST /clinician/open`: open one of the patients found, with the search's purpose.
pub async fn open(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    Form(form): Form<OpenForm>,
) -> Response {
    let lang = clinician.lang;
    if !csrf_ok(&clinician.session, form.csrf.as_deref()) {
        return csrf_refused(lang);
    }
    let chosen = clinician.session.pending.as_ref().and_then(|p| {
        p.found
            .iter()
            .find(|(h, _, _)| *h == form.patient)
            .map(|(_, id, name)| OpenPatient {
                patient_id: id.clone(),
                name: name.clone(),
                purpose: p.purpose,
                reason: p.reason.clone(),
                token: p.token.clone(),
            })
    });
    let Some(open) = chosen else {
        return message(
            lang,
            StatusCode::BAD_REQUEST,
            "find.refused",
            text(lang, "find.need-purpose"),
            Some(&clinician.session),
        );
    };
    if open.purpose == Purpose::EmergencyTreat {
        // The store flags every access-log event of this context as emergency and
        // writes the reason into each (purposeOfEvent.text); the operator's log
        // hears of it too, at once.
        tracing::warn!(
            hpr = %clinician.session.hpr,
            orgnr = %clinician.session.orgnr,
            patient = %open.patient_id,
            reason = open.reason.as_deref().unwrap_or(""),
            "emergency access (ETREAT) opened in the clinician workspace"
        );
    }
    state.sessions.update(&clinician.sid, |s| {
        s.pending = None;
        s.patient = Some(open);
    });
    Redirect::to("/clinician/patient").into_response()
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

/// `POST /clinician/close`: close the patient (the purpose token is dropped).
pub async fn close(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if !csrf_ok(&clinician.session, form.csrf.as_deref()) {
        return csrf_refused(clinician.lang);
    }
    state.sessions.update(&clinician.sid, |s| s.patient = None);
    Redirect::to("/clinician").into_response()
}
