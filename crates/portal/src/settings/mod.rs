//! Privacy settings (personverninnstillinger): every rule that applies to the person
//! acted for, who set it, and the changes the citizen may make.
//!
//! Why the settings write Consents through the store like any client: the store
//! checks each grant against access-policy.md § 8/§ 10 (who may set which kind), so
//! the portal offers a change but never decides that it is allowed. A refusal is
//! shown on the page in plain words; a change that is stored is confirmed once (a
//! flash message in the session) on the list that now shows it — the store drops
//! its cached view of the patient on every write, so every page after that already
//! follows the new rule.
mod forms;
mod grants;
pub mod notifications;
mod offers;
pub(crate) mod rules;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use crate::fetch::{error_page, handles, items};
use crate::i18n::{text, text_with};
use crate::page::{person_label, respond, shell};
use crate::session::Citizen;
use crate::PortalState;

pub use forms::change;
use rules::Listed;

/// A message at the top of the page: a confirmation, or why a change was refused.
#[derive(Debug, Clone, Default)]
pub struct Notice {
    pub text: String,
    /// The store's own reason (in English), shown under the plain words.
    pub detail: Option<String>,
    pub error: bool,
}

/// `GET /settings`.
pub async fn page(State(state): State<PortalState>, citizen: Citizen) -> Response {
    // The confirmation is shown once: taken out of the session as it is shown.
    let flash = state
        .sessions
        .update(&citizen.sid, |s| s.flash.take())
        .flatten()
        .map(|text| Notice {
            text,
            detail: None,
            error: false,
        });
    render(&state, &citizen, flash, StatusCode::OK).await
}

/// The settings page with an optional notice, answered with `status` (a refused
/// change is answered 403/422 with the page, so the citizen can try again).
pub async fn render(
    state: &PortalState,
    citizen: &Citizen,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let lang = citizen.lang;
    let title = text(lang, "settings.title");
    if citizen.session.low_level {
        let body = html! {
            h1 { (title) }
            div.notice role="note" { p { (text(lang, "level.explain")) } }
        };
        return respond(
            StatusCode::OK,
            shell(lang, title, "/settings", Some(citizen), body),
        );
    }
    let Some(person) = citizen.patient().cloned() else {
        return Redirect::to("/").into_response();
    };
    let found = match items(
        state,
        citizen,
        "Consent",
        "patient",
        &person.patient_id,
        &[],
    )
    .await
    {
        Ok(g) => g,
        Err(e) => return error_page(&e, citizen),
    };
    let references: Vec<String> = found
        .iter()
        .map(|(s, _)| format!("Consent/{}", s.id))
        .collect();
    let hs = handles(state, citizen, &references);
    let mut listed: Vec<Listed> = hs
        .into_iter()
        .zip(found)
        .map(|(h, (_, json))| Listed::new(h, json))
        .collect();
    rules::sort(&mut listed, citizen.ctx.now);
    let body = html! {
        h1 { (title) }
        @if let Some(n) = &notice {
            @if n.error {
                div.notice.error role="alert" {
                    p { (n.text) }
                    @if let Some(d) = &n.detail {
                        p.detail { (text(lang, "settings.detail")) " " span lang="en" { (d) } }
                    }
                }
            } @else {
                div.notice.ok role="status" { p { (n.text) } }
            }
        }
        p.acting { (text_with(lang, "home.acting-for", &[("person", &person_label(lang, &person))])) }
        p.intro { (text(lang, "settings.intro")) }
        h2 { (text(lang, "settings.rules")) }
        (rules::list(lang, citizen, &listed))
        h2 { (text(lang, "settings.change-title")) }
        (offers::offers(lang, citizen, &listed))
        p.research { a href="/research" { (text(lang, "research.title")) } }
        p.notifications { a href="/settings/notifications" { (text(lang, "notify.title")) } }
    };
    respond(status, shell(lang, title, "/settings", Some(citizen), body))
}
