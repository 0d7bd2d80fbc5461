//! Consistency checks over a set of generated resources: unique ids, references that
//! resolve, national and register ids that validate.
//!
//! Why public: the CLI and the test kit can run the same check on whatever they load
//! (`nordlys demo`, an import), and the generator's own tests use it on every output.
use std::collections::HashSet;

use nordlys_fhir::ids::validate_identifier;
use serde_json::Value;

/// Every problem found, as a sentence naming the resource; empty when all is well.
///
/// A reference must be relative (`Type/id`) and name a resource in `resources`;
/// an attachment `url` of the form `Binary/id` too. Absolute and contained (`#…`)
/// references are out of scope and reported. Every `{system, value}` pair is checked
/// with [`validate_identifier`].
pub fn check_resources(resources: &[Value]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids = HashSet::new();
    for r in resources {
        let key = format!(
            "{}/{}",
            r["resourceType"].as_str().unwrap_or("?"),
            r["id"].as_str().unwrap_or("?")
        );
        if !ids.insert(key.clone()) {
            problems.push(format!("{key} appears twice"));
        }
    }
    for r in resources {
        let key = format!(
            "{}/{}",
            r["resourceType"].as_str().unwrap_or("?"),
            r["id"].as_str().unwrap_or("?")
        );
        walk(r, &mut |obj| {
            if let Some(Value::String(target)) = obj.get("reference") {
                if !ids.contains(target) {
                    problems.push(format!("{key}: reference {target} does not resolve"));
                }
            }
            if let Some(Value::String(url)) = obj.get("url") {
                if url.starts_with("Binary/") && !ids.contains(url) {
                    problems.push(format!("{key}: attachment {url} does not resolve"));
                }
            }
            if let (Some(Value::String(system)), Some(Value::String(value))) =
                (obj.get("system"), obj.get("value"))
            {
                if let Err(e) = validate_identifier(system, value) {
                    problems.push(format!("{key}: {e}"));
                }
            }
        });
    }
    problems
}

fn walk(v: &Value, f: &mut dyn FnMut(&serde_json::Map<String, Value>)) {
    match v {
        Value::Object(map) => {
            f(map);
            map.values().for_each(|c| walk(c, f));
        }
        Value::Array(items) => items.iter().for_each(|c| walk(c, f)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_dangling_references_duplicates_and_bad_ids() {
        let resources = vec![
            json!({"resourceType": "Patient", "id": "a",
                   "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": "13097248023"}]}),
            json!({"resourceType": "Patient", "id": "a"}),
            json!({"resourceType": "Observation", "id": "o", "subject": {"reference": "Patient/a"},
                   "performer": [{"reference": "Practitioner/nobody"}],
                   "content": [{"attachment": {"url": "Binary/missing"}}]}),
        ];
        let mut found = check_resources(&resources);
        found.sort();
        assert_eq!(
            found,
            vec![
                "Observation/o: attachment Binary/missing does not resolve".to_string(),
                "Observation/o: reference Practitioner/nobody does not resolve".to_string(),
                "Patient/a appears twice".to_string(),
                "Patient/a: fødselsnummer 13097248023 has a wrong control digit".to_string(),
            ]
        );
    }
}
