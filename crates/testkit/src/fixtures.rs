//! Small, valid FHIR resources and request contexts used across tests.
use nordlys_policy::{Principal, Purpose};
use nordlys_store::RequestContext;
use serde_json::{json, Value};

/// Organisation number of the test hospital (valid control digit).
pub const HOSPITAL_ORG: &str = "983974899";
/// Organisation number of another organisation.
pub const OTHER_ORG: &str = "974760673";

/// A record system of the test hospital.
pub fn hospital_system() -> RequestContext {
    RequestContext::new(Principal::System {
        client_id: "dips-test".into(),
        orgnr: HOSPITAL_ORG.into(),
        scopes: vec!["system/*.read".into(), "system/*.write".into()],
    })
}

/// A record system of another organisation.
pub fn other_system() -> RequestContext {
    RequestContext::new(Principal::System {
        client_id: "other-test".into(),
        orgnr: OTHER_ORG.into(),
        scopes: vec!["system/*.read".into(), "system/*.write".into()],
    })
}

/// A practitioner of another organisation with an asserted care relationship.
pub fn treating_practitioner() -> RequestContext {
    RequestContext::new(Principal::Practitioner {
        hpr: "565501872".into(),
        orgnr: OTHER_ORG.into(),
        purpose: Some(Purpose::Treat),
    })
}

/// A citizen logged in at security level high.
pub fn citizen(pid: &str) -> RequestContext {
    RequestContext::new(Principal::Citizen {
        pid: pid.into(),
        level: nordlys_policy::SecurityLevel::High,
    })
}

/// A patient with a (synthetic, valid) fødselsnummer.
pub fn patient(id: &str, family: &str, given: &str, birth_date: &str, fnr: &str) -> Value {
    json!({
        "resourceType": "Patient",
        "id": id,
        "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": fnr}],
        "name": [{"family": family, "given": [given]}],
        "gender": "female",
        "birthDate": birth_date
    })
}

/// A lab Observation with a quantity value.
pub fn observation(id: &str, patient_id: &str, loinc: &str, value: f64, effective: &str) -> Value {
    json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "subject": {"reference": format!("Patient/{patient_id}")},
        "effectiveDateTime": effective,
        "valueQuantity": {"value": value, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"}
    })
}

/// A referral (ServiceRequest), optionally based on another.
pub fn referral(id: &str, patient_id: &str, based_on: Option<&str>) -> Value {
    let mut r = json!({
        "resourceType": "ServiceRequest",
        "id": id,
        "status": "active",
        "intent": "order",
        "subject": {"reference": format!("Patient/{patient_id}")},
        "authoredOn": "2026-10-01"
    });
    if let Some(b) = based_on {
        r["basedOn"] = json!([{"reference": format!("ServiceRequest/{b}")}]);
    }
    r
}
