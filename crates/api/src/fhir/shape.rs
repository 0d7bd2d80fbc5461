//! `_elements` and `_summary`: returning less than the whole resource.
//!
//! Why in the API and not the store: stored bodies are served as-is (no re-encoding
//! on the fast path); only when a client asks for a subset is a body parsed, cut and
//! marked `SUBSETTED` (as R4 requires for anything not the full resource).
use serde_json::{json, Map, Value};

use crate::error::{ApiError, ApiResult};

/// `_summary` modes other than `count` (which is a search matter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Summary {
    #[default]
    False,
    /// Our approximation of "summary elements": drop `text`, `contained` and extensions.
    True,
    /// Only `text`, `id`, `meta` (and top-level mandatory parts we can't know: none).
    Text,
    /// Everything but `text`.
    Data,
}

impl Summary {
    pub fn parse(value: &str) -> ApiResult<Summary> {
        match value {
            "false" => Ok(Summary::False),
            "true" => Ok(Summary::True),
            "text" => Ok(Summary::Text),
            "data" => Ok(Summary::Data),
            _ => Err(ApiError::BadRequest(
                "_summary must be true, false, text, data or count".into(),
            )),
        }
    }
}

/// How to cut a resource before sending it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shaping {
    pub elements: Option<Vec<String>>,
    pub summary: Summary,
}

const ALWAYS: [&str; 3] = ["resourceType", "id", "meta"];

impl Shaping {
    /// From `_elements` / `_summary` values (the `_summary=count` case is handled by search).
    pub fn new(
        elements: Option<&[String]>,
        summary: Option<&str>,
        resource_type: Option<&str>,
    ) -> ApiResult<Shaping> {
        let summary = match summary {
            None | Some("count") => Summary::False,
            Some(s) => Summary::parse(s)?,
        };
        let elements = elements.map(|list| {
            list.iter()
                .flat_map(|e| e.split(','))
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(|e| {
                    // Accept `Patient.name` as well as `name`; keep only the top-level name.
                    let e = match resource_type {
                        Some(rt) => e
                            .strip_prefix(rt)
                            .and_then(|r| r.strip_prefix('.'))
                            .unwrap_or(e),
                        None => e,
                    };
                    e.split('.').next().unwrap_or(e).to_owned()
                })
                .collect()
        });
        Ok(Shaping { elements, summary })
    }

    /// From the query of a read (`_elements=a,b`, `_summary=…`).
    pub fn from_params(params: &[(String, String)], resource_type: &str) -> ApiResult<Shaping> {
        let elements: Vec<String> = params
            .iter()
            .filter(|(k, _)| k == "_elements")
            .map(|(_, v)| v.clone())
            .collect();
        let summary = params
            .iter()
            .rev()
            .find(|(k, _)| k == "_summary")
            .map(|(_, v)| v.as_str());
        Shaping::new(
            (!elements.is_empty()).then_some(&elements[..]),
            summary,
            Some(resource_type),
        )
    }

    /// Whether the body is served untouched.
    pub fn is_identity(&self) -> bool {
        self.elements.is_none() && self.summary == Summary::False
    }

    /// The body cut as asked; unchanged when nothing is asked.
    pub fn apply(&self, body: &str) -> String {
        if self.is_identity() {
            return body.to_owned();
        }
        match serde_json::from_str::<Value>(body) {
            Ok(Value::Object(map)) => crate::outcome::resource_text(&Value::Object(self.cut(map))),
            _ => body.to_owned(),
        }
    }

    fn cut(&self, mut map: Map<String, Value>) -> Map<String, Value> {
        match self.summary {
            Summary::False => {}
            Summary::True => {
                for k in ["text", "contained", "extension", "modifierExtension"] {
                    map.remove(k);
                }
            }
            Summary::Text => map.retain(|k, _| ALWAYS.contains(&k.as_str()) || k == "text"),
            Summary::Data => {
                map.remove("text");
            }
        }
        if let Some(keep) = &self.elements {
            map.retain(|k, _| ALWAYS.contains(&k.as_str()) || keep.iter().any(|e| e == k));
        }
        mark_subsetted(&mut map);
        map
    }
}

/// Adds the `SUBSETTED` tag to `meta.tag`.
fn mark_subsetted(map: &mut Map<String, Value>) {
    let meta = map
        .entry("meta")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(meta) = meta else { return };
    let tags = meta
        .entry("tag")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(tags) = tags {
        tags.push(json!({
            "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
            "code": "SUBSETTED",
            "display": "Resource encoded in summary mode"
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"resourceType":"Patient","id":"p1","meta":{"versionId":"2"},"text":{"div":"x"},"name":[{"family":"Nordmann"}],"birthDate":"2010-01-01","gender":"male"}"#;

    fn parsed(s: &str) -> Value {
        serde_json::from_str(s).unwrap_or_default()
    }

    #[test]
    fn elements_keep_listed_and_mandatory() {
        let s = Shaping::from_params(
            &[("_elements".into(), "Patient.name,gender".into())],
            "Patient",
        )
        .unwrap_or_default();
        let v = parsed(&s.apply(BODY));
        let mut keys: Vec<_> = v
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        assert_eq!(keys, vec!["gender", "id", "meta", "name", "resourceType"]);
        assert_eq!(v["meta"]["tag"][0]["code"], "SUBSETTED");
        assert_eq!(v["meta"]["versionId"], "2");
    }

    #[test]
    fn summary_modes() {
        let text = parsed(
            &Shaping::new(None, Some("text"), None)
                .unwrap_or_default()
                .apply(BODY),
        );
        assert!(text.get("name").is_none() && text.get("text").is_some());
        let data = parsed(
            &Shaping::new(None, Some("data"), None)
                .unwrap_or_default()
                .apply(BODY),
        );
        assert!(data.get("text").is_none() && data.get("name").is_some());
        assert!(Shaping::new(None, Some("bogus"), None).is_err());
        assert!(Shaping::new(None, Some("false"), None)
            .unwrap_or_default()
            .is_identity());
    }

    #[test]
    fn identity_leaves_text_alone() {
        assert_eq!(Shaping::default().apply(BODY), BODY);
    }
}
