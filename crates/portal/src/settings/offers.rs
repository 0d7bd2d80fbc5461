//! The forms for setting new rules, chosen by who is looking.
//!
//! Why some forms are hidden: a parent cannot block health personnel for their
//! child, and a 13-year-old cannot give a proxy, so offering those would only lead
//! to a refusal. Hiding is a courtesy, not a decision: every form posts to the
//! store, which checks the rule against access-policy.md § 8/§ 10 and may still
//! refuse (the page then says so). No form needs a script: plain fields, a
//! confirmation page for the lockdown.
use maud::{html, Markup};
use nordlys_policy::{Category, GrantKind, RelationKind};

use super::rules::Listed;
use crate::i18n::{text, Lang};
use crate::session::Citizen;

/// Whom the page shows, as far as the offers are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// The patient, 16 or older (or of unknown age: the store decides).
    SelfSixteen,
    /// The patient, 12 to 15.
    SelfYouth,
    /// A parent or foster parent of a 12–15-year-old.
    ParentOfYouth,
    /// Anyone else (a child under 12, a proxy, a parent of a young child…).
    Other,
}

pub fn viewer(citizen: &Citizen) -> Viewer {
    let Some(p) = citizen.patient() else {
        return Viewer::Other;
    };
    let youth = p.age.is_some_and(|a| (12..=15).contains(&a));
    match p.relation {
        RelationKind::Myself if youth => Viewer::SelfYouth,
        RelationKind::Myself if p.age.is_none_or(|a| a >= 16) => Viewer::SelfSixteen,
        RelationKind::Parent | RelationKind::FosterParent if youth => Viewer::ParentOfYouth,
        _ => Viewer::Other,
    }
}

/// All forms this viewer is offered.
pub fn offers(lang: Lang, citizen: &Citizen, rules: &[Listed]) -> Markup {
    let now = citizen.ctx.now;
    let has = |k: GrantKind| rules.iter().any(|r| r.kind() == Some(k) && r.in_force(now));
    let csrf = citizen.session.csrf.as_str();
    html! {
        @match viewer(citizen) {
            Viewer::SelfSixteen => {
                (block_form(lang, csrf))
                @if !has(GrantKind::SelfDenyResults) {
                    (simple(lang, csrf, "self-deny-results"))
                }
                @if !has(GrantKind::Reservation) {
                    (simple(lang, csrf, "reservation"))
                }
                (proxy_form(lang, csrf))
                @if !has(GrantKind::Lockdown) {
                    (lockdown_form(lang, csrf))
                }
                @if !has(GrantKind::CareplanSharing) {
                    (simple(lang, csrf, "careplan-sharing"))
                }
            }
            Viewer::SelfYouth => {
                @if !has(GrantKind::DenyParents) {
                    (deny_parents_form(lang, csrf))
                }
            }
            Viewer::ParentOfYouth => {
                @if !has(GrantKind::ParentalConsent) {
                    (simple(lang, csrf, "parental-consent"))
                }
                @if !has(GrantKind::CareplanSharing) {
                    (simple(lang, csrf, "careplan-sharing"))
                }
            }
            Viewer::Other => {
                p { (text(lang, "settings.nothing-to-set")) }
            }
        }
    }
}

fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="_csrf" value=(csrf); }
}

/// A rule with nothing to choose: a title, what it does, one button.
fn simple(lang: Lang, csrf: &str, action: &str) -> Markup {
    html! {
        section.offer {
            h3 { (text(lang, &format!("settings.{action}-title"))) }
            p { (text(lang, &format!("settings.{action}-intro"))) }
            form method="post" action=(format!("/settings/{action}")) {
                (csrf_field(csrf))
                button type="submit" { (text(lang, &format!("settings.{action}-submit"))) }
            }
        }
    }
}

/// Checkboxes for the categories of access-policy.md § 4 (none ticked = all).
pub fn categories(lang: Lang, form: &str, legend_key: &str) -> Markup {
    html! {
        fieldset.categories {
            legend { (text(lang, legend_key)) }
            @for c in Category::ALL {
                @let id = format!("{form}-cat-{}", c.code());
                div.check {
                    input type="checkbox" id=(id) name="category" value=(c.code());
                    label for=(id) { (text(lang, &format!("settings.cat.{}", c.code()))) }
                }
            }
        }
    }
}

fn period(lang: Lang, form: &str) -> Markup {
    html! {
        fieldset.period {
            legend { (text(lang, "settings.period-legend")) }
            div.field {
                label for=(format!("{form}-start")) { (text(lang, "settings.start")) }
                input type="date" id=(format!("{form}-start")) name="start";
            }
            div.field {
                label for=(format!("{form}-end")) { (text(lang, "settings.end")) }
                input type="date" id=(format!("{form}-end")) name="end";
            }
        }
    }
}

