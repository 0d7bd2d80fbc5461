//! Care plan (behandlingsplan): the shared treatment and self-treatment plan
//! (CarePlan) with its goals (Goal), the clinicians' measures and who is responsible
//! for each, the patient's own measures, and "what matters to you".
//!
//! Why split the activities by performer: a citizen reads a plan as "what they do"
//! and "what I do"; an activity performed by the patient (or someone acting for them)
//! is the patient's own measure. Why "what matters to you" is a goal expressed by the
//! patient: that is how the plan records the patient's own words (`Goal.expressedBy`
//! the Patient), next to the clinicians' goals. Responsible organisations come from
//! the performers' PractitionerRoles — directory data, one search for all.
use std::collections::HashMap;

use maud::{html, Markup};
use serde_json::Value;

use super::careplan_edit;
use super::careplan_status;
use super::common::search_any;
use super::names::{lookup, Names};
use super::{ListPage, Row};
use crate::fetch::{items, PortalError};
use crate::i18n::{fhir_date, text, Lang};
use crate::session::Citizen;
use crate::view::{concept_text, first_date, is_redacted, sort_date, str_at};
use crate::PortalState;

const PLAN_DATES: [&str; 2] = ["/period/start", "/created"];

fn status_key(status: &str) -> &'static str {
    match status {
        "draft" => "careplan.status.draft",
        "active" => "careplan.status.active",
        "on-hold" => "careplan.status.on-hold",
        "completed" => "careplan.status.completed",
        "revoked" => "careplan.status.revoked",
        _ => "careplan.status.unknown",
    }
}

/// `start – end` of a period, either side optional.
fn period(p: Option<&Value>) -> Option<String> {
    let p = p?;
    let start = str_at(p, "/start").map(fhir_date);
    let end = str_at(p, "/end").map(fhir_date);
    match (start, end) {
        (None, None) => None,
        (s, e) => Some(
            format!("{} – {}", s.unwrap_or_default(), e.unwrap_or_default())
                .trim()
                .to_owned(),
        ),
    }
}

