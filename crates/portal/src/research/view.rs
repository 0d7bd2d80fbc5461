//! The "Forskning" page's content: the consents in force first (each with its
//! withdraw button), then the studies that recruit, each with its consent text and
//! a consent and a decline button.
//!
//! Why one small form per button and no script: the CSP forbids scripts, and a form
//! per answer carries exactly one study handle and the session's CSRF token. Every
//! button's `aria-describedby` names its study's title, so a screen reader moving from
//! button to button hears which study each "Samtykk" is for.
use maud::{html, Markup};

use crate::i18n::{text, Lang};
use nordlys_store::StudyChoice;

/// The two lists; `handles[i]` is the session handle of `choices[i]`.
pub fn studies(lang: Lang, csrf: &str, choices: &[StudyChoice], handles: &[String]) -> Markup {
    let rows: Vec<(usize, &StudyChoice, &String)> = choices
        .iter()
        .zip(handles)
        .enumerate()
        .map(|(i, (c, h))| (i, c, h))
        .collect();
    let given: Vec<_> = rows.iter().filter(|(_, c, _)| c.consented()).collect();
    let open: Vec<_> = rows.iter().filter(|(_, c, _)| !c.consented()).collect();
    html! {
        section.research-given aria-labelledby="research-yours" {
            h2 #research-yours { (text(lang, "research.yours")) }
            @if given.is_empty() {
                p.empty { (text(lang, "research.none-given")) }
            } @else {
                ul.studies {
                    @for (i, c, h) in &given {
                        li.study {
                            h3 id=(format!("study-{i}")) lang="nb" { (c.title) }
                            details {
                                summary { (text(lang, "research.consent-text")) }
                                p.consent-text lang="nb" { (c.description) }
                            }
                            (button(lang, csrf, "withdraw", h, *i))
                            p.help { (text(lang, "research.withdraw-help")) }
                        }
                    }
                }
            }
        }
        section.research-open aria-labelledby="research-studies" {
            h2 #research-studies { (text(lang, "research.studies")) }
            @if open.is_empty() {
                p.empty { (text(lang, "research.no-studies")) }
            } @else {
                ul.studies {
                    @for (i, c, h) in &open {
                        li.study {
                            h3 id=(format!("study-{i}")) lang="nb" { (c.title) }
                            @match c.answer.as_deref() {
                                Some("withdrawn") => p.state { (text(lang, "research.state-withdrawn")) },
                                Some("not-registered") => p.state { (text(lang, "research.state-declined")) },
                                _ => {}
                            }
                            h4 { (text(lang, "research.consent-text")) }
                            p.consent-text lang="nb" { (c.description) }
                            @if c.recruiting {
                                div.answers {
                                    (button(lang, csrf, "consent", h, *i))
                                    @if c.answer.as_deref() != Some("not-registered") {
                                        (button(lang, csrf, "decline", h, *i))
                                    }
                                }
                            } @else {
                                p.state { (text(lang, "research.ended")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn button(lang: Lang, csrf: &str, action: &str, handle: &str, i: usize) -> Markup {
    html! {
        form method="post" action=(format!("/research/{action}")) {
            input type="hidden" name="_csrf" value=(csrf);
            input type="hidden" name="study" value=(handle);
            button type="submit" aria-describedby=(format!("study-{i}")) {
                (text(lang, &format!("research.{action}")))
            }
        }
    }
}
