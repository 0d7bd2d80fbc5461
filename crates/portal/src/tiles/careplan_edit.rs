//! Care plan, the patient's side of editing (issue 6 § 3): their own goals (incl.
//! "what matters to you") and their own measures, the history of changes, and the
//! answer when someone else changed the plan first.
//!
//! Why a form that carries the version it was read at: the store changes a plan only
//! with `If-Match`; the portal sends the version the patient SAW, so a change made by
//! the hospital or the GP meanwhile makes the store refuse (412) and the patient is
//! shown the plan as it is now with "the plan was changed by someone else, see the
//! changes" — never a silent overwrite of the clinician's change. The store decides
//! that only the patient's own parts changed (`careplan_parts`), so a forged form
//! cannot touch the clinicians' measures.
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use nordlys_policy::FNR_SYSTEM;
use nordlys_store::StoreError;
use serde_json::{json, Value};

use crate::fetch::{error_page, PortalError};
use crate::i18n::{fhir_date, text, Lang};
use crate::page::message;
use crate::security::{csrf_ok, csrf_refused};
use crate::session::Citizen;
use crate::view::{concept_text, str_at};
use crate::PortalState;

const MAX_TEXT: usize = 500;

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
}

fn clip(s: &str) -> String {
    s.chars().take(MAX_TEXT).collect()
}

fn names_patient(v: Option<&Value>, patient_ref: &str) -> bool {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .any(|r| str_at(r, "/reference") == Some(patient_ref)),
        Some(r) => str_at(r, "/reference") == Some(patient_ref),
        None => false,
    }
}

/// The patient's own contained goals: (id, text).
pub fn own_goals(plan: &Value, patient_ref: &str) -> Vec<(String, String)> {
    plan.get("contained")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| {
            str_at(c, "/resourceType") == Some("Goal")
                && names_patient(c.get("expressedBy"), patient_ref)
        })
        .filter_map(|g| {
            Some((
                str_at(g, "/id")?.to_owned(),
                concept_text(g.get("description")).unwrap_or_default(),
            ))
        })
        .collect()
}

