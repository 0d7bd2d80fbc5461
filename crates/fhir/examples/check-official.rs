//! Runs every JSON resource in a directory (e.g. HL7's unpacked R4 examples package)
//! through `validate_resource` and `extract_index`, and summarises what fails and why.
//!
//! Why an example and not a test: the 5,306 official files live outside the repository
//! (`npm pack hl7.fhir.r4.examples@4.0.1`), so CI cannot run it; docs/fhir-definitions.md
//! records the result.
//!
//! `cargo run --release -p nordlys-fhir --example check-official -- /tmp/fhirdef/package [-v]`
use std::collections::BTreeMap;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: check-official DIR [-v]")?;
    let verbose = args.next().as_deref() == Some("-v");
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.ends_with("package.json"))
        .collect();
    files.sort();
    let (mut ok, mut bad, mut entries) = (0usize, 0usize, 0usize);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let (mut t_validate, mut t_index) = (0u128, 0u128);
    for path in &files {
        let text = std::fs::read_to_string(path)?;
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            *reasons.entry("not JSON".into()).or_default() += 1;
            bad += 1;
            continue;
        };
        let t0 = Instant::now();
        let res = nordlys_fhir::validate_resource(&v);
        let t1 = Instant::now();
        entries += nordlys_fhir::extract_index(&v).len();
        t_index += t1.elapsed().as_micros();
        t_validate += (t1 - t0).as_micros();
        match res {
            Ok(()) => ok += 1,
            Err(issues) => {
                bad += 1;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                for i in issues
                    .iter()
                    .filter(|i| i.severity == nordlys_fhir::IssueSeverity::Error)
                {
                    if verbose {
                        println!("{name}: {} {}: {}", i.code, i.expression, i.diagnostics);
                    }
                    *reasons
                        .entry(format!("{}: {}", i.code, i.diagnostics))
                        .or_default() += 1;
                }
            }
        }
    }
    println!(
        "{} files: {ok} valid, {bad} with errors; {entries} index entries",
        files.len()
    );
    println!(
        "validate {} ms, extract_index {} ms in total",
        t_validate / 1000,
        t_index / 1000
    );
    let mut sorted: Vec<_> = reasons.into_iter().collect();
    sorted.sort_by_key(|r| std::cmp::Reverse(r.1));
    for (r, n) in sorted.iter().take(60) {
        println!("{n:6}  {r}");
    }
    Ok(())
}
