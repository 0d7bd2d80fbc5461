//! The exact Consent of every rule the settings page writes, and that the policy
//! engine reads it back as the intended kind, scope and actors.
//!
//! Why both: the JSON is compared in full so no field drifts from contract.md, and
//! the parse proves the engine understands what the portal writes (a grant it half
//! understood would be refused or read as unreadable).
use chrono::{DateTime, NaiveDate, Utc};
use nordlys_policy::{
    grant_from_consent, Category, CategorySet, Grant, GrantKind, ProxyScope, Span, Strength,
};
use serde_json::{json, Value};

use super::*;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("time")
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

const SCOPE: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
const KIND: &str = "https://nordlys.no/fhir/CodeSystem/grant-kind";
const ACT: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const ROLE: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
const LEVEL: &str = "https://nordlys.no/fhir/CodeSystem/access-level";
const CAT: &str = "https://nordlys.no/fhir/CodeSystem/category";

/// The frame every grant shares, with `provision` given.
fn frame(kind: &str, patient: &str, performer: Value, rule: &str, provision: Value) -> Value {
    json!({
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"system": SCOPE, "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": KIND, "code": kind}]}],
        "patient": {"reference": format!("Patient/{patient}")},
        "dateTime": "2026-11-20T10:00:00+01:00",
        "performer": [performer],
        "policyRule": {"coding": [{"system": ACT, "code": rule}]},
        "provision": provision,
    })
}

/// A valid synthetic fødselsnummer (month + 80) of someone born on `birth`.
fn fnr(birth: &str) -> String {
    (100..200)
        .find_map(|i| nordlys_fhir::ids::generate_fnr(day(birth), i, true))
        .expect("a fødselsnummer")
}

fn parsed(v: &Value) -> Grant {
    grant_from_consent(v).expect("the policy reads the grant")
}

