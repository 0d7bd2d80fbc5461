//! Official HL7 R4 examples (a small committed selection) and, when present, the
//! Synthea data: all must validate, and a few must index exactly as expected.
use std::path::{Path, PathBuf};

use nordlys_fhir::time::date_range;
use nordlys_fhir::{extract_index, validate_resource, IndexValue};
use serde_json::Value;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/examples")
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn example(name: &str) -> Value {
    load(&examples_dir().join(name))
}

fn entries(v: &Value, param: &str) -> Vec<IndexValue> {
    extract_index(v)
        .into_iter()
        .filter(|e| e.param == param)
        .map(|e| e.value)
        .collect()
}

fn tok(system: &str, code: &str) -> IndexValue {
    IndexValue::Token {
        system: Some(system.into()),
        code: code.into(),
    }
}

fn date(v: &str) -> IndexValue {
    let (low, high) = date_range(v).unwrap_or_else(|| panic!("{v}"));
    IndexValue::Date { low, high }
}

#[test]
fn every_committed_example_validates() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    let mut failures = Vec::new();
    for f in &files {
        if let Err(issues) = validate_resource(&load(f)) {
            failures.push(format!("{}: {issues:?}", f.display()));
        }
    }
    assert_eq!(files.len(), 39);
    assert_eq!(failures, Vec::<String>::new());
}

#[test]
fn patient_example_index() {
    let p = example("Patient-example.json");
    assert_eq!(
        entries(&p, "family"),
        vec![
            IndexValue::String {
                norm: "chalmers".into(),
                exact: "Chalmers".into()
            },
            IndexValue::String {
                norm: "windsor".into(),
                exact: "Windsor".into()
            },
        ]
    );
    assert_eq!(entries(&p, "birthdate"), vec![date("1974-12-25")]);
    let IndexValue::Date { low, high } = entries(&p, "birthdate")[0] else {
        panic!("not a date")
    };
    assert_eq!((low, high), (157_161_600_000, 157_247_999_999));
    assert_eq!(
        entries(&p, "identifier"),
        vec![tok("urn:oid:1.2.36.146.595.217.0.1", "12345")]
    );
    assert_eq!(
        entries(&p, "gender"),
        vec![IndexValue::Token {
            system: None,
            code: "male".into()
        }]
    );
    assert_eq!(
        entries(&p, "organization"),
        vec![IndexValue::Reference {
            target_type: Some("Organization".into()),
            target_id: Some("1".into()),
            url: "Organization/1".into(),
        }]
    );
    assert_eq!(
        entries(&p, "_id"),
        vec![IndexValue::Token {
            system: None,
            code: "example".into()
        }]
    );
}

#[test]
fn observation_example_index() {
    let o = example("Observation-example.json");
    assert_eq!(
        entries(&o, "code"),
        vec![
            tok("http://loinc.org", "29463-7"),
            tok("http://loinc.org", "3141-9"),
            tok("http://snomed.info/sct", "27113001"),
            tok("http://acme.org/devices/clinical-codes", "body-weight"),
        ]
    );
    assert_eq!(
        entries(&o, "value-quantity"),
        vec![IndexValue::Quantity {
            value: 185.0,
            system: Some("http://unitsofmeasure.org".into()),
            code: Some("[lb_av]".into()),
        }]
    );
    let subject = IndexValue::Reference {
        target_type: Some("Patient".into()),
        target_id: Some("example".into()),
        url: "Patient/example".into(),
    };
    assert_eq!(entries(&o, "subject"), vec![subject.clone()]);
    assert_eq!(entries(&o, "patient"), vec![subject]);
    assert_eq!(entries(&o, "date"), vec![date("2016-03-28")]);
    assert_eq!(
        entries(&o, "category"),
        vec![tok(
            "http://terminology.hl7.org/CodeSystem/observation-category",
            "vital-signs"
        )]
    );
    assert_eq!(
        entries(&o, "status"),
        vec![IndexValue::Token {
            system: None,
            code: "final".into()
        }]
    );
}

#[test]
fn blood_pressure_components_index() {
    let o = example("Observation-blood-pressure.json");
    let codes: Vec<IndexValue> = entries(&o, "component-code");
    assert_eq!(
        codes,
        vec![
            tok("http://loinc.org", "8480-6"),
            tok("http://snomed.info/sct", "271649006"),
            tok("http://acme.org/devices/clinical-codes", "bp-s"),
            tok("http://loinc.org", "8462-4"),
        ]
    );
    let values = entries(&o, "component-value-quantity");
    assert_eq!(
        values,
        vec![
            IndexValue::Quantity {
                value: 107.0,
                system: Some("http://unitsofmeasure.org".into()),
                code: Some("mm[Hg]".into())
            },
            IndexValue::Quantity {
                value: 60.0,
                system: Some("http://unitsofmeasure.org".into()),
                code: Some("mm[Hg]".into())
            },
        ]
    );
}

/// Real R4 data, when the shared folder is there (not on CI).
#[test]
fn synthea_bundles_validate_if_present() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let Some(dir) = [
        root.join("../shared/data/synthea-r4"),
        PathBuf::from("/work/shared/data/synthea-r4"),
    ]
    .into_iter()
    .find(|d| d.is_dir()) else {
        eprintln!("synthea-r4 not found; skipped");
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "json"));
    let (mut resources, mut entries_total, mut failures) = (0usize, 0usize, Vec::new());
    for f in &files {
        let bundle = load(f);
        for entry in bundle["entry"].as_array().into_iter().flatten() {
            let r = &entry["resource"];
            resources += 1;
            entries_total += extract_index(r).len();
            if let Err(issues) = validate_resource(r) {
                failures.push(format!("{}: {issues:?}", f.display()));
            }
        }
    }
    println!(
        "synthea: {} bundles, {resources} resources, {entries_total} index entries, {} invalid",
        files.len(),
        failures.len()
    );
    assert!(resources > 0);
    assert_eq!(failures, Vec::<String>::new());
}
