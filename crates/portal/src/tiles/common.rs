//! Small lookups several tiles make the same way.
//!
//! Why shared: a tile that needs data about many items (the names of the units, the
//! titles of the forms, the organisations of the practitioners) asks the store once
//! for all of them, never once per item, and each item's links to others are read
//! the same way; one copy keeps every tile to a handful of store calls.
use serde_json::Value;

use crate::fetch::PortalError;
use crate::session::Citizen;
use crate::view::str_at;
use crate::PortalState;

/// `(id, resource)` of each `rt` whose search parameter `param` is any of `values`,
/// in one search with the citizen's context (so the gate and the access log apply),
/// allowing `per_value` matches per value. No values: no search. A stored body that
/// is not JSON is skipped.
pub async fn search_any(
    state: &PortalState,
    citizen: &Citizen,
    rt: &str,
    param: &str,
    mut values: Vec<&str>,
    per_value: usize,
) -> Result<Vec<(String, Value)>, PortalError> {
    values.sort_unstable();
    values.dedup();
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let params = vec![
        (param.to_owned(), values.join(",")),
        ("_count".to_owned(), (values.len() * per_value).to_string()),
    ];
    let request = state.store.parse_search(rt, &params, false)?;
    let found = state.store.search(&citizen.ctx, &request).await?;
    Ok(found
        .matches
        .into_iter()
        .filter_map(|s| {
            let v = serde_json::from_str::<Value>(&s.body).ok()?;
            Some((s.id, v))
        })
        .collect())
}

/// The ids of the `rt` resources that `r` points to under the array elements `keys`
/// (e.g. a message's `inResponseTo` and `partOf` Communications).
pub fn linked_ids(r: &Value, keys: &[&str], rt: &str) -> Vec<String> {
    let prefix = format!("{rt}/");
    keys.iter()
        .filter_map(|k| r.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(|p| str_at(p, "/reference"))
        .filter_map(|p| p.strip_prefix(prefix.as_str()))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn linked_ids_of_one_type() {
        let r = json!({
            "basedOn": [{"reference": "ServiceRequest/a"}, {"reference": "CarePlan/x"}],
            "replaces": [{"reference": "ServiceRequest/b"}, {"display": "no reference"}],
            "other": [{"reference": "ServiceRequest/c"}]
        });
        assert_eq!(
            linked_ids(&r, &["basedOn", "replaces"], "ServiceRequest"),
            vec!["a".to_owned(), "b".to_owned()]
        );
        assert!(linked_ids(&r, &["partOf"], "ServiceRequest").is_empty());
    }
}