/// Ids of the Goals a plan names.
fn goal_refs(plan: &Value) -> Vec<String> {
    plan.get("goal")
        .and_then(Value::as_array)
        .map(|gs| {
            gs.iter()
                .filter_map(|g| str_at(g, "/reference").map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub async fn list(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
) -> Result<ListPage, PortalError> {
    let lang = citizen.lang;
    let plans = items(state, citizen, "CarePlan", "subject", patient_id, &[]).await?;
    let goals = items(state, citizen, "Goal", "subject", patient_id, &[]).await?;
    let in_plans: Vec<String> = plans.iter().flat_map(|(_, p)| goal_refs(p)).collect();
    let mut rows: Vec<Row> = plans
        .iter()
        .map(|(s, p)| Row {
            reference: format!("CarePlan/{}", s.id),
            sort: sort_date(p, &PLAN_DATES),
            date: period(p.get("period")).or_else(|| first_date(p, &PLAN_DATES)),
            title: str_at(p, "/title")
                .map(str::to_owned)
                .unwrap_or_else(|| text(lang, "careplan.untitled").to_owned()),
            detail: str_at(p, "/description").map(str::to_owned),
            badges: str_at(p, "/status")
                .map(|st| vec![text(lang, status_key(st)).to_owned()])
                .unwrap_or_default(),
            metadata_only: is_redacted(p),
        })
        .collect();
    // Goals outside every plan would otherwise not be shown at all.
    rows.extend(
        goals
            .iter()
            .filter(|(s, _)| !in_plans.contains(&format!("Goal/{}", s.id)))
            .map(|(s, g)| Row {
                reference: format!("Goal/{}", s.id),
                sort: sort_date(g, &["/startDate"]),
                date: first_date(g, &["/startDate"]),
                title: concept_text(g.get("description"))
                    .unwrap_or_else(|| text(lang, "careplan.goal").to_owned()),
                detail: Some(text(lang, "careplan.goal").to_owned()),
                badges: Vec::new(),
                metadata_only: is_redacted(g),
            }),
    );
    Ok(ListPage { rows, extra: None })
}

/// The organisation responsible for each practitioner (from their PractitionerRole).
async fn organisations(
    state: &PortalState,
    citizen: &Citizen,
    practitioners: &[&str],
) -> Result<HashMap<String, String>, PortalError> {
    let ids: Vec<&str> = practitioners
        .iter()
        .copied()
        .filter(|p| p.starts_with("Practitioner/"))
        .collect();
    let found = search_any(state, citizen, "PractitionerRole", "practitioner", ids, 10).await?;
    let mut out = HashMap::new();
    for (_, r) in found {
        if let (Some(p), Some(o)) = (
            str_at(&r, "/practitioner/reference"),
            str_at(&r, "/organization/reference"),
        ) {
            out.entry(p.to_owned()).or_insert_with(|| o.to_owned());
        }
    }
    Ok(out)
}

/// One activity: what, performer reference.
fn activities(plan: &Value) -> Vec<(String, Option<Value>)> {
    plan.get("activity")
        .and_then(Value::as_array)
        .map(|acts| {
            acts.iter()
                .filter_map(|a| {
                    let d = a.get("detail")?;
                    let what = str_at(d, "/description")
                        .map(str::to_owned)
                        .or_else(|| concept_text(d.get("code")))?;
                    Some((what, d.pointer("/performer/0").cloned()))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn is_patient_side(r: Option<&Value>) -> bool {
    r.and_then(|r| str_at(r, "/reference"))
        .is_some_and(|s| s.starts_with("Patient/") || s.starts_with("RelatedPerson/"))
}

pub async fn detail(
    state: &PortalState,
    citizen: &Citizen,
    resource: &Value,
    handle: &str,
) -> Result<Markup, PortalError> {
    let lang = citizen.lang;
    if str_at(resource, "/resourceType") == Some("Goal") {
        return Ok(
            html! { article.plan { h1 { (text(lang, "careplan.goal")) } (goal_list(lang, std::slice::from_ref(resource), &Names::default())) } },
        );
    }
    let patient_ref = citizen
        .patient()
        .map(|p| format!("Patient/{}", p.patient_id))
        .unwrap_or_default();
    let wanted = goal_refs(resource);
    let mut goals: Vec<Value> = match citizen.patient() {
        Some(p) => items(state, citizen, "Goal", "subject", &p.patient_id, &[])
            .await?
            .into_iter()
            .filter(|(s, _)| wanted.is_empty() || wanted.contains(&format!("Goal/{}", s.id)))
            .map(|(_, g)| g)
            .collect(),
        None => Vec::new(),
    };
    // Goals kept inside the shared plan (versioned with it, see docs/careplan.md).
    goals.extend(
        resource
            .get("contained")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|c| str_at(c, "/resourceType") == Some("Goal"))
            .cloned(),
    );
    let acts = activities(resource);
    let performers: Vec<&str> = acts
        .iter()
        .filter_map(|(_, p)| p.as_ref().and_then(|p| str_at(p, "/reference")))
        .collect();
    let orgs = organisations(state, citizen, &performers).await?;
    let mut refs: Vec<&str> = performers.clone();
    refs.extend(orgs.values().map(String::as_str));
    refs.extend(str_at(resource, "/author/reference"));
    refs.extend(
        goals
            .iter()
            .filter_map(|g| str_at(g, "/expressedBy/reference")),
    );
    let names = lookup(state, citizen, refs).await?;
    let (matters, clinical): (Vec<Value>, Vec<Value>) = goals
        .into_iter()
        .partition(|g| str_at(g, "/expressedBy/reference") == Some(patient_ref.as_str()));
    let (own, theirs): (Vec<_>, Vec<_>) = acts
        .into_iter()
        .partition(|(_, p)| is_patient_side(p.as_ref()));
    let flash = state
        .sessions
        .update(&citizen.sid, |s| s.flash.take())
        .flatten();
    let editable = !is_redacted(resource)
        && str_at(resource, "/resourceType") == Some("CarePlan")
        && str_at(resource, "/status") == Some("active");
    let plan_id = str_at(resource, "/id").unwrap_or_default();
    let (history, status) = if is_redacted(resource) {
        (html! {}, html! {})
    } else {
        let handover = careplan_status::handover(state, citizen, plan_id).await?;
        let sharing = careplan_status::sharing(state, citizen, handle).await?;
        (
            careplan_edit::history(state, citizen, plan_id).await?,
            html! { (handover) (sharing) },
        )
    };
    Ok(html! {
        @if let Some(f) = &flash { div.notice role="status" { p { (f) } } }
        article.plan {
            h1 { (str_at(resource, "/title").unwrap_or(text(lang, "careplan.untitled"))) }
            @if let Some(d) = str_at(resource, "/description") { p.lead lang="nb" { (d) } }
            dl.facts {
                @if let Some(p) = period(resource.get("period")) { dt { (text(lang, "careplan.period")) } dd { (p) } }
                @if let Some(st) = str_at(resource, "/status") { dt { (text(lang, "field.status")) } dd { (text(lang, status_key(st))) } }
                @if let Some(a) = names.of(resource.get("author")) { dt { (text(lang, "field.author")) } dd { (a) } }
            }
            @if !matters.is_empty() {
                section.matters aria-labelledby="plan-matters" {
                    h2 #plan-matters { (text(lang, "careplan.matters")) }
                    @for g in &matters { p lang="nb" { (concept_text(g.get("description")).unwrap_or_default()) } }
                }
            }
            @if !clinical.is_empty() {
                section aria-labelledby="plan-goals" {
                    h2 #plan-goals { (text(lang, "careplan.goals")) }
                    (goal_list(lang, &clinical, &names))
                }
            }
            @if !theirs.is_empty() {
                section aria-labelledby="plan-measures" {
                    h2 #plan-measures { (text(lang, "careplan.measures")) }
                    table {
                        thead { tr {
                            th scope="col" { (text(lang, "careplan.measure")) }
                            th scope="col" { (text(lang, "careplan.responsible")) }
                            th scope="col" { (text(lang, "field.organisation")) }
                        } }
                        tbody {
                            @for (what, who) in &theirs {
                                @let who_ref = who.as_ref().and_then(|w| str_at(w, "/reference")).unwrap_or("");
                                tr {
                                    th scope="row" lang="nb" { (what) }
                                    td { (names.of(who.as_ref()).unwrap_or_default()) }
                                    td { (orgs.get(who_ref).and_then(|o| names.of(Some(&serde_json::json!({"reference": o})))).unwrap_or_default()) }
                                }
                            }
                        }
                    }
                }
            }
            @if !own.is_empty() {
                section aria-labelledby="plan-own" {
                    h2 #plan-own { (text(lang, "careplan.own")) }
                    ul lang="nb" { @for (what, _) in &own { li { (what) } } }
                }
            }
            (status)
            @if editable {
                (careplan_edit::form(lang, &citizen.session.csrf, handle, resource, &patient_ref))
            }
            (history)
        }
    })
}

fn goal_list(lang: Lang, goals: &[Value], names: &Names) -> Markup {
    html! {
        ul.goals {
            @for g in goals {
                li {
                    span lang="nb" { (concept_text(g.get("description")).unwrap_or_default()) }
                    @if let Some(d) = first_date(g, &["/startDate"]) { " · " (text(lang, "careplan.since")) " " (d) }
                    @if let Some(by) = names.of(g.get("expressedBy")) { " · " (by) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plan_parts() {
        let plan = json!({"goal": [{"reference": "Goal/a"}], "period": {"start": "2026-01-26"},
        "activity": [
            {"detail": {"description": "Ukentlig besøk", "performer": [{"reference": "Practitioner/n"}]}},
            {"detail": {"code": {"text": "Veie meg"}, "performer": [{"reference": "Patient/p"}]}},
            {"detail": {"status": "in-progress"}}
        ]});
        assert_eq!(goal_refs(&plan), vec!["Goal/a".to_owned()]);
        assert_eq!(period(plan.get("period")), Some("26.01.2026 –".into()));
        let acts = activities(&plan);
        assert_eq!(acts.len(), 2);
        assert_eq!(acts[0].0, "Ukentlig besøk");
        assert!(!is_patient_side(acts[0].1.as_ref()));
        assert_eq!(acts[1].0, "Veie meg");
        assert!(is_patient_side(acts[1].1.as_ref()));
        assert_eq!(status_key("active"), "careplan.status.active");
    }
}
