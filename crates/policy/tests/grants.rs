//! Grants as Consent (contract.md) and who may write them (§ 8, § 10).
mod common;

use common::*;
use nordlys_policy::*;
use serde_json::json;

fn patient(age: Age) -> PatientFacts {
    let c = case("p").age(age);
    patient_facts(&c.patient_json(), &c.related_json())
}

fn rels(pid: &str, p: &PatientFacts, grants: &[Grant]) -> Vec<Relation> {
    relations(pid, p, grants, now())
}

#[test]
fn parses_the_contract_example() {
    let consent = json!({
      "resourceType": "Consent", "id": "c1", "status": "active",
      "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
      "category": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/grant-kind", "code": "parent-access"}]}],
      "patient": {"reference": "Patient/child-13"},
      "dateTime": "2026-11-20T10:00:00+01:00",
      "performer": [{"reference": "Practitioner/ward-doctor"}],
      "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
      "provision": {
        "type": "permit",
        "period": {"start": "2026-11-20T10:00:00+01:00"},
        "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "PRN"}]},
                   "reference": {"reference": "RelatedPerson/mother"}}],
        "action": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/access-level", "code": "full"}]}],
        "data": [{"meaning": "related", "reference": {"reference": "ServiceRequest/referral-1"}}]
      }
    });
    let g = grant_from_consent(&consent).expect("parses");
    assert_eq!(g.id.as_deref(), Some("Consent/c1"));
    assert_eq!(g.kind, GrantKind::ParentAccess);
    assert!(g.active);
    assert_eq!(g.level, Some(Level::Full));
    assert_eq!(g.patient.as_deref(), Some("Patient/child-13"));
    assert_eq!(
        g.performers[0].reference.as_deref(),
        Some("Practitioner/ward-doctor")
    );
    assert_eq!(g.actors.len(), 1);
    assert_eq!(g.actors[0].role.as_deref(), Some("PRN"));
    assert_eq!(
        g.actors[0].reference.as_deref(),
        Some("RelatedPerson/mother")
    );
    assert_eq!(
        g.data,
        vec![DataRef {
            reference: "ServiceRequest/referral-1".into(),
            related: true
        }]
    );
    assert_eq!(
        g.period.start_ms,
        t("2026-11-20T09:00:00Z").timestamp_millis()
    );
    assert_eq!(g.period.end_ms, i64::MAX);
    assert!(!g.in_force(t("2026-11-20T08:59:59Z").timestamp_millis()));
    assert!(g.in_force(t("2026-11-20T09:00:00Z").timestamp_millis()));
}

#[test]
fn parses_every_kind_and_the_action_codes() {
    for kind in GrantKind::ALL {
        let g = grant(kind.code()).parse();
        assert_eq!(g.kind, kind);
        assert_eq!(g.research_scope, kind == GrantKind::Research);
    }
    let p = grant("proxy").action("limited").parse();
    assert_eq!(p.proxy_scope, Some(ProxyScope::Limited));
    let b = grant("block")
        .action("soft")
        .class("results")
        .class("letters")
        .parse();
    assert_eq!(b.strength, Some(Strength::Soft));
    assert_eq!(
        b.categories.iter().collect::<Vec<_>>(),
        vec![Category::Letters, Category::Results]
    );
    let inactive = grant("lockdown").inactive().parse();
    assert!(!inactive.active && !inactive.in_force(now().timestamp_millis()));
}

