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

/// A rule the patient set is the patient's: a practitioner who may write grants of
/// other kinds must not erase the patient's block by writing a new version of that
/// Consent as a (lifted) shield — the kind of a grant never changes (§ 8), and a
/// citizen-set rule is changed only by the person who set it.
#[tokio::test]
async fn a_practitioner_cannot_turn_the_patients_block_into_a_grant_of_another_kind() {
    let d = Demo::start().await;
    let adult = d.citizen("adult").await;
    let block = GrantSpec {
        kind: "block",
        patient: "Patient/adult",
        performer: "Patient/adult",
        provision_type: "deny",
        actors: &[],
        action: None,
        data_related: None,
    };
    let (status, created) = d
        .send(Method::POST, "/fhir/Consent", &adult, &block.json())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().expect("Consent id").to_owned();

    let treat = d.clinician("cardiologist", Some("TREAT")).await;
    let mut forged = created.clone();
    forged["category"][0]["coding"][0]["code"] = "shield".into();
    forged["status"] = "inactive".into();
    forged["performer"] = serde_json::json!([{"reference": "Practitioner/cardiologist"}]);
    let (status, body) = d
        .send(Method::PUT, &format!("/fhir/Consent/{id}"), &treat, &forged)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, now) = d.get(&format!("/fhir/Consent/{id}"), &adult).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(now["category"][0]["coding"][0]["code"], "block");
    assert_eq!(now["status"], "active");
    assert_eq!(now["meta"]["versionId"], "1");
}

/// The same for a parent: Kari (13) denies her parents her documents; her mother,
/// who may write grants of other kinds about Kari (parental consent), must not
/// erase Kari's rule by writing a new version of it as her own lifted consent.
#[tokio::test]
async fn a_parent_cannot_turn_the_youths_deny_parents_into_her_own_rule() {
    let d = Demo::start().await;
    let kari = d.citizen("child-13").await;
    let deny = GrantSpec {
        kind: "deny-parents",
        patient: "Patient/child-13",
        performer: "Patient/child-13",
        provision_type: "deny",
        actors: &[],
        action: None,
        data_related: None,
    };
    let (status, created) = d
        .send(Method::POST, "/fhir/Consent", &kari, &deny.json())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().expect("Consent id").to_owned();

    let mother = d.citizen("mother").await;
    let (status, _) = d.get(&format!("/fhir/Consent/{id}"), &mother).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the mother does not see Kari's rule"
    );
    let mut forged = created.clone();
    forged["category"][0]["coding"][0]["code"] = "parental-consent".into();
    forged["status"] = "inactive".into();
    forged["provision"]["type"] = "permit".into();
    forged["policyRule"]["coding"][0]["code"] = "OPTIN".into();
    forged["performer"] = serde_json::json!([{"reference": "RelatedPerson/mother"}]);
    let (status, body) = d
        .send(
            Method::PUT,
            &format!("/fhir/Consent/{id}"),
            &mother,
            &forged,
        )
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    let (status, now) = d.get(&format!("/fhir/Consent/{id}"), &kari).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(now["category"][0]["coding"][0]["code"], "deny-parents");
    assert_eq!(now["status"], "active");
    assert_eq!(now["meta"]["versionId"], "1");
}

/// A care relationship asserted (TREAT) lets the cardiologist read Kari's BUP
/// referral, but opening it to her mother is the call of the unit that holds it and
/// talked to Kari (§ 8 "clinician, after talking to the youth"), not of any
/// practitioner who asserts a purpose.
#[tokio::test]
async fn only_the_holding_unit_opens_a_referral_to_parents() {
    let d = Demo::start().await;
    let mut grant = GrantSpec {
        kind: "parent-access",
        patient: "Patient/child-13",
        performer: "Practitioner/cardiologist",
        provision_type: "permit",
        actors: &[("PRN", "RelatedPerson/mother")],
        action: Some("full"),
        data_related: Some("ServiceRequest/referral-1"),
    };
    let treat = d.clinician("cardiologist", Some("TREAT")).await;
    let (status, _) = d.get("/fhir/ServiceRequest/referral-1", &treat).await;
    assert_eq!(status, StatusCode::OK, "the cardiologist sees the referral");
    let (status, body) = d
        .send(Method::POST, "/fhir/Consent", &treat, &grant.json())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let mother = d.citizen("mother").await;
    let (status, _) = d.get("/fhir/ServiceRequest/referral-1", &mother).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    grant.performer = "Practitioner/ward-doctor";
    let ward = d.clinician("ward-doctor", Some("TREAT")).await;
    let (status, body) = d
        .send(Method::POST, "/fhir/Consent", &ward, &grant.json())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = d.get("/fhir/ServiceRequest/referral-1", &mother).await;
    assert_eq!(status, StatusCode::OK);
}

/// Who is whose parent is a fact of the patient's record. A practitioner with no care
/// relationship, of an organisation that has nothing to do with Emma (8), must not make
/// a stranger her parent by writing a RelatedPerson on her record: the stranger would
/// then see everything a parent of an 8-year-old sees.
#[tokio::test]
async fn a_practitioner_without_care_relationship_cannot_make_a_stranger_a_parent() {
    let d = Demo::start().await;
    let cardiologist = d.clinician("cardiologist", None).await;
    let stranger = d.pid("adult");
    let rp = serde_json::json!({"resourceType": "RelatedPerson", "active": true,
        "patient": {"reference": "Patient/child-8"},
        "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": stranger}],
        "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "PRN"}]}],
        "extension": [{"url": "https://nordlys.no/fhir/StructureDefinition/parental-responsibility", "valueBoolean": true}]});
    let (status, body) = d
        .send(Method::POST, "/fhir/RelatedPerson", &cardiologist, &rp)
        .await;
    let adult = d.citizen("adult").await;
    let (seen, _) = d.get("/fhir/Patient/child-8", &adult).await;
    assert_eq!(
        (status, seen),
        (StatusCode::FORBIDDEN, StatusCode::NOT_FOUND),
        "{body}"
    );
}

/// The same through a system client of an organisation that has nothing to do with
/// Emma: a system writes for its own organisation, and a parent named by it would see
/// Emma's record.
#[tokio::test]
async fn a_foreign_system_cannot_make_a_stranger_a_parent() {
    let d = Demo::start().await;
    let cardiologist = d.practitioner("cardiologist").orgnr.clone();
    let system = d.s.system_token("some-system", &cardiologist).await;
    let stranger = d.pid("adult");
    let rp = serde_json::json!({"resourceType": "RelatedPerson", "active": true,
        "patient": {"reference": "Patient/child-8"},
        "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": stranger}],
        "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "PRN"}]}],
        "extension": [{"url": "https://nordlys.no/fhir/StructureDefinition/parental-responsibility", "valueBoolean": true}]});
    let (status, body) = d
        .send(Method::POST, "/fhir/RelatedPerson", &system, &rp)
        .await;
    let adult = d.citizen("adult").await;
    let (seen, _) = d.get("/fhir/Patient/child-8", &adult).await;
    assert_eq!(
        (status, seen),
        (StatusCode::FORBIDDEN, StatusCode::NOT_FOUND),
        "{body}"
    );
}
