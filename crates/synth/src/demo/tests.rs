//! The demo region: cast, ages on every day of a leap year, links, encodings, counts.
use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use nordlys_fhir::ids::{birth_date_from_national_id, parse_national_id, MonthOffset};
use nordlys_fhir::time::age_on;
use serde_json::Value;

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn find<'a>(r: &'a DemoRegion, kind: &str, id: &str) -> &'a Value {
    r.resources
        .iter()
        .find(|v| v["resourceType"] == kind && v["id"] == id)
        .unwrap_or_else(|| panic!("{kind}/{id} missing"))
}

fn labels(v: &Value) -> Vec<&str> {
    v["meta"]["security"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["code"].as_str()).collect())
        .unwrap_or_default()
}

const CAST: &[(&str, &str, i32, &[&str])] = &[
    (
        "mother",
        "Ingrid, 44",
        44,
        &["child-8", "child-13", "child-17"],
    ),
    (
        "father",
        "Lars, 46",
        46,
        &["child-8", "child-13", "child-17"],
    ),
    ("child-8", "Emma, 8", 8, &[]),
    ("child-13", "Kari, 13", 13, &[]),
    ("child-17", "Jonas, 17", 17, &[]),
    ("foster-child", "Sara, 10", 10, &[]),
    ("foster-parent", "Marit, 52", 52, &["foster-child"]),
    ("birth-mother", "Line, 33", 33, &[]),
    ("adult", "Ola, 41", 41, &["elderly-father"]),
    ("elderly-father", "Nils, 80", 80, &[]),
    ("lacks-capacity", "Per, 29", 29, &[]),
    ("guardian", "Anne, 58", 58, &["lacks-capacity"]),
];

