//! Health personnel as the directory knows them: name, HPR number, unit and legal
//! entity, from the stored Practitioner, PractitionerRole and Organization resources.
//!
//! Why from the store and not from a list handed over at start: the development
//! login then offers exactly the practitioners of the data being served (the demo
//! cast in `nordlys demo`, whatever was imported under `nordlys serve --dev-auth`),
//! and the header names the practitioner the way the directory does. Directory data
//! is readable by every principal (access-policy.md § 4), so the lookup runs as the
//! workspace itself, before anyone has logged in.
use std::collections::HashMap;

use nordlys_policy::{Principal, HPR_SYSTEM, ORGNR_SYSTEM};
use nordlys_store::{RequestContext, StoreResult};
use serde_json::Value;

use crate::WorkspaceState;

/// One practitioner in one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub hpr: String,
    /// The legal entity's organisation number (the token's `orgnr`).
    pub orgnr: String,
    /// "Overlege Erik Strand".
    pub name: String,
    pub unit_name: String,
}

fn lookup_ctx() -> RequestContext {
    RequestContext::new(Principal::System {
        client_id: "nordlys-workspace-directory".into(),
        orgnr: String::new(),
        scopes: Vec::new(),
    })
}

async fn all(state: &WorkspaceState, resource_type: &str) -> StoreResult<Vec<Value>> {
    let params = vec![("_count".to_owned(), "1000".to_owned())];
    let request = state.store.parse_search(resource_type, &params, false)?;
    let result = state.store.search(&lookup_ctx(), &request).await?;
    Ok(result
        .matches
        .into_iter()
        .filter_map(|s| serde_json::from_str(&s.body).ok())
        .collect())
}

fn identifier(v: &Value, system: &str) -> Option<String> {
    v["identifier"]
        .as_array()?
        .iter()
        .find(|i| i["system"] == system)
        .and_then(|i| i["value"].as_str())
        .map(str::to_owned)
}

fn display_name(p: &Value) -> String {
    let n = &p["name"][0];
    let part = |k: &str| -> Vec<String> {
        n[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut words = part("prefix");
    words.extend(part("given"));
    words.extend(n["family"].as_str().map(str::to_owned));
    words.join(" ")
}

/// The organisation number of `org_id` or of the first organisation above it that has one.
fn legal_entity(orgs: &HashMap<String, Value>, org_id: &str) -> Option<String> {
    let mut id = org_id.to_owned();
    for _ in 0..10 {
        let org = orgs.get(&id)?;
        if let Some(nr) = identifier(org, ORGNR_SYSTEM) {
            return Some(nr);
        }
        id = org["partOf"]["reference"]
            .as_str()?
            .trim_start_matches("Organization/")
            .to_owned();
    }
    None
}

/// Every practitioner with a role in a unit, sorted by unit and name.
pub async fn staff(state: &WorkspaceState) -> StoreResult<Vec<Staff>> {
    let practitioners: HashMap<String, Value> = all(state, "Practitioner")
        .await?
        .into_iter()
        .filter_map(|p| Some((p["id"].as_str()?.to_owned(), p)))
        .collect();
    let orgs: HashMap<String, Value> = all(state, "Organization")
        .await?
        .into_iter()
        .filter_map(|o| Some((o["id"].as_str()?.to_owned(), o)))
        .collect();
    let mut out = Vec::new();
    for role in all(state, "PractitionerRole").await? {
        let pid = role["practitioner"]["reference"].as_str().unwrap_or("");
        let oid = role["organization"]["reference"].as_str().unwrap_or("");
        let (Some(p), Some(org_id)) = (
            practitioners.get(pid.trim_start_matches("Practitioner/")),
            oid.strip_prefix("Organization/"),
        ) else {
            continue;
        };
        let (Some(hpr), Some(orgnr)) = (identifier(p, HPR_SYSTEM), legal_entity(&orgs, org_id))
        else {
            continue;
        };
        out.push(Staff {
            hpr,
            orgnr,
            name: display_name(p),
            unit_name: orgs
                .get(org_id)
                .and_then(|o| o["name"].as_str())
                .unwrap_or("")
                .to_owned(),
        });
    }
    out.sort_by(|a, b| (&a.unit_name, &a.name).cmp(&(&b.unit_name, &b.name)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_unit_belongs_to_its_legal_entity() {
        let orgs: HashMap<String, Value> = [
            (
                "unn".to_owned(),
                json!({"identifier": [{"system": ORGNR_SYSTEM, "value": "983974899"}]}),
            ),
            (
                "bup".to_owned(),
                json!({"partOf": {"reference": "Organization/unn"}}),
            ),
            (
                "lost".to_owned(),
                json!({"partOf": {"reference": "Organization/nowhere"}}),
            ),
        ]
        .into_iter()
        .collect();
        assert_eq!(legal_entity(&orgs, "bup").as_deref(), Some("983974899"));
        assert_eq!(legal_entity(&orgs, "lost"), None);
    }

    #[test]
    fn names_read_like_the_directory() {
        let p = json!({"name": [{"prefix": ["Overlege"], "given": ["Erik"], "family": "Strand"}]});
        assert_eq!(display_name(&p), "Overlege Erik Strand");
    }
}
