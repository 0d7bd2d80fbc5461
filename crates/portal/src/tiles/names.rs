//! Names of the units, places and people that clinical items point to.
//!
//! Why a lookup: record systems write references without `display` ("Organization/
//! org-unn-lab"), and a citizen must read "Laboratoriemedisin, UNN", not an id. The
//! names come from directory data (Organization, Location, Practitioner,
//! HealthcareService), which access-policy.md makes readable by every authenticated
//! principal; they are still read with the citizen's own context, so the gate and the
//! access log apply as for everything else. One `_id` search per type, not one read
//! per reference, keeps a list page to a handful of store calls.
use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::common::search_any;
use crate::fetch::PortalError;
use crate::session::Citizen;
use crate::view::{human_name, reference_display};
use crate::PortalState;

/// Directory types whose names are looked up.
const DIRECTORY: [&str; 4] = [
    "Organization",
    "Location",
    "Practitioner",
    "HealthcareService",
];

/// Names by `Type/id`.
#[derive(Debug, Default, Clone)]
pub struct Names(HashMap<String, String>);

impl Names {
    /// The text for a Reference: its own `display`, else the looked-up name.
    pub fn of(&self, reference: Option<&Value>) -> Option<String> {
        let r = reference?;
        reference_display(Some(r)).or_else(|| {
            let target = r.get("reference").and_then(Value::as_str)?;
            self.0.get(target).cloned()
        })
    }

    #[cfg(test)]
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Names {
        Names(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }
}

/// The name a directory resource is known by.
fn name_of(resource: &Value) -> Option<String> {
    match resource.get("name") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(_)) => Some(human_name(resource)).filter(|n| !n.is_empty()),
        _ => None,
    }
}

/// Looks up the names of the directory references among `references` (`Type/id`).
pub async fn lookup<'a>(
    state: &PortalState,
    citizen: &Citizen,
    references: impl IntoIterator<Item = &'a str>,
) -> Result<Names, PortalError> {
    let mut wanted: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for r in references {
        if let Some((rt, id)) = r.split_once('/') {
            if DIRECTORY.contains(&rt) && !id.is_empty() {
                wanted.entry(rt).or_default().insert(id);
            }
        }
    }
    let mut names = HashMap::new();
    for (rt, ids) in wanted {
        let ids: Vec<&str> = ids.into_iter().collect();
        for (id, v) in search_any(state, citizen, rt, "_id", ids, 1).await? {
            if let Some(n) = name_of(&v) {
                names.insert(format!("{rt}/{id}"), n);
            }
        }
    }
    Ok(Names(names))
}

/// Every `reference` string found at these pointers of these resources (arrays walked).
pub fn references_at<'a>(resources: &'a [Value], pointers: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    for r in resources {
        for p in pointers {
            collect(r.pointer(p), &mut out);
        }
    }
    out
}

fn collect<'a>(v: Option<&'a Value>, out: &mut Vec<&'a str>) {
    match v {
        Some(Value::Array(items)) => items.iter().for_each(|i| collect(Some(i), out)),
        Some(Value::Object(o)) => {
            if let Some(s) = o.get("reference").and_then(Value::as_str) {
                out.push(s);
            } else if let Some(actor) = o.get("actor") {
                collect(Some(actor), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn display_wins_then_lookup_then_nothing() {
        let names = Names::from_pairs(&[("Organization/lab", "Laboratoriet")]);
        assert_eq!(
            names.of(Some(
                &json!({"reference": "Organization/lab", "display": "Lab A"})
            )),
            Some("Lab A".into())
        );
        assert_eq!(
            names.of(Some(&json!({"reference": "Organization/lab"}))),
            Some("Laboratoriet".into())
        );
        assert_eq!(
            names.of(Some(&json!({"reference": "Organization/x"}))),
            None
        );
        assert_eq!(
            name_of(&json!({"name": [{"given": ["Ida"], "family": "Solberg"}]})),
            Some("Ida Solberg".into())
        );
    }

    #[test]
    fn references_are_found_in_arrays_and_participants() {
        let r = [json!({"performer": [{"reference": "Organization/a"}],
                         "participant": [{"actor": {"reference": "Location/b"}}]})];
        assert_eq!(
            references_at(&r, &["/performer", "/participant"]),
            vec!["Organization/a", "Location/b"]
        );
    }
}
