//! Privacy settings (personverninnstillinger): every rule that applies to the person
//! acted for, who set it, and the changes the citizen may make.
//!
//! Why the settings write Consents through the store like any client: the store
//! checks each grant against access-policy.md § 8/§ 10 (who may set which kind), so
//! the portal offers a change but never decides that it is allowed.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use crate::fetch::{error_page, items};
use crate::i18n::text;
use crate::page::{respond, shell};
use crate::session::Citizen;
use crate::view::{concept_text, first_date, str_at};
use crate::PortalState;

/// `GET /settings`.
pub async fn page(State(state): State<PortalState>, citizen: Citizen) -> Response {
    let lang = citizen.lang;
    let title = text(lang, "settings.title");
    if citizen.session.low_level {
        let body = html! {
            h1 { (title) }
            div.notice role="note" { p { (text(lang, "level.explain")) } }
        };
        return respond(
            StatusCode::OK,
            shell(lang, title, "/settings", Some(&citizen), body),
        );
    }
    let Some(patient_id) = citizen.patient().map(|p| p.patient_id.clone()) else {
        return Redirect::to("/").into_response();
    };
    let grants = match items(&state, &citizen, "Consent", "patient", &patient_id, &[]).await {
        Ok(g) => g,
        Err(e) => return error_page(&e, &citizen),
    };
    let body = html! {
        h1 { (title) }
        p.intro { (text(lang, "settings.intro")) }
        h2 { (text(lang, "settings.rules")) }
        @if grants.is_empty() {
            p.empty { (text(lang, "settings.no-rules")) }
        } @else {
            ul.rules {
                @for (_, g) in &grants {
                    li.rule {
                        span.kind { (concept_text(g.pointer("/category/0")).unwrap_or_default()) }
                        @if let Some(d) = first_date(g, &["/dateTime"]) { span.date { (d) } }
                        span.status { (str_at(g, "/status").unwrap_or("")) }
                    }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        shell(lang, title, "/settings", Some(&citizen), body),
    )
}

/// `POST /settings/{action}`.
pub async fn change(
    State(_state): State<PortalState>,
    citizen: Citizen,
    Path(_action): Path<String>,
) -> Response {
    crate::page::message(
        citizen.lang,
        StatusCode::NOT_FOUND,
        "error.not-found-title",
        "error.not-found",
        Some(&citizen),
    )
}
