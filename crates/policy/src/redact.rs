//! The metadata view of § 1: what a person needs to know an item is there (type,
//! title, date, organisation, status; for an appointment also time, place and video
//! link) and no clinical content.
//!
//! Why an allow-list per resource type: a deny-list leaks every element nobody thought
//! of (`note`, `text`, extensions). Elements the R4 definitions require but that *are*
//! the clinical content (an Observation's `code`, a medication) are replaced by a
//! masked concept (data-absent-reason `masked`) so the output stays valid FHIR.
use serde_json::{json, Map, Value};

use crate::decide::Redaction;
use crate::json::{each, str_at};

/// `meta.security` added to every redacted resource.
pub const REDACTED_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";
pub const REDACTED_CODE: &str = "REDACTED";
/// Appointment extension carrying the video link (kept at metadata level).
pub const VIDEO_LINK_URL: &str = "https://nordlys.no/fhir/StructureDefinition/video-link";

const COMMON: &[&str] = &[
    "resourceType",
    "id",
    "status",
    "category",
    "subject",
    "patient",
];

/// The § 1 metadata view of `resource`.
pub fn redact(resource: &Value) -> Value {
    redact_with(resource, Redaction::Metadata)
}

/// `resource` redacted per `profile` (from [`crate::Decision::redaction`]).
/// `NotApplicable` returns the resource unchanged.
pub fn redact_with(resource: &Value, profile: Redaction) -> Value {
    if profile == Redaction::NotApplicable {
        return resource.clone();
    }
    let rt = str_at(resource, "resourceType").unwrap_or("");
    let mut out = Map::new();
    let (keep, masked): (&[&str], &[&str]) = match (rt, profile) {
        ("Patient", Redaction::NameOnly) => (&["name"], &[]),
        ("Patient", _) => (&["name", "birthDate"], &[]),
        ("RelatedPerson", Redaction::NameOnly) => (&["name"], &[]),
        ("RelatedPerson", _) => (&["name", "relationship"], &[]),
        ("DocumentReference", _) => (
            &[
                "type",
                "date",
                "author",
                "custodian",
                "description",
                "docStatus",
            ],
            &[],
        ),
        ("DiagnosticReport", _) => (
            &[
                "code",
                "effectiveDateTime",
                "effectivePeriod",
                "effectiveInstant",
                "issued",
                "performer",
            ],
            &[],
        ),
        ("Observation", _) => (
            &[
                "effectiveDateTime",
                "effectivePeriod",
                "effectiveInstant",
                "issued",
                "performer",
            ],
            &["code"],
        ),
        ("Specimen", _) => (&["type", "receivedTime"], &[]),
        ("ServiceRequest", _) => (
            &[
                "intent",
                "code",
                "authoredOn",
                "requester",
                "performer",
                "priority",
            ],
            &[],
        ),
        ("Appointment", _) => (
            &[
                "serviceCategory",
                "serviceType",
                "specialty",
                "appointmentType",
                "description",
                "start",
                "end",
                "minutesDuration",
                "created",
                "participant",
            ],
            &[],
        ),
        ("Communication", _) => (&["sent", "received", "sender", "recipient"], &[]),
        ("CommunicationRequest", _) => (&["authoredOn", "sender", "recipient", "requester"], &[]),
        ("QuestionnaireResponse", _) => (&["questionnaire", "authored", "author"], &[]),
        ("CarePlan", _) => (&["intent", "title", "period", "created", "author"], &[]),
        ("Goal", _) => (&["lifecycleStatus", "startDate"], &["description"]),
        ("Condition", _) => (
            &["clinicalStatus", "verificationStatus", "recordedDate"],
            &[],
        ),
        ("AllergyIntolerance", _) => (
            &[
                "clinicalStatus",
                "verificationStatus",
                "type",
                "recordedDate",
            ],
            &[],
        ),
        ("Flag", _) => (&["period", "author"], &["code"]),
        ("MedicationRequest", _) => (
            &["intent", "authoredOn", "requester"],
            &["medicationCodeableConcept"],
        ),
        ("MedicationStatement", _) => (
            &["effectiveDateTime", "effectivePeriod", "dateAsserted"],
            &["medicationCodeableConcept"],
        ),
        ("MedicationDispense", _) => (
            &["whenHandedOver", "performer"],
            &["medicationCodeableConcept"],
        ),
        ("Immunization", _) => (&["occurrenceDateTime", "performer"], &["vaccineCode"]),
        ("Encounter", _) => (&["class", "type", "period", "serviceProvider"], &[]),
        ("Task", _) => (&["intent", "authoredOn", "owner", "requester", "for"], &[]),
        ("AuditEvent", _) => (
            &["type", "subtype", "action", "recorded", "outcome", "source"],
            &[],
        ),
        ("Consent", _) => (&["scope", "dateTime", "performer"], &[]),
        ("Binary", _) => (&["contentType"], &[]),
        _ => (&["type", "date", "author"], &[]),
    };
    let name_only = matches!(profile, Redaction::NameAndAge | Redaction::NameOnly);
    let common: &[&str] = if name_only {
        &["resourceType", "id", "patient"]
    } else {
        COMMON
    };
    if let Value::Object(src) = resource {
        for key in common.iter().chain(keep) {
            if let Some(v) = src.get(*key) {
                out.insert((*key).to_string(), v.clone());
            }
        }
        for key in masked {
            out.insert((*key).to_string(), masked_concept());
        }
    }
    match rt {
        "DocumentReference" => {
            let content: Vec<Value> = each(resource.get("content"))
                .map(|c| {
                    let a = c.get("attachment").unwrap_or(&Value::Null);
                    let mut att = Map::new();
                    for k in ["title", "contentType", "language", "creation"] {
                        if let Some(v) = a.get(k) {
                            att.insert(k.to_string(), v.clone());
                        }
                    }
                    json!({"attachment": att})
                })
                .collect();
            out.insert("content".into(), Value::Array(content));
        }
        "Appointment" => {
            let video: Vec<Value> = each(resource.get("extension"))
                .filter(|e| str_at(e, "url") == Some(VIDEO_LINK_URL))
                .cloned()
                .collect();
            if !video.is_empty() {
                out.insert("extension".into(), Value::Array(video));
            }
            let places: Vec<Value> = each(resource.get("contained"))
                .filter(|c| matches!(str_at(c, "resourceType"), Some("Location" | "Endpoint")))
                .cloned()
                .collect();
            if !places.is_empty() {
                out.insert("contained".into(), Value::Array(places));
            }
        }
        "AuditEvent" => {
            let agents: Vec<Value> = each(resource.get("agent"))
                .map(|a| pick(a, &["type", "who", "name", "requestor"]))
                .collect();
            out.insert("agent".into(), Value::Array(agents));
            let entities: Vec<Value> = each(resource.get("entity"))
                .map(|e| pick(e, &["what"]))
                .collect();
            if !entities.is_empty() {
                out.insert("entity".into(), Value::Array(entities));
            }
        }
        _ => {}
    }
    out.insert("meta".into(), redacted_meta(resource));
    Value::Object(out)
}

