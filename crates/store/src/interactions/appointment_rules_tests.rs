//! Table-driven tests of the appointment rules: age boundaries (on the day of the
//! appointment), sex, type, place, unknown facts, and the RequestGroup shape.
use super::*;

const SNOMED: &str = "http://snomed.info/sct";
const MAMMOGRAPHY: &str = "71651007";

fn ctx(code: &str, value: Value) -> Value {
    let mut c = json!({"code": {"system": USAGE_CONTEXT, "code": code}});
    if let (Value::Object(m), Value::Object(v)) = (&mut c, value) {
        m.extend(v);
    }
    c
}

fn plan(contexts: Vec<Value>) -> Value {
    json!({"resourceType": "PlanDefinition", "id": "pd-1", "status": "active",
    "type": {"coding": [{"system": RULE_KIND_SYSTEM, "code": RULE_KIND_CODE}]},
    "useContext": contexts,
    "action": [
        {"title": "Ikke bruk deodorant", "description": "Ikke bruk deodorant eller krem på bryst og armhuler samme dag.",
         "code": [{"coding": [{"system": GUIDANCE_SYSTEM, "code": "information"}]}],
         "documentation": [{"type": "documentation", "url": "https://www.kreftregisteret.no/mammografi", "display": "Om mammografi"},
                           {"type": "documentation", "url": "javascript:alert(1)"}]},
        {"title": "Fyll ut skjema om tidligere undersøkelser",
         "code": [{"coding": [{"system": GUIDANCE_SYSTEM, "code": "task"}]}],
         "definitionCanonical": "Questionnaire/q-mammografi"}
    ]})
}

fn mammography_rule() -> Rule {
    rule_of(&plan(vec![
        ctx("age", json!({"valueRange": {"low": {"value": 40, "unit": "a"}, "high": {"value": 74, "unit": "a"}}})),
        ctx("gender", json!({"valueCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/administrative-gender", "code": "female"}]}})),
        ctx("focus", json!({"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": MAMMOGRAPHY}]}})),
        ctx("venue", json!({"valueReference": {"reference": "Location/loc-mammo"}})),
        ctx("venue", json!({"valueReference": {"reference": "HealthcareService/hs-mammo"}})),
    ]))
    .unwrap_or_else(|| panic!("an active rule"))
}

fn appointment(start: &str, place: &str, code: (&str, &str)) -> Value {
    json!({"resourceType": "Appointment", "id": "a-1", "start": start,
        "appointmentType": {"coding": [{"system": code.0, "code": code.1}]},
        "serviceType": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/contact-mode", "code": "in-person"}]}],
        "participant": [{"actor": {"reference": "Patient/p-1"}}, {"actor": {"reference": place}}]})
}

fn patient(birth: &str, gender: &str) -> Value {
    json!({"resourceType": "Patient", "id": "p-1", "birthDate": birth, "gender": gender})
}

/// (case, appointment start, place, type, birth date, sex, applies)
type Case<'a> = (
    &'a str,
    &'a str,
    &'a str,
    (&'a str, &'a str),
    &'a str,
    &'a str,
    bool,
);

#[test]
fn conditions_table() {
    let rule = mammography_rule();
    let mammo = (SNOMED, MAMMOGRAPHY);
    let cases: &[Case] = &[
        (
            "70-year-old woman",
            "2026-12-10T09:00:00+01:00",
            "Location/loc-mammo",
            mammo,
            "1956-03-01",
            "female",
            true,
        ),
        (
            "30-year-old man",
            "2026-12-10T09:00:00+01:00",
            "Location/loc-mammo",
            mammo,
            "1996-03-01",
            "male",
            false,
        ),
        (
            "70-year-old man",
            "2026-12-10T09:00:00+01:00",
            "Location/loc-mammo",
            mammo,
            "1956-03-01",
            "male",
            false,
        ),
        (
            "turns 40 on the day",
            "2026-12-10T09:00:00+01:00",
            "Location/loc-mammo",
            mammo,
            "1986-12-10",
            "female",
            true,
        ),
        (
            "turns 40 the day after",
            "2026-12-10T09:00:00+01:00",
            "Location/loc-mammo",
            mammo,
            "1986-12-11",
            "female",
            false,
        ),
        (
            "74 until the day before 75",
            "2026-12-10T09:00:00+01:00",
            "Location/loc-mammo",
            mammo,
            "1951-12-11",
            "female",
            true,
        ),
        (
            "turns 75 on the day",
            "2026-12-10T09:00:00+01:00",
            "Location/loc-mammo",
            mammo,
            "1951-12-10",
            "female",
            false,
        ),
        (
            "other type",
            "2026-12-10T09:00:00+01:00",
            "Location/loc-mammo",
            (SNOMED, "77477000"),
            "1956-03-01",
            "female",
            false,
        ),
        (
            "same code, other system",
            "2026-12-10T09:00:00+01:00",
            "Location/loc-mammo",
            ("urn:x", MAMMOGRAPHY),
            "1956-03-01",
            "female",
            false,
        ),
        (
            "second place listed",
            "2026-12-10T09:00:00+01:00",
            "HealthcareService/hs-mammo",
            mammo,
            "1956-03-01",
            "female",
            true,
        ),
        (
            "other place",
            "2026-12-10T09:00:00+01:00",
            "Location/loc-other",
            mammo,
            "1956-03-01",
            "female",
            false,
        ),
    ];
    for (name, start, place, code, birth, sex, expect) in cases {
        let f = facts_of(
            &appointment(start, place, *code),
            Some(&patient(birth, sex)),
        );
        assert_eq!(rule.applies(&f), *expect, "{name}: {f:?}");
    }
}

