//! One patient with many documents from one organisation: the input of the "citizen
//! search, one patient with 1,000 documents" benchmark of quality.md.
//!
//! Why a fixed patient and date: the benchmark logs in as this patient by national id,
//! so the id is a published constant; and the data must not depend on the day it runs,
//! so dates count back from [`BENCH_TODAY`] instead of a `today` argument.
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use crate::codes::ORGNR_SYSTEM;
use crate::items::Doc;
use crate::make::{meta, patient, Address, Clock, Person};
use crate::region::words::GP_NOTES;

/// The benchmark patient's synthetic fødselsnummer (born 1980-05-17, Tenor style).
pub const BENCH_PATIENT_PID: &str = "17858012392";
/// The benchmark patient's id.
pub const BENCH_PATIENT_ID: &str = "bench-patient";
/// The organisation that produced every benchmark document.
pub const BENCH_ORG_ID: &str = "bench-org";
/// Its organisation number.
pub const BENCH_ORGNR: &str = "983974899";
/// The portal benchmark's patient (quality.md: "a tile with 200 items").
pub const TILE_PATIENT_ID: &str = "bench-tile-patient";
/// Its synthetic fødselsnummer (born 1980-05-18).
pub const TILE_PATIENT_PID: &str = "18858012593";
/// Document dates count back from this day.
pub const BENCH_TODAY: (i32, u32, u32) = (2025, 6, 1);

/// An Organization, the Patient and `n` DocumentReferences (`bench-doc-000001`, …) with
/// small inline text attachments, dated over the last ten years; `seed` varies titles
/// and dates.
pub fn patient_with_documents(n: usize, seed: u64) -> Vec<Value> {
    documents_of(
        BENCH_PATIENT_ID,
        BENCH_PATIENT_PID,
        (1980, 5, 17),
        "bench-doc",
        n,
        seed,
        true,
    )
}

/// The Patient of the portal benchmark and its `n` documents (`bench-tile-doc-…`),
/// from the same organisation as [`patient_with_documents`] (load that first).
pub fn tile_patient_with_documents(n: usize, seed: u64) -> Vec<Value> {
    documents_of(
        TILE_PATIENT_ID,
        TILE_PATIENT_PID,
        (1980, 5, 18),
        "bench-tile-doc",
        n,
        seed,
        false,
    )
}

fn documents_of(
    patient_id: &str,
    pid: &str,
    born: (i32, u32, u32),
    prefix: &str,
    n: usize,
    seed: u64,
    with_org: bool,
) -> Vec<Value> {
    let (y, m, d) = BENCH_TODAY;
    let today = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let clock = Clock { today };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let person = Person {
        given: "Benk".into(),
        family: "Marksen".into(),
        female: false,
        birth: NaiveDate::from_ymd_opt(born.0, born.1, born.2).unwrap_or_default(),
        pid: pid.into(),
        address: Address::new("Storgata 1", "9008", "Tromsø"),
    };
    let mut out = Vec::with_capacity(n + 2);
    if with_org {
        out.push(json!({
        "resourceType": "Organization", "id": BENCH_ORG_ID, "meta": meta(Some(BENCH_ORGNR), &[]),
        "identifier": [{"use": "official", "system": ORGNR_SYSTEM, "value": BENCH_ORGNR}],
        "active": true, "name": "Universitetssykehuset Nord-Norge HF",
        }));
    }
    out.push(patient(patient_id, &person, None, BENCH_ORGNR, false));
    let org_ref = format!("Organization/{BENCH_ORG_ID}");
    for i in 1..=n {
        let (title, text) = GP_NOTES[rng.random_range(0..GP_NOTES.len())];
        let days = rng.random_range(1..=3650);
        out.push(
            Doc {
                id: format!("{prefix}-{i:06}"),
                patient: format!("Patient/{patient_id}"),
                date: clock.at(days, rng.random_range(8..16), rng.random_range(0..60)),
                kind: ("11488-4", "Consult note"),
                title: title.into(),
                author: org_ref.clone(),
                custodian: org_ref.clone(),
                source: BENCH_ORGNR.into(),
                text: text.into(),
                ..Default::default()
            }
            .json(),
        );
    }
    out.iter_mut().for_each(crate::tidy);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_pid_is_the_generated_one_and_valid() {
        let born = NaiveDate::from_ymd_opt(1980, 5, 17).unwrap();
        assert_eq!(
            crate::make::synthetic_fnr(born, 123, false, false),
            BENCH_PATIENT_PID
        );
        assert_eq!(nordlys_fhir::ids::validate_fnr(BENCH_PATIENT_PID), Ok(()));
        let born = NaiveDate::from_ymd_opt(1980, 5, 18).unwrap();
        assert_eq!(
            crate::make::synthetic_fnr(born, 124, false, false),
            TILE_PATIENT_PID
        );
    }

    #[test]
    fn n_documents_from_one_organisation() {
        let out = patient_with_documents(1000, 7);
        assert_eq!(out.len(), 1002);
        let docs: Vec<&Value> = out
            .iter()
            .filter(|r| r["resourceType"] == "DocumentReference")
            .collect();
        assert_eq!(docs.len(), 1000);
        assert_eq!(docs[0]["id"], "bench-doc-000001");
        assert_eq!(docs[999]["id"], "bench-doc-001000");
        assert!(docs
            .iter()
            .all(|d| d["custodian"]["reference"] == "Organization/bench-org"));
        assert!(docs
            .iter()
            .all(|d| crate::codes::source_orgnr(d) == Some(BENCH_ORGNR)));
        assert_eq!(crate::check::check_resources(&out), Vec::<String>::new());
        assert_eq!(patient_with_documents(50, 7), patient_with_documents(50, 7));
        assert_ne!(patient_with_documents(50, 7), patient_with_documents(50, 8));
    }
}
