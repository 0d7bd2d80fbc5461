//! The patient overview: everything the practitioner may see, by service, and beside
//! each item what the patient and their family see of it.
//!
//! Why every list is a store search with the purpose token: the workspace shows
//! exactly what the API would answer the practitioner, and each list is in the
//! patient's access log with the purpose (and the emergency flag for ETREAT).
//! The "family" column comes from one `explain_many` for the whole page.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use nordlys_store::{RequestContext, StoreError, StoredResource};
use serde_json::Value;

use crate::citizen::{cell, explain_all, persons};
use crate::consents::labels;
use crate::i18n::text;
use crate::page::{message, respond, shell};
use crate::session::Clinician;
use crate::WorkspaceState;

/// Most items one service lists (the family column is computed for these).
pub const PER_SERVICE: usize = 50;

/// (text key, resource type) of each service, in page order; each searched by `patient`.
pub const SERVICES: [(&str, &str); 9] = [
    ("service.documents", "DocumentReference"),
    ("service.results", "DiagnosticReport"),
    ("service.referrals", "ServiceRequest"),
    ("service.appointments", "Appointment"),
    ("service.messages", "Communication"),
    ("service.plans", "CarePlan"),
    ("service.medication", "MedicationRequest"),
    ("service.medication-statements", "MedicationStatement"),
    ("service.vaccinations", "Immunization"),
];

/// The page for a store error, through the store's one error mapping.
pub fn error_page(err: &StoreError, clinician: &Clinician) -> Response {
    let (status, _) = nordlys_store::outcome::error_outcome(err);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let lang = clinician.lang;
    let s = Some(&clinician.session);
    match status.as_u16() {
        404 | 410 => message(
            lang,
            StatusCode::NOT_FOUND,
            "error.title",
            text(lang, "error.not-found"),
            s,
        ),
        s5 if s5 >= 500 => {
            tracing::error!(error = %err, "workspace page failed");
            message(lang, status, "error.title", text(lang, "error.internal"), s)
        }
        // Refusals (403, 422) are the policy's own words: they say which rule.
        _ => {
            let mut words = err.to_string();
            if let StoreError::Invalid(issues) = err {
                for i in issues {
                    words.push_str(&format!(" · {}: {}", i.expression, i.diagnostics));
                }
            }
            message(lang, status, "error.refused", &words, s)
        }
    }
}

fn first_text(v: &Value, paths: &[&str]) -> String {
    paths
        .iter()
        .find_map(|p| v.pointer(p).and_then(Value::as_str))
        .unwrap_or("")
        .to_owned()
}

/// A short title of an item.
pub fn title(v: &Value) -> String {
    let t = first_text(
        v,
        &[
            "/description",
            "/title",
            "/code/text",
            "/code/coding/0/display",
            "/type/text",
            "/type/coding/0/display",
            "/medicationCodeableConcept/text",
            "/medicationCodeableConcept/coding/0/display",
            "/vaccineCode/text",
            "/vaccineCode/coding/0/display",
            "/payload/0/contentString",
        ],
    );
    let t: String = t.chars().take(80).collect();
    if t.is_empty() {
        v["resourceType"].as_str().unwrap_or("").to_owned()
    } else {
        t
    }
}

/// The item's date as dd.mm.yyyy.
pub fn item_date(v: &Value) -> String {
    let d = first_text(
        v,
        &[
            "/date",
            "/issued",
            "/authoredOn",
            "/start",
            "/sent",
            "/period/start",
            "/effectivePeriod/start",
            "/effectiveDateTime",
            "/occurrenceDateTime",
        ],
    );
    match (d.get(0..4), d.get(5..7), d.get(8..10)) {
        (Some(y), Some(m), Some(day)) => format!("{day}.{m}.{y}"),
        _ => String::new(),
    }
}