/// The patient's own measures: (index in `activity`, text).
pub fn own_measures(plan: &Value, patient_ref: &str) -> Vec<(usize, String)> {
    plan.get("activity")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, a)| names_patient(a.pointer("/detail/performer"), patient_ref))
        .map(|(i, a)| {
            (
                i,
                str_at(a, "/detail/description")
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

/// The plan with the form's edits: own goals (`goal:{id}`, empty removes it), a new
/// goal (`goal:new`), own measures (`measure:{index}`) and a new measure (`measure:new`).
pub fn apply(plan: &Value, fields: &[(String, String)], patient_ref: &str) -> Value {
    let mut p = plan.clone();
    let mut removed: Vec<String> = Vec::new();
    if let Some(Value::Array(contained)) = p.get_mut("contained") {
        for g in contained.iter_mut() {
            let own = str_at(g, "/resourceType") == Some("Goal")
                && names_patient(g.get("expressedBy"), patient_ref);
            let Some(id) = str_at(g, "/id").map(str::to_owned) else {
                continue;
            };
            match field(fields, &format!("goal:{id}")) {
                Some("") if own => removed.push(id),
                Some(t) if own => g["description"] = json!({"text": clip(t)}),
                _ => {}
            }
        }
        contained.retain(|g| !str_at(g, "/id").is_some_and(|id| removed.iter().any(|r| r == id)));
    }
    if let Some(Value::Array(goals)) = p.get_mut("goal") {
        goals.retain(|g| {
            !str_at(g, "/reference").is_some_and(|r| removed.iter().any(|id| r == format!("#{id}")))
        });
    }
    if let Some(t) = field(fields, "goal:new").filter(|t| !t.is_empty()) {
        let taken: Vec<String> = own_goals(&p, patient_ref)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let id = (1..)
            .map(|n| format!("pg{n}"))
            .find(|c| !taken.contains(c) && !p.to_string().contains(&format!("\"#{c}\"")))
            .unwrap_or_else(|| "pg".into());
        let goal = json!({"resourceType": "Goal", "id": id, "lifecycleStatus": "active",
            "description": {"text": clip(t)},
            "subject": {"reference": patient_ref}, "expressedBy": {"reference": patient_ref}});
        push(&mut p, "contained", goal);
        push(&mut p, "goal", json!({"reference": format!("#{id}")}));
    }
    if let Some(Value::Array(acts)) = p.get_mut("activity") {
        for (i, a) in acts.iter_mut().enumerate() {
            if !names_patient(a.pointer("/detail/performer"), patient_ref) {
                continue;
            }
            if let Some(t) = field(fields, &format!("measure:{i}")).filter(|t| !t.is_empty()) {
                a["detail"]["description"] = json!(clip(t));
            }
        }
    }
    if let Some(t) = field(fields, "measure:new").filter(|t| !t.is_empty()) {
        push(
            &mut p,
            "activity",
            json!({"detail": {"status": "in-progress", "description": clip(t),
                "performer": [{"reference": patient_ref}]}}),
        );
    }
    p
}

fn push(p: &mut Value, key: &str, v: Value) {
    match p.get_mut(key) {
        Some(Value::Array(a)) => a.push(v),
        _ => p[key] = json!([v]),
    }
}

/// The edit form under the plan (the patient's own parts only).
pub fn form(lang: Lang, csrf: &str, handle: &str, plan: &Value, patient_ref: &str) -> Markup {
    let version = str_at(plan, "/meta/versionId").unwrap_or("");
    html! {
        section.edit aria-labelledby="plan-edit" {
            h2 #plan-edit { (text(lang, "careplan.edit")) }
            form method="post" action="/careplan/save" {
                input type="hidden" name="_csrf" value=(csrf);
                input type="hidden" name="plan" value=(handle);
                input type="hidden" name="version" value=(version);
                @for (id, t) in own_goals(plan, patient_ref) {
                    label for=(format!("goal-{id}")) { (text(lang, "careplan.edit.goal")) }
                    input type="text" id=(format!("goal-{id}")) name=(format!("goal:{id}")) value=(t) maxlength="500";
                }
                label for="goal-new" { (text(lang, "careplan.edit.new-goal")) }
                input type="text" id="goal-new" name="goal:new" maxlength="500";
                @for (i, t) in own_measures(plan, patient_ref) {
                    label for=(format!("measure-{i}")) { (text(lang, "careplan.edit.measure")) }
                    input type="text" id=(format!("measure-{i}")) name=(format!("measure:{i}")) value=(t) maxlength="500";
                }
                label for="measure-new" { (text(lang, "careplan.edit.new-measure")) }
                input type="text" id="measure-new" name="measure:new" maxlength="500";
                button type="submit" { (text(lang, "careplan.edit.save")) }
            }
        }
    }
}

/// Who made a change, in words: the citizen themself, else the organisation (and
/// health personnel's HPR number).
fn agent(lang: Lang, prov: &Value, pid: &str) -> String {
    let who = prov.pointer("/agent/0/who/identifier");
    let org = prov
        .pointer("/agent/0/onBehalfOf/identifier/value")
        .and_then(Value::as_str);
    match (
        who.and_then(|w| str_at(w, "/system")),
        who.and_then(|w| str_at(w, "/value")),
    ) {
        (Some(FNR_SYSTEM), Some(v)) if v == pid => text(lang, "careplan.history.you").to_owned(),
        (Some(FNR_SYSTEM), _) => text(lang, "careplan.history.citizen").to_owned(),
        (_, Some(v)) => match org {
            Some(o) => format!(
                "{} {v} ({} {o})",
                text(lang, "careplan.history.hpr"),
                text(lang, "careplan.history.org")
            ),
            None => format!("{} {v}", text(lang, "careplan.history.org")),
        },
        _ => String::new(),
    }
}

/// The changes of a plan (its Provenance), newest first.
pub async fn history(
    state: &PortalState,
    citizen: &Citizen,
    plan_id: &str,
) -> Result<Markup, PortalError> {
    let lang = citizen.lang;
    let Some(person) = citizen.patient() else {
        return Ok(html! {});
    };
    let params = vec![
        (
            "patient".to_string(),
            format!("Patient/{}", person.patient_id),
        ),
        ("_count".to_string(), "100".to_string()),
    ];
    let request = state
        .store
        .parse_search("Provenance", &params, false)
        .map_err(PortalError)?;
    let found = state
        .store
        .search(&citizen.ctx, &request)
        .await
        .map_err(PortalError)?;
    let prefix = format!("CarePlan/{plan_id}/_history/");
    let mut rows: Vec<(String, String, String)> = found
        .matches
        .iter()
        .filter_map(|m| serde_json::from_str::<Value>(&m.body).ok())
        .filter_map(|p| {
            let version = str_at(&p, "/target/0/reference")?
                .strip_prefix(&prefix)?
                .to_owned();
            let when = str_at(&p, "/recorded").unwrap_or_default().to_owned();
            Some((when, version, agent(lang, &p, &citizen.session.pid)))
        })
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(html! {
        section.history aria-labelledby="plan-history" {
            h2 #plan-history { (text(lang, "careplan.history")) }
            table {
                thead { tr {
                    th scope="col" { (text(lang, "careplan.history.when")) }
                    th scope="col" { (text(lang, "careplan.history.who")) }
                    th scope="col" { (text(lang, "careplan.history.version")) }
                } }
                tbody {
                    @for (when, version, who) in &rows {
                        tr { td { (fhir_date(when)) } td { (who) } td { (version) } }
                    }
                }
            }
        }
    })
}

/// `POST /careplan/save`: the patient's edits with the version they saw.
pub async fn save(
    State(state): State<PortalState>,
    citizen: Citizen,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let lang = citizen.lang;
    if !csrf_ok(&citizen.session, field(&fields, "_csrf")) {
        return csrf_refused(lang);
    }
    let not_found = || {
        message(
            lang,
            StatusCode::NOT_FOUND,
            "error.not-found-title",
            "error.not-found",
            Some(&citizen),
        )
    };
    let Some(handle) = field(&fields, "plan").map(str::to_owned) else {
        return not_found();
    };
    let Some(id) = citizen
        .session
        .resolve(&handle)
        .and_then(|r| r.strip_prefix("CarePlan/"))
        .map(str::to_owned)
    else {
        return not_found();
    };
    let (Some(person), Some(version)) = (
        citizen.patient(),
        field(&fields, "version").and_then(|v| v.parse::<i64>().ok()),
    ) else {
        return not_found();
    };
    let patient_ref = format!("Patient/{}", person.patient_id);
    let current = match crate::fetch::item(&state, &citizen, &format!("CarePlan/{id}")).await {
        Ok(p) => p,
        Err(e) => return error_page(&e, &citizen),
    };
    let mut changed = apply(&current, &fields, &patient_ref);
    if let Some(m) = changed.as_object_mut() {
        m.remove("meta");
    }
    let back = Redirect::to(&format!("/tiles/careplan/{handle}")).into_response();
    let key = match state
        .store
        .update(&citizen.ctx, "CarePlan", &id, changed, Some(version))
        .await
    {
        Ok(_) => "careplan.saved",
        Err(StoreError::PreconditionFailed(_)) => "careplan.stale",
        Err(StoreError::Forbidden(_)) => "careplan.refused",
        Err(e) => return error_page(&PortalError(e), &citizen),
    };
    let flash = text(lang, key).to_owned();
    state
        .sessions
        .update(&citizen.sid, |s| s.flash = Some(flash));
    back
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Value {
        json!({"resourceType": "CarePlan", "id": "p", "status": "active",
            "contained": [{"resourceType": "Goal", "id": "g1", "description": {"text": "Gå"},
                "expressedBy": {"reference": "Patient/a"}}],
            "goal": [{"reference": "#g1"}],
            "activity": [
                {"detail": {"description": "Inhalasjon", "performer": [{"reference": "Organization/h"}]}},
                {"detail": {"description": "Tur", "performer": [{"reference": "Patient/a"}]}}]})
    }

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn edits_only_own_parts() {
        let p = apply(
            &plan(),
            &f(&[
                ("goal:g1", "Gå til hytta"),
                ("measure:1", "Lang tur"),
                ("measure:0", "Ingen"),
                ("goal:new", "Sove"),
            ]),
            "Patient/a",
        );
        assert_eq!(p["contained"][0]["description"]["text"], "Gå til hytta");
        assert_eq!(p["activity"][1]["detail"]["description"], "Lang tur");
        assert_eq!(p["activity"][0]["detail"]["description"], "Inhalasjon");
        assert_eq!(own_goals(&p, "Patient/a").len(), 2);
        assert_eq!(p["goal"][1]["reference"], "#pg1");
        let removed = apply(&plan(), &f(&[("goal:g1", "")]), "Patient/a");
        assert!(own_goals(&removed, "Patient/a").is_empty());
        assert_eq!(removed["goal"], json!([]));
    }
}
