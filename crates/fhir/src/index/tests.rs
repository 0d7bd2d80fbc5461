use serde_json::{json, Value};

use super::*;
use crate::time::date_range;

fn entries(resource: &Value, param: &str) -> Vec<IndexValue> {
    extract_index(resource)
        .into_iter()
        .filter(|e| e.param == param)
        .map(|e| e.value)
        .collect()
}

fn tok(system: Option<&str>, code: &str) -> IndexValue {
    IndexValue::Token {
        system: system.map(Into::into),
        code: code.into(),
    }
}

fn s(exact: &str) -> IndexValue {
    IndexValue::String {
        norm: crate::text::normalize_str(exact),
        exact: exact.into(),
    }
}

fn date(v: &str) -> IndexValue {
    let (low, high) = date_range(v).unwrap_or((0, 0));
    IndexValue::Date { low, high }
}

fn reference(t: Option<&str>, id: Option<&str>, url: &str) -> IndexValue {
    IndexValue::Reference {
        target_type: t.map(Into::into),
        target_id: id.map(Into::into),
        url: url.into(),
    }
}

#[test]
fn names_addresses_and_telecom() {
    let p = json!({"resourceType": "Patient", "id": "p1",
        "name": [{"family": "Ødegård", "given": ["Kari", "Anne"], "prefix": ["Dr."], "text": "Kari Ødegård"}],
        "address": [{"line": ["Storgata 1"], "city": "Tromsø", "postalCode": "9008", "country": "NO"}],
        "telecom": [{"system": "phone", "value": "+4799999999"}, {"system": "email", "value": "kari@example.no"}]});
    assert_eq!(
        entries(&p, "name"),
        vec![
            s("Ødegård"),
            s("Kari"),
            s("Anne"),
            s("Dr."),
            s("Kari Ødegård")
        ]
    );
    assert_eq!(entries(&p, "family"), vec![s("Ødegård")]);
    assert_eq!(
        entries(&p, "address"),
        vec![s("Storgata 1"), s("Tromsø"), s("9008"), s("NO")]
    );
    assert_eq!(entries(&p, "address-city"), vec![s("Tromsø")]);
    assert_eq!(entries(&p, "phone"), vec![tok(None, "+4799999999")]);
    assert_eq!(entries(&p, "email"), vec![tok(None, "kari@example.no")]);
    assert_eq!(
        entries(&p, "telecom"),
        vec![tok(None, "+4799999999"), tok(None, "kari@example.no")]
    );
    assert_eq!(entries(&p, "_id"), vec![tok(None, "p1")]);
    assert_eq!(entries(&p, "deceased"), vec![tok(None, "false")]);
    // "ø" stays a letter of its own in the normalised form.
    let IndexValue::String { norm, .. } = &entries(&p, "family")[0] else {
        panic!("not a string")
    };
    assert_eq!(norm, "ødegård");
}

