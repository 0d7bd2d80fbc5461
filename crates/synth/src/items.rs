//! Builders for the items the policy reasons about most: journal documents and letters
//! (with their PDF Binary), referrals, encounters, appointments, slots, messages and
//! grants (Consent).
//!
//! Why structs with named fields: these items carry the links the policy follows
//! (`basedOn`, `replaces`, `context.related`, `context.encounter`) and the labels it
//! reads; naming every field at the call site keeps a generated region readable.
use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::codes::*;
use crate::make::{cc, coding, local_time, meta, reference, text_attachment, text_cc};
use crate::pdf::{base64, one_page_pdf};

/// A DocumentReference: a journal document or (with `letter`) a patient letter.
#[derive(Debug, Clone, Default)]
pub(crate) struct Doc {
    pub id: String,
    /// `Patient/…`
    pub patient: String,
    /// An instant.
    pub date: String,
    /// LOINC document type: code and display.
    pub kind: (&'static str, &'static str),
    pub title: String,
    /// `Practitioner/…` or `Organization/…`
    pub author: String,
    /// `Organization/…`
    pub custodian: String,
    /// Organisation number of the producer (`meta.source`).
    pub source: String,
    pub text: String,
    pub encounter: Option<String>,
    /// `context.related`: the referral(s) the document belongs to.
    pub related: Vec<String>,
    pub labels: Vec<&'static str>,
    pub letter: bool,
    /// When set, the content is a PDF in `Binary/<this id>` (see [`Doc::binary`]).
    pub pdf_binary: Option<String>,
}

impl Doc {
    pub fn json(&self) -> Value {
        let category = if self.letter {
            ("letter", "Pasientbrev")
        } else {
            ("journal", "Journaldokument")
        };
        let attachment = match &self.pdf_binary {
            Some(bin) => {
                json!({"contentType": "application/pdf", "language": "nb", "url": format!("Binary/{bin}"),
                                 "size": self.pdf().len(), "title": self.title, "creation": self.date})
            }
            None => text_attachment(&self.title, &self.text, &self.date),
        };
        let mut context = json!({"period": {"start": self.date}});
        if let Some(e) = &self.encounter {
            context["encounter"] = json!([reference(e)]);
        }
        if !self.related.is_empty() {
            context["related"] = Value::Array(self.related.iter().map(|r| reference(r)).collect());
        }
        json!({
            "resourceType": "DocumentReference", "id": self.id, "meta": meta(Some(&self.source), &self.labels),
            "status": "current", "docStatus": "final",
            "type": cc(LOINC, self.kind.0, self.kind.1),
            "category": [cc(DOCUMENT_CATEGORY_SYSTEM, category.0, category.1)],
            "subject": reference(&self.patient), "date": self.date,
            "author": [reference(&self.author)], "custodian": reference(&self.custodian),
            "description": self.title, "content": [{"attachment": attachment}], "context": context,
        })
    }

    fn pdf(&self) -> Vec<u8> {
        let lines: Vec<&str> = std::iter::once(self.title.as_str())
            .chain(self.text.lines())
            .collect();
        one_page_pdf(&lines)
    }

    /// The Binary holding the PDF, with the document's labels and a security context.
    pub fn binary(&self) -> Option<Value> {
        let id = self.pdf_binary.as_ref()?;
        Some(json!({
            "resourceType": "Binary", "id": id, "meta": meta(Some(&self.source), &self.labels),
            "contentType": "application/pdf",
            "securityContext": reference(&format!("DocumentReference/{}", self.id)),
            "data": base64(&self.pdf()),
        }))
    }
}

/// A ServiceRequest: a referral, or (with `requisition`) a laboratory order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Referral {
    pub id: String,
    pub patient: String,
    pub authored: String,
    pub requester: String,
    /// The receiving unit, `Organization/…`.
    pub performer: String,
    pub what: String,
    pub reason: String,
    pub status: &'static str,
    pub based_on: Option<String>,
    pub replaces: Option<String>,
    pub source: String,
    pub requisition: bool,
}

