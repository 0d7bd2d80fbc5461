//! Shared fixtures for the forms tests (issue 6 § 2): the receiving unit, the
//! operation's Parameters, answers to the built-in triage form, and a `form-request`
//! Task as a unit or research system sends it. The Questionnaires themselves are
//! `nordlys_forms::builtin`.
use nordlys_policy::{ORGNR_SYSTEM, TASK_KIND_SYSTEM};
use serde_json::{json, Value};

pub use nordlys_forms::builtin;

/// An Organization `id` with organisation number `orgnr`.
pub fn unit(id: &str, orgnr: &str, name: &str) -> Value {
    json!({"resourceType": "Organization", "id": id, "name": name, "active": true,
        "identifier": [{"system": ORGNR_SYSTEM, "value": orgnr}]})
}

/// The Parameters of `$submit`/`$draft`.
pub fn params(
    patient: &str,
    questionnaire: &str,
    items: Value,
    draft: Option<&str>,
    request: Option<&str>,
) -> Value {
    let mut p = vec![
        json!({"name": "patient", "valueReference": {"reference": format!("Patient/{patient}")}}),
        json!({"name": "questionnaire", "valueReference": {"reference": format!("Questionnaire/{questionnaire}")}}),
        json!({"name": "response", "resource": {"resourceType": "QuestionnaireResponse", "status": "in-progress", "item": items}}),
    ];
    if let Some(d) = draft {
        p.push(json!({"name": "draft", "valueReference": {"reference": format!("QuestionnaireResponse/{d}")}}));
    }
    if let Some(r) = request {
        p.push(json!({"name": "request", "valueReference": {"reference": format!("Task/{r}")}}));
    }
    json!({"resourceType": "Parameters", "parameter": p})
}

fn coding(code: &str) -> Value {
    json!([{"valueCoding": {"code": code}}])
}

/// Complete answers to `nordlys_forms::builtin::triage`: fever 38.9, breathless on
/// effort (2), more than a week (2), chest pain (3) → score 7, `asap`; with
/// `severe = false`: no fever, not breathless, under 3 days → score 0, `routine`.
pub fn triage_answers(severe: bool) -> Value {
    if severe {
        json!([
            {"linkId": "fever", "answer": [{"valueBoolean": true}]},
            {"linkId": "temp", "answer": [{"valueDecimal": 38.9}]},
            {"linkId": "breath", "answer": coding("effort")},
            {"linkId": "days", "answer": coding("gt7")},
            {"linkId": "symptoms", "answer": [{"valueCoding": {"code": "chest"}}, {"valueString": "Vondt i øret"}]},
            {"linkId": "meds", "item": [{"linkId": "meds.name", "answer": [{"valueString": "Paracet"}]}]},
            {"linkId": "meds", "item": [{"linkId": "meds.name", "answer": [{"valueString": "Ventoline"}]}]}
        ])
    } else {
        json!([
            {"linkId": "fever", "answer": [{"valueBoolean": false}]},
            {"linkId": "breath", "answer": coding("no")},
            {"linkId": "days", "answer": coding("lt3")}
        ])
    }
}

/// Answers to `nordlys_forms::builtin::feedback`: praise, no contact wanted.
pub fn feedback_answers() -> Value {
    json!([
        {"linkId": "kind", "answer": coding("praise")},
        {"linkId": "text", "answer": [{"valueString": "Takk for god hjelp"}]},
        {"linkId": "contact", "answer": [{"valueBoolean": false}]}
    ])
}

/// A `form-request` Task: the unit (or a research system) asks the patient to fill
/// in `questionnaire`; `owner` is the asking organisation.
pub fn form_request(id: &str, patient: &str, questionnaire: &str, org: &str, orgnr: &str) -> Value {
    json!({"resourceType": "Task", "id": id, "status": "requested", "intent": "order",
        "priority": "routine",
        "code": {"coding": [{"system": TASK_KIND_SYSTEM, "code": "form-request"}], "text": "Skjema å fylle ut"},
        "description": "Vi ber deg fylle ut skjemaet før timen",
        "for": {"reference": format!("Patient/{patient}")},
        "focus": {"reference": format!("Questionnaire/{questionnaire}")},
        "owner": {"reference": format!("Organization/{org}"), "identifier": {"system": ORGNR_SYSTEM, "value": orgnr}},
        "requester": {"reference": format!("Organization/{org}")},
        "authoredOn": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()})
}
