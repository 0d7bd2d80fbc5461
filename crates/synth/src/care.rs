//! Builders for plans (Condition, Goal, CarePlan, CareTeam), medication
//! (MedicationRequest, MedicationStatement with the youth-sharing tag), vaccinations
//! (Immunization) and critical information (AllergyIntolerance).
//!
//! Why a separate module: these are the "register" services of the portal; they have
//! simple shapes but each needs the elements R4 requires (status, intent, subject, …).
use serde_json::{json, Value};

use crate::codes::*;
use crate::make::{cc, meta, reference, text_cc};

/// A Condition (diagnosis) coded in ICD-10 or ICPC-2.
#[allow(clippy::too_many_arguments)]
pub(crate) fn condition(
    id: &str,
    patient: &str,
    system: &str,
    code: &str,
    display: &str,
    onset: &str,
    recorder: &str,
    source: &str,
) -> Value {
    json!({
        "resourceType": "Condition", "id": id, "meta": meta(Some(source), &[]),
        "clinicalStatus": cc("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"),
        "verificationStatus": cc("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"),
        "category": [cc("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item")],
        "code": cc(system, code, display), "subject": reference(patient),
        "onsetDateTime": onset, "recordedDate": onset, "recorder": reference(recorder),
    })
}

/// A Goal; `expressed_by` the patient marks "what matters to you".
pub(crate) fn goal(
    id: &str,
    patient: &str,
    text: &str,
    expressed_by: &str,
    start: &str,
    source: &str,
) -> Value {
    json!({
        "resourceType": "Goal", "id": id, "meta": meta(Some(source), &[]), "lifecycleStatus": "active",
        "description": text_cc(text), "subject": reference(patient), "startDate": start,
        "expressedBy": reference(expressed_by),
    })
}

/// One measure of a plan: what, and who does it (a clinician, or the patient).
pub(crate) struct Measure<'a> {
    pub what: &'a str,
    pub performer: &'a str,
}

/// A shared treatment and self-treatment plan (DBEP).
#[allow(clippy::too_many_arguments)]
pub(crate) fn care_plan(
    id: &str,
    patient: &str,
    title: &str,
    purpose: &str,
    start: &str,
    author: &str,
    care_team: Option<&str>,
    conditions: &[String],
    goals: &[String],
    measures: &[Measure],
    source: &str,
) -> Value {
    let activity: Vec<Value> = measures
        .iter()
        .map(|m| json!({"detail": {"kind": "ServiceRequest", "code": text_cc(m.what), "status": "in-progress",
                                     "description": m.what, "performer": [reference(m.performer)]}}))
        .collect();
    let mut r = json!({
        "resourceType": "CarePlan", "id": id, "meta": meta(Some(source), &[]), "status": "active", "intent": "plan",
        "title": title, "description": purpose, "subject": reference(patient), "period": {"start": start},
        "author": reference(author),
        "addresses": conditions.iter().map(|c| reference(c)).collect::<Vec<_>>(),
        "goal": goals.iter().map(|g| reference(g)).collect::<Vec<_>>(),
        "activity": activity,
    });
    if let Some(t) = care_team {
        r["careTeam"] = json!([reference(t)]);
    }
    r
}

/// A CareTeam: (role text, member reference) pairs.
pub(crate) fn care_team(
    id: &str,
    patient: &str,
    name: &str,
    members: &[(&str, &str)],
    org: &str,
    source: &str,
) -> Value {
    let participant: Vec<Value> = members
        .iter()
        .map(|(role, m)| json!({"role": [text_cc(role)], "member": reference(m)}))
        .collect();
    json!({
        "resourceType": "CareTeam", "id": id, "meta": meta(Some(source), &[]), "status": "active",
        "name": name, "subject": reference(patient), "participant": participant,
        "managingOrganization": [reference(org)],
    })
}

/// A medicine, ATC-coded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Drug {
    pub atc: &'static str,
    pub name: &'static str,
    pub dosage: &'static str,
}

pub(crate) const SALBUTAMOL: Drug = Drug {
    atc: "R03AC02",
    name: "Ventoline (salbutamol) inhalasjonsaerosol",
    dosage: "1-2 doser ved behov",
};
pub(crate) const SERTRALIN: Drug = Drug {
    atc: "N06AB06",
    name: "Sertralin 50 mg tablett",
    dosage: "1 tablett om morgenen",
};
pub(crate) const PENICILLIN: Drug = Drug {
    atc: "J01CE02",
    name: "Apocillin (fenoksymetylpenicillin) mikstur",
    dosage: "10 ml 4 ganger daglig i 10 dager",
};
pub(crate) const METFORMIN: Drug = Drug {
    atc: "A10BA02",
    name: "Metformin 500 mg tablett",
    dosage: "1 tablett 2 ganger daglig",
};
pub(crate) const ATORVASTATIN: Drug = Drug {
    atc: "C10AA05",
    name: "Atorvastatin 20 mg tablett",
    dosage: "1 tablett om kvelden",
};
pub(crate) const FUROSEMID: Drug = Drug {
    atc: "C03CA01",
    name: "Furosemid 40 mg tablett",
    dosage: "1 tablett om morgenen",
};
pub(crate) const TIOTROPIUM: Drug = Drug {
    atc: "R03BB04",
    name: "Spiriva Respimat (tiotropium)",
    dosage: "2 inhalasjoner daglig",
};
pub(crate) const LAMOTRIGIN: Drug = Drug {
    atc: "N03AX09",
    name: "Lamotrigin 100 mg tablett",
    dosage: "1 tablett 2 ganger daglig",
};
pub(crate) const LEVOTHYROXIN: Drug = Drug {
    atc: "H03AA01",
    name: "Levaxin (levotyroksin) 50 mikrogram",
    dosage: "1 tablett om morgenen",
};
pub(crate) const AMLODIPIN: Drug = Drug {
    atc: "C08CA01",
    name: "Amlodipin 5 mg tablett",
    dosage: "1 tablett daglig",
};
pub(crate) const CETIRIZIN: Drug = Drug {
    atc: "R06AE07",
    name: "Cetirizin 10 mg tablett",
    dosage: "1 tablett ved behov",
};
pub(crate) const PARACETAMOL: Drug = Drug {
    atc: "N02BE01",
    name: "Paracetamol 500 mg tablett",
    dosage: "1-2 tabletter inntil 4 ganger daglig",
};