impl Referral {
    pub fn json(&self) -> Value {
        let category = if self.requisition {
            cc(SNOMED, "108252007", "Laboratory procedure")
        } else {
            cc(SNOMED, "3457005", "Patient referral")
        };
        let mut r = json!({
            "resourceType": "ServiceRequest", "id": self.id, "meta": meta(Some(&self.source), &[]),
            "status": self.status, "intent": "order", "category": [category], "priority": "routine",
            "code": text_cc(&self.what), "subject": reference(&self.patient), "authoredOn": self.authored,
            "requester": reference(&self.requester), "performer": [reference(&self.performer)],
            "reasonCode": [text_cc(&self.reason)],
        });
        if let Some(b) = &self.based_on {
            r["basedOn"] = json!([reference(b)]);
        }
        if let Some(b) = &self.replaces {
            r["replaces"] = json!([reference(b)]);
        }
        r
    }
}

/// An Encounter; `class` is a v3-ActCode (`AMB`, `VR`, `IMP`, `EMER`, `HH`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Encounter {
    pub id: String,
    pub patient: String,
    pub class: &'static str,
    pub what: String,
    pub start: String,
    pub end: String,
    pub provider: String,
    pub practitioner: String,
    pub based_on: Option<String>,
    pub source: String,
}

impl Encounter {
    pub fn json(&self) -> Value {
        let class_display = match self.class {
            "VR" => "virtual",
            "IMP" => "inpatient encounter",
            "EMER" => "emergency",
            "HH" => "home health",
            _ => "ambulatory",
        };
        let mut r = json!({
            "resourceType": "Encounter", "id": self.id, "meta": meta(Some(&self.source), &[]),
            "status": "finished", "class": coding(ACT_CODE, self.class, class_display),
            "type": [text_cc(&self.what)], "subject": reference(&self.patient),
            "participant": [{"individual": reference(&self.practitioner)}],
            "period": {"start": self.start, "end": self.end}, "serviceProvider": reference(&self.provider),
        });
        if let Some(b) = &self.based_on {
            r["basedOn"] = json!([reference(b)]);
        }
        r
    }
}

/// An Appointment at a local date and time; `video` adds the meeting link.
#[derive(Debug, Clone)]
pub(crate) struct Appt {
    pub id: String,
    pub patient: String,
    pub date: NaiveDate,
    pub hour: u32,
    pub minute: u32,
    pub minutes: u32,
    pub status: &'static str,
    pub practitioner: String,
    pub location: String,
    pub what: String,
    pub based_on: Option<String>,
    pub slot: Option<String>,
    pub video: Option<String>,
    pub source: String,
}

impl Appt {
    pub fn start(&self) -> String {
        local_time(self.date, self.hour, self.minute)
    }
    pub fn end(&self) -> String {
        let total = self.hour * 60 + self.minute + self.minutes;
        local_time(self.date, total / 60, total % 60)
    }
    pub fn json(&self) -> Value {
        let mode = if self.video.is_some() {
            ("video", "Video")
        } else {
            ("in-person", "Oppmøte")
        };
        let mut r = json!({
            "resourceType": "Appointment", "id": self.id, "meta": meta(Some(&self.source), &[]),
            "status": self.status,
            "serviceType": [cc("https://nordlys.no/fhir/CodeSystem/contact-mode", mode.0, mode.1)],
            "description": self.what, "start": self.start(), "end": self.end(), "minutesDuration": self.minutes,
            "participant": [
                {"actor": reference(&self.patient), "required": "required", "status": "accepted"},
                {"actor": reference(&self.practitioner), "required": "required", "status": "accepted"},
                {"actor": reference(&self.location), "required": "information-only", "status": "accepted"},
            ],
        });
        if let Some(b) = &self.based_on {
            r["basedOn"] = json!([reference(b)]);
        }
        if let Some(s) = &self.slot {
            r["slot"] = json!([reference(s)]);
        }
        if let Some(v) = &self.video {
            r["extension"] = json!([{"url": VIDEO_LINK_URL, "valueUrl": v}]);
        }
        r
    }
}

/// A Slot of `minutes` on a Schedule.
pub(crate) fn slot(
    id: &str,
    schedule: &str,
    date: NaiveDate,
    hour: u32,
    minute: u32,
    minutes: u32,
    free: bool,
) -> Value {
    let total = hour * 60 + minute + minutes;
    json!({
        "resourceType": "Slot", "id": id, "schedule": reference(schedule),
        "status": if free { "free" } else { "busy" },
        "start": local_time(date, hour, minute), "end": local_time(date, total / 60, total % 60),
    })
}

