//! Validation at the door: is this JSON a structurally valid R4 resource?
//!
//! Why data-driven: the element definitions of all 146 resource types and 43 datatypes
//! (see `defs`) drive one generic walk, so every resource type is checked the same
//! way and a new type costs no code. Checked:
//! - a JSON object with a known, concrete `resourceType` (also in `contained`,
//!   `Bundle.entry.resource`, `Parameters.parameter.resource`);
//! - no unknown properties; arrays exactly where the element repeats, never empty;
//! - elements with `min ≥ 1` present (a primitive's `_x` companion counts);
//! - at most one type of a choice element (`value[x]`);
//! - primitive formats (boolean, integer ranges, decimal, non-empty string, code, id,
//!   uri, oid, uuid, date, dateTime, instant, time, base64Binary, xhtml);
//! - `_x` companions (id and extensions of a primitive), aligned with their arrays;
//! - `Reference.reference` well-formed, of a known type, and of an allowed target type;
//! - Norwegian identifiers (fødselsnummer, D-nummer, HPR, organisation number) by
//!   `crate::ids::validate_identifier`;
//! - contained resources do not contain resources (dom-2); an Extension has a value or
//!   extensions, not both (ext-1);
//! - hostile input: nesting deeper than [`MAX_DEPTH`] or more than [`MAX_NODES`] values
//!   stop the walk; at most [`MAX_ISSUES`] issues are reported.
//!
//! Not checked (see docs/fhir-definitions.md): terminology bindings, invariants other
//! than dom-2/ext-1, profiles in `meta.profile`, slicing.
use serde_json::Value;

mod primitive;
mod rules;
mod walk;

/// Deeper JSON nesting than any real resource (QuestionnaireResponse items nest ~10).
pub const MAX_DEPTH: usize = 64;
/// Values visited before giving up (a 30 MB Bundle has ~2 million).
pub const MAX_NODES: usize = 2_000_000;
/// Issues reported at most; the rest are summarised in the last one.
pub const MAX_ISSUES: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueSeverity {
    Error,
    Warning,
}

/// One problem found, pointing at the element (FHIRPath-style `expression`).
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub severity: IssueSeverity,
    /// OperationOutcome issue type code: `structure`, `required`, `value`, `invalid`, `code-invalid`…
    pub code: &'static str,
    pub expression: String,
    pub diagnostics: String,
}

/// `Ok` if the resource has no errors; otherwise all issues (errors and warnings).
pub fn validate_resource(resource: &Value) -> Result<(), Vec<Issue>> {
    let issues = validate_resource_all(resource);
    if issues.iter().any(|i| i.severity == IssueSeverity::Error) {
        Err(issues)
    } else {
        Ok(())
    }
}

/// Every issue, warnings included (empty when the resource is clean).
pub fn validate_resource_all(resource: &Value) -> Vec<Issue> {
    walk::Walker::new(crate::defs::definitions()).run(resource)
}

#[cfg(test)]
mod tests;
