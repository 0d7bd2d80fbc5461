//! One test per class of error, each asserting the exact code and expression.
use serde_json::{json, Value};

use super::*;

/// (code, expression) of every error.
fn errors(v: &Value) -> Vec<(&'static str, String)> {
    match validate_resource(v) {
        Ok(()) => Vec::new(),
        Err(issues) => issues
            .into_iter()
            .filter(|i| i.severity == IssueSeverity::Error)
            .map(|i| (i.code, i.expression))
            .collect(),
    }
}

fn one(code: &'static str, expr: &str) -> Vec<(&'static str, String)> {
    vec![(code, expr.to_owned())]
}

fn obs(extra: Value) -> Value {
    let mut o = json!({"resourceType": "Observation", "status": "final", "code": {"text": "Hb"}});
    if let (Some(o), Value::Object(extra)) = (o.as_object_mut(), extra) {
        o.extend(extra);
    }
    o
}

#[test]
fn minimal_resources_pass() {
    assert_eq!(
        validate_resource(&json!({"resourceType": "Patient"})),
        Ok(())
    );
    assert_eq!(
        validate_resource(&obs(
            json!({"valueQuantity": {"value": 12.1, "unit": "g/dL"}})
        )),
        Ok(())
    );
}

#[test]
fn resource_type() {
    assert_eq!(errors(&json!([1])), one("structure", "Resource"));
    assert_eq!(errors(&json!({"id": "x"})), one("required", "resourceType"));
    assert_eq!(
        errors(&json!({"resourceType": "Patientt"})),
        one("invalid", "resourceType")
    );
    assert_eq!(
        errors(&json!({"resourceType": "DomainResource"})),
        one("invalid", "resourceType")
    );
}

#[test]
fn unknown_elements() {
    assert_eq!(
        errors(&json!({"resourceType": "Patient", "foo": 1})),
        one("structure", "Patient.foo")
    );
    assert_eq!(
        errors(&json!({"resourceType": "Patient", "name": [{"family": "A", "surname": "B"}]})),
        one("structure", "Patient.name[0].surname")
    );
    assert_eq!(
        errors(&json!({"resourceType": "Patient", "contact": [{"nme": {}}]})),
        one("structure", "Patient.contact[0].nme")
    );
    // `resourceType` belongs to resources only.
    assert_eq!(
        errors(&json!({"resourceType": "Patient", "name": [{"resourceType": "X"}]})),
        one("structure", "Patient.name[0].resourceType")
    );
}

#[test]
fn arrays_and_singletons() {
    assert_eq!(
        errors(&json!({"resourceType": "Patient", "name": {"family": "A"}})),
        one("structure", "Patient.name")
    );
    assert_eq!(
        errors(&json!({"resourceType": "Patient", "gender": ["male"]})),
        one("structure", "Patient.gender")
    );
    assert_eq!(
        errors(&json!({"resourceType": "Patient", "name": []})),
        one("structure", "Patient.name")
    );
    assert_eq!(
        errors(&json!({"resourceType": "Patient", "name": [{}]})),
        one("structure", "Patient.name[0]")
    );
    assert_eq!(
        errors(&json!({"resourceType": "Patient", "gender": null})),
        one("structure", "Patient.gender")
    );
    assert_eq!(
        errors(&json!({"resourceType": "Patient", "name": "Kari"})),
        one("structure", "Patient.name")
    );
    assert_eq!(
        errors(&json!({"resourceType": "Patient", "maritalStatus": "M"})),
        one("structure", "Patient.maritalStatus")
    );
}

#[test]
fn required_elements() {
    assert_eq!(
        errors(&json!({"resourceType": "Observation", "code": {"text": "x"}})),
        one("required", "Observation.status")
    );
    assert_eq!(
        errors(&json!({"resourceType": "Observation"})),
        vec![
            ("required", "Observation.status".to_owned()),
            ("required", "Observation.code".to_owned())
        ]
    );
    // Required choice element.
    let mr = json!({"resourceType": "MedicationRequest", "status": "active", "intent": "order", "subject": {"reference": "Patient/p"}});
    assert_eq!(errors(&mr), one("required", "MedicationRequest.medication"));
    // Required inside a BackboneElement, and a primitive satisfied by its `_x` alone.
    let p = json!({"resourceType": "Patient", "communication": [{"preferred": true}]});
    assert_eq!(
        errors(&p),
        one("required", "Patient.communication[0].language")
    );
    let o = json!({"resourceType": "Observation", "_status": {"extension": [{"url": "http://x", "valueCode": "unknown"}]}, "code": {"text": "x"}});
    assert_eq!(errors(&o), vec![]);
}

#[test]
fn choice_elements() {
    let o = obs(json!({"valueQuantity": {"value": 1}, "valueString": "one"}));
    assert_eq!(errors(&o), one("structure", "Observation.value"));
    let o = obs(json!({"valueQuantity": {"value": "1"}}));
    assert_eq!(
        errors(&o),
        one("value", "Observation.value.ofType(Quantity).value")
    );
    let o = obs(json!({"valueMoney": {"value": 1}}));
    assert_eq!(errors(&o), one("structure", "Observation.valueMoney"));
}

