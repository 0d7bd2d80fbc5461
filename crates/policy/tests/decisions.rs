//! Decisions beyond the table: opening instants, failing closed, redaction, extraction,
//! and the reason-code documentation.
mod common;

use common::*;
use nordlys_policy::*;
use serde_json::json;

fn opens(c: Case) -> Option<chrono::DateTime<chrono::Utc>> {
    c.run().1
}

#[test]
fn opens_at_gives_the_instant_only_time_stands_in_the_way_of() {
    let recent = report().set("issued", json!("2026-11-18T08:00:00Z"));
    assert_eq!(
        opens(case("results").item(recent.clone())),
        Some(t("2026-12-02T08:00:00Z"))
    );
    let (d, _) = case("results").item(recent.clone()).run();
    assert_eq!(d.reason.opens_at(), Some(t("2026-12-02T08:00:00Z")));
    assert_eq!(
        opens(case("NORU").item(doc().noru("2026-12-24T00:00:00+01:00"))),
        Some(t("2026-12-23T23:00:00Z"))
    );
    // A later NORU on a deferred result: the later instant.
    assert_eq!(
        opens(case("both").item(recent.clone().noru("2027-01-15T00:00:00Z"))),
        Some(t("2027-01-15T00:00:00Z"))
    );
    // Visible now, or never by time alone.
    assert_eq!(opens(case("visible").item(doc())), None);
    assert_eq!(opens(case("withheld").item(doc().label("NORN_FFL"))), None);
    assert_eq!(
        opens(
            case("mother of a youth")
                .age(Age::Youth)
                .who(Who::Mother)
                .item(doc())
        ),
        None
    );
    // The youth without consent sees it at 16 (metadata? no: full as self 16+).
    assert_eq!(
        opens(case("youth turns 16").age(Age::Youth).item(doc())),
        Some(t("2029-03-14T23:00:00Z"))
    );
    // A lockdown with an end.
    assert_eq!(
        opens(
            case("lockdown ends")
                .item(doc())
                .grant(grant("lockdown").period(None, Some("2026-12-31")))
        ),
        Some(t("2026-12-31T23:00:00Z"))
    );
    // A deferred result for a practitioner is simply visible.
    assert_eq!(
        opens(
            case("clinician")
                .who(Who::Practitioner(ORG_A, None))
                .item(recent)
        ),
        None
    );
}

#[test]
fn an_unreadable_grant_fails_closed() {
    let c = case("unreadable").item(doc());
    let pj = c.patient_json();
    let patient = patient_facts(&pj, &c.related_json());
    let item = item_facts(
        c.target.json.as_ref().unwrap(),
        c.target.stored,
        Some(ORG_A),
    );
    let links = LinkGraph::from_items([&item]);
    let grants = vec![Grant::unreadable(Some("Consent/broken"))];
    let config = PolicyConfig::default();
    let run = |principal: Principal| {
        let relations = match &principal {
            Principal::Citizen { pid, .. } => relation_candidates(pid, &patient, &grants, now()),
            _ => Vec::new(),
        };
        decide(&DecisionInput {
            principal: &principal,
            principal_refs: &[],
            relations: &relations,
            patient: &patient,
            item: &item,
            audited: None,
            links: &links,
            grants: &grants,
            now: now(),
            config: &config,
        })
    };
    let me = run(Principal::Citizen {
        pid: PATIENT_PID.into(),
        level: SecurityLevel::High,
    });
    assert_eq!(
        (me.level, me.reason.code()),
        (Level::None, "grant.unreadable".to_string())
    );
    let other = run(Principal::Practitioner {
        hpr: HPR.into(),
        orgnr: ORG_B.into(),
        purpose: Some(Purpose::EmergencyTreat),
    });
    assert_eq!(
        (other.level, other.reason.code()),
        (Level::None, "grant.unreadable".to_string())
    );
    let own = run(Principal::Practitioner {
        hpr: HPR.into(),
        orgnr: ORG_A.into(),
        purpose: None,
    });
    assert_eq!(own.level, Level::Full);
}

#[test]
fn decisions_choose_the_redaction() {
    let (d, _) = case("youth doc")
        .age(Age::Youth)
        .consent()
        .item(doc())
        .run();
    assert_eq!(
        (d.level, d.redaction(), d.content_level()),
        (Level::Metadata, Redaction::Metadata, Level::None)
    );
    let (d, _) = case("parent of youth: patient")
        .age(Age::Youth)
        .who(Who::Mother)
        .item(Item::patient())
        .run();
    assert_eq!(d.redaction(), Redaction::NameAndAge);
    let (d, _) = case("limited proxy: patient")
        .age(Age::Young)
        .who(Who::ProxyLimited)
        .item(Item::patient())
        .run();
    assert_eq!(d.redaction(), Redaction::NameOnly);
    let (d, _) = case("self").item(doc()).run();
    assert_eq!(
        (d.redaction(), d.content_level()),
        (Redaction::NotApplicable, Level::Full)
    );
    let redacted = redact_with(&case("x").patient_json(), Redaction::NameOnly);
    assert_eq!(
        redacted,
        json!({"resourceType": "Patient", "id": "p", "name": [{"text": "Kari"}],
        "meta": {"security": [{"system": REDACTED_SYSTEM, "code": "REDACTED", "display": "redacted"}]}})
    );
}

