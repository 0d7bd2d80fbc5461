//! The demo's appointment rules (docs/appointments.md): what UNN publishes to show
//! before appointments. The diabetes outpatient clinic's rule applies to Ola's video
//! consultation (adult, video, at the clinic), so the demo's appointment page shows
//! "Før timen"; the breast-imaging rule (women 40–74, mammography) shows the age and
//! sex conditions and applies to no demo appointment.
use serde_json::{json, Value};

use super::Ctx;
use crate::make::meta;

const USAGE: &str = "http://terminology.hl7.org/CodeSystem/usage-context-type";
const KIND: &str = "https://nordlys.no/fhir/CodeSystem/plan-kind";
const GUIDANCE: &str = "https://nordlys.no/fhir/CodeSystem/appointment-guidance";

fn action(kind: &str, title: &str, text: Option<&str>) -> Value {
    let mut a = json!({"title": title, "code": [{"coding": [{"system": GUIDANCE, "code": kind}]}]});
    if let Some(t) = text {
        a["description"] = json!(t);
    }
    a
}

pub(crate) fn rules(ctx: &mut Ctx) {
    let unn = ctx.orgnr("org-unn");
    let mut diabetes_info = action(
        "information",
        "Ha blodsukkerdagboken klar",
        Some("Legen går gjennom målingene dine de siste to ukene sammen med deg."),
    );
    diabetes_info["documentation"] = json!([{"type": "documentation",
        "url": "https://www.helsenorge.no/sykdom/diabetes/", "display": "Om diabetes på helsenorge.no"}]);
    ctx.push(json!({"resourceType": "PlanDefinition", "id": "pd-unn-med-diabetes-video",
        "meta": meta(Some(&unn), &[]), "status": "active",
        "title": "Før videokonsultasjon på diabetespoliklinikken",
        "type": {"coding": [{"system": KIND, "code": "appointment-rule"}]},
        "useContext": [
            {"code": {"system": USAGE, "code": "age"}, "valueRange": {"low": {"value": 18, "unit": "a"}}},
            {"code": {"system": USAGE, "code": "focus"}, "valueCodeableConcept": {"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/contact-mode", "code": "video"}]}},
            {"code": {"system": USAGE, "code": "venue"}, "valueReference": {"reference": "Location/loc-unn-med"}}
        ],
        "action": [
            diabetes_info,
            action("task", "Mål blodsukkeret fastende samme morgen", None),
        ]}));
    ctx.push(json!({"resourceType": "PlanDefinition", "id": "pd-unn-mammografi",
        "meta": meta(Some(&unn), &[]), "status": "active",
        "title": "Før mammografi",
        "type": {"coding": [{"system": KIND, "code": "appointment-rule"}]},
        "useContext": [
            {"code": {"system": USAGE, "code": "age"}, "valueRange": {"low": {"value": 40, "unit": "a"}, "high": {"value": 74, "unit": "a"}}},
            {"code": {"system": USAGE, "code": "gender"}, "valueCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/administrative-gender", "code": "female"}]}},
            {"code": {"system": USAGE, "code": "focus"}, "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "71651007"}]}}
        ],
        "action": [
            action("information", "Ikke bruk deodorant, krem eller pudder",
                Some("Samme dag som undersøkelsen: ikke bruk deodorant, krem eller pudder på bryst og armhuler.")),
            action("task", "Ta med liste over legemidler du bruker", None),
        ]}));
}
