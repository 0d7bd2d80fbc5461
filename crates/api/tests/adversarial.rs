//! Adversarial review of the write paths added with booking, the portal and the
//! workspace: each test names a way to see or change more than access-policy.md allows
//! and proves it is closed, on the demo region over HTTP with exact answers.
#[allow(dead_code)]
#[path = "policy_e2e/support.rs"]
mod support;

use reqwest::{Method, StatusCode};

use support::{Demo, GrantSpec};

/// A practitioner of another organisation with no care relationship (§ 9: sees
/// nothing of Kari) must not be able to open Kari's BUP referral to her mother by
/// writing a `parent-access` grant: the grant would show a 13-year-old's psychiatric
/// referral to a parent by a path that never looked at the referral.
#[tokio::test]
async fn a_practitioner_without_care_relationship_cannot_open_a_referral_to_parents() {
    let d = Demo::start().await;
    let cardiologist = d.clinician("cardiologist", None).await;
    let grant = GrantSpec {
        kind: "parent-access",
        patient: "Patient/child-13",
        performer: "Practitioner/cardiologist",
        provision_type: "permit",
        actors: &[("PRN", "RelatedPerson/mother")],
        action: Some("full"),
        data_related: Some("ServiceRequest/referral-1"),
    };
    let (status, body) = d
        .send(Method::POST, "/fhir/Consent", &cardiologist, &grant.json())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let mother = d.citizen("mother").await;
    let (status, _) = d.get("/fhir/ServiceRequest/referral-1", &mother).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The same practitioner must not make a person of their choosing Kari's foster
/// parent (a grant about the whole patient, no item named): the named person would
/// then see Kari's record as a parent does.
#[tokio::test]
async fn a_practitioner_without_care_relationship_cannot_name_a_foster_parent() {
    let d = Demo::start().await;
    let cardiologist = d.clinician("cardiologist", None).await;
    let pid = d.pid("adult");
    let grant = serde_json::json!({
        "resourceType": "Consent", "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/grant-kind", "code": "foster-parent"}]}],
        "patient": {"reference": "Patient/child-13"},
        "dateTime": "2026-01-01T00:00:00Z",
        "performer": [{"reference": "Practitioner/cardiologist"}],
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": {"type": "permit", "period": {"start": "2026-01-01T00:00:00Z"},
            "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "PRNFOST"}]},
                       "reference": {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": pid}}}],
            "action": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/access-level", "code": "full"}]}]}
    });
    let (status, body) = d
        .send(Method::POST, "/fhir/Consent", &cardiologist, &grant)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // With a care relationship asserted the same grant is the clinician's to write.
    let treat = d.clinician("cardiologist", Some("TREAT")).await;
    let (status, body) = d.send(Method::POST, "/fhir/Consent", &treat, &grant).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}