#[test]
fn primitive_formats() {
    let p = |k: &str, v: Value| {
        let mut r = json!({"resourceType": "Patient"});
        r[k] = v;
        errors(&r)
    };
    assert_eq!(p("active", json!("true")), one("value", "Patient.active"));
    assert_eq!(
        p("birthDate", json!("1974-13-01")),
        one("value", "Patient.birthDate")
    );
    assert_eq!(
        p("birthDate", json!("1974-12-25T10:00:00Z")),
        one("value", "Patient.birthDate")
    );
    assert_eq!(p("gender", json!(" male")), one("value", "Patient.gender"));
    assert_eq!(p("id", json!("a_b")), one("value", "Patient.id"));
    assert_eq!(p("id", json!("x".repeat(65))), one("value", "Patient.id"));
    assert_eq!(
        p("implicitRules", json!("http://a b")),
        one("value", "Patient.implicitRules")
    );
    assert_eq!(
        p("multipleBirthInteger", json!(1.5)),
        one("value", "Patient.multipleBirth.ofType(integer)")
    );
    assert_eq!(
        p("deceasedDateTime", json!("2020-01-01T10:00")),
        one("value", "Patient.deceased.ofType(dateTime)")
    );
    assert_eq!(
        p("name", json!([{"family": ""}])),
        one("value", "Patient.name[0].family")
    );
    assert_eq!(
        p("photo", json!([{"data": "not base64!"}])),
        one("value", "Patient.photo[0].data")
    );
    assert_eq!(
        p("photo", json!([{"size": -1}])),
        one("value", "Patient.photo[0].size")
    );
    let o = obs(json!({"issued": "2020-01-01"}));
    assert_eq!(errors(&o), one("value", "Observation.issued"));
    let a = json!({"resourceType": "Appointment", "status": "booked", "participant": [{"status": "accepted", "actor": {"reference": "Patient/p"}}], "minutesDuration": 0});
    assert_eq!(errors(&a), one("value", "Appointment.minutesDuration"));
    let n =
        json!({"resourceType": "Patient", "text": {"status": "generated", "div": "plain text"}});
    assert_eq!(errors(&n), one("value", "Patient.text.div"));
}

#[test]
fn underscore_companions() {
    let ext = json!([{"url": "http://x", "valueString": "y"}]);
    let ok = json!({"resourceType": "Patient", "birthDate": "2000", "_birthDate": {"extension": ext},
        "name": [{"given": ["A", null], "_given": [null, {"extension": ext}]}]});
    assert_eq!(errors(&ok), vec![]);
    let bad = json!({"resourceType": "Patient", "_birthDate": {"foo": 1}});
    assert_eq!(errors(&bad), one("structure", "Patient.birthDate.foo"));
    let bad = json!({"resourceType": "Patient", "name": [{"given": ["A", "B"], "_given": [null]}]});
    assert_eq!(errors(&bad), one("structure", "Patient.name[0].given"));
    let bad = json!({"resourceType": "Patient", "name": [{"given": ["A", null]}]});
    assert_eq!(errors(&bad), one("structure", "Patient.name[0].given[1]"));
    let bad = json!({"resourceType": "Patient", "_name": [{"id": "x"}]});
    assert_eq!(errors(&bad), one("structure", "Patient._name"));
}

#[test]
fn contained_and_nested_resources() {
    let p = json!({"resourceType": "Patient", "contained": [{"resourceType": "Organization", "id": "o", "nam": "x"}]});
    assert_eq!(errors(&p), one("structure", "Patient.contained[0].nam"));
    let p = json!({"resourceType": "Patient", "contained": [{"id": "o"}]});
    assert_eq!(
        errors(&p),
        one("required", "Patient.contained[0].resourceType")
    );
    let p = json!({"resourceType": "Patient", "contained": [{"resourceType": "Organization", "id": "o",
        "contained": [{"resourceType": "Organization", "id": "o2"}]}]});
    assert_eq!(
        errors(&p),
        one("structure", "Patient.contained[0].contained")
    );
    let b = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "birthDate": "yesterday"}}, {"resource": {"resourceType": "Nope"}}]});
    assert_eq!(
        errors(&b),
        vec![
            ("value", "Bundle.entry[0].resource.birthDate".to_owned()),
            (
                "invalid",
                "Bundle.entry[1].resource.resourceType".to_owned()
            )
        ]
    );
    let params = json!({"resourceType": "Parameters", "parameter": [
        {"name": "p", "resource": {"resourceType": "Patient", "gender": 1}}, {"name": "n", "valueInteger": 1}]});
    assert_eq!(
        errors(&params),
        one("value", "Parameters.parameter[0].resource.gender")
    );
}

