//! The two citizen-facing states of a shared care plan that live outside the plan
//! itself: whether the patient's `careplan-sharing` consent is in force (with the
//! toggle to give or withdraw it), and the plan's hand-over of responsibility (a
//! `careplan-handover` Task).
//!
//! Why here and not only in the settings: the consent decides who in the team sees
//! the plan, so the citizen should meet it where they read the plan. The toggle only
//! posts to the settings' handlers, which write the Consent through the store with
//! the citizen's context — whether this person may give it (the patient from 16, a
//! parent before 16) is the policy's answer, shown in plain words when it is no.
//! The hand-over is read from the Tasks the store shows this citizen; nothing is
//! decided from the plan's `author` alone, because a proposal is not yet a change.
use maud::{html, Markup};
use nordlys_policy::{GrantKind, RelationKind, ORGNR_SYSTEM, TASK_KIND_SYSTEM};
use serde_json::Value;

use super::names::lookup;
use crate::fetch::{handles, items, PortalError};
use crate::i18n::{text, text_with, Lang};
use crate::session::Citizen;
use crate::settings::rules::Listed;
use crate::view::{is_redacted, str_at};
use crate::PortalState;

/// The sharing section: what sharing means, whether it is on, and the toggle.
pub async fn sharing(
    state: &PortalState,
    citizen: &Citizen,
    handle: &str,
) -> Result<Markup, PortalError> {
    let lang = citizen.lang;
    let Some(person) = citizen.patient() else {
        return Ok(html! {});
    };
    let now = citizen.ctx.now;
    let found = items(
        state,
        citizen,
        "Consent",
        "patient",
        &person.patient_id,
        &[],
    )
    .await?;
    let in_force: Vec<(String, Value)> = found
        .into_iter()
        .map(|(s, json)| (format!("Consent/{}", s.id), json))
        .filter(|(_, json)| {
            let l = Listed::new(String::new(), json.clone());
            l.kind() == Some(GrantKind::CareplanSharing) && l.in_force(now)
        })
        .collect();
    let references: Vec<String> = in_force.iter().map(|(r, _)| r.clone()).collect();
    let hs = handles(state, citizen, &references);
    let consents: Vec<Listed> = hs
        .into_iter()
        .zip(in_force)
        .map(|(h, (_, json))| Listed::new(h, json))
        .collect();
    let mine = consents.iter().find(|c| c.set_by_viewer(citizen));
    // A youth under 16 would only be refused (a parent decides until 16): courtesy,
    // not a decision — the store still answers any post.
    let under_16_self =
        person.relation == RelationKind::Myself && person.age.is_some_and(|a| a < 16);
    let back = format!("/tiles/careplan/{handle}");
    let csrf = citizen.session.csrf.as_str();
    Ok(html! {
        section.sharing aria-labelledby="plan-sharing" {
            h2 #plan-sharing { (text(lang, "careplan.sharing.title")) }
            p { (text(lang, "settings.careplan-sharing-intro")) }
            @if consents.is_empty() {
                p.state { strong { (text(lang, "careplan.sharing.off")) } }
                @if under_16_self {
                    p { (text(lang, "careplan.sharing.parent-decides")) }
                } @else {
                form method="post" action="/settings/careplan-sharing" {
                    input type="hidden" name="_csrf" value=(csrf);
                    input type="hidden" name="back" value=(back);
                    button type="submit" { (text(lang, "settings.careplan-sharing-submit")) }
                }
                }
            } @else {
                p.state { strong { (text(lang, "careplan.sharing.on")) } }
                @if let Some(c) = mine {
                    form method="post" action="/settings/careplan-sharing-withdraw" {
                        input type="hidden" name="_csrf" value=(csrf);
                        input type="hidden" name="rule" value=(c.handle);
                        input type="hidden" name="back" value=(back);
                        button type="submit" { (text(lang, "careplan.sharing.withdraw")) }
                    }
                } @else {
                    p { (text(lang, "careplan.sharing.by-other")) }
                }
            }
        }
    })
}

/// What the newest hand-over of the plan says to the citizen, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Handover {
    /// Proposed, not yet answered: to whom.
    Proposed(Value),
    /// Accepted: the new responsible organisation.
    Accepted(Value),
}

fn is_handover(task: &Value) -> bool {
    task.pointer("/code/coding")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| {
            str_at(c, "/system") == Some(TASK_KIND_SYSTEM)
                && str_at(c, "/code") == Some("careplan-handover")
        })
}

