//! The pieces of sending a form that are plain JSON: the QuestionnaireResponse the
//! citizen writes, the `form-answer` Task that delivers it to the unit's inbox, reading
//! a `form-request` Task, and turning validation errors into a 422.
//!
//! Why apart from the operations (`forms.rs`): these are pure and unit-tested here;
//! the operations only read, decide and commit.
use nordlys_forms::{Form, FormError, FormItem};
use nordlys_policy::{NOTIFICATION_TAG_SYSTEM, ORGNR_SYSTEM, TASK_KIND_SYSTEM};
use serde_json::{json, Value};

use crate::error::StoreError;

/// Questionnaire extension naming the unit that receives answers (`valueReference`
/// `Organization/{id}`), for forms not sent by a request (the built-in ones).
pub use nordlys_forms::builtin::RECEIVING_UNIT_URL;
/// Task extension carrying the triage score behind the priority (`valueDecimal`).
pub const TRIAGE_SCORE_URL: &str = "https://nordlys.no/fhir/StructureDefinition/triage-score";

/// A citizen's answers to a form, as the portal or an app sends them.
#[derive(Debug, Clone)]
pub struct FormAnswer {
    pub patient_id: String,
    pub questionnaire_id: String,
    /// `QuestionnaireResponse.item` as sent (texts are filled in from the form).
    pub items: Value,
    /// The draft this continues (its id is kept).
    pub draft_id: Option<String>,
    /// The `form-request` Task this answers, if any.
    pub request_id: Option<String>,
}

/// What a sent form produced.
#[derive(Debug, Clone)]
pub struct FormReceipt {
    pub response: crate::model::StoredResource,
    pub task: crate::model::StoredResource,
    /// The triage priority, when the form is a triage form.
    pub priority: Option<&'static str>,
}

/// The unit that receives the answer: its Organization reference and orgnr.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub reference: Value,
    pub orgnr: String,
}

/// Validation errors → 422 with one issue per error, `expression` pointing at it.
pub fn invalid(errors: &[FormError]) -> StoreError {
    StoreError::Invalid(
        errors
            .iter()
            .map(|e| nordlys_fhir::Issue {
                severity: nordlys_fhir::IssueSeverity::Error,
                code: match e.kind {
                    nordlys_forms::ErrorKind::Required => "required",
                    _ => "value",
                },
                expression: e.expression.clone(),
                diagnostics: e.message(),
            })
            .collect(),
    )
}

/// The items with each question's text copied from the form and chosen options in full,
/// so the answer reads on its own (the portal's detail page and any record system need
/// nothing else).
pub fn with_texts(form_items: &[FormItem], items: &Value) -> Value {
    let Some(list) = items.as_array() else {
        return json!([]);
    };
    Value::Array(
        list.iter()
            .map(|i| {
                let mut i = i.clone();
                let id = i.get("linkId").and_then(Value::as_str).unwrap_or_default();
                if let Some(f) = form_items.iter().find(|f| f.link_id == id) {
                    i["text"] = json!(f.text);
                    // A chosen option is stored as the form states it (system, code,
                    // display), however briefly the client named it.
                    if let Some(answers) = i.get_mut("answer").and_then(Value::as_array_mut) {
                        for a in answers.iter_mut() {
                            if let Some(o) = f.options.iter().find(|o| o.matches(a)) {
                                let nested = a.get("item").cloned();
                                *a = o.value.clone();
                                if let Some(n) = nested {
                                    a["item"] = n;
                                }
                            }
                        }
                    }
                    if let Some(children) = i.get("item").cloned() {
                        i["item"] = with_texts(&f.items, &children);
                    }
                }
                i
            })
            .collect(),
    )
}

/// The canonical a response names: `url|version`, or the plain url, or the local id.
pub fn canonical(questionnaire: &Value, id: &str) -> String {
    let url = questionnaire.get("url").and_then(Value::as_str);
    let version = questionnaire.get("version").and_then(Value::as_str);
    match (url, version) {
        (Some(u), Some(v)) => format!("{u}|{v}"),
        (Some(u), None) => u.to_string(),
        _ => format!("Questionnaire/{id}"),
    }
}

fn quiet() -> Value {
    // The citizen's own form is never news to themself or their family.
    json!({"tag": [{"system": NOTIFICATION_TAG_SYSTEM, "code": "do-not-notify"}]})
}

/// The QuestionnaireResponse: `status` in-progress (draft) or completed.
pub fn response(
    form: &Form,
    canonical: &str,
    answer: &FormAnswer,
    author: &Value,
    status: &str,
    now: &str,
) -> Value {
    json!({
        "resourceType": "QuestionnaireResponse", "meta": quiet(),
        "questionnaire": canonical, "status": status,
        "subject": {"reference": format!("Patient/{}", answer.patient_id)},
        "authored": now, "author": author, "source": author,
        "item": with_texts(&form.items, &answer.items),
    })
}

