//! The clinician's Consents parse back as the policy reads them; labels round-trip.
use super::*;
use nordlys_policy::grant_from_consent;

fn author() -> Author {
    Author {
        hpr: "565501872".into(),
        name: "Overlege Erik Strand".into(),
    }
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

#[test]
fn parent_access_names_the_parents_level_referral_and_conversation() {
    let parents = vec!["RelatedPerson/mother".to_owned()];
    let c = parent_access(
        "child-13",
        "ServiceRequest/referral-1",
        &parents,
        Level::Full,
        &author(),
        now(),
    );
    let g = grant_from_consent(&c).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(g.kind, GrantKind::ParentAccess);
    assert_eq!(g.level, Some(Level::Full));
    assert_eq!(g.actors.len(), 1);
    assert_eq!(
        g.actors[0].reference.as_deref(),
        Some("RelatedPerson/mother")
    );
    assert_eq!(g.data.len(), 1);
    assert!(g.data[0].related);
    assert_eq!(g.data[0].reference, "ServiceRequest/referral-1");
    assert_eq!(c["verification"][0]["verified"], true);
    assert_eq!(
        c["verification"][0]["verifiedWith"]["reference"],
        "Patient/child-13"
    );
    assert_eq!(c["performer"][0]["identifier"]["value"], "565501872");
    assert_eq!(c["provision"]["type"], "permit");
    assert_eq!(c["dateTime"], "2026-11-20T10:00:00+01:00");
}

#[test]
fn closing_grants_deny_and_opening_grants_permit() {
    let lock = emergency_lock(
        "child-13",
        Some("ServiceRequest/referral-1"),
        &author(),
        now(),
    );
    assert_eq!(lock["provision"]["type"], "deny");
    let g = grant_from_consent(&lock).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(g.kind, GrantKind::EmergencyLock);
    let whole = emergency_lock("child-13", None, &author(), now());
    assert!(whole["provision"].get("data").is_none());
    let shield = shield_results("mother", Strength::Hard, &author(), now());
    let g = grant_from_consent(&shield).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (g.kind, g.strength),
        (GrantKind::Shield, Some(Strength::Hard))
    );
    assert_eq!(shield["provision"]["class"][0]["code"], "results");
    let rel = release("child-13", "DiagnosticReport/dr-1", &author(), now());
    let g = grant_from_consent(&rel).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(g.kind, GrantKind::Release);
    assert!(!g.data[0].related);
    let youth = youth_access("child-13", "ServiceRequest/referral-1", &author(), now());
    assert_eq!(
        grant_from_consent(&youth).map(|g| g.kind).ok(),
        Some(GrantKind::YouthAccess)
    );
}

#[test]
fn representatives_are_named_by_national_id() {
    let c = representative(
        GrantKind::LacksCapacity,
        "per",
        "13097248022",
        &author(),
        now(),
    );
    let g = grant_from_consent(&c).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(g.kind, GrantKind::LacksCapacity);
    assert_eq!(
        c["provision"]["actor"][0]["role"]["coding"][0]["code"],
        "GUARD"
    );
    assert_eq!(
        c["provision"]["actor"][0]["reference"]["identifier"]["value"],
        "13097248022"
    );
    let f = representative(
        GrantKind::FosterParent,
        "sara",
        "13097248022",
        &author(),
        now(),
    );
    assert_eq!(
        f["provision"]["actor"][0]["role"]["coding"][0]["code"],
        "PRNFOST"
    );
}

#[test]
fn revoking_keeps_everything_but_status() {
    let mut stored = youth_access("child-13", "ServiceRequest/referral-1", &author(), now());
    stored["id"] = json!("c1");
    stored["meta"] = json!({"versionId": "3", "lastUpdated": "2026-11-20T09:00:00Z"});
    let r = revoked(&stored);
    assert_eq!(r["status"], "inactive");
    assert_eq!(r["id"], "c1");
    assert!(r["meta"].get("versionId").is_none());
    assert_eq!(r["provision"], stored["provision"]);
    // A meta with nothing but what the store keeps goes away (empty objects are invalid).
    assert!(r.get("meta").is_none());
}

#[test]
fn labels_are_set_once_and_lifted_with_their_date() {
    let item = json!({"resourceType": "DocumentReference", "id": "d", "meta": {"versionId": "1",
        "security": [{"system": "other", "code": "R"}]}});
    let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default();
    let noru = with_label(&item, Label::Noru, Some(day));
    let noru = with_label(&noru, Label::Noru, Some(day));
    assert_eq!(labels(&noru), vec!["NORU".to_owned()]);
    assert_eq!(noru["meta"]["extension"][0]["url"], DEFERRED_UNTIL_URL);
    assert_eq!(
        noru["meta"]["extension"][0]["valueDateTime"],
        "2026-12-04T00:00:00+01:00"
    );
    assert_eq!(noru["meta"]["security"][0]["code"], "R");
    let lifted = without_label(&noru, Label::Noru);
    assert!(labels(&lifted).is_empty());
    assert!(lifted["meta"].get("extension").is_none());
    assert_eq!(lifted["meta"]["security"][0]["code"], "R");
    let forans = with_label(&item, Label::NornForans, None);
    assert_eq!(labels(&forans), vec!["NORN_FORANS".to_owned()]);
}
