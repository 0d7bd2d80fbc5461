//! The page shell: header with whom the user acts for, language switcher, logout;
//! one `<main>` per page; the stylesheet.
//!
//! Why every page goes through [`shell`]: the chooser must always be visible
//! (switching person is never more than one step away), each page gets exactly one
//! `<h1>`, a skip link and a `lang` attribute (WCAG 2.1: 2.4.1, 2.4.2, 3.1.1), and a
//! page title that names the service, never anything from the record.
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use nordlys_policy::RelationKind;

use crate::i18n::{text, text_with, Lang};
use crate::session::{Citizen, Person};

/// `GET /static/portal.css`.
pub async fn stylesheet() -> Response {
    nordlys_web::page::stylesheet(include_str!("../static/portal.css"))
}

/// How a person is shown in the chooser: "Kari Nilsen (13), barn".
pub fn person_label(lang: Lang, p: &Person) -> String {
    let rel = relation_label(lang, p.relation);
    match p.age {
        Some(age) => text_with(
            lang,
            "chooser.person",
            &[
                ("name", &p.name),
                ("age", &age.to_string()),
                ("relation", rel),
            ],
        ),
        None => text_with(
            lang,
            "chooser.person-no-age",
            &[("name", &p.name), ("relation", rel)],
        ),
    }
}

pub fn relation_label(lang: Lang, r: RelationKind) -> &'static str {
    let key = match r {
        RelationKind::Myself => "relation.myself",
        RelationKind::Parent => "relation.parent",
        RelationKind::FosterParent => "relation.foster-parent",
        RelationKind::Guardian => "relation.guardian",
        RelationKind::Proxy(nordlys_policy::ProxyScope::Full) => "relation.proxy-full",
        RelationKind::Proxy(_) => "relation.proxy-limited",
    };
    text(lang, key)
}

/// A whole page. `path` is the current address (for the language links).
pub fn shell(
    lang: Lang,
    title: &str,
    path: &str,
    citizen: Option<&Citizen>,
    body: Markup,
) -> Markup {
    let product = text(lang, "product.name");
    html! {
        (DOCTYPE)
        html lang=(lang.html_tag()) {
            (nordlys_web::page::head(title, product, "/static/portal.css"))
            body {
                a.skip href="#main" { (text(lang, "nav.skip")) }
                header.top {
                    div.brand { a href="/" { (product) } }
                    // No one to choose (a lower security level, or nobody to act
                    // for): no empty select and button that do nothing.
                    @if let Some(c) = citizen.filter(|c| !c.session.people.is_empty()) { (chooser(lang, c)) }
                    nav.langs aria-label=(text(lang, "nav.languages")) {
                        ul {
                            @for l in Lang::ALL {
                                li {
                                    @if l == lang {
                                        span aria-current="true" lang=(l.html_tag()) { (l.own_name()) }
                                    } @else {
                                        a href=(format!("{path}?lang={}", l.code())) lang=(l.html_tag()) hreflang=(l.html_tag()) { (l.own_name()) }
                                    }
                                }
                            }
                        }
                    }
                    @if let Some(c) = citizen {
                        form.logout method="post" action="/logout" {
                            input type="hidden" name="_csrf" value=(c.session.csrf);
                            button type="submit" { (text(lang, "nav.logout")) }
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
                footer.bottom { p { (text(lang, "footer.synthetic")) } }
            }
        }
    }
}

/// The "acting for" chooser: a labelled select and a button (works without script).
fn chooser(lang: Lang, c: &Citizen) -> Markup {
    let current = c.session.acting_for.as_deref();
    html! {
        form.chooser method="post" action="/act-for" {
            input type="hidden" name="_csrf" value=(c.session.csrf);
            label for="acting-for" { (text(lang, "chooser.label")) }
            select #acting-for name="person" {
                @for (i, p) in c.session.people.iter().enumerate() {
                    option value=(i) selected[Some(p.patient_id.as_str()) == current] { (person_label(lang, p)) }
                }
            }
            button type="submit" { (text(lang, "chooser.switch")) }
        }
    }
}

pub use nordlys_web::page::respond;

/// A plain message page (errors, refusals), in general words.
pub fn message(
    lang: Lang,
    status: StatusCode,
    title_key: &str,
    body_key: &str,
    citizen: Option<&Citizen>,
) -> Response {
    let title = text(lang, title_key);
    respond(
        status,
        shell(
            lang,
            title,
            "/",
            citizen,
            html! {
                h1 { (title) }
                p { (text(lang, body_key)) }
                p { a href="/" { (text(lang, "nav.home")) } }
            },
        ),
    )
}

/// Pre-rendered markup (SVG charts built by [`crate::chart`], already escaped).
pub fn raw(s: String) -> Markup {
    PreEscaped(s)
}