#[test]
fn block_named_hard_for_results_in_a_period() {
    let v = block(
        "p1",
        &Blocked::Hpr("1234567".into()),
        Strength::Hard,
        &[Category::Results, Category::Documents],
        Period {
            start: Some(day("2026-12-01")),
            end: Some(day("2026-12-31")),
        },
        now(),
    );
    let expected = frame(
        "block",
        "p1",
        json!({"reference": "Patient/p1"}),
        "OPTOUT",
        json!({
            "type": "deny",
            "period": {"start": "2026-12-01", "end": "2026-12-31"},
            "actor": [{"role": {"coding": [{"system": ROLE, "code": "PROV"}]},
                       "reference": {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.4", "value": "1234567"}}}],
            "action": [{"coding": [{"system": LEVEL, "code": "hard"}]}],
            "class": [{"system": CAT, "code": "results"}, {"system": CAT, "code": "documents"}],
        }),
    );
    assert_eq!(v, expected);
    let g = parsed(&v);
    assert_eq!(g.kind, GrantKind::Block);
    assert_eq!(g.strength, Some(Strength::Hard));
    assert_eq!(g.actors.len(), 1);
    assert_eq!(
        g.actors[0].identifier,
        Some(("urn:oid:2.16.578.1.12.4.1.4.4".into(), "1234567".into()))
    );
    let cats: CategorySet = [Category::Results, Category::Documents]
        .into_iter()
        .collect();
    assert_eq!(g.categories, cats);
    assert_ne!(g.period, Span::ALWAYS);
}

#[test]
fn block_all_soft_always() {
    let v = block(
        "p1",
        &Blocked::All,
        Strength::Soft,
        &[],
        Period::default(),
        now(),
    );
    let expected = frame(
        "block",
        "p1",
        json!({"reference": "Patient/p1"}),
        "OPTOUT",
        json!({
            "type": "deny",
            "period": {"start": "2026-11-20T10:00:00+01:00"},
            "action": [{"coding": [{"system": LEVEL, "code": "soft"}]}],
        }),
    );
    assert_eq!(v, expected);
    let g = parsed(&v);
    assert_eq!(g.strength, Some(Strength::Soft));
    assert!(g.actors.is_empty(), "no actor: every practitioner");
    assert!(g.categories.is_empty());
    assert_eq!(g.performers[0].reference.as_deref(), Some("Patient/p1"));
}

#[test]
fn own_rules_self_deny_lockdown_reservation() {
    for kind in [
        GrantKind::SelfDenyResults,
        GrantKind::Lockdown,
        GrantKind::Reservation,
    ] {
        let v = own_rule(kind, "p1", &[], Period::default(), now());
        let expected = frame(
            kind.code(),
            "p1",
            json!({"reference": "Patient/p1"}),
            "OPTOUT",
            json!({"type": "deny", "period": {"start": "2026-11-20T10:00:00+01:00"}}),
        );
        assert_eq!(v, expected, "{}", kind.code());
        let g = parsed(&v);
        assert_eq!(g.kind, kind);
        assert!(g.active && g.actors.is_empty() && g.categories.is_empty());
    }
    let v = own_rule(
        GrantKind::Lockdown,
        "p1",
        &[Category::Dialog],
        Period::default(),
        now(),
    );
    assert_eq!(
        v["provision"]["class"],
        json!([{"system": CAT, "code": "dialog"}])
    );
    assert!(parsed(&v).categories.contains(Category::Dialog));
}

#[test]
fn deny_parents_names_all_parents_by_naming_nobody() {
    let v = deny_parents("child-13", &[], now());
    let expected = frame(
        "deny-parents",
        "child-13",
        json!({"reference": "Patient/child-13"}),
        "OPTOUT",
        json!({
            "type": "deny",
            "period": {"start": "2026-11-20T10:00:00+01:00"},
        }),
    );
    assert_eq!(v, expected);
    let g = parsed(&v);
    assert_eq!(g.kind, GrantKind::DenyParents);
    assert!(g.actors.is_empty());
}

#[test]
fn proxy_names_the_person_by_national_id() {
    // A synthetic fødselsnummer (month + 80) and a D-nummer pick their own systems.
    let v = proxy(
        "elderly-father",
        &fnr("1975-01-01"),
        ProxyScope::Limited,
        Period {
            start: None,
            end: Some(day("2027-06-30")),
        },
        now(),
    );
    let expected = frame(
        "proxy",
        "elderly-father",
        json!({"reference": "Patient/elderly-father"}),
        "OPTIN",
        json!({
            "type": "permit",
            "period": {"start": "2026-11-20T10:00:00+01:00", "end": "2027-06-30"},
            "actor": [{"role": {"coding": [{"system": ROLE, "code": "POWATT"}]},
                       "reference": {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": fnr("1975-01-01")}}}],
            "action": [{"coding": [{"system": LEVEL, "code": "limited"}]}],
        }),
    );
    assert_eq!(v, expected);
    let g = parsed(&v);
    assert_eq!(g.kind, GrantKind::Proxy);
    assert_eq!(g.proxy_scope, Some(ProxyScope::Limited));
    assert_eq!(
        g.actors[0].identifier,
        Some(("urn:oid:2.16.578.1.12.4.1.4.1".into(), fnr("1975-01-01")))
    );
    let dnr = (100..200)
        .find_map(|i| nordlys_fhir::ids::generate_dnr(day("1975-01-01"), i, false))
        .expect("a D-nummer");
    let d = person_by_national_id(&dnr);
    assert_eq!(
        d["identifier"]["system"],
        json!("urn:oid:2.16.578.1.12.4.1.4.2")
    );
}

#[test]
fn parental_consent_is_signed_by_the_parent() {
    let v = parental_consent("child-13", &fnr("1980-01-01"), now());
    let expected = frame(
        "parental-consent",
        "child-13",
        json!({"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": fnr("1980-01-01")}}),
        "OPTIN",
        json!({
            "type": "permit",
            "period": {"start": "2026-11-20T10:00:00+01:00"},
            "actor": [{"role": {"coding": [{"system": ROLE, "code": "ONESELF"}]},
                       "reference": {"reference": "Patient/child-13"}}],
        }),
    );
    assert_eq!(v, expected);
    let g = parsed(&v);
    assert_eq!(g.kind, GrantKind::ParentalConsent);
    assert_eq!(
        g.performers[0].identifier,
        Some(("urn:oid:2.16.578.1.12.4.1.4.1".into(), fnr("1980-01-01")))
    );
}

#[test]
fn lifting_and_limiting_are_new_versions_of_the_same_rule() {
    let mut stored = proxy(
        "p1",
        &fnr("1975-01-01"),
        ProxyScope::Full,
        Period::default(),
        now(),
    );
    stored["id"] = json!("c1");
    stored["meta"] = json!({"versionId": "3", "lastUpdated": "2026-11-20T09:00:00Z"});
    let off = lifted(&stored);
    assert_eq!(off["status"], "inactive");
    assert_eq!(off["id"], "c1");
    assert!(off.get("meta").is_none());
    assert_eq!(off["provision"], stored["provision"]);
    let g = parsed(&off);
    assert!(!g.active);
    assert_eq!(g.id.as_deref(), Some("Consent/c1"));

    let less = limited(&stored);
    assert_eq!(less["status"], "active");
    assert_eq!(
        less["provision"]["action"],
        json!([{"coding": [{"system": LEVEL, "code": "limited"}]}])
    );
    assert_eq!(parsed(&less).proxy_scope, Some(ProxyScope::Limited));
}

/// The store validates every write against FHIR R4 first: each rule must pass.
#[test]
fn every_rule_is_valid_fhir() {
    let all = [
        block(
            "p1",
            &Blocked::All,
            Strength::Soft,
            &[],
            Period::default(),
            now(),
        ),
        block(
            "p1",
            &Blocked::Hpr("1234567".into()),
            Strength::Hard,
            &[Category::Results],
            Period {
                start: Some(day("2026-12-01")),
                end: Some(day("2026-12-31")),
            },
            now(),
        ),
        own_rule(
            GrantKind::SelfDenyResults,
            "p1",
            &[],
            Period::default(),
            now(),
        ),
        own_rule(
            GrantKind::Lockdown,
            "p1",
            &[Category::Dialog],
            Period::default(),
            now(),
        ),
        own_rule(GrantKind::Reservation, "p1", &[], Period::default(), now()),
        deny_parents("p1", &[Category::Documents], now()),
        proxy(
            "p1",
            &fnr("1975-01-01"),
            ProxyScope::Full,
            Period::default(),
            now(),
        ),
        parental_consent("p1", &fnr("1980-01-01"), now()),
    ];
    for v in all {
        let errors: Vec<_> = nordlys_fhir::validate_resource_all(&v)
            .into_iter()
            .filter(|i| i.severity == nordlys_fhir::IssueSeverity::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", kind_of(&v));
    }
}

fn kind_of(v: &Value) -> String {
    v["category"][0]["coding"][0]["code"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[test]
fn careplan_sharing_is_a_permit_without_actors() {
    let c = careplan_sharing("ola", patient_performer("ola"), now());
    assert_eq!(
        c,
        json!({"resourceType": "Consent", "status": "active",
            "scope": {"coding": [{"system": SCOPE, "code": "patient-privacy"}]},
            "category": [{"coding": [{"system": KIND, "code": "careplan-sharing"}]}],
            "patient": {"reference": "Patient/ola"},
            "dateTime": "2026-11-20T10:00:00+01:00",
            "performer": [{"reference": "Patient/ola"}],
            "policyRule": {"coding": [{"system": ACT, "code": "OPTIN"}]},
            "provision": {"type": "permit", "period": {"start": "2026-11-20T10:00:00+01:00"}}})
    );
    let g = grant_from_consent(&c).expect("parses");
    assert_eq!(g.kind, GrantKind::CareplanSharing);
    assert!(g.actors.is_empty());
    assert!(g.in_force(now().timestamp_millis()));
}