#[test]
fn rejects_what_the_model_cannot_express() {
    let bad = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = grant("block").0;
        f(&mut v);
        grant_from_consent(&v).expect_err("must be rejected")
    };
    assert_eq!(
        bad(&|v| v["resourceType"] = json!("Patient")),
        GrantError::NotAConsent
    );
    assert_eq!(bad(&|v| v["category"] = json!([])), GrantError::MissingKind);
    assert_eq!(
        bad(&|v| v["category"][0]["coding"][0]["code"] = json!("mute")),
        GrantError::UnknownKind("mute".into())
    );
    assert_eq!(
        bad(&|v| v["category"][0]["coding"]
            .as_array_mut()
            .unwrap()
            .push(json!({"system": GRANT_KIND_SYSTEM, "code": "shield"}))),
        GrantError::SeveralKinds
    );
    assert_eq!(
        bad(&|v| v["status"] = json!(null)),
        GrantError::MissingStatus
    );
    assert_eq!(
        bad(&|v| v["provision"]["provision"] = json!([{}])),
        GrantError::NestedProvision
    );
    assert_eq!(
        bad(&|v| v["provision"]["type"] = json!("permit")),
        GrantError::ProvisionType {
            kind: "block",
            found: "permit".into()
        }
    );
    assert_eq!(
        bad(&|v| v["provision"]["period"] = json!({"start": "someday"})),
        GrantError::BadPeriod
    );
    assert_eq!(
        bad(&|v| v["provision"]["action"] =
            json!([{"coding": [{"system": ACCESS_LEVEL_SYSTEM, "code": "loud"}]}])),
        GrantError::BadAction("loud".into())
    );
    assert_eq!(
        bad(&|v| v["provision"]["class"] =
            json!([{"system": CATEGORY_SYSTEM, "code": "everything"}])),
        GrantError::BadClass("everything".into())
    );
    assert_eq!(
        bad(&|v| v["provision"]["class"] =
            json!([{"system": "http://hl7.org/fhir/resource-types", "code": "Observation"}])),
        GrantError::BadClass("Observation".into())
    );
    assert_eq!(
        bad(&|v| v["scope"]["coding"][0]["code"] = json!("research")),
        GrantError::ResearchScope
    );
    assert_eq!(
        GrantError::BadClass("x".into()).to_string(),
        "provision.class 'x' is not a category of https://nordlys.no/fhir/CodeSystem/category"
    );
}

