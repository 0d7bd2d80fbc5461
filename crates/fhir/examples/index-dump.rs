//! Prints the validation issues and search index entries of FHIR JSON files, one line
//! each: a quick way to see what a resource will be searchable by.
//!
//! `cargo run -p nordlys-fhir --example index-dump -- FILE...`
fn main() -> Result<(), Box<dyn std::error::Error>> {
    for path in std::env::args().skip(1) {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
        println!("== {path}");
        for issue in nordlys_fhir::validate_resource_all(&v) {
            println!(
                "issue {:?} {} {}: {}",
                issue.severity, issue.code, issue.expression, issue.diagnostics
            );
        }
        for e in nordlys_fhir::extract_index(&v) {
            println!("{:<24} {:?}", e.param, e.value);
        }
    }
    Ok(())
}
