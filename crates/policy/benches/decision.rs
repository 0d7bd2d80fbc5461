//! One policy decision, measured (target ≤ 2 µs, quality.md).
//!
//! The realistic case: the mother of a 13-year-old asks about an Observation that
//! belongs to a DiagnosticReport based on an onward referral of a referral opened to
//! parents; the patient has 10 grants; a paediatric unit is configured, so the
//! referral linkage is walked. Patient facts, the link graph, the grants and the
//! relations are built once (per patient / per principal), as the server does.
use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use nordlys_policy::*;
use serde_json::{json, Value};

const FNR: &str = "urn:oid:2.16.578.1.12.4.1.4.1";

fn consent(kind: &str, provision: Value) -> Grant {
    let deny = GrantKind::from_code(kind).is_some_and(GrantKind::is_deny);
    let mut p = provision;
    p["type"] = json!(if deny { "deny" } else { "permit" });
    let v = json!({"resourceType": "Consent", "id": kind, "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": GRANT_KIND_SYSTEM, "code": kind}]}],
        "patient": {"reference": "Patient/p"}, "performer": [{"reference": "RelatedPerson/mother"}], "provision": p});
    grant_from_consent(&v).unwrap_or_else(|e| panic!("{kind}: {e}"))
}

fn level(code: &str) -> Value {
    json!([{"coding": [{"system": ACCESS_LEVEL_SYSTEM, "code": code}]}])
}

fn bench(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap();
    let stored = Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap();
    let patient = json!({"resourceType": "Patient", "id": "p", "birthDate": "2013-03-15",
        "identifier": [{"system": FNR, "value": "22911350029"}],
        "address": [{"use": "home", "line": ["Storgata 1"], "postalCode": "9008"}]});
    let mother = json!({"resourceType": "RelatedPerson", "id": "mother", "patient": {"reference": "Patient/p"},
        "identifier": [{"system": FNR, "value": "13097248022"}],
        "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH"}]}],
        "extension": [{"url": PARENTAL_RESPONSIBILITY_URL, "valueBoolean": true}],
        "address": [{"use": "home", "line": ["Storgata 1"], "postalCode": "9008"}]});
    let pf = patient_facts(&patient, &[mother]);
    let items: Vec<ItemFacts> = [
        json!({"resourceType": "ServiceRequest", "id": "r1", "authoredOn": "2026-09-01", "performer": [{"reference": "Organization/bup"}]}),
        json!({"resourceType": "ServiceRequest", "id": "r2", "basedOn": [{"reference": "ServiceRequest/r1"}]}),
        json!({"resourceType": "Encounter", "id": "e1", "basedOn": [{"reference": "ServiceRequest/r2"}]}),
        json!({"resourceType": "DiagnosticReport", "id": "rep", "basedOn": [{"reference": "ServiceRequest/r2"}],
               "issued": "2026-10-01T08:00:00Z", "result": [{"reference": "Observation/o1"}]}),
    ]
    .iter()
    .map(|v| item_facts(v, stored, Some("974795787")))
    .collect();
    let obs = item_facts(
        &json!({"resourceType": "Observation", "id": "o1", "status": "final", "effectiveDateTime": "2026-09-30",
            "encounter": {"reference": "Encounter/e1"}, "code": {"text": "Hb"}, "valueQuantity": {"value": 13}}),
        stored,
        Some("974795787"),
    );
    let links = LinkGraph::from_items(items.iter().chain([&obs]));
    let grants = vec![
        consent("parental-consent", json!({})),
        consent(
            "parent-access",
            json!({"actor": [{"role": {"coding": [{"code": "PRN"}]}}], "action": level("full"),
            "data": [{"meaning": "related", "reference": {"reference": "ServiceRequest/r1"}}]}),
        ),
        consent(
            "youth-access",
            json!({"action": level("full"), "data": [{"meaning": "related", "reference": {"reference": "ServiceRequest/r1"}}]}),
        ),
        consent(
            "deny-parents",
            json!({"class": [{"system": CATEGORY_SYSTEM, "code": "letters"}]}),
        ),
        consent(
            "block",
            json!({"action": level("soft"), "class": [{"system": CATEGORY_SYSTEM, "code": "documents"}]}),
        ),
        consent(
            "shield",
            json!({"action": level("hard"), "data": [{"reference": {"reference": "DocumentReference/x"}}]}),
        ),
        consent(
            "release",
            json!({"data": [{"reference": {"reference": "DiagnosticReport/other"}}]}),
        ),
        consent(
            "self-deny-results",
            json!({"period": {"end": "2025-01-01"}}),
        ),
        consent(
            "emergency-lock",
            json!({"data": [{"meaning": "related", "reference": {"reference": "ServiceRequest/r9"}}]}),
        ),
        consent("lockdown", json!({"period": {"start": "2027-01-01"}})),
    ];
    let mut config = PolicyConfig::default();
    config.paediatric_units.push("Organization/bup".into());
    let mother_principal = Principal::Citizen {
        pid: "13097248022".into(),
        level: SecurityLevel::High,
    };
    let relations = relation_candidates("13097248022", &pf, &grants, now);
    let input = DecisionInput {
        principal: &mother_principal,
        principal_refs: &[],
        relations: &relations,
        patient: &pf,
        item: &obs,
        audited: None,
        links: &links,
        grants: &grants,
        now,
        config: &config,
    };
    let d = decide(&input);
    assert_eq!(
        (d.level, d.reason.code().as_str()),
        (Level::Full, "parent.youth.opened-referral")
    );
    c.bench_function("decide: parent of youth, linked result, 10 grants", |b| {
        b.iter(|| decide(black_box(&input)))
    });

    let doctor = Principal::Practitioner {
        hpr: "565501872".into(),
        orgnr: "983974899".into(),
        purpose: Some(Purpose::Treat),
    };
    let clinical = DecisionInput {
        principal: &doctor,
        relations: &[],
        ..input
    };
    // The soft block covers documents only and the hard shield another item.
    assert_eq!(
        decide(&clinical).reason.code(),
        "practitioner.care-relationship"
    );
    c.bench_function(
        "decide: practitioner of another organisation, 10 grants",
        |b| b.iter(|| decide(black_box(&clinical))),
    );

    c.bench_function("relation_candidates: mother, 10 grants", |b| {
        b.iter(|| relation_candidates(black_box("13097248022"), &pf, &grants, now))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
