//! The synthetic region: determinism, counts, links, ids, and that the rare cases occur.
use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde_json::Value;

use super::*;

fn config(patients: usize, seed: u64) -> RegionConfig {
    RegionConfig {
        patients,
        seed,
        today: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
    }
}

fn generate(patients: usize, seed: u64) -> Vec<Value> {
    region(config(patients, seed)).collect()
}

fn counts(resources: &[Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for v in resources {
        *counts
            .entry(v["resourceType"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    counts
}

#[test]
fn same_seed_same_region_other_seed_other_region() {
    let a = generate(30, 42);
    assert_eq!(a, generate(30, 42));
    assert_ne!(a, generate(30, 43));
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&region(config(30, 42)).collect::<Vec<_>>()).unwrap()
    );
}

#[test]
fn exactly_n_patients_with_positional_ids_after_the_directory() {
    let out = generate(40, 1);
    let patients: Vec<&str> = out
        .iter()
        .filter(|v| v["resourceType"] == "Patient")
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    let want: Vec<String> = (0..40).map(|i| format!("p-{i:06}")).collect();
    assert_eq!(patients, want);
    let first_patient = out
        .iter()
        .position(|v| v["resourceType"] == "Patient")
        .unwrap();
    let directory = [
        "Organization",
        "Location",
        "Practitioner",
        "PractitionerRole",
        "Schedule",
        "Slot",
    ];
    assert!(out[..first_patient]
        .iter()
        .all(|v| directory.contains(&v["resourceType"].as_str().unwrap())));
    assert!(out[first_patient..]
        .iter()
        .all(|v| !directory.contains(&v["resourceType"].as_str().unwrap())));
    assert_eq!(
        generate(1, 1)
            .iter()
            .filter(|v| v["resourceType"] == "Patient")
            .count(),
        1
    );
    assert_eq!(
        generate(0, 1)
            .iter()
            .filter(|v| v["resourceType"] == "Patient")
            .count(),
        0
    );
}

#[test]
fn every_reference_resolves_and_every_national_id_is_valid_and_unique() {
    let out = generate(120, 7);
    assert_eq!(crate::check::check_resources(&out), Vec::<String>::new());
    let mut pids = HashSet::new();
    for p in out.iter().filter(|v| v["resourceType"] == "Patient") {
        let pid = p["identifier"][0]["value"].as_str().unwrap();
        assert_eq!(nordlys_fhir::ids::validate_fnr(pid), Ok(()));
        assert!(pids.insert(pid.to_string()), "{pid} twice");
        let born = nordlys_fhir::ids::birth_date_from_national_id(pid).unwrap();
        assert_eq!(p["birthDate"], born.format("%Y-%m-%d").to_string());
    }
    assert_eq!(pids.len(), 120);
}

#[test]
fn every_resource_validates_against_r4() {
    assert!(nordlys_fhir::validate_resource(
        &serde_json::json!({"resourceType": "Slot", "status": "free"})
    )
    .is_err());
    for v in generate(25, 3) {
        if let Err(issues) = nordlys_fhir::validate_resource(&v) {
            panic!("{}/{}: {issues:?}", v["resourceType"], v["id"]);
        }
    }
}

#[test]
fn counts_per_resource_type_for_a_fixed_seed() {
    let got = counts(&generate(25, 2026));
    let want: BTreeMap<String, usize> = [
        ("Appointment", 46),
        ("Binary", 59),
        ("CarePlan", 1),
        ("Communication", 18),
        ("Condition", 1),
        ("Consent", 5),
        ("Device", 1),
        ("DiagnosticReport", 139),
        ("DocumentReference", 1524),
        ("Encounter", 100),
        ("Goal", 1),
        ("Immunization", 43),
        ("Location", 42),
        ("MedicationRequest", 22),
        ("Observation", 344),
        ("Organization", 42),
        ("Patient", 25),
        ("Practitioner", 114),
        ("PractitionerRole", 114),
        ("RelatedPerson", 12),
        ("Schedule", 22),
        ("ServiceRequest", 76),
        ("Slot", 88),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn journal_documents_per_patient_between_20_and_200() {
    let out = generate(60, 11);
    let mut per_patient: BTreeMap<String, usize> = BTreeMap::new();
    for d in out
        .iter()
        .filter(|v| v["resourceType"] == "DocumentReference")
    {
        if d["category"][0]["coding"][0]["code"] == "journal" {
            *per_patient
                .entry(d["subject"]["reference"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    assert_eq!(per_patient.len(), 60);
    assert!(
        per_patient.values().all(|n| (20..=200).contains(n)),
        "{per_patient:?}"
    );
}

#[test]
fn the_rare_cases_occur_in_a_region_of_300() {
    let out = generate(300, 5);
    let has = |pred: &dyn Fn(&Value) -> bool| out.iter().filter(|v| pred(v)).count();
    let grant = |kind: &'static str| move |v: &Value| v["category"][0]["coding"][0]["code"] == kind;
    let label = |code: &'static str| {
        move |v: &Value| {
            v["meta"]["security"]
                .as_array()
                .is_some_and(|a| a.iter().any(|c| c["code"] == code))
        }
    };
    let n = [
        ("parental-consent", has(&grant("parental-consent"))),
        ("parent-access", has(&grant("parent-access"))),
        ("deny-parents", has(&grant("deny-parents"))),
        ("proxy", has(&grant("proxy"))),
        ("block", has(&grant("block"))),
        ("NORN_FOR", has(&label("NORN_FOR"))),
        ("NORN_FORANS", has(&label("NORN_FORANS"))),
        (
            "NORU",
            has(&|v: &Value| v["resourceType"] == "DiagnosticReport" && label("NORU")(v)),
        ),
        (
            "confidential",
            has(&|v: &Value| v["resourceType"] == "Patient" && label("R")(v)),
        ),
        (
            "basedOn onward",
            has(&|v: &Value| v["resourceType"] == "ServiceRequest" && v["basedOn"].is_array()),
        ),
        (
            "replaces onward",
            has(&|v: &Value| v["resourceType"] == "ServiceRequest" && v["replaces"].is_array()),
        ),
        (
            "video",
            has(&|v: &Value| v["resourceType"] == "Appointment" && v["extension"].is_array()),
        ),
        (
            "only-youth",
            has(&|v: &Value| v["meta"]["tag"][0]["code"] == "only-youth"),
        ),
        (
            "issued yesterday",
            has(&|v: &Value| {
                v["resourceType"] == "DiagnosticReport"
                    && v["issued"]
                        .as_str()
                        .is_some_and(|s| s.starts_with("2026-11-21"))
            }),
        ),
        (
            "home measurement",
            has(&|v: &Value| v["device"].is_object()),
        ),
        (
            "care plan",
            has(&|v: &Value| v["resourceType"] == "CarePlan"),
        ),
        ("PDF", has(&|v: &Value| v["resourceType"] == "Binary")),
        (
            "D-nummer",
            has(&|v: &Value| {
                v["resourceType"] == "Patient"
                    && v["identifier"][0]["system"] == "urn:oid:2.16.578.1.12.4.1.4.2"
            }),
        ),
    ];
    let missing: Vec<&str> = n.iter().filter(|(_, c)| *c == 0).map(|(k, _)| *k).collect();
    assert_eq!(missing, Vec::<&str>::new(), "{n:?}");
}

/// `cargo test --release -p nordlys-synth -- --ignored --nocapture region_throughput`
#[test]
#[ignore = "timing, run by hand in release"]
fn region_throughput() {
    let start = std::time::Instant::now();
    let (mut resources, mut bytes) = (0usize, 0usize);
    for v in region(config(1000, 1)) {
        resources += 1;
        bytes += serde_json::to_vec(&v).map(|b| b.len()).unwrap_or(0);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "1000 patients: {resources} resources, {} MB JSON, {secs:.2} s, {:.0} resources/s",
        bytes / 1_000_000,
        resources as f64 / secs
    );
    assert!(resources > 50_000);
}