#[test]
fn periods_timings_and_open_ends() {
    let e = json!({"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"},
        "period": {"start": "2024-03-05T10:00:00+01:00"}});
    let (low, _) = date_range("2024-03-05T10:00:00+01:00").unwrap_or((0, 0));
    assert_eq!(
        entries(&e, "date"),
        vec![IndexValue::Date {
            low,
            high: DATE_MAX
        }]
    );
    let e = json!({"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}, "period": {"end": "2024"}});
    let (_, high) = date_range("2024").unwrap_or((0, 0));
    assert_eq!(
        entries(&e, "date"),
        vec![IndexValue::Date {
            low: DATE_MIN,
            high
        }]
    );
    let mr = json!({"resourceType": "ServiceRequest", "status": "active", "intent": "order", "subject": {"reference": "Patient/p"},
        "occurrenceTiming": {"event": ["2024-01-01", "2024-02-01"]}});
    assert_eq!(
        entries(&mr, "occurrence"),
        vec![date("2024-01-01"), date("2024-02-01")]
    );
}

#[test]
fn references_in_all_forms() {
    let o = json!({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
        "subject": {"reference": "https://fhir.example.no/fhir/Patient/p9/_history/2"},
        "performer": [{"reference": "#c1"}, {"reference": "Practitioner/dr"}, {"reference": "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"},
                      {"identifier": {"value": "only-identifier"}}]});
    assert_eq!(
        entries(&o, "subject"),
        vec![reference(
            Some("Patient"),
            Some("p9"),
            "https://fhir.example.no/fhir/Patient/p9/_history/2"
        )]
    );
    assert_eq!(entries(&o, "patient"), entries(&o, "subject"));
    assert_eq!(
        entries(&o, "performer"),
        vec![
            reference(Some("Practitioner"), Some("dr"), "Practitioner/dr"),
            reference(None, None, "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0")
        ]
    );
    // A reference by identifier only: searchable with `performer:identifier`.
    assert_eq!(
        entries(&o, "performer:identifier"),
        vec![IndexValue::Token {
            system: None,
            code: "only-identifier".into()
        }]
    );
    // Canonical references: the version is not part of the target.
    let q = json!({"resourceType": "QuestionnaireResponse", "status": "completed",
        "questionnaire": "http://hl7.org/fhir/Questionnaire/phq-9|4.0.1"});
    assert_eq!(
        entries(&q, "questionnaire"),
        vec![reference(
            Some("Questionnaire"),
            Some("phq-9"),
            "http://hl7.org/fhir/Questionnaire/phq-9"
        )]
    );
}

#[test]
fn quantities_money_numbers_uris() {
    let o = json!({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
        "valueQuantity": {"value": 7.2, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"}});
    assert_eq!(
        entries(&o, "value-quantity"),
        vec![IndexValue::Quantity {
            value: 7.2,
            system: Some("http://unitsofmeasure.org".into()),
            code: Some("mmol/L".into())
        }]
    );
    // Composite parameters are skipped.
    assert_eq!(entries(&o, "code-value-quantity"), vec![]);
    let c = json!({"resourceType": "ChargeItem", "status": "billable", "code": {"text": "x"}, "subject": {"reference": "Patient/p"},
        "priceOverride": {"value": 250, "currency": "NOK"}, "factorOverride": 0.5});
    assert_eq!(
        entries(&c, "price-override"),
        vec![IndexValue::Quantity {
            value: 250.0,
            system: Some("urn:iso:std:iso:4217".into()),
            code: Some("NOK".into())
        }]
    );
    assert_eq!(
        entries(&c, "factor-override"),
        vec![IndexValue::Number { value: 0.5 }]
    );
    let v = json!({"resourceType": "ValueSet", "status": "active", "url": "http://example.no/ValueSet/x"});
    assert_eq!(
        entries(&v, "url"),
        vec![IndexValue::Uri {
            value: "http://example.no/ValueSet/x".into()
        }]
    );
}

#[test]
fn tokens_from_codings_identifiers_and_meta() {
    let p = json!({"resourceType": "Patient",
        "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": "13097248022"}, {"value": "no-system"}],
        "maritalStatus": {"coding": [{"system": "s", "code": "M"}, {"system": "s", "code": "M"}]},
        "meta": {"security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}],
                 "tag": [{"system": "https://nordlys.no/fhir/CodeSystem/youth-sharing", "code": "only-youth"}],
                 "lastUpdated": "2024-01-01T00:00:00Z"},
        "active": true});
    assert_eq!(
        entries(&p, "identifier"),
        vec![
            tok(Some("urn:oid:2.16.578.1.12.4.1.4.1"), "13097248022"),
            tok(None, "no-system")
        ]
    );
    assert_eq!(entries(&p, "active"), vec![tok(None, "true")]);
    assert_eq!(
        entries(&p, "_security"),
        vec![tok(
            Some("http://terminology.hl7.org/CodeSystem/v3-Confidentiality"),
            "R"
        )]
    );
    assert_eq!(
        entries(&p, "_tag"),
        vec![tok(
            Some("https://nordlys.no/fhir/CodeSystem/youth-sharing"),
            "only-youth"
        )]
    );
    assert_eq!(
        entries(&p, "_lastUpdated"),
        vec![date("2024-01-01T00:00:00Z")]
    );
    let c = json!({"resourceType": "Condition", "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": "s", "code": "A"}, {"system": "s", "code": "A"}]}});
    // Duplicates collapse.
    assert_eq!(entries(&c, "code"), vec![tok(Some("s"), "A")]);
}

#[test]
fn unknown_or_missing_resource_type_gives_nothing() {
    assert_eq!(
        extract_index(&json!({"resourceType": "Nonsense", "id": "x"})),
        vec![]
    );
    assert_eq!(extract_index(&json!({"id": "x"})), vec![]);
    assert_eq!(extract_index(&json!([1, 2])), vec![]);
}

/// `cargo test -p nordlys-fhir --release -- --nocapture index_speed` prints the time.
#[test]
fn index_speed() {
    let text = include_str!("../../tests/examples/Observation-example.json");
    let obs: Value = serde_json::from_str(text).unwrap_or_default();
    assert_eq!(extract_index(&obs).len(), 17);
    let n = 2000;
    let start = std::time::Instant::now();
    let mut total = 0;
    for _ in 0..n {
        total += extract_index(&obs).len();
    }
    let per = start.elapsed() / n;
    assert_eq!(total, 17 * n as usize);
    println!("extract_index(Observation-example): {per:?} per call");
}

#[test]
fn many_values_stay_linear_and_deduplicated() {
    let names: Vec<Value> = (0..20_000)
        .map(|i| json!({"family": format!("F{}", i % 1000), "given": ["Kari"]}))
        .collect();
    let p = json!({"resourceType": "Patient", "name": names});
    let start = std::time::Instant::now();
    let family = entries(&p, "family");
    assert_eq!(family.len(), 1000);
    assert_eq!(family[0], s("F0"));
    assert_eq!(entries(&p, "given"), vec![s("Kari")]);
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
}