/// The `form-answer` Task in the unit's inbox, with the sender and the priority.
#[allow(clippy::too_many_arguments)]
pub fn answer_task(
    form: &Form,
    response_id: &str,
    patient_id: &str,
    unit: &Unit,
    requester: &Value,
    triage: Option<(f64, &str)>,
    request_id: Option<&str>,
    now: &str,
) -> Value {
    let mut t = json!({
        "resourceType": "Task", "meta": quiet(),
        "status": "requested", "intent": "order",
        "priority": triage.map_or("routine", |(_, p)| p),
        "code": {"coding": [{"system": TASK_KIND_SYSTEM, "code": "form-answer"}], "text": "Skjema mottatt"},
        "businessStatus": {"text": "Mottatt"},
        "description": form.title,
        "focus": {"reference": format!("QuestionnaireResponse/{response_id}")},
        "for": {"reference": format!("Patient/{patient_id}")},
        "owner": unit.reference, "requester": requester,
        "authoredOn": now, "lastModified": now,
    });
    if let Some((score, _)) = triage {
        t["extension"] = json!([{"url": TRIAGE_SCORE_URL, "valueDecimal": score}]);
    }
    if let Some(r) = request_id {
        t["basedOn"] = json!([{"reference": format!("Task/{r}")}]);
    }
    t
}

/// Is this Task a `form-request`, and for which Questionnaire id?
pub fn requested_questionnaire(task: &Value) -> Option<String> {
    let kind = task
        .pointer("/code/coding")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c["system"] == TASK_KIND_SYSTEM && c["code"] == "form-request");
    if !kind {
        return None;
    }
    let focus = task.pointer("/focus/reference").and_then(Value::as_str);
    let input = task
        .get("input")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|i| {
            i.pointer("/valueReference/reference")
                .or_else(|| i.get("valueCanonical"))
                .and_then(Value::as_str)
        });
    focus
        .or(input)
        .and_then(|r| r.strip_prefix("Questionnaire/"))
        .map(str::to_string)
}

/// The unit an Organization is: its reference with name and orgnr.
pub fn unit_of(org_id: &str, org: &Value) -> Option<Unit> {
    let orgnr = org
        .get("identifier")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|i| i["system"] == ORGNR_SYSTEM)
        .and_then(|i| i.get("value").and_then(Value::as_str))?;
    let mut reference = json!({"reference": format!("Organization/{org_id}"),
        "identifier": {"system": ORGNR_SYSTEM, "value": orgnr}});
    if let Some(n) = org.get("name").and_then(Value::as_str) {
        reference["display"] = json!(n);
    }
    Some(Unit {
        reference,
        orgnr: orgnr.to_string(),
    })
}

/// The receiving-unit extension's Organization id.
pub fn receiving_unit_id(questionnaire: &Value) -> Option<String> {
    questionnaire
        .get("extension")
        .and_then(Value::as_array)?
        .iter()
        .find(|e| e["url"] == RECEIVING_UNIT_URL)?
        .pointer("/valueReference/reference")
        .and_then(Value::as_str)?
        .strip_prefix("Organization/")
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> (Value, Form) {
        let q = json!({"resourceType": "Questionnaire", "url": "https://nordlys.no/q/fb", "version": "1",
            "title": "Tilbakemelding",
            "extension": [{"url": RECEIVING_UNIT_URL, "valueReference": {"reference": "Organization/unn"}}],
            "item": [{"linkId": "g", "text": "Gruppe", "type": "group", "item": [
                {"linkId": "g1", "text": "Spørsmål", "type": "string"}]}]});
        let f = Form::parse(&q).unwrap_or_else(|| panic!("form"));
        (q, f)
    }

    #[test]
    fn response_and_task_carry_what_the_unit_needs() {
        let (q, f) = form();
        assert_eq!(canonical(&q, "fb"), "https://nordlys.no/q/fb|1");
        assert_eq!(receiving_unit_id(&q).as_deref(), Some("unn"));
        let a = FormAnswer {
            patient_id: "p1".into(),
            questionnaire_id: "fb".into(),
            items: json!([{"linkId": "g", "item": [{"linkId": "g1", "answer": [{"valueString": "Bra"}]}]}]),
            draft_id: None,
            request_id: None,
        };
        let author = json!({"reference": "Patient/p1"});
        let r = response(&f, "c", &a, &author, "completed", "2026-12-07T10:00:00Z");
        assert_eq!(r["item"][0]["text"], "Gruppe");
        assert_eq!(r["item"][0]["item"][0]["text"], "Spørsmål");
        assert_eq!(r["subject"]["reference"], "Patient/p1");
        assert!(nordlys_fhir::validate_resource(&r).is_ok());
        let org =
            json!({"name": "UNN", "identifier": [{"system": ORGNR_SYSTEM, "value": "983974899"}]});
        let unit = unit_of("unn", &org).unwrap_or_else(|| panic!("unit"));
        assert_eq!(unit.orgnr, "983974899");
        let t = answer_task(
            &f,
            "r1",
            "p1",
            &unit,
            &author,
            Some((7.0, "asap")),
            Some("req1"),
            "2026-12-07T10:00:00Z",
        );
        assert_eq!(t["priority"], "asap");
        assert_eq!(t["owner"]["reference"], "Organization/unn");
        assert_eq!(t["focus"]["reference"], "QuestionnaireResponse/r1");
        assert_eq!(t["basedOn"][0]["reference"], "Task/req1");
        assert_eq!(t["extension"][0]["valueDecimal"], 7.0);
        assert!(nordlys_fhir::validate_resource(&t).is_ok());
    }

    #[test]
    fn form_requests_name_their_questionnaire() {
        let t = json!({"resourceType": "Task",
            "code": {"coding": [{"system": TASK_KIND_SYSTEM, "code": "form-request"}]},
            "input": [{"type": {"text": "skjema"}, "valueReference": {"reference": "Questionnaire/q1"}}]});
        assert_eq!(requested_questionnaire(&t).as_deref(), Some("q1"));
        let mut other = t.clone();
        other["code"]["coding"][0]["code"] = json!("dialog");
        assert_eq!(requested_questionnaire(&other), None);
    }
}
