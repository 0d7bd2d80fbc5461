//! Letters (issue 5 § 5) for tests: a letter from the test hospital, structured text
//! inline, optionally carrying a form (`context.related` → Questionnaire, the
//! convention shared with the forms service).
use serde_json::{json, Value};

use crate::fixtures::HOSPITAL_ORG;

/// The document category system whose `letter` code makes a DocumentReference a letter.
pub const CATEGORY_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/document-category";

/// A letter to `patient_id` dated `date` (RFC 3339), "Innkalling" as text; `form` is a
/// Questionnaire id it asks to be filled in.
pub fn letter(id: &str, patient_id: &str, date: &str, form: Option<&str>) -> Value {
    let mut r = json!({"resourceType": "DocumentReference", "id": id, "status": "current",
        "type": {"text": "Innkalling"},
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": "letter"}]}],
        "subject": {"reference": format!("Patient/{patient_id}")}, "date": date,
        "description": "Innkalling til poliklinisk time",
        "custodian": {"identifier": {"system": nordlys_policy::ORGNR_SYSTEM, "value": HOSPITAL_ORG},
            "display": "Testsykehuset"},
        "content": [{"attachment": {"contentType": "text/plain; charset=utf-8",
            "data": "RHUgZXIgaW5ua2FsdCB0aWwgdGltZS4=", "title": "Innkalling"}}]});
    if let Some(q) = form {
        r["context"] = json!({"related": [{"reference": format!("Questionnaire/{q}")}]});
    }
    r
}
