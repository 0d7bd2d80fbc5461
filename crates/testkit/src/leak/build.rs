//! Compact FHIR R4 builders for the leak test's random worlds.
//!
//! Why not the synth crate's builders: they are private to that crate, and the leak
//! test needs every knob (labels, NORU dates, youth-sharing tags, link targets, grant
//! actors) on every item. Every shape here uses exactly the encodings of contract.md,
//! so the policy reads what the store stores.
use chrono::{NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Europe::Oslo;
use nordlys_policy::{
    ACCESS_LEVEL_SYSTEM, CATEGORY_SYSTEM, DEFERRED_UNTIL_URL, FNR_SYSTEM, GRANT_KIND_SYSTEM,
    HPR_SYSTEM, LABEL_SYSTEM, ORGNR_SYSTEM, PARENTAL_RESPONSIBILITY_URL, YOUTH_SHARING_SYSTEM,
};
use serde_json::{json, Value};

const ROLE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
const CONFIDENTIALITY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
const OBS_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const SNOMED: &str = "http://snomed.info/sct";
const LOINC: &str = "http://loinc.org";
const DOC_CATEGORY: &str = "https://nordlys.no/fhir/CodeSystem/document-category";
const UNIT_TYPE: &str = "https://nordlys.no/fhir/CodeSystem/unit-type";

/// `date` at `h:00` Europe/Oslo as an RFC 3339 instant with its offset.
pub fn instant(date: NaiveDate, h: u32) -> String {
    let t = NaiveTime::from_hms_opt(h % 24, 0, 0).unwrap_or(NaiveTime::MIN);
    match Oslo.from_local_datetime(&date.and_time(t)).earliest() {
        Some(local) => local.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        None => format!("{}T{:02}:00:00Z", date.format("%Y-%m-%d"), h % 24),
    }
}

pub fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub fn reference(target: &str) -> Value {
    json!({ "reference": target })
}

fn cc(system: &str, code: &str) -> Value {
    json!({"coding": [{"system": system, "code": code}]})
}

/// Labels and tags an item carries (`meta.security`, NORU date, youth-sharing tag).
#[derive(Debug, Clone, Default)]
pub struct Marks {
    pub labels: Vec<&'static str>,
    /// NORU opening date (instant), added with the NORU label.
    pub noru_until: Option<String>,
    pub sharing: Option<&'static str>,
}

impl Marks {
    pub fn meta(&self) -> Value {
        let mut m = json!({});
        let mut security: Vec<Value> = self
            .labels
            .iter()
            .map(|c| json!({"system": LABEL_SYSTEM, "code": c}))
            .collect();
        if let Some(until) = &self.noru_until {
            security.push(json!({"system": LABEL_SYSTEM, "code": "NORU"}));
            m["extension"] = json!([{"url": DEFERRED_UNTIL_URL, "valueDateTime": until}]);
        }
        if !security.is_empty() {
            m["security"] = Value::Array(security);
        }
        if let Some(s) = self.sharing {
            m["tag"] = json!([{"system": YOUTH_SHARING_SYSTEM, "code": s}]);
        }
        m
    }

    /// Puts the marks on `r` (nothing when there are none).
    pub fn apply(&self, mut r: Value) -> Value {
        let meta = self.meta();
        if meta.as_object().is_some_and(|m| !m.is_empty()) {
            r["meta"] = meta;
        }
        r
    }
}

/// A person's national id, name, birth date, home address and confidentiality.
#[derive(Debug, Clone)]
pub struct PersonData {
    pub pid: String,
    pub family: String,
    pub given: String,
    pub birth: NaiveDate,
    pub address: String,
    pub confidential: bool,
}

impl PersonData {
    fn identifier(&self) -> Value {
        json!({"system": FNR_SYSTEM, "value": self.pid})
    }
    fn address(&self) -> Value {
        json!([{"use": "home", "line": [self.address], "postalCode": "9010", "city": "Tromsø"}])
    }
    fn confidential_meta(&self) -> Value {
        json!({"security": [{"system": CONFIDENTIALITY_SYSTEM, "code": "R"}]})
    }
}

pub fn patient(id: &str, p: &PersonData) -> Value {
    let mut r = json!({"resourceType": "Patient", "id": id, "identifier": [p.identifier()],
        "name": [{"family": p.family, "given": [p.given]}], "birthDate": day(p.birth), "address": p.address()});
    if p.confidential {
        r["meta"] = p.confidential_meta();
    }
    r
}

/// Parental responsibility on a RelatedPerson.
#[derive(Debug, Clone, Copy)]
pub enum Responsibility {
    None,
    /// In force from the date.
    Since(NaiveDate),
    /// Was in force, ended on the second date.
    Ended(NaiveDate, NaiveDate),
}

pub fn related_person(
    id: &str,
    patient_id: &str,
    p: &PersonData,
    role: &str,
    resp: Responsibility,
    active: bool,
) -> Value {
    let mut r = json!({"resourceType": "RelatedPerson", "id": id, "active": active,
        "patient": reference(&format!("Patient/{patient_id}")), "identifier": [p.identifier()],
        "relationship": [cc(ROLE_SYSTEM, role)], "name": [{"family": p.family, "given": [p.given]}],
        "birthDate": day(p.birth), "address": p.address()});
    let period = match resp {
        Responsibility::None => None,
        Responsibility::Since(from) => Some(json!({"start": day(from)})),
        Responsibility::Ended(from, to) => Some(json!({"start": day(from), "end": day(to)})),
    };
    if let Some(period) = period {
        r["extension"] = json!([{"url": PARENTAL_RESPONSIBILITY_URL, "extension": [
            {"url": "value", "valueBoolean": true}, {"url": "period", "valuePeriod": period}]}]);
    }
    if p.confidential {
        r["meta"] = p.confidential_meta();
    }
    r
}

/// Whom a grant is about.
#[derive(Debug, Clone)]
pub enum GrantActor {
    /// A RelatedPerson (role PRN).
    Related(String),
    /// A citizen by national id (role given).
    Citizen(&'static str, String),
    /// An organisation by orgnr (role PROV).
    Org(String),
    /// A practitioner resource (role PROV).
    Practitioner(String),
}

impl GrantActor {
    fn json(&self) -> Value {
        let role = |c: &str| json!({"coding": [{"system": ROLE_SYSTEM, "code": c}]});
        match self {
            GrantActor::Related(r) => json!({"role": role("PRN"), "reference": reference(r)}),
            GrantActor::Citizen(c, pid) => {
                json!({"role": role(c), "reference": {"identifier": {"system": FNR_SYSTEM, "value": pid}}})
            }
            GrantActor::Org(orgnr) => {
                json!({"role": role("PROV"), "reference": {"identifier": {"system": ORGNR_SYSTEM, "value": orgnr}}})
            }
            GrantActor::Practitioner(r) => json!({"role": role("PROV"), "reference": reference(r)}),
        }
    }
}

/// One grant (§ 8) as a Consent.
#[derive(Debug, Clone)]
pub struct GrantSpec {
    pub id: String,
    pub kind: &'static str,
    pub patient: String,
    pub recorded: String,
    pub performer: String,
    pub actors: Vec<GrantActor>,
    pub action: Option<&'static str>,
    /// `(reference, related)`.
    pub data: Vec<(String, bool)>,
    pub classes: Vec<&'static str>,
    pub active: bool,
}

impl GrantSpec {
    pub fn json(&self) -> Value {
        let deny = matches!(
            self.kind,
            "deny-parents"
                | "self-deny-results"
                | "lockdown"
                | "emergency-lock"
                | "block"
                | "shield"
                | "reservation"
        );
        let mut provision = json!({"type": if deny { "deny" } else { "permit" }, "period": {"start": self.recorded}});
        if !self.actors.is_empty() {
            provision["actor"] = Value::Array(self.actors.iter().map(GrantActor::json).collect());
        }
        if let Some(a) = self.action {
            provision["action"] = json!([cc(ACCESS_LEVEL_SYSTEM, a)]);
        }
        if !self.data.is_empty() {
            let data: Vec<Value> = self
                .data
                .iter()
                .map(|(r, related)| json!({"meaning": if *related { "related" } else { "instance" }, "reference": reference(r)}))
                .collect();
            provision["data"] = Value::Array(data);
        }
        if !self.classes.is_empty() {
            provision["class"] = Value::Array(
                self.classes
                    .iter()
                    .map(|c| json!({"system": CATEGORY_SYSTEM, "code": c}))
                    .collect(),
            );
        }
        json!({"resourceType": "Consent", "id": self.id, "status": if self.active { "active" } else { "inactive" },
            "scope": cc("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy"),
            "category": [cc(GRANT_KIND_SYSTEM, self.kind)], "patient": reference(&self.patient),
            "dateTime": self.recorded, "performer": [reference(&self.performer)],
            "policyRule": cc("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN"), "provision": provision})
    }
}

pub fn organization(id: &str, orgnr: &str, name: &str, unit_type: &str) -> Value {
    json!({"resourceType": "Organization", "id": id, "identifier": [{"system": ORGNR_SYSTEM, "value": orgnr}],
        "type": [cc(UNIT_TYPE, unit_type)], "name": name})
}

pub fn practitioner(id: &str, hpr: &str) -> Value {
    json!({"resourceType": "Practitioner", "id": id, "identifier": [{"system": HPR_SYSTEM, "value": hpr}],
        "name": [{"family": "Lege", "given": [id]}]})
}

/// A journal document or a letter; links to a referral (`context.related`) or encounter.
pub fn document(
    id: &str,
    patient: &str,
    date: &str,
    letter: bool,
    related: Option<&str>,
    encounter: Option<&str>,
    binary: Option<&str>,
) -> Value {
    let attachment = match binary {
        Some(b) => {
            json!({"contentType": "application/pdf", "url": format!("Binary/{b}"), "title": "Notat"})
        }
        None => {
            json!({"contentType": "text/plain", "data": "S2xpbmlzayBub3RhdA==", "title": "Notat"})
        }
    };
    let mut context = json!({});
    if let Some(r) = related {
        context["related"] = json!([reference(r)]);
    }
    if let Some(e) = encounter {
        context["encounter"] = json!([reference(e)]);
    }
    let mut r = json!({"resourceType": "DocumentReference", "id": id, "status": "current",
        "type": cc(LOINC, "11488-4"), "category": [cc(DOC_CATEGORY, if letter { "letter" } else { "journal" })],
        "subject": reference(patient), "date": date, "description": "Notat", "content": [{"attachment": attachment}]});
    if context.as_object().is_some_and(|c| !c.is_empty()) {
        r["context"] = context;
    }
    r
}

pub fn binary(id: &str, document_id: &str) -> Value {
    json!({"resourceType": "Binary", "id": id, "contentType": "application/pdf",
        "securityContext": reference(&format!("DocumentReference/{document_id}")), "data": "JVBERi0xLjQK"})
}

/// A referral, or (with `requisition`) a laboratory order.
pub fn service_request(
    id: &str,
    patient: &str,
    authored: &str,
    performer: &str,
    requisition: bool,
    based_on: Option<&str>,
    replaces: Option<&str>,
) -> Value {
    let category = if requisition { "108252007" } else { "3457005" };
    let mut r = json!({"resourceType": "ServiceRequest", "id": id, "status": "active", "intent": "order",
        "category": [cc(SNOMED, category)], "code": {"text": "Henvisning"}, "subject": reference(patient),
        "authoredOn": authored, "performer": [reference(performer)]});
    if let Some(b) = based_on {
        r["basedOn"] = json!([reference(b)]);
    }
    if let Some(b) = replaces {
        r["replaces"] = json!([reference(b)]);
    }
    r
}

pub fn diagnostic_report(
    id: &str,
    patient: &str,
    issued: &str,
    based_on: &str,
    results: &[String],
) -> Value {
    json!({"resourceType": "DiagnosticReport", "id": id, "status": "final", "category": [cc("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB")],
        "code": cc(LOINC, "11502-2"), "subject": reference(patient), "effectiveDateTime": issued, "issued": issued,
        "basedOn": [reference(based_on)], "conclusion": "Normale funn",
        "result": results.iter().map(|r| reference(r)).collect::<Vec<_>>()})
}

pub fn observation(id: &str, patient: &str, code: &str, effective: &str) -> Value {
    json!({"resourceType": "Observation", "id": id, "status": "final",
        "category": [cc(OBS_CATEGORY, "laboratory")], "code": cc(LOINC, code), "subject": reference(patient),
        "effectiveDateTime": effective, "issued": effective,
        "valueQuantity": {"value": 5.4, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"}})
}

pub fn measurement(id: &str, patient: &str, effective: &str) -> Value {
    json!({"resourceType": "Observation", "id": id, "status": "final",
        "category": [cc(OBS_CATEGORY, "vital-signs")], "code": cc(LOINC, "8867-4"), "subject": reference(patient),
        "effectiveDateTime": effective, "device": reference("Device/home-hub"),
        "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}})
}

pub fn encounter(id: &str, patient: &str, start: &str, based_on: &str) -> Value {
    json!({"resourceType": "Encounter", "id": id, "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": reference(patient), "period": {"start": start}, "basedOn": [reference(based_on)]})
}

pub fn appointment(
    id: &str,
    patient: &str,
    start: &str,
    end: &str,
    based_on: Option<&str>,
) -> Value {
    let mut r = json!({"resourceType": "Appointment", "id": id, "status": "booked", "description": "Kontroll",
        "start": start, "end": end, "participant": [{"actor": reference(patient), "status": "accepted"}]});
    if let Some(b) = based_on {
        r["basedOn"] = json!([reference(b)]);
    }
    r
}

pub fn communication(
    id: &str,
    patient: &str,
    sent: &str,
    from_patient: bool,
    practitioner: &str,
) -> Value {
    let (sender, recipient) = if from_patient {
        (patient, practitioner)
    } else {
        (practitioner, patient)
    };
    json!({"resourceType": "Communication", "id": id, "status": "completed", "subject": reference(patient),
        "sent": sent, "sender": reference(sender), "recipient": [reference(recipient)],
        "payload": [{"contentString": "Hei, et spørsmål"}]})
}

pub fn care_plan(id: &str, patient: &str) -> Value {
    json!({"resourceType": "CarePlan", "id": id, "status": "active", "intent": "plan", "title": "Plan",
        "subject": reference(patient), "description": "Oppfølging"})
}

pub fn medication_statement(id: &str, patient: &str, date: &str) -> Value {
    json!({"resourceType": "MedicationStatement", "id": id, "status": "active",
        "medicationCodeableConcept": cc("http://www.whocc.no/atc", "G03AA07"), "subject": reference(patient),
        "effectiveDateTime": date})
}

pub fn immunization(id: &str, patient: &str, date: &str) -> Value {
    json!({"resourceType": "Immunization", "id": id, "status": "completed",
        "vaccineCode": cc("http://www.whocc.no/atc", "J07BM01"), "patient": reference(patient), "occurrenceDateTime": date})
}

pub fn allergy(id: &str, patient: &str) -> Value {
    json!({"resourceType": "AllergyIntolerance", "id": id, "patient": reference(patient), "code": cc(SNOMED, "91936005")})
}

pub fn questionnaire_response(id: &str, patient: &str, date: &str) -> Value {
    json!({"resourceType": "QuestionnaireResponse", "id": id, "status": "completed", "subject": reference(patient),
        "authored": date, "item": [{"linkId": "1", "answer": [{"valueString": "Godt"}]}]})
}

/// A Nordlys work-item Task of `kind` (`nordlys_policy::TASK_KINDS`) in the unit
/// `owner`'s inbox: it joins the patient's record through `for`, decided by its
/// service's § 6 row (docs/access-policy.md).
pub fn work_item(id: &str, patient: &str, kind: &str, owner: &str, authored: &str) -> Value {
    json!({"resourceType": "Task", "id": id, "status": "requested", "intent": "order", "priority": "routine",
        "code": {"coding": [{"system": nordlys_policy::TASK_KIND_SYSTEM, "code": kind}]},
        "description": "Arbeidsoppgave", "for": reference(patient), "focus": reference(patient),
        "owner": {"identifier": {"system": nordlys_policy::ORGNR_SYSTEM, "value": owner}},
        "authoredOn": authored})
}