#[test]
fn references() {
    let r = |reference: &str| errors(&obs(json!({"subject": {"reference": reference}})));
    for good in [
        "Patient/p-1",
        "Group/g/_history/2",
        "https://fhir.example.no/Patient/1",
        "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0",
        "urn:oid:1.2.3",
        "#c1",
        "Patient?identifier=urn:oid:2.16.578.1.12.4.1.4.1|13097248022",
    ] {
        assert_eq!(r(good), vec![], "{good}");
    }
    assert_eq!(r("Patient/"), one("value", "Observation.subject.reference"));
    assert_eq!(
        r("Patient/a b"),
        one("value", "Observation.subject.reference")
    );
    assert_eq!(
        r("Pasient/1"),
        one("invalid", "Observation.subject.reference")
    );
    assert_eq!(
        r("Medication/1"),
        one("invalid", "Observation.subject.reference")
    );
}

#[test]
fn norwegian_identifiers() {
    let fnr = crate::ids::generate_fnr(
        chrono::NaiveDate::from_ymd_opt(2013, 11, 22).unwrap_or_default(),
        500,
        true,
    )
    .unwrap_or_default();
    let p = |system: &str, value: &str| {
        errors(&json!({"resourceType": "Patient", "identifier": [
        {"system": "urn:oid:1.2.3", "value": "whatever"}, {"system": system, "value": value}]}))
    };
    assert_eq!(p("urn:oid:2.16.578.1.12.4.1.4.1", &fnr), vec![]);
    assert_eq!(
        p("urn:oid:2.16.578.1.12.4.1.4.1", "13097248023"),
        one("value", "Patient.identifier[1].value")
    );
    assert_eq!(
        p("urn:oid:2.16.578.1.12.4.1.4.2", "12345678901"),
        one("value", "Patient.identifier[1].value")
    );
    assert_eq!(
        p("urn:oid:2.16.578.1.12.4.1.4.101", "983974890"),
        one("value", "Patient.identifier[1].value")
    );
    // Nested identifiers are checked too.
    let rp = json!({"resourceType": "RelatedPerson", "patient": {"reference": "Patient/c"},
        "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": "1"}]});
    assert_eq!(
        errors(&rp),
        one("value", "RelatedPerson.identifier[0].value")
    );
}

#[test]
fn extensions() {
    let p = |e: Value| errors(&json!({"resourceType": "Patient", "extension": [e]}));
    assert_eq!(p(json!({"url": "http://x", "valueBoolean": true})), vec![]);
    assert_eq!(
        p(json!({"url": "http://x", "extension": [{"url": "a", "valueString": "b"}]})),
        vec![]
    );
    assert_eq!(
        p(json!({"valueBoolean": true})),
        one("required", "Patient.extension[0].url")
    );
    assert_eq!(
        p(json!({"url": "http://x"})),
        one("invalid", "Patient.extension[0]")
    );
    assert_eq!(
        p(
            json!({"url": "http://x", "valueBoolean": true, "extension": [{"url": "a", "valueString": "b"}]})
        ),
        one("invalid", "Patient.extension[0]")
    );
    assert_eq!(
        p(json!({"url": "http://x", "valueFoo": true})),
        one("structure", "Patient.extension[0].valueFoo")
    );
}

#[test]
fn hostile_input_is_bounded() {
    // 100 levels of nested extensions.
    let mut e = json!({"url": "u", "valueString": "leaf"});
    for _ in 0..100 {
        e = json!({"url": "u", "extension": [e]});
    }
    let issues = validate_resource_all(&json!({"resourceType": "Patient", "extension": [e]}));
    assert_eq!(
        issues.iter().map(|i| i.code).collect::<Vec<_>>(),
        vec!["too-costly"]
    );
    // Hundreds of unknown keys: the report stops at MAX_ISSUES.
    let mut p = json!({"resourceType": "Patient"});
    for i in 0..500 {
        p[format!("x{i}")] = json!(1);
    }
    let issues = validate_resource_all(&p);
    assert_eq!(issues.len(), MAX_ISSUES);
    assert_eq!(issues.last().map(|i| i.code), Some("too-costly"));
}

#[test]
fn issue_text_is_useful() {
    let Err(issues) = validate_resource(&json!({"resourceType": "Patient", "gender": ["male"]}))
    else {
        panic!("accepted")
    };
    assert_eq!(
        issues[0].diagnostics,
        "'gender' repeats at most once: must not be an array"
    );
    assert_eq!(issues[0].severity, IssueSeverity::Error);
}

/// `cargo test -p nordlys-fhir --release -- --nocapture validate_speed` prints the time.
#[test]
fn validate_speed() {
    let text = include_str!("../../tests/examples/Observation-example.json");
    let obs: Value = serde_json::from_str(text).unwrap_or_default();
    let n = 2000;
    let start = std::time::Instant::now();
    let ok = (0..n).filter(|_| validate_resource(&obs).is_ok()).count();
    let per = start.elapsed() / n;
    assert_eq!(ok, n as usize);
    println!("validate_resource(Observation-example): {per:?} per call");
}
