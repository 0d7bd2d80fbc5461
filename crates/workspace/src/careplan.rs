//! The shared care plan of the open patient (issue 6 § 3), the clinician's side: the
//! plan's measures with the responsible organisation, editable; a new measure for the
//! clinician's own organisation; the patient's goals and own measures (read only
//! here: they are the patient's words); and the history of changes (Provenance).
//!
//! Why the form carries the version: the store changes a plan only with `If-Match`.
//! The workspace sends the version the clinician SAW, so if the patient, the GP or home
//! care changed the plan meanwhile the store refuses (412) and the clinician gets the
//! plan as it is now with "the plan was changed by someone else" — no silent
//! overwrite. Whether this organisation may write the plan at all (care team, sharing
//! consent) is the policy's answer, not this page's.
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use nordlys_policy::{FNR_SYSTEM, ORGNR_SYSTEM};
use nordlys_store::{RequestContext, StoreError};
use serde_json::{json, Value};

use crate::i18n::text;
use crate::overview::{error_page, items};
use crate::page::{respond, shell};
use crate::security::{csrf_ok, csrf_refused};
use crate::session::Clinician;
use crate::WorkspaceState;

const MAX_TEXT: usize = 500;

fn s<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

fn patient_side(a: &Value) -> bool {
    a.pointer("/detail/performer")
        .and_then(Value::as_array)
        .is_some_and(|ps| {
            ps.iter().any(|p| {
                s(p, "/reference").starts_with("Patient/")
                    || s(p, "/reference").starts_with("RelatedPerson/")
            })
        })
}

/// The responsible organisation of a measure, in words.
fn responsible(a: &Value) -> String {
    let p = a
        .pointer("/detail/performer/0")
        .cloned()
        .unwrap_or(Value::Null);
    let display = s(&p, "/display");
    if !display.is_empty() {
        return display.to_owned();
    }
    let id = s(&p, "/identifier/value");
    if !id.is_empty() {
        return id.to_owned();
    }
    s(&p, "/reference").to_owned()
}

/// The plan with the clinician's edits: measures not the patient's (`measure:{i}`) and
/// a new measure for `orgnr` (`measure:new`).
pub fn apply(plan: &Value, fields: &[(String, String)], orgnr: &str) -> Value {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().chars().take(MAX_TEXT).collect::<String>())
            .filter(|v| !v.is_empty())
    };
    let mut p = plan.clone();
    if let Some(Value::Array(acts)) = p.get_mut("activity") {
        for (i, a) in acts.iter_mut().enumerate() {
            if patient_side(a) {
                continue;
            }
            if let Some(t) = get(&format!("measure:{i}")) {
                a["detail"]["description"] = json!(t);
            }
        }
    }
    if let Some(t) = get("measure:new") {
        let m = json!({"detail": {"status": "in-progress", "description": t,
            "performer": [{"identifier": {"system": ORGNR_SYSTEM, "value": orgnr}}]}});
        match p.get_mut("activity") {
            Some(Value::Array(a)) => a.push(m),
            _ => p["activity"] = json!([m]),
        }
    }
    if let Some(m) = p.as_object_mut() {
        m.remove("meta");
    }
    p
}

fn who(p: &Value) -> String {
    let sys = s(p, "/agent/0/who/identifier/system");
    let val = s(p, "/agent/0/who/identifier/value");
    let org = s(p, "/agent/0/onBehalfOf/identifier/value");
    if sys == FNR_SYSTEM {
        "patient".to_owned()
    } else if org.is_empty() {
        val.to_owned()
    } else {
        format!("HPR {val} · {org}")
    }
}

