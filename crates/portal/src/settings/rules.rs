//! Every rule that applies to the person acted for, in plain words: what it does,
//! who set it, when, for how long, whether it is in force, and what it covers.
//!
//! Why read through the policy's own parser: the words must say what the engine
//! will do, so each Consent the store shows is read with
//! [`nordlys_policy::grant_from_consent`] — the same reading that decides access.
//! A Consent the citizen sees only at metadata level (no kind, no scope) is still
//! listed, as "a rule", with who set it and when.
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use nordlys_policy::{
    grant_from_consent, Actor, Grant, GrantKind, Level, ProxyScope, RelationKind, Strength,
    DNR_SYSTEM, FNR_SYSTEM, HPR_SYSTEM,
};
use serde_json::Value;

use crate::i18n::{self, text, text_with, Lang};
use crate::session::Citizen;
use crate::view::{first_date, str_at};

/// One Consent as listed: its opaque handle, its JSON and, where readable, the grant.
pub struct Listed {
    pub handle: String,
    pub json: Value,
    pub grant: Option<Grant>,
}

impl Listed {
    pub fn new(handle: String, json: Value) -> Listed {
        let grant = grant_from_consent(&json).ok();
        Listed {
            handle,
            json,
            grant,
        }
    }

    pub fn kind(&self) -> Option<GrantKind> {
        self.grant.as_ref().map(|g| g.kind)
    }

    /// Active and within its period now.
    pub fn in_force(&self, now: DateTime<Utc>) -> bool {
        self.grant
            .as_ref()
            .is_some_and(|g| g.in_force(now.timestamp_millis()))
    }

    /// Whether the logged-in citizen set it (so a lift button makes sense; the store
    /// still decides whether the change is allowed).
    pub fn set_by_viewer(&self, citizen: &Citizen) -> bool {
        let Some(g) = &self.grant else { return false };
        let acting_for_self = citizen
            .patient()
            .is_some_and(|p| p.relation == RelationKind::Myself);
        g.performers.iter().any(|p| {
            is_citizen(p, &citizen.session.pid)
                || (acting_for_self && p.reference.is_some() && p.reference == g.patient)
        })
    }
}

fn is_citizen(actor: &Actor, pid: &str) -> bool {
    actor
        .identifier
        .as_ref()
        .is_some_and(|(s, v)| (s == FNR_SYSTEM || s == DNR_SYSTEM) && v == pid)
}

/// Active rules first, then newest first.
pub fn sort(rules: &mut [Listed], now: DateTime<Utc>) {
    rules.sort_by(|a, b| {
        let date = |l: &Listed| str_at(&l.json, "/dateTime").unwrap_or("").to_owned();
        b.in_force(now)
            .cmp(&a.in_force(now))
            .then_with(|| date(b).cmp(&date(a)))
    });
}

/// The list of rules, each with a lift (and, for a full proxy, limit) form when the
/// viewer set it.
pub fn list(lang: Lang, citizen: &Citizen, rules: &[Listed]) -> Markup {
    let now = citizen.ctx.now;
    html! {
        @if rules.is_empty() {
            p.empty { (text(lang, "settings.no-rules")) }
        } @else {
            ul.rules {
                @for r in rules {
                    li.rule {
                        h3 { (kind_title(lang, r.kind())) }
                        dl {
                            dt { (text(lang, "settings.by")) }
                            dd { (performer(lang, citizen, r)) }
                            @if let Some(d) = first_date(&r.json, &["/dateTime"]) {
                                dt { (text(lang, "settings.set-on")) }
                                dd { (d) }
                            }
                            dt { (text(lang, "settings.status")) }
                            dd { (status(lang, r, now)) }
                            @if let Some(g) = &r.grant {
                                dt { (text(lang, "settings.period")) }
                                dd { (period(lang, &r.json)) }
                                dt { (text(lang, "settings.scope")) }
                                dd { (scope(lang, g)) }
                            }
                        }
                        @if r.in_force(now) && r.set_by_viewer(citizen) {
                            (change_buttons(lang, citizen, r))
                        }
                    }
                }
            }
        }
    }
}

fn change_buttons(lang: Lang, citizen: &Citizen, r: &Listed) -> Markup {
    let full_proxy = r
        .grant
        .as_ref()
        .is_some_and(|g| g.kind == GrantKind::Proxy && g.proxy_scope == Some(ProxyScope::Full));
    html! {
        div.actions {
            form method="post" action="/settings/lift" {
                input type="hidden" name="_csrf" value=(citizen.session.csrf);
                input type="hidden" name="rule" value=(r.handle);
                button type="submit" { (text(lang, "settings.lift")) }
            }
            @if full_proxy {
                form method="post" action="/settings/limit" {
                    input type="hidden" name="_csrf" value=(citizen.session.csrf);
                    input type="hidden" name="rule" value=(r.handle);
                    button type="submit" { (text(lang, "settings.limit")) }
                }
            }
        }
    }
}

/// "Sperring av helsepersonell", or "En regel" when the kind is not shown to this viewer.
pub fn kind_title(lang: Lang, kind: Option<GrantKind>) -> &'static str {
    match kind {
        Some(k) if k != GrantKind::Unreadable => text(lang, &format!("settings.kind.{}", k.code())),
        _ => text(lang, "settings.kind.unknown"),
    }
}

