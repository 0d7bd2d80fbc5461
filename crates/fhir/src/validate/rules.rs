//! Rules of a few datatypes beyond their structure: Reference, Identifier, Extension.
//!
//! Why separate from the walk: these are the places where FHIR (and Norwegian) meaning
//! enters an otherwise purely structural check — what a reference may point to, which
//! identifiers carry control digits, and the ext-1 invariant.
use serde_json::{Map, Value};

use super::walk::Walker;
use crate::defs::model::ElementDef;
use crate::reference::{self, Ref};

impl Walker<'_> {
    /// Rules of a few datatypes beyond their structure.
    pub(super) fn type_rules(
        &mut self,
        o: &Map<String, Value>,
        code: &str,
        el: &ElementDef,
        path: &str,
    ) {
        match code {
            "Reference" => self.reference(o, el, path),
            "Identifier" => {
                if let (Some(system), Some(value)) = (
                    o.get("system").and_then(Value::as_str),
                    o.get("value").and_then(Value::as_str),
                ) {
                    if let Err(msg) = crate::ids::validate_identifier(system, value) {
                        self.error("value", format!("{path}.value"), msg);
                    }
                }
            }
            "Extension" => {
                let has_value = o
                    .keys()
                    .any(|k| k.starts_with("value") || k.starts_with("_value"));
                if has_value == o.contains_key("extension") {
                    self.error(
                        "invalid",
                        path.to_owned(),
                        "an extension must have either extensions or a value[x], not both (ext-1)"
                            .into(),
                    );
                }
            }
            _ => {}
        }
    }

    fn reference(&mut self, o: &Map<String, Value>, el: &ElementDef, path: &str) {
        let Some(r) = o.get("reference").and_then(Value::as_str) else {
            return;
        };
        let rpath = format!("{path}.reference");
        let parsed = reference::parse(r);
        let rt = match parsed {
            Ref::Invalid => {
                self.error("value", rpath, format!("'{r}' is not a valid reference (Type/id, absolute URL, #id or urn:uuid:/urn:oid:)"));
                return;
            }
            Ref::Relative { resource_type, .. } | Ref::Conditional { resource_type, .. } => {
                resource_type
            }
            _ => return,
        };
        if !self.defs.is_resource_type(rt) {
            self.error(
                "invalid",
                rpath,
                format!("'{r}' refers to an unknown resource type '{rt}'"),
            );
        } else if let Some(targets) = el.targets.as_ref().filter(|ts| !ts.iter().any(|t| t == rt)) {
            let allowed = targets.join(", ");
            self.error(
                "invalid",
                rpath,
                format!("{} may refer to {allowed}, not {rt}", el.path),
            );
        }
    }
}