#[test]
fn who_may_write_which_grant() {
    let youth = patient(Age::Youth);
    let young = patient(Age::Young);
    let mother_rels = rels(MOTHER_PID, &youth, &[]);
    let youth_rels = rels(PATIENT_PID, &youth, &[]);
    let young_rels = rels(PATIENT_PID, &young, &[]);
    let mother = Author::Citizen {
        pid: MOTHER_PID,
        relations: &mother_rels,
    };
    let the_youth = Author::Citizen {
        pid: PATIENT_PID,
        relations: &youth_rels,
    };
    let the_young = Author::Citizen {
        pid: PATIENT_PID,
        relations: &young_rels,
    };
    let doctor = Author::Practitioner {
        hpr: HPR,
        orgnr: ORG_A,
    };
    let by = |c: C, p: &str| c.performer(p).parse();
    let check = |a: &Author, g: &Grant, p: &PatientFacts| may_write_grant(a, g, p, now());
    let msg = |r: Result<(), GrantError>| r.expect_err("must be refused").to_string();

    // Parents
    let pa = by(
        grant("parent-access")
            .actor_role("PRN")
            .action("full")
            .related("ServiceRequest/r1"),
        "RelatedPerson/mother",
    );
    assert_eq!(
        msg(check(&mother, &pa, &youth)),
        "parent-access: a parent cannot grant parent access; the treating unit opens a referral for parents after talking to the youth"
    );
    assert_eq!(
        check(
            &mother,
            &by(grant("parental-consent"), "RelatedPerson/mother"),
            &youth
        ),
        Ok(())
    );
    assert!(msg(check(
        &mother,
        &by(grant("parental-consent"), "RelatedPerson/father"),
        &youth
    ))
    .contains("performer must be the parent"));
    let deny_own = by(
        grant("deny-parents").actor_ref("RelatedPerson/mother"),
        "RelatedPerson/mother",
    );
    assert_eq!(check(&mother, &deny_own, &youth), Ok(()));
    let deny_all = by(
        grant("deny-parents").actor_role("PRN"),
        "RelatedPerson/mother",
    );
    assert!(msg(check(&mother, &deny_all, &youth)).contains("only their own access"));
    assert!(msg(check(
        &mother,
        &by(grant("lockdown"), "RelatedPerson/mother"),
        &youth
    ))
    .contains("only the patient"));

    // The youth (12–15) and the patient 16+
    assert_eq!(
        check(
            &the_youth,
            &by(grant("deny-parents").class("results"), "Patient/p"),
            &youth
        ),
        Ok(())
    );
    let proxy = by(
        grant("proxy").actor_pid(PROXY_PID).action("full"),
        "Patient/p",
    );
    assert_eq!(
        msg(check(&the_youth, &proxy, &youth)),
        "proxy: only a patient aged 16 or older sets this rule"
    );
    assert_eq!(check(&the_young, &proxy, &young), Ok(()));
    let young_proxy = by(
        grant("proxy").actor_pid(YOUNG_PROXY_PID).action("full"),
        "Patient/p",
    );
    assert_eq!(
        msg(check(&the_young, &young_proxy, &young)),
        "proxy: a proxy must be 18 or older"
    );
    assert!(msg(check(
        &the_young,
        &by(grant("proxy").actor_pid(PROXY_PID), "Patient/p"),
        &young
    ))
    .contains("full or limited"));
    assert_eq!(
        check(&the_young, &by(grant("lockdown"), "Patient/p"), &young),
        Ok(())
    );
    assert_eq!(
        check(
            &the_young,
            &by(
                grant("block").actor_role("PROV").action("soft"),
                "Patient/p"
            ),
            &young
        ),
        Ok(())
    );
    assert!(msg(check(
        &the_young,
        &by(grant("lockdown"), "Practitioner/x"),
        &young
    ))
    .contains("performer must be the patient"));
    assert!(
        msg(check(&the_young, &by(grant("shield"), "Patient/p"), &young))
            .contains("set by health personnel")
    );
    assert!(msg(check(
        &the_young,
        &by(grant("parental-consent"), "Patient/p"),
        &young
    ))
    .contains("only a parent"));

    // Clinicians
    assert_eq!(
        check(
            &doctor,
            &by(
                grant("parent-access")
                    .actor_role("PRN")
                    .action("metadata")
                    .related("ServiceRequest/r1"),
                "Practitioner/dr"
            ),
            &youth
        ),
        Ok(())
    );
    assert!(msg(check(
        &doctor,
        &by(
            grant("parent-access").actor_role("PRN").action("full"),
            "Practitioner/dr"
        ),
        &youth
    ))
    .contains("must name the referral"));
    assert!(msg(check(
        &doctor,
        &by(
            grant("parent-access").related("ServiceRequest/r1"),
            "Practitioner/dr"
        ),
        &youth
    ))
    .contains("metadata or full"));
    let wrong_kind = msg(check(
        &doctor,
        &by(grant("shield").action("hard"), "Patient/p"),
        &youth,
    ));
    assert_eq!(
        wrong_kind,
        "shield: the performer must be a Practitioner, PractitionerRole or Organization"
    );
    assert!(msg(check(
        &doctor,
        &by(grant("lockdown"), "Practitioner/dr"),
        &youth
    ))
    .contains("set by the patient"));
    assert_eq!(
        check(
            &doctor,
            &by(
                grant("release").data("DiagnosticReport/rep"),
                "Practitioner/dr"
            ),
            &youth
        ),
        Ok(())
    );
    let other_hpr = grant("emergency-lock").0;
    let mut v = other_hpr;
    v["performer"] = json!([{"identifier": {"system": HPR_SYSTEM, "value": "111"}}]);
    assert!(
        msg(check(&doctor, &grant_from_consent(&v).unwrap(), &youth))
            .contains("the practitioner writing")
    );

    // Administrators and systems
    let foster = by(
        grant("foster-parent").actor_ref("RelatedPerson/foster"),
        "Organization/barnevern",
    );
    assert_eq!(check(&Author::Administrator, &foster, &youth), Ok(()));
    assert!(msg(check(
        &Author::Administrator,
        &by(grant("shield"), "Organization/x"),
        &youth
    ))
    .contains("only foster-parent"));
    assert!(
        msg(check(&Author::System { orgnr: ORG_A }, &foster, &youth)).contains("systems cannot")
    );
    assert!(msg(check(
        &doctor,
        &by(grant("foster-parent").actor_role("PRN"), "Practitioner/dr"),
        &youth
    ))
    .contains("must name the person"));

    // Wrong patient
    let mut other = by(grant("lockdown"), "Patient/p");
    other.patient = Some("Patient/q".into());
    assert!(msg(check(&the_young, &other, &young)).contains("Consent.patient must be Patient/p"));
}

