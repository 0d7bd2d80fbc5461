//! Fixtures for appointment rules (docs/appointments.md): a breast-imaging unit's
//! mammography rule, people of a given age and sex, and their appointments.
//!
//! Why shared: the API test, the portal test and the demo check all need the same
//! rule and the same people, and exact expectations depend on their exact texts.
use chrono::{Datelike, Duration, NaiveDate, Utc};
use nordlys_fhir::ids::{generate_fnr, individual_range};
use nordlys_policy::FNR_SYSTEM;
use nordlys_store::appointment_rules::{GUIDANCE_SYSTEM, RULE_KIND_CODE, RULE_KIND_SYSTEM};
use nordlys_store::FhirStore;
use serde_json::{json, Value};

use crate::fixtures::{HOSPITAL_ORG, OTHER_ORG};

pub const SNOMED: &str = "http://snomed.info/sct";
/// SNOMED CT 71651007 |Mammography (procedure)|.
pub const MAMMOGRAPHY: &str = "71651007";
/// The breast-imaging unit's place.
pub const MAMMO_LOCATION: &str = "Location/loc-mammo";
/// The information text the mammography rule shows (its title).
pub const NO_DEODORANT: &str = "Ikke bruk deodorant, krem eller pudder";
/// The task the mammography rule gives.
pub const BRING_LIST: &str = "Ta med liste over legemidler du bruker";
const USAGE: &str = "http://terminology.hl7.org/CodeSystem/usage-context-type";

/// The mammography rule of the test hospital: women 40–74, mammography at
/// [`MAMMO_LOCATION`]; one information text with a link, one task.
pub fn mammography_rule() -> Value {
    json!({"resourceType": "PlanDefinition", "id": "pd-mammo", "status": "active",
    "title": "Før mammografi",
    "type": {"coding": [{"system": RULE_KIND_SYSTEM, "code": RULE_KIND_CODE}]},
    "useContext": [
        {"code": {"system": USAGE, "code": "age"}, "valueRange": {"low": {"value": 40, "unit": "a"}, "high": {"value": 74, "unit": "a"}}},
        {"code": {"system": USAGE, "code": "gender"}, "valueCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/administrative-gender", "code": "female"}]}},
        {"code": {"system": USAGE, "code": "focus"}, "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": MAMMOGRAPHY}]}},
        {"code": {"system": USAGE, "code": "venue"}, "valueReference": {"reference": MAMMO_LOCATION}}
    ],
    "action": [
        {"title": NO_DEODORANT, "description": "Samme dag som undersøkelsen: ikke bruk deodorant, krem eller pudder på bryst og armhuler. Det kan gi skygger på bildene.",
         "code": [{"coding": [{"system": GUIDANCE_SYSTEM, "code": "information"}]}],
         "documentation": [{"type": "documentation", "url": "https://www.kreftregisteret.no/screening/mammografiprogrammet/", "display": "Om mammografi"}]},
        {"title": BRING_LIST,
         "code": [{"coding": [{"system": GUIDANCE_SYSTEM, "code": "task"}]}]}
    ]})
}

/// A rule of another organisation that matches every appointment: it must never be
/// applied to the test hospital's appointments.
pub fn foreign_rule() -> Value {
    json!({"resourceType": "PlanDefinition", "id": "pd-foreign", "status": "active",
        "type": {"coding": [{"system": RULE_KIND_SYSTEM, "code": RULE_KIND_CODE}]},
        "action": [{"title": "Fra en annen virksomhet"}]})
}

/// A person `years` old today, of this sex (odd individual number: male); (Patient, fnr).
pub fn person(id: &str, years: i32, female: bool, n: u16) -> (Value, String) {
    // Birthday 60 days ago: the age holds today and on the appointment day.
    let base = Utc::now().date_naive() - Duration::days(60);
    let birth = NaiveDate::from_ymd_opt(base.year() - years, base.month(), base.day().min(28))
        .unwrap_or(NaiveDate::MIN);
    let individual = individual_range(birth.year())
        .map(|r| *r.start() + n * 2 + u16::from(!female))
        .unwrap_or(n);
    let fnr = generate_fnr(birth, individual, true).unwrap_or_default();
    let patient = json!({"resourceType": "Patient", "id": id,
        "identifier": [{"system": FNR_SYSTEM, "value": fnr}],
        "name": [{"family": "Nordmann", "given": [id]}],
        "gender": if female { "female" } else { "male" },
        "birthDate": birth.format("%Y-%m-%d").to_string()});
    (patient, fnr)
}

/// A mammography appointment at [`MAMMO_LOCATION`] in a week.
pub fn mammography_appointment(id: &str, patient_id: &str) -> Value {
    let day = Utc::now().date_naive() + Duration::days(7);
    json!({"resourceType": "Appointment", "id": id, "status": "booked",
    "appointmentType": {"coding": [{"system": SNOMED, "code": MAMMOGRAPHY, "display": "Mammografi"}]},
    "description": "Mammografi",
    "start": format!("{day}T09:00:00+01:00"), "end": format!("{day}T09:20:00+01:00"),
    "participant": [
        {"actor": {"reference": format!("Patient/{patient_id}")}, "status": "accepted"},
        {"actor": {"reference": MAMMO_LOCATION, "display": "Brystdiagnostisk senter"}, "status": "accepted"}
    ]})
}

/// Stores the rules, a 70-year-old woman and a 30-year-old man with one mammography
/// appointment each; returns (woman's fnr, man's fnr).
pub async fn mammography_setup(store: &FhirStore) -> (String, String) {
    let (woman, woman_fnr) = person("p-woman-70", 70, true, 1);
    let (man, man_fnr) = person("p-man-30", 30, false, 2);
    let hospital = vec![
        json!({"resourceType": "Location", "id": "loc-mammo", "name": "Brystdiagnostisk senter"}),
        mammography_rule(),
        woman,
        man,
        mammography_appointment("appt-woman-70", "p-woman-70"),
        mammography_appointment("appt-man-30", "p-man-30"),
    ];
    for (owner, resources) in [(HOSPITAL_ORG, hospital), (OTHER_ORG, vec![foreign_rule()])] {
        let report = store
            .unchecked_import(resources, Some(owner))
            .await
            .expect("import the appointment fixtures");
        assert!(report.failed.is_empty(), "refused: {:?}", report.failed);
    }
    (woman_fnr, man_fnr)
}
