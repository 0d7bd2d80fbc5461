//! Index extraction: a resource → its search index entries.
//!
//! Why here and not in the stores: what a search parameter means (its FHIRPath, which
//! FHIR types become tokens, how a Period becomes a date range) is FHIR knowledge, and
//! every storage backend must index identically. The stores only persist the entries.
//!
//! For each search parameter of the resource's type (composite and special ones are
//! skipped: they have no single value), the parsed expression is evaluated and every
//! resulting node is converted by its FHIR type (see `convert`). Entries are
//! deduplicated per parameter.
use serde_json::Value;

use crate::defs::{definitions, ParamType};
use crate::fhirpath;

mod convert;

/// One value of one search parameter of one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    pub param: String,
    pub value: IndexValue,
}

/// Normalised value, ready for the backend tables.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexValue {
    /// `norm` is lower-cased with accents folded (for default/`:contains`), `exact` as written.
    String {
        norm: String,
        exact: String,
    },
    Token {
        system: Option<String>,
        code: String,
    },
    /// `target_type`/`target_id` for relative (and resolvable absolute) refs; `url` always.
    Reference {
        target_type: Option<String>,
        target_id: Option<String>,
        url: String,
    },
    /// Inclusive range in milliseconds since the epoch (UTC).
    Date {
        low: i64,
        high: i64,
    },
    Number {
        value: f64,
    },
    Quantity {
        value: f64,
        system: Option<String>,
        code: Option<String>,
    },
    Uri {
        value: String,
    },
}

/// Lower bound of an open-start Period: 0001-01-01T00:00:00Z.
pub const DATE_MIN: i64 = -62_135_596_800_000;
/// Upper bound of an open-end Period: 9999-12-31T23:59:59.999Z.
pub const DATE_MAX: i64 = 253_402_300_799_999;

/// All search index entries of a resource; empty for an unknown `resourceType`.
pub fn extract_index(resource: &Value) -> Vec<IndexEntry> {
    let defs = definitions();
    let Some(rt) = resource.get("resourceType").and_then(Value::as_str) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut values = Vec::new();
    let mut identifiers = Vec::new();
    for (param, expr) in defs.compiled_params(rt) {
        if matches!(param.kind, ParamType::Composite | ParamType::Special) {
            continue;
        }
        values.clear();
        identifiers.clear();
        for item in fhirpath::evaluate(defs, expr, resource) {
            convert::convert(defs, param.kind, &item, &mut values);
            if param.kind == ParamType::Reference {
                convert::reference_identifier(defs, &item, &mut identifiers);
            }
        }
        dedup(&mut values);
        out.extend(values.drain(..).map(|value| IndexEntry {
            param: param.code.clone(),
            value,
        }));
        dedup(&mut identifiers);
        out.extend(identifiers.drain(..).map(|value| IndexEntry {
            param: identifier_param(&param.code),
            value,
        }));
    }
    out
}

/// The index name under which a reference parameter's identifiers are kept as
/// tokens (`actor:identifier`), searched with the `:identifier` modifier.
pub fn identifier_param(code: &str) -> String {
    format!("{code}:identifier")
}

/// Drops repeated values, keeping the first. Lists are usually a handful (a linear scan
/// beats hashing); a resource with thousands of names must not make this quadratic.
fn dedup(values: &mut Vec<IndexValue>) {
    const SMALL: usize = 32;
    if values.len() <= SMALL {
        let mut i = 0;
        while i < values.len() {
            if values[..i].contains(&values[i]) {
                values.remove(i);
            } else {
                i += 1;
            }
        }
        return;
    }
    // `Debug` spells every field (f64 in round-trip form): equal text ⇔ equal value.
    let mut seen = std::collections::HashSet::new();
    values.retain(|v| seen.insert(format!("{v:?}")));
}

#[cfg(test)]
mod tests;
