//! Prefill (forhåndsutfylling) through named keys instead of FHIRPath
//! `initialExpression`s: an item carries the extension [`PREFILL_URL`] with a
//! `valueCode` from [`PREFILL_KEYS`], and the portal fills it from the Patient the
//! filler acts for.
//!
//! Why named keys: a form author cannot write an expression that reaches data the
//! filler may not see, and the portal reads only the Patient it already shows (the
//! policy decided it); an unknown key simply stays empty.
use std::collections::HashMap;

use serde_json::{json, Value};

use crate::model::Form;

/// The item extension naming a prefill key (`valueCode`).
pub const PREFILL_URL: &str = "https://nordlys.no/fhir/StructureDefinition/prefill";

/// The keys Nordlys fills.
pub const PREFILL_KEYS: [&str; 7] = [
    "patient.name",
    "patient.birthDate",
    "patient.nationalId",
    "patient.phone",
    "patient.email",
    "patient.address",
    "patient.gp",
];

fn arr<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|x| !x.trim().is_empty())
}

/// Current entries first: `use: old` and ended periods skipped.
fn current(v: &&Value) -> bool {
    s(v, "use") != Some("old") && v.pointer("/period/end").is_none()
}

fn telecom(patient: &Value, system: &str) -> Option<String> {
    let mut found: Vec<&Value> = arr(patient, "telecom")
        .filter(current)
        .filter(|t| s(t, "system") == Some(system))
        .collect();
    found.sort_by_key(|t| t.get("rank").and_then(Value::as_u64).unwrap_or(u64::MAX));
    found
        .first()
        .and_then(|t| s(t, "value"))
        .map(str::to_string)
}

/// The values of every key the Patient has data for, as answers (`{"valueX": …}`).
pub fn patient_prefill(patient: &Value) -> HashMap<&'static str, Value> {
    let mut out = HashMap::new();
    let name = arr(patient, "name")
        .filter(current)
        .find(|n| s(n, "use") != Some("nickname"))
        .map(|n| {
            let given: Vec<&str> = arr(n, "given").filter_map(Value::as_str).collect();
            let mut parts = given.join(" ");
            if let Some(f) = s(n, "family") {
                if !parts.is_empty() {
                    parts.push(' ');
                }
                parts.push_str(f);
            }
            s(n, "text").map(str::to_string).unwrap_or(parts)
        })
        .filter(|n| !n.trim().is_empty());
    if let Some(n) = name {
        out.insert("patient.name", json!({"valueString": n}));
    }
    if let Some(b) = s(patient, "birthDate") {
        out.insert("patient.birthDate", json!({"valueDate": b}));
    }
    if let Some(id) = arr(patient, "identifier")
        .find(|i| s(i, "system").is_some_and(|x| x.starts_with("urn:oid:2.16.578.1.12.4.1.4.")))
        .and_then(|i| s(i, "value"))
    {
        out.insert("patient.nationalId", json!({"valueString": id}));
    }
    if let Some(p) = telecom(patient, "phone").or_else(|| telecom(patient, "sms")) {
        out.insert("patient.phone", json!({"valueString": p}));
    }
    if let Some(e) = telecom(patient, "email") {
        out.insert("patient.email", json!({"valueString": e}));
    }
    if let Some(a) = arr(patient, "address").find(current) {
        let mut parts: Vec<String> = arr(a, "line")
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let town = [s(a, "postalCode"), s(a, "city")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if !town.is_empty() {
            parts.push(town);
        }
        if let Some(t) = s(a, "text") {
            parts = vec![t.to_string()];
        }
        if !parts.is_empty() {
            out.insert("patient.address", json!({"valueString": parts.join(", ")}));
        }
    }
    if let Some(gp) = arr(patient, "generalPractitioner").find_map(|g| s(g, "display")) {
        out.insert("patient.gp", json!({"valueString": gp}));
    }
    out
}

/// The prefilled answer of each item with a known key, by linkId.
pub fn prefill_answers(form: &Form, data: &HashMap<&'static str, Value>) -> HashMap<String, Value> {
    form.all_items()
        .into_iter()
        .filter_map(|i| {
            let v = data.get(i.prefill.as_deref()?)?;
            Some((i.link_id.clone(), v.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_from_the_patient() {
        let p = json!({"resourceType": "Patient",
            "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": "13097248022"}],
            "name": [{"use": "old", "family": "Gammel"}, {"family": "Nordmann", "given": ["Kari", "Anne"]}],
            "birthDate": "1972-09-13",
            "telecom": [{"system": "phone", "value": "22 22 22 22", "rank": 2},
                        {"system": "phone", "value": "900 00 000", "rank": 1},
                        {"system": "email", "value": "kari@example.no"}],
            "address": [{"line": ["Storgata 1"], "postalCode": "0155", "city": "Oslo"}],
            "generalPractitioner": [{"reference": "Practitioner/x", "display": "Dr. Lege"}]});
        let got = patient_prefill(&p);
        assert_eq!(
            got["patient.name"],
            json!({"valueString": "Kari Anne Nordmann"})
        );
        assert_eq!(got["patient.birthDate"], json!({"valueDate": "1972-09-13"}));
        assert_eq!(
            got["patient.nationalId"],
            json!({"valueString": "13097248022"})
        );
        assert_eq!(got["patient.phone"], json!({"valueString": "900 00 000"}));
        assert_eq!(
            got["patient.email"],
            json!({"valueString": "kari@example.no"})
        );
        assert_eq!(
            got["patient.address"],
            json!({"valueString": "Storgata 1, 0155 Oslo"})
        );
        assert_eq!(got["patient.gp"], json!({"valueString": "Dr. Lege"}));
        assert_eq!(got.len(), 7);
        assert!(patient_prefill(&json!({})).is_empty());

        let form = Form::parse(&json!({"resourceType": "Questionnaire", "item": [
            {"linkId": "n", "type": "string", "extension": [{"url": PREFILL_URL, "valueCode": "patient.name"}]},
            {"linkId": "u", "type": "string", "extension": [{"url": PREFILL_URL, "valueCode": "patient.shoeSize"}]}]}))
        .unwrap_or_else(|| panic!("form"));
        let answers = prefill_answers(&form, &got);
        assert_eq!(answers.len(), 1);
        assert_eq!(answers["n"], json!({"valueString": "Kari Anne Nordmann"}));
    }
}