/// A Schedule for a practitioner at a location.
pub(crate) fn schedule(
    id: &str,
    practitioner: &str,
    location: &str,
    what: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Value {
    json!({
        "resourceType": "Schedule", "id": id, "active": true,
        "serviceType": [text_cc(what)], "actor": [reference(practitioner), reference(location)],
        "planningHorizon": {"start": local_time(from, 0, 0), "end": local_time(to, 23, 59)},
    })
}

/// One message (Communication) of a dialog thread.
#[derive(Debug, Clone, Default)]
pub(crate) struct Message {
    pub id: String,
    pub patient: String,
    pub sent: String,
    pub sender: String,
    pub recipient: String,
    pub topic: String,
    pub text: String,
    pub in_response_to: Option<String>,
    pub based_on: Option<String>,
    /// The organisation whose system stored it; `None` when a citizen wrote it.
    pub source: Option<String>,
}

impl Message {
    pub fn json(&self) -> Value {
        let mut r = json!({
            "resourceType": "Communication", "id": self.id, "meta": meta(self.source.as_deref(), &[]),
            "status": "completed", "subject": reference(&self.patient), "topic": text_cc(&self.topic),
            "sent": self.sent, "sender": reference(&self.sender), "recipient": [reference(&self.recipient)],
            "payload": [{"contentString": self.text}],
        });
        if let Some(p) = &self.in_response_to {
            r["inResponseTo"] = json!([reference(p)]);
        }
        if let Some(b) = &self.based_on {
            r["basedOn"] = json!([reference(b)]);
        }
        r
    }
}

/// A grant of access-policy.md § 8 as the Consent shape of contract.md.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grant {
    pub id: String,
    /// The grant kind (`proxy`, `parental-consent`, …).
    pub kind: &'static str,
    pub patient: String,
    pub date_time: String,
    pub performer: String,
    /// (v3-RoleCode role, reference) for each person the grant is about.
    pub actors: Vec<(&'static str, String)>,
    /// `metadata` / `full` / `limited` / `soft` / `hard`.
    pub action: Option<&'static str>,
    /// Items or referrals it covers, with `meaning` (`related` for a referral and all
    /// linked to it, `instance` for one item).
    pub data: Vec<(&'static str, String)>,
    pub classes: Vec<&'static str>,
    pub deny: bool,
    pub end: Option<String>,
    /// The organisation whose system stored it; `None` when a citizen set it.
    pub source: Option<String>,
}

impl Grant {
    pub fn json(&self) -> Value {
        let mut period = json!({"start": self.date_time});
        if let Some(end) = &self.end {
            period["end"] = json!(end);
        }
        let mut provision =
            json!({"type": if self.deny { "deny" } else { "permit" }, "period": period});
        if !self.actors.is_empty() {
            let actors: Vec<Value> = self
                .actors
                .iter()
                .map(|(role, r)| json!({"role": {"coding": [{"system": ROLE_CODE_SYSTEM, "code": role}]}, "reference": reference(r)}))
                .collect();
            provision["actor"] = Value::Array(actors);
        }
        if let Some(a) = self.action {
            provision["action"] = json!([{"coding": [{"system": ACCESS_LEVEL_SYSTEM, "code": a}]}]);
        }
        if !self.data.is_empty() {
            let data: Vec<Value> = self
                .data
                .iter()
                .map(|(meaning, r)| json!({"meaning": meaning, "reference": reference(r)}))
                .collect();
            provision["data"] = Value::Array(data);
        }
        if !self.classes.is_empty() {
            let classes: Vec<Value> = self
                .classes
                .iter()
                .map(|c| json!({"system": CATEGORY_SYSTEM, "code": c}))
                .collect();
            provision["class"] = Value::Array(classes);
        }
        let scope = if self.kind == "research" {
            "research"
        } else {
            "patient-privacy"
        };
        json!({
            "resourceType": "Consent", "id": self.id, "meta": meta(self.source.as_deref(), &[]),
            "status": "active",
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": scope}]},
            "category": [{"coding": [{"system": GRANT_KIND_SYSTEM, "code": self.kind}]}],
            "patient": reference(&self.patient), "dateTime": self.date_time,
            "performer": [reference(&self.performer)],
            "policyRule": {"coding": [{"system": ACT_CODE, "code": "OPTIN"}]},
            "provision": provision,
        })
    }
}