fn pick(v: &Value, keys: &[&str]) -> Value {
    let mut m = Map::new();
    for k in keys {
        if let Some(x) = v.get(*k) {
            m.insert((*k).to_string(), x.clone());
        }
    }
    Value::Object(m)
}

fn redacted_meta(resource: &Value) -> Value {
    let mut meta = Map::new();
    if let Some(m) = resource.get("meta") {
        for k in ["versionId", "lastUpdated"] {
            if let Some(v) = m.get(k) {
                meta.insert(k.to_string(), v.clone());
            }
        }
    }
    meta.insert(
        "security".into(),
        json!([{"system": REDACTED_SYSTEM, "code": REDACTED_CODE, "display": "redacted"}]),
    );
    Value::Object(meta)
}

fn masked_concept() -> Value {
    json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "masked", "display": "Masked"}]})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_keeps_title_drops_attachment_and_text() {
        let doc = json!({"resourceType": "DocumentReference", "id": "d1", "status": "current",
            "meta": {"versionId": "2", "security": [{"system": "urn:oid:2.16.578.1.12.4.1.1.9603", "code": "NORN_FOR"}]},
            "text": {"div": "<div>secret</div>"}, "type": {"text": "Epikrise"}, "date": "2026-01-02",
            "content": [{"attachment": {"title": "Epikrise", "contentType": "application/pdf", "data": "c2VjcmV0", "url": "Binary/b1"}}],
            "context": {"related": [{"reference": "ServiceRequest/r"}]}, "note": [{"text": "secret"}]});
        let r = redact(&doc);
        assert_eq!(
            r,
            json!({"resourceType": "DocumentReference", "id": "d1", "status": "current",
            "type": {"text": "Epikrise"}, "date": "2026-01-02",
            "content": [{"attachment": {"title": "Epikrise", "contentType": "application/pdf"}}],
            "meta": {"versionId": "2", "security": [{"system": REDACTED_SYSTEM, "code": "REDACTED", "display": "redacted"}]}})
        );
    }

    #[test]
    fn observation_code_and_value_are_masked() {
        let o = json!({"resourceType": "Observation", "id": "o", "status": "final", "code": {"text": "HIV"},
            "valueQuantity": {"value": 1}, "interpretation": [{"text": "H"}], "effectiveDateTime": "2026-01-01"});
        let r = redact(&o);
        assert_eq!(r["code"]["coding"][0]["code"], "masked");
        assert!(r.get("valueQuantity").is_none() && r.get("interpretation").is_none());
        assert_eq!(r["effectiveDateTime"], "2026-01-01");
    }

    #[test]
    fn appointment_keeps_time_place_and_video_link() {
        let a = json!({"resourceType": "Appointment", "id": "a", "status": "booked", "start": "2026-02-01T10:00:00Z",
            "end": "2026-02-01T10:30:00Z", "comment": "about the tumour", "patientInstruction": "fast",
            "participant": [{"actor": {"reference": "Location/l1"}, "status": "accepted"}],
            "extension": [{"url": VIDEO_LINK_URL, "valueUrl": "https://video.example/abc"}, {"url": "x", "valueString": "secret"}],
            "contained": [{"resourceType": "Endpoint", "id": "v"}, {"resourceType": "Observation", "id": "o"}]});
        let r = redact(&a);
        assert_eq!(r["extension"].as_array().map(Vec::len), Some(1));
        assert_eq!(r["contained"].as_array().map(Vec::len), Some(1));
        assert!(r.get("comment").is_none() && r.get("patientInstruction").is_none());
        assert_eq!(r["participant"][0]["status"], "accepted");
    }

    #[test]
    fn demographics_profiles() {
        let p = json!({"resourceType": "Patient", "id": "p", "name": [{"text": "Ola"}], "birthDate": "2013-11-22",
            "address": [{"line": ["x"]}], "telecom": [{"value": "999"}], "identifier": [{"value": "123"}]});
        let age = redact_with(&p, Redaction::NameAndAge);
        assert_eq!(age.as_object().map(|o| o.len()), Some(5));
        let name = redact_with(&p, Redaction::NameOnly);
        assert!(name.get("birthDate").is_none());
        assert_eq!(name["name"][0]["text"], "Ola");
        assert_eq!(redact_with(&p, Redaction::NotApplicable), p);
    }
}