async fn build(
    state: &WorkspaceState,
    clinician: &Clinician,
    ctx: &RequestContext,
    patient_id: &str,
) -> Result<Markup, StoreError> {
    let lang = clinician.lang;
    let plans = items(state, ctx, "CarePlan", patient_id).await?;
    let provenance = items(state, ctx, "Provenance", patient_id).await?;
    // Hand-overs waiting for an answer (docs/careplan.md).
    let pending: Vec<(String, Value)> = items(state, ctx, "Task", patient_id)
        .await?
        .into_iter()
        .filter(|(_, t)| {
            s(t, "/code/coding/0/code") == "careplan-handover" && s(t, "/status") == "requested"
        })
        .map(|(st, t)| (st.id, t))
        .collect();
    let mut refs: Vec<String> = plans
        .iter()
        .map(|(st, _)| format!("CarePlan/{}", st.id))
        .collect();
    refs.extend(pending.iter().map(|(id, _)| format!("Task/{id}")));
    let handles: Vec<String> = state
        .sessions
        .update(&clinician.sid, |sess| {
            refs.iter().map(|r| sess.handle(r)).collect()
        })
        .unwrap_or_default();
    let (handles, task_handles) = handles.split_at(plans.len().min(handles.len()));
    let me = clinician.session.orgnr.as_str();
    let csrf = &clinician.session.csrf;
    Ok(html! {
        h1 { (text(lang, "careplan.title")) }
        @if plans.is_empty() { p { (text(lang, "careplan.none")) } }
        @for ((st, plan), handle) in plans.iter().zip(handles) {
            @let acts: Vec<(usize, &Value)> = plan["activity"].as_array().map(|a| a.iter().enumerate().collect()).unwrap_or_default();
            section.plan aria-label=(s(plan, "/title")) {
                h2 { (s(plan, "/title")) " · " (s(plan, "/status")) " · " (text(lang, "careplan.version")) " " (st.version) }
                @if !s(plan, "/description").is_empty() { p { (s(plan, "/description")) } }
                h3 { (text(lang, "careplan.goals")) }
                ul {
                    @for g in plan["contained"].as_array().into_iter().flatten().filter(|c| s(c, "/resourceType") == "Goal") {
                        li { (s(g, "/description/text")) }
                    }
                }
                h3 { (text(lang, "careplan.patient-measures")) }
                ul {
                    @for (_, a) in acts.iter().filter(|(_, a)| patient_side(a)) {
                        li { (s(a, "/detail/description")) }
                    }
                }
                @if s(plan, "/status") == "active" {
                    form method="post" action="/clinician/careplan/save" {
                        input type="hidden" name="_csrf" value=(csrf);
                        input type="hidden" name="plan" value=(handle);
                        input type="hidden" name="version" value=(st.version);
                        h3 { (text(lang, "careplan.measures")) }
                        @for (i, a) in acts.iter().filter(|(_, a)| !patient_side(a)) {
                            label for=(format!("measure-{i}")) { (text(lang, "careplan.measure")) " (" (text(lang, "careplan.responsible")) ": " (responsible(a)) ")" }
                            input type="text" id=(format!("measure-{i}")) name=(format!("measure:{i}")) value=(s(a, "/detail/description")) maxlength="500";
                        }
                        label for="measure-new" { (text(lang, "careplan.new-measure")) }
                        input type="text" id="measure-new" name="measure:new" maxlength="500";
                        button type="submit" { (text(lang, "careplan.save")) }
                    }
                }
                @let responsible = if s(plan, "/author/identifier/value").is_empty() { st.columns.owner_org.clone().unwrap_or_default() } else { s(plan, "/author/identifier/value").to_owned() };
                p { (text(lang, "careplan.responsible-org")) ": " (responsible) }
                @for ((_, t), th) in pending.iter().zip(task_handles).filter(|((_, t), _)| s(t, "/focus/reference") == format!("CarePlan/{}", st.id)) {
                    div.handover {
                        p { (text(lang, "careplan.handover.pending")) ": " (s(t, "/requester/identifier/value")) " → " (s(t, "/owner/identifier/value")) }
                        @if s(t, "/owner/identifier/value") == me {
                            form method="post" action="/clinician/careplan/handover-answer" {
                                input type="hidden" name="_csrf" value=(csrf);
                                input type="hidden" name="task" value=(th);
                                button type="submit" name="answer" value="accept" { (text(lang, "careplan.handover.accept")) }
                                " "
                                button type="submit" name="answer" value="reject" { (text(lang, "careplan.handover.reject")) }
                            }
                        }
                    }
                }
                @if responsible == me && s(plan, "/status") == "active" {
                    form method="post" action="/clinician/careplan/handover" {
                        input type="hidden" name="_csrf" value=(csrf);
                        input type="hidden" name="plan" value=(handle);
                        label for=(format!("handover-{}", st.id)) { (text(lang, "careplan.handover.to")) }
                        input type="text" inputmode="numeric" id=(format!("handover-{}", st.id)) name="organization" pattern="[0-9]{9}" maxlength="9";
                        button type="submit" { (text(lang, "careplan.handover.propose")) }
                    }
                }
                h3 { (text(lang, "careplan.history")) }
                table {
                    thead { tr { th scope="col" { (text(lang, "careplan.when")) } th scope="col" { (text(lang, "careplan.who")) } th scope="col" { (text(lang, "careplan.version")) } } }
                    tbody {
                        @for (_, p) in provenance.iter().filter(|(_, p)| s(p, "/target/0/reference").starts_with(&format!("CarePlan/{}/_history/", st.id))) {
                            tr {
                                td { (s(p, "/recorded").get(0..16).unwrap_or("").replace('T', " ")) }
                                td { (who(p)) }
                                td { (s(p, "/target/0/reference").rsplit('/').next().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// `GET /clinician/careplan`.
pub async fn page(State(state): State<WorkspaceState>, clinician: Clinician) -> Response {
    let lang = clinician.lang;
    let Some((open, ctx)) = clinician.patient_ctx(&state) else {
        return Redirect::to("/clinician").into_response();
    };
    match build(&state, &clinician, &ctx, &open.patient_id).await {
        Ok(body) => {
            let mut session = clinician.session.clone();
            session.flash = state
                .sessions
                .update(&clinician.sid, |s| s.flash.take())
                .flatten();
            respond(
                StatusCode::OK,
                shell(
                    lang,
                    text(lang, "careplan.title"),
                    "/clinician/careplan",
                    Some(&session),
                    body,
                ),
            )
        }
        Err(e) => error_page(&e, &clinician),
    }
}

/// `POST /clinician/careplan/save`: the clinician's edits with the version they saw.
pub async fn save(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    body: Bytes,
) -> Response {
    let lang = clinician.lang;
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    if !csrf_ok(&clinician.session, get("_csrf")) {
        return csrf_refused(lang);
    }
    let Some((_, ctx)) = clinician.patient_ctx(&state) else {
        return Redirect::to("/clinician").into_response();
    };
    let back = Redirect::to("/clinician/careplan").into_response();
    let id = get("plan")
        .and_then(|h| clinician.session.resolve(h))
        .and_then(|r| r.strip_prefix("CarePlan/"))
        .map(str::to_owned);
    let (Some(id), Some(version)) = (id, get("version").and_then(|v| v.parse::<i64>().ok())) else {
        return back;
    };
    let current = match state.store.read(&ctx, "CarePlan", &id).await {
        Ok(c) => c,
        Err(e) => return error_page(&e, &clinician),
    };
    let Ok(plan) = serde_json::from_str::<Value>(&current.body) else {
        return error_page(
            &StoreError::Internal("stored CarePlan is not JSON".into()),
            &clinician,
        );
    };
    let changed = apply(&plan, &fields, &clinician.session.orgnr);
    let key = match state
        .store
        .update(&ctx, "CarePlan", &id, changed, Some(version))
        .await
    {
        Ok(_) => "careplan.saved",
        Err(StoreError::PreconditionFailed(_)) => "careplan.stale",
        Err(e) => return error_page(&e, &clinician),
    };
    state.sessions.update(&clinician.sid, |s| {
        s.flash = Some(text(lang, key).to_owned())
    });
    back
}

/// `POST /clinician/careplan/handover`: `plan` (handle) and `organization` (orgnr).
pub async fn propose(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    body: Bytes,
) -> Response {
    let lang = clinician.lang;
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.trim());
    if !csrf_ok(&clinician.session, get("_csrf")) {
        return csrf_refused(lang);
    }
    let Some((_, ctx)) = clinician.patient_ctx(&state) else {
        return Redirect::to("/clinician").into_response();
    };
    let id = get("plan")
        .and_then(|h| clinician.session.resolve(h))
        .and_then(|r| r.strip_prefix("CarePlan/"))
        .map(str::to_owned);
    let (Some(id), Some(to)) = (id, get("organization")) else {
        return Redirect::to("/clinician/careplan").into_response();
    };
    match state.store.propose_handover(&ctx, &id, to).await {
        Ok(_) => {
            state.sessions.update(&clinician.sid, |s| {
                s.flash = Some(text(lang, "careplan.handover.sent").to_owned())
            });
            Redirect::to("/clinician/careplan").into_response()
        }
        Err(e) => error_page(&e, &clinician),
    }
}

/// `POST /clinician/careplan/handover-answer`: `task` (handle), `answer` accept|reject.
pub async fn answer(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    body: Bytes,
) -> Response {
    let lang = clinician.lang;
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.trim());
    if !csrf_ok(&clinician.session, get("_csrf")) {
        return csrf_refused(lang);
    }
    let Some((_, ctx)) = clinician.patient_ctx(&state) else {
        return Redirect::to("/clinician").into_response();
    };
    let id = get("task")
        .and_then(|h| clinician.session.resolve(h))
        .and_then(|r| r.strip_prefix("Task/"))
        .map(str::to_owned);
    let Some(id) = id else {
        return Redirect::to("/clinician/careplan").into_response();
    };
    let accept = get("answer") == Some("accept");
    match state.store.answer_handover(&ctx, &id, accept).await {
        Ok(_) => {
            let key = if accept {
                "careplan.handover.accepted"
            } else {
                "careplan.handover.rejected"
            };
            state.sessions.update(&clinician.sid, |s| {
                s.flash = Some(text(lang, key).to_owned())
            });
            Redirect::to("/clinician/careplan").into_response()
        }
        Err(e) => error_page(&e, &clinician),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clinicians_edit_their_measures_not_the_patients() {
        let plan = json!({"resourceType": "CarePlan", "meta": {"versionId": "3"}, "activity": [
            {"detail": {"description": "Inhalasjon", "performer": [{"identifier": {"system": ORGNR_SYSTEM, "value": "983974899"}}]}},
            {"detail": {"description": "Tur", "performer": [{"reference": "Patient/a"}]}}]});
        let f = |k: &str, v: &str| (k.to_string(), v.to_string());
        let p = apply(
            &plan,
            &[
                f("measure:0", "Inhalasjon x3"),
                f("measure:1", "Ingen tur"),
                f("measure:new", "Hjemmebesøk"),
            ],
            "974760673",
        );
        assert_eq!(p["activity"][0]["detail"]["description"], "Inhalasjon x3");
        assert_eq!(p["activity"][1]["detail"]["description"], "Tur");
        assert_eq!(
            p["activity"][2]["detail"]["performer"][0]["identifier"]["value"],
            "974760673"
        );
        assert!(p.get("meta").is_none());
        assert_eq!(responsible(&p["activity"][0]), "983974899");
    }
}