#[test]
fn item_facts_extract_what_the_policy_reads() {
    let stored = t("2026-10-01T09:00:00Z");
    let f = |v: serde_json::Value| item_facts(&v, stored, Some(ORG_A));
    let cats: Vec<Option<Category>> = [
        doc(),
        letter(),
        report(),
        obs(),
        requisition(),
        referral(),
        appt(),
        msg(),
        form(),
        plan(),
        measure(),
        allergy(),
        med(),
        vacc(),
        audit("x"),
        Item::new(json!({"resourceType": "RelatedPerson", "id": "m"})),
        Item::new(json!({"resourceType": "Encounter", "id": "e"})),
        Item::new(json!({"resourceType": "Schedule", "id": "s"})),
    ]
    .into_iter()
    .map(|i| f(i.json.unwrap()).category)
    .collect();
    use Category::*;
    assert_eq!(
        cats,
        vec![
            Some(Documents),
            Some(Letters),
            Some(Results),
            Some(Results),
            Some(Results),
            Some(Referrals),
            Some(Appointments),
            Some(Dialog),
            Some(Forms),
            Some(Plans),
            Some(Measurements),
            Some(CriticalInfo),
            Some(Medication),
            Some(Vaccination),
            Some(AccessLog),
            Some(Demographics),
            Some(Documents),
            None
        ]
    );
    let r = f(
        json!({"resourceType": "ServiceRequest", "id": "r2", "authoredOn": "2026-10-02",
        "basedOn": [{"reference": "ServiceRequest/r1"}], "replaces": [{"reference": "ServiceRequest/r0"}],
        "encounter": {"reference": "Encounter/e"},
        "performer": [{"reference": "Organization/paed"}, {"identifier": {"value": "4001031"}}],
        "meta": {"security": [{"system": LABEL_SYSTEM, "code": "NORN_FORANS"}, {"system": LABEL_SYSTEM, "code": "NORU"},
                              {"system": "other", "code": "NORN_FFL"}],
                 "extension": [{"url": DEFERRED_UNTIL_URL, "valueDateTime": "2026-12-01T00:00:00+01:00"}],
                 "tag": [{"system": YOUTH_SHARING_SYSTEM, "code": "shared"}]}}),
    );
    assert_eq!(r.reference, "ServiceRequest/r2");
    assert_eq!(r.based_on, vec!["ServiceRequest/r1".to_string()]);
    assert_eq!(r.replaces, vec!["ServiceRequest/r0".to_string()]);
    assert_eq!(r.encounters, vec!["Encounter/e".to_string()]);
    assert_eq!(
        r.receivers,
        vec!["Organization/paed".to_string(), "4001031".to_string()]
    );
    assert_eq!(
        r.labels.iter().collect::<Vec<_>>(),
        vec![Label::NornForans, Label::Noru]
    );
    assert!(!r.unknown_label);
    assert_eq!(r.deferred_until, Some(t("2026-11-30T23:00:00Z")));
    assert_eq!(r.youth_sharing, Some(YouthSharing::Shared));
    assert_eq!(
        r.date.start_ms,
        t("2026-10-01T22:00:00Z").timestamp_millis()
    );
    assert_eq!(r.authored, Some(t("2026-10-01T22:00:00Z")));
    assert_eq!(r.owner_org.as_deref(), Some(ORG_A));
    let d = f(
        json!({"resourceType": "DocumentReference", "id": "d", "context": {"related": [{"reference": "ServiceRequest/r"}],
        "encounter": [{"reference": "Encounter/e"}]}}),
    );
    assert_eq!(d.related, vec!["ServiceRequest/r".to_string()]);
    assert_eq!(d.encounters, vec!["Encounter/e".to_string()]);
    assert_eq!(
        d.date.start_ms,
        stored.timestamp_millis(),
        "no date: the stored time"
    );
    let o = f(json!({"resourceType": "Observation", "id": "o", "issued": "2026-10-05T10:00:00Z"}));
    assert_eq!(
        o.date.start_ms,
        t("2026-10-05T10:00:00Z").timestamp_millis(),
        "no effective: issued"
    );
    let a = f(
        json!({"resourceType": "AuditEvent", "id": "a", "entity": [{"what": {"reference": "DocumentReference/d"}}]}),
    );
    assert_eq!(a.entities, vec!["DocumentReference/d".to_string()]);
}

#[test]
fn every_reason_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/access-policy.md"
    ))
    .expect("docs/access-policy.md");
    let missing: Vec<&str> = all_reason_prefixes()
        .into_iter()
        .filter(|p| !doc.contains(&format!("`{p}")))
        .collect();
    assert_eq!(missing, Vec::<&str>::new());
    assert_eq!(all_reason_prefixes().len(), 82);
}