/// The items of one type for the patient, as the store shows them to `ctx`.
pub async fn items(
    state: &WorkspaceState,
    ctx: &RequestContext,
    resource_type: &str,
    patient_id: &str,
) -> Result<Vec<(StoredResource, Value)>, StoreError> {
    let params = vec![
        ("patient".to_owned(), format!("Patient/{patient_id}")),
        ("_count".to_owned(), PER_SERVICE.to_string()),
    ];
    let request = state.store.parse_search(resource_type, &params, false)?;
    Ok(state
        .store
        .search(ctx, &request)
        .await?
        .matches
        .into_iter()
        .filter_map(|s| {
            let v = serde_json::from_str(&s.body).ok()?;
            Some((s, v))
        })
        .collect())
}

/// `GET /clinician/patient`.
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
                    text(lang, "overview.title"),
                    "/clinician/patient",
                    Some(&session),
                    body,
                ),
            )
        }
        Err(e) => error_page(&e, &clinician),
    }
}

async fn build(
    state: &WorkspaceState,
    clinician: &Clinician,
    ctx: &RequestContext,
    patient_id: &str,
) -> Result<Markup, StoreError> {
    let lang = clinician.lang;
    let patient: Value =
        serde_json::from_str(&state.store.read(ctx, "Patient", patient_id).await?.body)
            .map_err(|e| StoreError::Internal(format!("stored Patient is not JSON: {e}")))?;
    let people = persons(state, ctx, &patient).await?;
    let mut lists = Vec::new();
    for (key, rt) in SERVICES {
        lists.push((key, items(state, ctx, rt, patient_id).await?));
    }
    let refs: Vec<String> = lists
        .iter()
        .flat_map(|(_, l)| {
            l.iter()
                .map(|(s, _)| format!("{}/{}", s.resource_type, s.id))
        })
        .collect();
    let family = explain_all(state, ctx, patient_id, &refs, &people).await?;
    let handles: Vec<String> = state
        .sessions
        .update(&clinician.sid, |s| {
            refs.iter().map(|r| s.handle(r)).collect()
        })
        .unwrap_or_default();
    let mut handle = handles.into_iter();
    let grants = crate::actions::grants_section(state, clinician, ctx, patient_id).await?;
    Ok(html! {
        h1 { (text(lang, "overview.title")) }
        p { (text(lang, "overview.family-intro")) }
        @for (key, list) in &lists {
            section.service {
                h2 { (text(lang, key)) " (" (list.len()) ")" }
                @if *key == "service.plans" {
                    p { a href="/clinician/careplan" { (text(lang, "careplan.open")) } }
                }
                @if *key == "service.results" {
                    p { a href="/clinician/measurements" { (text(lang, "measure.open")) } }
                }
                @if list.is_empty() {
                    p { (text(lang, "overview.none")) }
                } @else {
                    table {
                        thead { tr {
                            th { (text(lang, "col.title")) } th { (text(lang, "col.date")) }
                            th { (text(lang, "col.labels")) } th { (text(lang, "col.family")) } th {}
                        } }
                        tbody {
                            @for (s, v) in list {
                                @let r = format!("{}/{}", s.resource_type, s.id);
                                @let h = handle.next().unwrap_or_default();
                                tr {
                                    td.title { (title(v)) }
                                    td.date { (item_date(v)) }
                                    td.labels { @for l in labels(v) { code { (l) } " " } }
                                    td.family { (cell(lang, &people, family.get(&r))) }
                                    td { a href=(format!("/clinician/item/{h}")) { (text(lang, "overview.actions")) } }
                                }
                            }
                        }
                    }
                }
            }
        }
        (grants)
        (crate::dialog_open::link(lang))
        (crate::actions::patient_forms(lang, &clinician.session.csrf))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn titles_and_dates_of_common_items() {
        let sr = json!({"resourceType": "ServiceRequest", "code": {"text": "Henvisning til BUP: utredning"}, "authoredOn": "2026-09-13T09:15:00+02:00"});
        assert_eq!(title(&sr), "Henvisning til BUP: utredning");
        assert_eq!(item_date(&sr), "13.09.2026");
        let empty = json!({"resourceType": "Appointment"});
        assert_eq!(title(&empty), "Appointment");
        assert_eq!(item_date(&empty), "");
    }
}