#[test]
fn the_cast_has_the_stated_ages_and_valid_synthetic_ids() {
    let r = demo_region(day(2026, 11, 22));
    let got: Vec<(&str, &str, i32, Vec<&str>)> = r
        .persons
        .iter()
        .map(|p| {
            (
                p.key.as_str(),
                p.display.as_str(),
                p.age,
                p.acts_for.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    let want: Vec<(&str, &str, i32, Vec<&str>)> = CAST
        .iter()
        .map(|(k, d, a, f)| (*k, *d, *a, f.to_vec()))
        .collect();
    assert_eq!(got, want);
    let mut pids: Vec<&str> = r.persons.iter().map(|p| p.pid.as_str()).collect();
    for p in &r.persons {
        let id = parse_national_id(&p.pid).unwrap();
        assert_eq!(
            (id.birth_date, id.month_offset, id.is_d_number),
            (p.birth_date, MonthOffset::Plus80, false),
            "{}",
            p.key
        );
    }
    pids.sort();
    pids.dedup();
    assert_eq!(pids.len(), 12);
    assert_eq!(r.persons.iter().filter(|p| p.patient.is_some()).count(), 9);
}

#[test]
fn ages_hold_on_every_day_of_a_leap_year_and_on_birthdays() {
    // Every today from 2027-12-01 to 2029-01-31 (includes 2028-02-29).
    let mut today = day(2027, 12, 1);
    while today <= day(2029, 1, 31) {
        let r = demo_region(today);
        for (p, (key, _, age, _)) in r.persons.iter().zip(CAST) {
            assert_eq!((p.key.as_str(), p.age), (*key, *age), "{today}");
            assert_eq!(age_on(p.birth_date, today), *age, "{key} on {today}");
            assert_eq!(
                birth_date_from_national_id(&p.pid),
                Some(p.birth_date),
                "{key} on {today}"
            );
        }
        today = today.checked_add_signed(TimeDelta::days(1)).unwrap();
    }
    // On Kari's 14th birthday a region made the day before still has her 13, and the
    // policy's age computation turns 14 that day.
    let r = demo_region(day(2026, 11, 22));
    let kari = r.persons.iter().find(|p| p.key == "child-13").unwrap();
    let fourteenth = kari
        .birth_date
        .checked_add_months(chrono::Months::new(14 * 12))
        .unwrap();
    assert_eq!(age_on(kari.birth_date, fourteenth.pred_opt().unwrap()), 13);
    assert_eq!(age_on(kari.birth_date, fourteenth), 14);
    let patient = find(&r, "Patient", "child-13");
    assert_eq!(
        patient["birthDate"],
        kari.birth_date.format("%Y-%m-%d").to_string()
    );
}

#[test]
fn every_reference_resolves_and_every_id_validates() {
    for today in [day(2026, 11, 22), day(2028, 2, 29), day(2027, 6, 30)] {
        let r = demo_region(today);
        assert_eq!(
            crate::check::check_resources(&r.resources),
            Vec::<String>::new(),
            "{today}"
        );
    }
}

#[test]
fn every_resource_validates_against_r4() {
    // Guard: the validator is real (not the stub that accepted anything).
    assert!(nordlys_fhir::validate_resource(
        &serde_json::json!({"resourceType": "Patient", "nonsense": 1})
    )
    .is_err());
    let r = demo_region(day(2026, 11, 22));
    for v in &r.resources {
        if let Err(issues) = nordlys_fhir::validate_resource(v) {
            panic!("{}/{}: {issues:?}", v["resourceType"], v["id"]);
        }
    }
}

#[test]
fn the_same_day_gives_the_same_region() {
    assert_eq!(
        demo_region(day(2026, 11, 22)).resources,
        demo_region(day(2026, 11, 22)).resources
    );
    assert_ne!(
        demo_region(day(2026, 11, 22)).resources,
        demo_region(day(2026, 11, 23)).resources
    );
}

#[test]
fn counts_per_resource_type() {
    let r = demo_region(day(2026, 11, 22));
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in &r.resources {
        *counts
            .entry(v["resourceType"].as_str().unwrap())
            .or_default() += 1;
    }
    let want: BTreeMap<&str, usize> = [
        ("AllergyIntolerance", 1),
        ("Appointment", 11),
        ("Binary", 2),
        ("CarePlan", 1),
        ("CareTeam", 1),
        ("Communication", 11),
        ("Condition", 5),
        ("Consent", 6),
        ("Device", 3),
        ("DiagnosticReport", 21),
        ("DocumentReference", 22),
        ("Encounter", 5),
        ("EpisodeOfCare", 1),
        ("Goal", 2),
        ("Immunization", 16),
        ("Location", 14),
        ("MedicationRequest", 8),
        ("MedicationStatement", 2),
        ("Observation", 94),
        ("Organization", 14),
        ("Patient", 9),
        ("PlanDefinition", 2),
        ("Practitioner", 12),
        ("PractitionerRole", 12),
        ("Questionnaire", 3),
        ("RelatedPerson", 10),
        ("Schedule", 4),
        ("ServiceRequest", 6),
        ("Slot", 24),
        ("Task", 3),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts, want);
}

#[test]
fn the_encodings_of_the_contract() {
    let today = day(2026, 11, 22);
    let r = demo_region(today);
    // Parents: relationship, parental responsibility with its period, same address.
    let mother = find(&r, "RelatedPerson", "mother");
    assert_eq!(mother["patient"]["reference"], "Patient/child-13");
    assert_eq!(mother["relationship"][0]["coding"][0]["code"], "MTH");
    assert_eq!(
        mother["extension"][0]["url"],
        crate::codes::PARENTAL_RESPONSIBILITY_URL
    );
    assert_eq!(mother["extension"][0]["valueBoolean"], true);
    let kari = find(&r, "Patient", "child-13");
    assert_eq!(mother["period"]["start"], kari["birthDate"]);
    assert_eq!(mother["address"], kari["address"]);
    let kari_pid = &r.persons.iter().find(|p| p.key == "child-13").unwrap().pid;
    assert_eq!(
        kari["identifier"][0]["system"],
        "urn:oid:2.16.578.1.12.4.1.4.1"
    );
    assert_eq!(&kari["identifier"][0]["value"], kari_pid.as_str());
    // Confidential address.
    let sara = find(&r, "Patient", "foster-child");
    assert_eq!(
        sara["meta"]["security"][0]["system"],
        crate::codes::CONFIDENTIALITY_SYSTEM
    );
    assert_eq!(sara["meta"]["security"][0]["code"], "R");
    // Grants.
    let kinds: Vec<(&str, &str)> = r
        .resources
        .iter()
        .filter(|v| v["resourceType"] == "Consent")
        .map(|v| {
            (
                v["id"].as_str().unwrap(),
                v["category"][0]["coding"][0]["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("consent-parent-access-child-13-asthma", "parent-access"),
            ("consent-parental-consent-child-13", "parental-consent"),
            ("consent-foster-parent-foster-child", "foster-parent"),
            ("consent-proxy-nils", "proxy"),
            ("consent-release-adult-pat-1", "release"),
            ("consent-lacks-capacity-per", "lacks-capacity"),
        ]
    );
    let proxy = find(&r, "Consent", "consent-proxy-nils");
    assert_eq!(proxy["provision"]["action"][0]["coding"][0]["code"], "full");
    assert_eq!(
        proxy["provision"]["actor"][0]["reference"]["reference"],
        "RelatedPerson/ola-for-nils"
    );
    assert_eq!(proxy["scope"]["coding"][0]["code"], "patient-privacy");
    assert_eq!(proxy["policyRule"]["coding"][0]["code"], "OPTIN");
    let opened = find(&r, "Consent", "consent-parent-access-child-13-asthma");
    assert_eq!(opened["provision"]["data"][0]["meaning"], "related");
    assert_eq!(
        opened["provision"]["data"][0]["reference"]["reference"],
        "ServiceRequest/referral-2"
    );
    // Labels.
    assert_eq!(
        labels(find(&r, "DocumentReference", "doc-child-13-bup-2")),
        vec!["NORN_FORANS"]
    );
    assert_eq!(
        labels(find(&r, "DocumentReference", "doc-child-13-gp-2")),
        vec!["NORN_FOR"]
    );
    let noru = find(&r, "DiagnosticReport", "dr-adult-rad-1");
    assert_eq!(labels(noru), vec!["NORU"]);
    assert_eq!(
        noru["meta"]["extension"][0]["url"],
        crate::codes::DEFERRED_UNTIL_URL
    );
    assert_eq!(
        noru["meta"]["extension"][0]["valueDateTime"],
        "2026-12-13T12:00:00+01:00"
    );
    // Before Kari's 12th birthday.
    let twelve = NaiveDate::parse_from_str(kari["birthDate"].as_str().unwrap(), "%Y-%m-%d")
        .unwrap()
        .checked_add_months(chrono::Months::new(144))
        .unwrap();
    let old = find(&r, "DocumentReference", "doc-child-13-gp-1");
    assert!(old["date"].as_str().unwrap() < twelve.format("%Y-%m-%d").to_string().as_str());
    // Deferred (issued yesterday) and released early.
    assert_eq!(
        find(&r, "DiagnosticReport", "dr-adult-lab-deferred")["issued"],
        "2026-11-21T14:05:00+01:00"
    );
    let release = find(&r, "Consent", "consent-release-adult-pat-1");
    assert_eq!(
        release["provision"]["data"][0]["reference"]["reference"],
        "DiagnosticReport/dr-adult-pat-1"
    );
    // Onward referral, video link, medication tags, letters, home measurements.
    let onward = find(&r, "ServiceRequest", "referral-1-onward");
    assert_eq!(
        onward["basedOn"][0]["reference"],
        "ServiceRequest/referral-1"
    );
    assert_eq!(
        find(&r, "Organization", "org-unn-bup")["type"][0]["coding"][0]["code"],
        "child-psychiatry"
    );
    let video = find(&r, "Appointment", "appt-adult-2");
    assert_eq!(video["extension"][0]["url"], crate::codes::VIDEO_LINK_URL);
    assert_eq!(
        video["extension"][0]["valueUrl"],
        "https://video.nordlys.no/m/unn-med-7f3a9c"
    );
    assert_eq!(
        find(&r, "MedicationRequest", "medreq-child-13-sertralin")["meta"]["tag"][0]["code"],
        "only-youth"
    );
    assert_eq!(
        find(&r, "MedicationStatement", "medst-child-13-ventoline")["meta"]["tag"][0]["code"],
        "shared"
    );
    assert_eq!(
        find(&r, "DocumentReference", "letter-child-13-bup-1")["category"][0]["coding"][0]["code"],
        "letter"
    );
    let weight = find(&r, "Observation", "vital-elderly-weight-01");
    assert_eq!(weight["category"][0]["coding"][0]["code"], "vital-signs");
    assert_eq!(weight["device"]["reference"], "Device/device-elderly-scale");
    let free = r
        .resources
        .iter()
        .filter(|v| v["resourceType"] == "Slot" && v["status"] == "free")
        .count();
    assert_eq!(free, 20);
    assert_eq!(
        crate::codes::source_orgnr(find(&r, "DocumentReference", "doc-child-13-bup-1")),
        Some(UNN_ORGNR)
    );
}

#[test]
fn logins_match_the_contract_examples() {
    let r = demo_region(day(2026, 11, 22));
    let ward = r
        .practitioners
        .iter()
        .find(|p| p.key == "ward-doctor")
        .unwrap();
    assert_eq!(
        (ward.hpr.as_str(), ward.orgnr.as_str()),
        ("565501872", "983974899")
    );
    let dips = r
        .systems
        .iter()
        .find(|s| s.client_id == "dips-unn")
        .unwrap();
    assert_eq!(dips.orgnr, "983974899");
    assert_eq!(r.practitioners.len(), 12);
    assert_eq!(r.systems.len(), 7);
    for p in &r.practitioners {
        assert_eq!(nordlys_fhir::ids::validate_hpr(&p.hpr), Ok(()), "{}", p.key);
        assert_eq!(
            nordlys_fhir::ids::validate_orgnr(&p.orgnr),
            Ok(()),
            "{}",
            p.key
        );
    }
}

#[test]
#[ignore = "prints the cast for the README"]
fn print_cast() {
    let r = demo_region(day(2026, 11, 22));
    for p in &r.persons {
        println!(
            "| `{}` | {} | {} | {} | {} | {} |",
            p.key,
            p.display,
            p.birth_date,
            p.pid,
            p.acts_for.join(", "),
            p.role
        );
    }
    for p in &r.practitioners {
        println!(
            "| `{}` | {} | {} | {} | {} |",
            p.key, p.display, p.hpr, p.orgnr, p.unit_name
        );
    }
    for s in &r.systems {
        println!(
            "| `{}` | {} | {} | {} |",
            s.client_id, s.display, s.orgnr, s.scope
        );
    }
}