/// Who set it: "Du", the person acted for, "En forelder", a health worker's name…
fn performer(lang: Lang, citizen: &Citizen, r: &Listed) -> String {
    let Some(first) = r.json.pointer("/performer/0") else {
        return text(lang, "settings.by-unknown").to_owned();
    };
    if let Some(d) = str_at(first, "/display") {
        return d.to_owned();
    }
    let reference = str_at(first, "/reference").unwrap_or("");
    let system = str_at(first, "/identifier/system").unwrap_or("");
    let value = str_at(first, "/identifier/value").unwrap_or("");
    let patient = citizen.patient();
    let patient_ref = patient.map(|p| format!("Patient/{}", p.patient_id));
    if (system == FNR_SYSTEM || system == DNR_SYSTEM) && value == citizen.session.pid {
        return text(lang, "settings.by-you").to_owned();
    }
    if Some(reference) == patient_ref.as_deref() {
        return match patient {
            Some(p) if p.relation == RelationKind::Myself => {
                text(lang, "settings.by-you").to_owned()
            }
            Some(p) => text_with(lang, "settings.by-patient", &[("name", &p.name)]),
            None => text(lang, "settings.by-unknown").to_owned(),
        };
    }
    let key = match reference.split('/').next().unwrap_or("") {
        "RelatedPerson" => "settings.by-related",
        "Practitioner" | "PractitionerRole" => "settings.by-practitioner",
        "Organization" => "settings.by-organisation",
        _ if system == HPR_SYSTEM => "settings.by-practitioner",
        _ if system == FNR_SYSTEM || system == DNR_SYSTEM => "settings.by-related",
        _ => "settings.by-unknown",
    };
    text(lang, key).to_owned()
}

fn status(lang: Lang, r: &Listed, now: DateTime<Utc>) -> &'static str {
    let key = match &r.grant {
        None => match str_at(&r.json, "/status") {
            Some("active") => "settings.status-active",
            Some(_) => "settings.status-inactive",
            None => "settings.status-unknown",
        },
        Some(g) if !g.active => "settings.status-inactive",
        Some(g) if g.period.end_ms < now.timestamp_millis() => "settings.status-ended",
        Some(g) if g.period.start_ms > now.timestamp_millis() => "settings.status-not-started",
        Some(_) => "settings.status-active",
    };
    text(lang, key)
}

fn period(lang: Lang, consent: &Value) -> String {
    let start = str_at(consent, "/provision/period/start").map(i18n::fhir_date);
    let end = str_at(consent, "/provision/period/end").map(i18n::fhir_date);
    match (start, end) {
        (Some(s), Some(e)) => text_with(
            lang,
            "settings.period-from-until",
            &[("from", &s), ("to", &e)],
        ),
        (Some(s), None) => text_with(lang, "settings.period-from", &[("from", &s)]),
        (None, Some(e)) => text_with(lang, "settings.period-until", &[("to", &e)]),
        (None, None) => text(lang, "settings.period-always").to_owned(),
    }
}

/// What the rule covers, as short phrases joined by "; ".
pub fn scope(lang: Lang, g: &Grant) -> String {
    let mut parts: Vec<String> = Vec::new();
    for a in &g.actors {
        let words = actor_words(lang, a);
        if !parts.contains(&words) {
            parts.push(words);
        }
    }
    if g.categories.is_empty() {
        if !matches!(
            g.kind,
            GrantKind::ParentalConsent | GrantKind::Proxy | GrantKind::Release
        ) && g.data.is_empty()
        {
            parts.push(text(lang, "settings.scope-all-categories").to_owned());
        }
    } else {
        let names: Vec<&str> = g
            .categories
            .iter()
            .map(|c| text(lang, &format!("settings.cat.{}", c.code())))
            .collect();
        parts.push(text_with(
            lang,
            "settings.scope-categories",
            &[("list", &names.join(", "))],
        ));
    }
    for d in &g.data {
        let key = if d.related {
            "settings.scope-referral"
        } else {
            "settings.scope-item"
        };
        parts.push(text(lang, key).to_owned());
    }
    let extra = match (g.strength, g.proxy_scope, g.level) {
        (Some(Strength::Soft), _, _) => Some("settings.soft"),
        (Some(Strength::Hard), _, _) => Some("settings.hard"),
        (_, Some(ProxyScope::Full), _) => Some("settings.proxy-full"),
        (_, Some(ProxyScope::Limited), _) => Some("settings.proxy-limited"),
        (_, _, Some(Level::Full)) => Some("settings.scope-level-full"),
        (_, _, Some(Level::Metadata)) => Some("settings.scope-level-metadata"),
        _ => None,
    };
    if let Some(k) = extra {
        parts.push(text(lang, k).to_owned());
    }
    parts.join("; ")
}

fn actor_words(lang: Lang, a: &Actor) -> String {
    if let Some((system, value)) = &a.identifier {
        if system == HPR_SYSTEM {
            return text_with(lang, "settings.scope-named-hpr", &[("hpr", value)]);
        }
        if system == FNR_SYSTEM || system == DNR_SYSTEM {
            // Birth date part only: enough to recognise whom one chose, no more.
            let shown = format!("{} *****", value.get(..6).unwrap_or(""));
            return text_with(lang, "settings.scope-named-person", &[("id", &shown)]);
        }
    }
    let key = match (a.role.as_deref(), a.reference.as_deref()) {
        (Some("PROV"), None) => "settings.scope-all-personnel",
        (Some("PRN"), None) => "settings.scope-all-parents",
        (_, Some(r)) if r.starts_with("Patient/") => "settings.scope-the-patient",
        (_, Some(r)) if r.starts_with("RelatedPerson/") => "settings.scope-related",
        (_, Some(r)) if r.starts_with("Practitioner") => "settings.scope-practitioner",
        (_, Some(r)) if r.starts_with("Organization/") => "settings.scope-organisation",
        _ => "settings.scope-someone",
    };
    text(lang, key).to_owned()
}