fn radio(id: &str, name: &str, value: &str, checked: bool, label: &str) -> Markup {
    html! {
        div.check {
            input type="radio" id=(id) name=(name) value=(value) checked[checked];
            label for=(id) { (label) }
        }
    }
}

fn block_form(lang: Lang, csrf: &str) -> Markup {
    html! {
        section.offer {
            h3 { (text(lang, "settings.block-title")) }
            p { (text(lang, "settings.block-intro")) }
            form method="post" action="/settings/block" {
                (csrf_field(csrf))
                fieldset {
                    legend { (text(lang, "settings.who-legend")) }
                    (radio("block-all", "who", "all", true, text(lang, "settings.block-all")))
                    (radio("block-named", "who", "named", false, text(lang, "settings.block-named")))
                    div.field {
                        label for="block-hpr" { (text(lang, "settings.hpr")) }
                        input #block-hpr name="hpr" inputmode="numeric" autocomplete="off" pattern="[0-9]{7,9}";
                    }
                }
                fieldset {
                    legend { (text(lang, "settings.strength-legend")) }
                    (radio("block-soft", "strength", "soft", true, text(lang, "settings.soft")))
                    (radio("block-hard", "strength", "hard", false, text(lang, "settings.hard")))
                }
                (categories(lang, "block", "settings.categories"))
                (period(lang, "block"))
                button type="submit" { (text(lang, "settings.block-submit")) }
            }
        }
    }
}

fn proxy_form(lang: Lang, csrf: &str) -> Markup {
    html! {
        section.offer {
            h3 { (text(lang, "settings.proxy-title")) }
            p { (text(lang, "settings.proxy-intro")) }
            form method="post" action="/settings/proxy" {
                (csrf_field(csrf))
                div.field {
                    label for="proxy-pid" { (text(lang, "settings.proxy-pid")) }
                    input #proxy-pid name="pid" inputmode="numeric" autocomplete="off" pattern="[0-9]{11}" required;
                }
                fieldset {
                    legend { (text(lang, "settings.proxy-scope-legend")) }
                    (radio("proxy-full", "scope", "full", false, text(lang, "settings.proxy-full")))
                    (radio("proxy-limited", "scope", "limited", true, text(lang, "settings.proxy-limited")))
                }
                (period(lang, "proxy"))
                button type="submit" { (text(lang, "settings.proxy-submit")) }
            }
        }
    }
}

fn deny_parents_form(lang: Lang, csrf: &str) -> Markup {
    html! {
        section.offer {
            h3 { (text(lang, "settings.deny-parents-title")) }
            p { (text(lang, "settings.deny-parents-intro")) }
            form method="post" action="/settings/deny-parents" {
                (csrf_field(csrf))
                (categories(lang, "deny", "settings.categories"))
                button type="submit" { (text(lang, "settings.deny-parents-submit")) }
            }
        }
    }
}

fn lockdown_form(lang: Lang, csrf: &str) -> Markup {
    html! {
        section.offer.lockdown {
            h3 { (text(lang, "settings.lockdown-title")) }
            p { (text(lang, "settings.lockdown-intro")) }
            form method="post" action="/settings/lockdown" {
                (csrf_field(csrf))
                (categories(lang, "lockdown", "settings.categories"))
                button type="submit" { (text(lang, "settings.lockdown-submit")) }
            }
        }
    }
}

/// The second step of the lockdown: what it does, the chosen categories carried in
/// hidden fields, and a button that really sets it (or a way back).
pub fn lockdown_confirm(lang: Lang, csrf: &str, chosen: &[Category]) -> Markup {
    let names: Vec<&str> = chosen
        .iter()
        .map(|c| text(lang, &format!("settings.cat.{}", c.code())))
        .collect();
    html! {
        h1 { (text(lang, "settings.lockdown-confirm-title")) }
        p { (text(lang, "settings.lockdown-confirm-text")) }
        p.scope {
            @if names.is_empty() {
                (text(lang, "settings.scope-all-categories"))
            } @else {
                (names.join(", "))
            }
        }
        form method="post" action="/settings/lockdown-confirm" {
            (csrf_field(csrf))
            @for c in chosen {
                input type="hidden" name="category" value=(c.code());
            }
            button type="submit" { (text(lang, "settings.lockdown-confirm-submit")) }
        }
        p { a href="/settings" { (text(lang, "settings.cancel")) } }
    }
}
