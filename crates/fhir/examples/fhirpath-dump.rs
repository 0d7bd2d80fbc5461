//! Evaluates every search-parameter expression of each file's resource type and prints
//! one JSON line per (file, parameter): `{"f": file, "p": code, "r": [results]}`.
//! `oracle/fhirpath-oracle.js` prints the same with HL7's JavaScript engine
//! (fhirpath@5.2.0) and `oracle/compare.py` diffs the two; see docs/fhir-definitions.md.
//!
//! `cargo run --release -p nordlys-fhir --example fhirpath-dump -- DIR > rust.jsonl`
use nordlys_fhir::defs::definitions;
use nordlys_fhir::fhirpath::{evaluate, Item};
use nordlys_fhir::ParamType;
use serde_json::{json, Value};

/// Files larger than this are skipped (the giant terminology Bundles).
const MAX_FILE: u64 = 2_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: fhirpath-dump DIR")?;
    let defs = definitions();
    let mut files: Vec<_> = std::fs::read_dir(&dir)?.filter_map(|e| e.ok()).collect();
    files.sort_by_key(|e| e.file_name());
    for entry in files {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".json") || name == "package.json" || entry.metadata()?.len() > MAX_FILE
        {
            continue;
        }
        let v: Value = serde_json::from_str(&std::fs::read_to_string(entry.path())?)?;
        let Some(rt) = v["resourceType"].as_str() else {
            continue;
        };
        for (p, e) in defs.compiled_params(rt) {
            if matches!(p.kind, ParamType::Composite | ParamType::Special) {
                continue;
            }
            let r: Vec<Value> = evaluate(defs, e, &v)
                .into_iter()
                .map(|i| match i {
                    Item::Node(v, _) => v.clone(),
                    Item::Bool(b) => json!(b),
                    Item::Str(s) | Item::Resolved(s) => json!(s),
                    Item::Num(n) => json!(n),
                })
                .collect();
            println!("{}", json!({"f": name, "p": p.code, "r": r}));
        }
    }
    Ok(())
}