/// `meta` of a medication item, with the youth-sharing tag when given.
fn medication_meta(source: &str, youth_sharing: Option<&str>) -> Value {
    let mut m = meta(Some(source), &[]);
    if let Some(tag) = youth_sharing {
        let display = if tag == "only-youth" {
            "Bare du"
        } else {
            "Delt med foreldre"
        };
        m["tag"] = json!([{"system": YOUTH_SHARING_SYSTEM, "code": tag, "display": display}]);
    }
    m
}

/// A prescription.
pub(crate) fn prescription(
    id: &str,
    patient: &str,
    drug: Drug,
    authored: &str,
    requester: &str,
    youth_sharing: Option<&str>,
    source: &str,
) -> Value {
    json!({
        "resourceType": "MedicationRequest", "id": id, "meta": medication_meta(source, youth_sharing),
        "status": "active", "intent": "order", "medicationCodeableConcept": cc(ATC, drug.atc, drug.name),
        "subject": reference(patient), "authoredOn": authored, "requester": reference(requester),
        "dosageInstruction": [{"text": drug.dosage}],
    })
}

/// A statement that the patient uses a medicine (from the medication list).
#[allow(clippy::too_many_arguments)]
pub(crate) fn statement(
    id: &str,
    patient: &str,
    drug: Drug,
    since: &str,
    asserted: &str,
    source_ref: &str,
    youth_sharing: Option<&str>,
    source: &str,
) -> Value {
    json!({
        "resourceType": "MedicationStatement", "id": id, "meta": medication_meta(source, youth_sharing),
        "status": "active", "medicationCodeableConcept": cc(ATC, drug.atc, drug.name),
        "subject": reference(patient), "effectivePeriod": {"start": since}, "dateAsserted": asserted,
        "informationSource": reference(source_ref), "dosage": [{"text": drug.dosage}],
    })
}

/// A vaccine of the Norwegian programmes, ATC-coded.
pub(crate) type Vaccine = (&'static str, &'static str);
pub(crate) const V_DTAP_IPV_HIB_HEPB: Vaccine = ("J07CA09", "Infanrix hexa (DTaP-IPV-Hib-HepB)");
pub(crate) const V_PNEUMO: Vaccine = ("J07AL02", "Prevenar 13 (pneumokokk)");
pub(crate) const V_MMR: Vaccine = ("J07BD52", "Priorix (MMR)");
pub(crate) const V_DTAP_IPV: Vaccine = ("J07CA02", "Tetravac (DTaP-IPV)");
pub(crate) const V_HPV: Vaccine = ("J07BM03", "Gardasil 9 (HPV)");
pub(crate) const V_INFLUENZA: Vaccine = ("J07BB02", "Influensavaksine");
pub(crate) const V_COVID: Vaccine = ("J07BN01", "Comirnaty (covid-19)");

/// An Immunization given on `date` by `performer`.
pub(crate) fn immunization(
    id: &str,
    patient: &str,
    vaccine: Vaccine,
    date: &str,
    performer: &str,
    dose: u32,
    source: &str,
) -> Value {
    json!({
        "resourceType": "Immunization", "id": id, "meta": meta(Some(source), &[]), "status": "completed",
        "vaccineCode": cc(ATC, vaccine.0, vaccine.1), "patient": reference(patient),
        "occurrenceDateTime": date, "primarySource": true,
        "performer": [{"actor": reference(performer)}],
        "protocolApplied": [{"doseNumberPositiveInt": dose}],
    })
}

/// A critical allergy (shown in critical information).
pub(crate) fn allergy(
    id: &str,
    patient: &str,
    substance: &str,
    recorded: &str,
    recorder: &str,
    source: &str,
) -> Value {
    json!({
        "resourceType": "AllergyIntolerance", "id": id, "meta": meta(Some(source), &[]),
        "clinicalStatus": cc("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"),
        "verificationStatus": cc("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed", "Confirmed"),
        "type": "allergy", "category": ["medication"], "criticality": "high",
        "code": text_cc(substance), "patient": reference(patient), "recordedDate": recorded,
        "recorder": reference(recorder),
    })
}