#[test]
fn unknown_facts_do_not_satisfy_a_condition() {
    let rule = mammography_rule();
    let a = appointment(
        "2026-12-10T09:00:00+01:00",
        "Location/loc-mammo",
        (SNOMED, MAMMOGRAPHY),
    );
    // No patient (not visible to the caller): no age, no sex.
    assert!(!rule.applies(&facts_of(&a, None)));
    // A rule without conditions applies to every appointment.
    let open = rule_of(&plan(vec![])).unwrap_or_default();
    assert!(open.applies(&facts_of(&a, None)));
    // Open-ended ranges.
    let from_70 = rule_of(&plan(vec![ctx(
        "age",
        json!({"valueRange": {"low": {"value": 70}}}),
    )]))
    .unwrap_or_default();
    assert!(from_70.applies(&facts_of(&a, Some(&patient("1956-03-01", "male")))));
    assert!(!from_70.applies(&facts_of(&a, Some(&patient("1996-03-01", "male")))));
}

#[test]
fn only_active_appointment_rules_count() {
    let mut p = plan(vec![]);
    p["status"] = json!("draft");
    assert_eq!(rule_of(&p), None);
    let mut q = plan(vec![]);
    q["type"] = json!({"coding": [{"system": RULE_KIND_SYSTEM, "code": "other"}]});
    assert_eq!(rule_of(&q), None);
}

#[test]
fn actions_and_request_group() {
    let rule = mammography_rule();
    assert_eq!(rule.actions.len(), 2);
    let info = &rule.actions[0];
    assert_eq!(info.kind, Kind::Information);
    assert_eq!(
        info.links,
        vec![(
            "https://www.kreftregisteret.no/mammografi".to_owned(),
            "Om mammografi".to_owned()
        )],
        "only https links"
    );
    assert_eq!(rule.actions[1].kind, Kind::Task);
    assert_eq!(
        rule.actions[1].form.as_deref(),
        Some("Questionnaire/q-mammografi")
    );
    let a = appointment(
        "2026-12-10T09:00:00+01:00",
        "Location/loc-mammo",
        (SNOMED, MAMMOGRAPHY),
    );
    let rules = vec![rule];
    let matched = matching(
        &rules,
        &facts_of(&a, Some(&patient("1956-03-01", "female"))),
    );
    let g = request_group("Appointment/a-1", Some("Patient/p-1"), &matched);
    assert_eq!(g["resourceType"], "RequestGroup");
    assert_eq!(g["basedOn"][0]["reference"], "Appointment/a-1");
    assert_eq!(g["instantiatesCanonical"], json!(["PlanDefinition/pd-1"]));
    assert_eq!(g["action"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        g["action"][0]["code"][0]["coding"][0]["code"],
        "information"
    );
    assert_eq!(
        g["action"][1]["resource"]["reference"],
        "Questionnaire/q-mammografi"
    );
    let none = matching(&rules, &facts_of(&a, Some(&patient("1996-03-01", "male"))));
    let empty = request_group("Appointment/a-1", None, &none);
    assert_eq!(empty["action"], json!([]));
    assert!(empty.get("instantiatesCanonical").is_none());
}
