//! The page shell: who is logged in (name, HPR number, organisation), the patient
//! open and the purpose, the emergency warning, languages, logout.
//!
//! Why the patient banner is part of every page: a clinician must always see whose
//! record is open and under which purpose; an emergency access is marked on every
//! page for as long as it lasts, not only when it starts. Page titles name the
//! service only, never the patient.
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup, DOCTYPE};
use nordlys_policy::Purpose;

use crate::i18n::{text, text_with, Lang};
use crate::session::Session;

/// `GET /clinician/static/workspace.css`.
pub async fn stylesheet() -> Response {
    nordlys_web::page::stylesheet(include_str!("../static/workspace.css"))
}

/// The words for a purpose of use.
pub fn purpose_label(lang: Lang, p: Purpose) -> &'static str {
    text(
        lang,
        match p {
            Purpose::Treat => "purpose.TREAT",
            Purpose::EmergencyTreat => "purpose.ETREAT",
            Purpose::CareCoordination => "purpose.COC",
        },
    )
}

/// A whole page. `path` is the current address (for the language links).
pub fn shell(
    lang: Lang,
    title: &str,
    path: &str,
    session: Option<&Session>,
    body: Markup,
) -> Markup {
    let product = text(lang, "product.name");
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (nordlys_web::page::head(title, product, "/clinician/static/workspace.css"))
            body {
                a.skip href="#main" { (text(lang, "nav.skip")) }
                header.top {
                    div.brand { a href="/clinician" { (product) } }
                    nav.langs aria-label=(text(lang, "nav.languages")) {
                        ul {
                            @for l in Lang::ALL {
                                li {
                                    @if l == lang {
                                        span aria-current="true" { (text(l, "lang.name")) }
                                    } @else {
                                        a href=(format!("{path}?lang={}", l.code())) hreflang=(l.code()) { (text(l, "lang.name")) }
                                    }
                                }
                            }
                        }
                    }
                    @if let Some(s) = session {
                        div.who {
                            span.name { (s.name) }
                            " · " (text(lang, "who.hpr")) " " span.hpr { (s.hpr) }
                            " · " span.org { (s.org_name) } " (" (s.orgnr) ")"
                        }
                        form method="post" action="/clinician/logout" {
                            input type="hidden" name="_csrf" value=(s.csrf);
                            button type="submit" { (text(lang, "nav.logout")) }
                        }
                    }
                }
                main #main tabindex="-1" {
                    @if let Some(p) = session.and_then(|s| s.patient.as_ref()) {
                        @if p.purpose == Purpose::EmergencyTreat {
                            p.banner.emergency role="alert" {
                                (text_with(lang, "banner.emergency", &[("name", &p.name), ("reason", p.reason.as_deref().unwrap_or(""))]))
                            }
                        } @else {
                            p.banner {
                                (text_with(lang, "banner.patient", &[("name", &p.name), ("purpose", purpose_label(lang, p.purpose))]))
                            }
                        }
                    }
                    @if let Some(f) = session.and_then(|s| s.flash.as_deref()) {
                        p.flash role="status" { (f) }
                    }
                    (body)
                }
                footer.bottom { p { (text(lang, "footer.synthetic")) } }
            }
        }
    }
}

pub use nordlys_web::page::respond;

/// A plain message page (errors, refusals).
pub fn message(
    lang: Lang,
    status: StatusCode,
    title_key: &str,
    body: &str,
    session: Option<&Session>,
) -> Response {
    let title = text(lang, title_key);
    respond(
        status,
        shell(
            lang,
            title,
            "/clinician",
            session,
            html! {
                h1 { (title) }
                p.refusal { (body) }
                p { a href="/clinician" { (text(lang, "nav.home")) } }
            },
        ),
    )
}
