//! Deterministic synthetic data for Nordlys: the demo region that `nordlys demo` loads,
//! a synthetic health region of any size for load tests, and a one-patient data set for
//! the search benchmark.
//!
//! Why generated and not copied from real exports: the data must exercise every access
//! rule (families, youths, foster parents, guardians, proxies, labels, deferrals, grants)
//! with valid synthetic national ids, be the same for the same seed on every machine, and
//! never read the clock — `today` is always an argument. Output is FHIR R4 JSON using
//! exactly the encodings of contract.md; [`codes`] names them and the conventions chosen
//! where the contract is silent. The demo cast is documented in `crates/synth/README.md`.

mod bench;
mod care;
pub mod check;
pub mod codes;
mod demo;
mod items;
mod make;
pub mod pdf;
mod region;
mod results;

pub use bench::{
    patient_with_documents, tile_patient_with_documents, BENCH_ORGNR, BENCH_ORG_ID,
    BENCH_PATIENT_ID, BENCH_PATIENT_PID, BENCH_TODAY, TILE_PATIENT_ID, TILE_PATIENT_PID,
};
pub use check::check_resources;
pub use codes::source_orgnr;
pub use demo::{demo_region, DemoPerson, DemoPractitioner, DemoRegion, DemoSystem, UNN_ORGNR};
pub use region::{region, Region, RegionConfig};

use serde_json::Value;

/// Removes empty strings, arrays and objects (and nulls), which FHIR JSON forbids, so
/// builders can set optional parts unconditionally.
pub(crate) fn tidy(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.values_mut().for_each(tidy);
            map.retain(|_, c| !is_empty(c));
        }
        Value::Array(items) => {
            items.iter_mut().for_each(tidy);
            items.retain(|c| !is_empty(c));
        }
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tidy_drops_what_fhir_json_forbids() {
        let mut v = json!({"a": {}, "b": [], "c": "", "d": null, "e": [{}, {"f": ""}], "g": {"h": 1}, "i": 0});
        tidy(&mut v);
        assert_eq!(v, json!({"g": {"h": 1}, "i": 0}));
    }
}
