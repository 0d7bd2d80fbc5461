//! FHIR R4 (4.0.1) knowledge, as data: which resource types exist, their element
//! definitions and search parameters (generated from HL7's official package and
//! committed under `defs/`), a validator driven by those definitions, the small
//! FHIRPath subset the search-parameter expressions use, index extraction, and the
//! Norwegian national identifiers.
//!
//! Why data-driven and not a generated Rust type per FHIR type: a typed model of all
//! 147 resource types costs ten minutes of compile on two cores and still loses
//! round-trips; resources stay `serde_json::Value` and the definitions tell us what is
//! allowed. Nothing here does I/O.

pub mod defs;
pub mod fhirpath;
pub mod ids;
pub mod index;
pub mod reference;
pub mod text;
pub mod time;
pub mod validate;

pub use defs::{definitions, Definitions, ParamType, SearchParamDef};
pub use index::{extract_index, identifier_param, IndexEntry, IndexValue};
pub use validate::{validate_resource, validate_resource_all, Issue, IssueSeverity};