/// The newest hand-over Task (by `authoredOn`) in words; a declined or cancelled
/// one says nothing (the plan is as it was).
fn newest(tasks: &[Value]) -> Option<Handover> {
    let task = tasks
        .iter()
        .filter(|t| is_handover(t) && !is_redacted(t))
        .max_by_key(|t| str_at(t, "/authoredOn").unwrap_or("").to_owned())?;
    let owner = task.get("owner")?.clone();
    match str_at(task, "/status")? {
        "requested" | "received" | "accepted" | "ready" | "in-progress" => {
            Some(Handover::Proposed(owner))
        }
        "completed" => Some(Handover::Accepted(owner)),
        _ => None,
    }
}

/// The organisation's name: a reference through the directory names, an orgnr
/// through the directory's Organization with that identifier, else the number.
async fn org_name(
    state: &PortalState,
    citizen: &Citizen,
    lang: Lang,
    org: &Value,
) -> Result<String, PortalError> {
    if str_at(org, "/reference").is_some() {
        let names = lookup(state, citizen, str_at(org, "/reference")).await?;
        if let Some(n) = names.of(Some(org)) {
            return Ok(n);
        }
    }
    if let Some(d) = str_at(org, "/display") {
        return Ok(d.to_owned());
    }
    let orgnr = str_at(org, "/identifier/value").unwrap_or_default();
    if !orgnr.is_empty() && str_at(org, "/identifier/system") == Some(ORGNR_SYSTEM) {
        let params = vec![("identifier".to_owned(), format!("{ORGNR_SYSTEM}|{orgnr}"))];
        let request = state.store.parse_search("Organization", &params, false)?;
        let result = state.store.search(&citizen.ctx, &request).await?;
        let named = result.matches.iter().find_map(|s| {
            let v: Value = serde_json::from_str(&s.body).ok()?;
            str_at(&v, "/name").map(str::to_owned)
        });
        if let Some(n) = named {
            return Ok(n);
        }
    }
    Ok(text_with(
        lang,
        "careplan.handover.org-number",
        &[("orgnr", orgnr)],
    ))
}

/// The hand-over section, shown only while a hand-over is pending or after one was
/// accepted.
pub async fn handover(
    state: &PortalState,
    citizen: &Citizen,
    plan_id: &str,
) -> Result<Markup, PortalError> {
    let lang = citizen.lang;
    let Some(person) = citizen.patient() else {
        return Ok(html! {});
    };
    let focus = format!("CarePlan/{plan_id}");
    let tasks: Vec<Value> = items(
        state,
        citizen,
        "Task",
        "patient",
        &person.patient_id,
        &[("focus", focus.as_str())],
    )
    .await?
    .into_iter()
    .map(|(_, t)| t)
    .collect();
    let (key, org) = match newest(&tasks) {
        Some(Handover::Proposed(o)) => ("careplan.handover.proposed", o),
        Some(Handover::Accepted(o)) => ("careplan.handover.accepted", o),
        None => return Ok(html! {}),
    };
    let name = org_name(state, citizen, lang, &org).await?;
    Ok(html! {
        section.handover aria-labelledby="plan-handover" {
            h2 #plan-handover { (text(lang, "careplan.handover.title")) }
            p role="status" { (text_with(lang, key, &[("org", &name)])) }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(status: &str, at: &str, orgnr: &str) -> Value {
        json!({"resourceType": "Task", "status": status, "authoredOn": at,
            "code": {"coding": [{"system": TASK_KIND_SYSTEM, "code": "careplan-handover"}]},
            "owner": {"identifier": {"system": ORGNR_SYSTEM, "value": orgnr}}})
    }

    #[test]
    fn newest_handover_in_words() {
        assert_eq!(newest(&[]), None);
        let rejected = task("rejected", "2026-12-01T10:00:00Z", "111");
        assert_eq!(newest(std::slice::from_ref(&rejected)), None);
        let proposed = task("requested", "2026-12-02T10:00:00Z", "222");
        let got = newest(&[rejected.clone(), proposed.clone()]);
        assert_eq!(got, Some(Handover::Proposed(proposed["owner"].clone())));
        let accepted = task("completed", "2026-12-03T10:00:00Z", "333");
        let got = newest(&[proposed, accepted.clone(), rejected]);
        assert_eq!(got, Some(Handover::Accepted(accepted["owner"].clone())));
        let mut other = task("requested", "2026-12-04T10:00:00Z", "444");
        other["code"]["coding"][0]["code"] = json!("dialog");
        assert_eq!(newest(&[other]), None);
    }
}