#[test]
fn changing_a_grant_keeps_author_and_kind() {
    let youth = patient(Age::Youth);
    let mother_rels = rels(MOTHER_PID, &youth, &[]);
    let youth_rels = rels(PATIENT_PID, &youth, &[]);
    let mother = Author::Citizen {
        pid: MOTHER_PID,
        relations: &mother_rels,
    };
    let the_youth = Author::Citizen {
        pid: PATIENT_PID,
        relations: &youth_rels,
    };
    let set = grant("deny-parents")
        .class("results")
        .performer("Patient/p")
        .parse();
    let lifted = grant("deny-parents")
        .class("results")
        .performer("Patient/p")
        .inactive()
        .parse();
    assert_eq!(
        may_change_grant(&the_youth, &set, &lifted, &youth, now()),
        Ok(())
    );
    assert!(may_change_grant(&mother, &set, &lifted, &youth, now()).is_err());
    let as_lockdown = grant("lockdown").performer("Patient/p").parse();
    let e =
        may_change_grant(&the_youth, &set, &as_lockdown, &youth, now()).expect_err("kind change");
    assert!(e.to_string().contains("cannot change"));
}

#[test]
fn relations_and_representation() {
    let child = patient(Age::Child);
    let grants = vec![grant("foster-parent")
        .actor_ref("RelatedPerson/foster")
        .parse()];
    let kinds = |pid: &str| {
        rels(pid, &child, &grants)
            .iter()
            .map(|r| r.kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(kinds(PATIENT_PID), vec![RelationKind::Myself]);
    assert_eq!(kinds(MOTHER_PID), vec![RelationKind::Parent]);
    assert_eq!(kinds(FATHER_PID), vec![RelationKind::Parent]);
    assert_eq!(kinds(FOSTER_PID), vec![RelationKind::FosterParent]);
    assert_eq!(kinds(STRANGER_PID), Vec::<RelationKind>::new());
    let mother = &rels(MOTHER_PID, &child, &grants)[0];
    assert_eq!(
        mother.related_person.as_deref(),
        Some("RelatedPerson/mother")
    );
    let foster = &rels(FOSTER_PID, &child, &grants)[0];
    assert_eq!(foster.grant.as_deref(), Some("Consent/g-foster-parent"));

    let adult = patient(Age::Adult);
    let world = vec![(child.clone(), grants.clone()), (adult.clone(), vec![])];
    let repr = representable(MOTHER_PID, &world, now());
    assert_eq!(
        repr.len(),
        2,
        "the mother is registered for both test patients"
    );
    let repr = representable(FOSTER_PID, &world, now());
    assert_eq!(repr.len(), 1);
    assert_eq!(repr[0].1[0].kind, RelationKind::FosterParent);
    assert_eq!(representable(STRANGER_PID, &world, now()).len(), 0);
    assert_eq!(
        representable(PATIENT_PID, &world, now()).len(),
        0,
        "self is not representation"
    );
}

#[test]
fn reservation_refuses_results_at_intake() {
    let g = vec![grant("reservation").parse()];
    let mut cfg = PolicyConfig::default();
    assert_eq!(
        intake_refusal(&g, Some(Category::Results), ORG_B, now(), &cfg),
        Some(Reason::Reservation)
    );
    assert_eq!(
        intake_refusal(&g, Some(Category::Documents), ORG_B, now(), &cfg),
        None
    );
    assert_eq!(
        intake_refusal(&[], Some(Category::Results), ORG_B, now(), &cfg),
        None
    );
    cfg.reservation_exempt_orgs = vec![ORG_B.into()];
    assert_eq!(
        intake_refusal(&g, Some(Category::Results), ORG_B, now(), &cfg),
        None
    );
}
