//! The search model: a FHIR query string parsed into a [`SearchPlan`] that any
//! backend can turn into one SQL statement over its index tables.
//!
//! Why a plan and not SQL here: the generic layer owns FHIR semantics (parameters,
//! prefixes, modifiers, chains) and the backends own SQL; the plan is the seam.

mod parse;
pub mod result;
mod values;

pub use parse::{parse_search, SearchRequest};
pub use result::{IncludeSpec, SearchResult, TotalMode};

use nordlys_fhir::ParamType;

/// `resourceType?…` as a plan: all clauses must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPlan {
    /// The type searched; [`ANY_TYPE`] searches every type (`$everything`).
    pub resource_type: String,
    pub clauses: Vec<Clause>,
    pub sort: Vec<SortKey>,
}

/// `SearchPlan::resource_type` for a search over every type.
pub const ANY_TYPE: &str = "*";

/// One `AND`ed condition on a resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// Some index entry of `param` matches any of the conditions (comma = OR).
    Match {
        param: String,
        kind: ParamType,
        any_of: Vec<Condition>,
    },
    /// `:not`: no index entry of `param` matches any of the conditions.
    NotMatch {
        param: String,
        kind: ParamType,
        any_of: Vec<Condition>,
    },
    /// `:missing=true|false`.
    Missing {
        param: String,
        kind: ParamType,
        missing: bool,
    },
    /// `_id`.
    Id(Vec<String>),
    /// `_lastUpdated` (on the resource row itself), any of the ranges.
    LastUpdated(Vec<DateRange>),
    /// `param:Type.inner…`: a referenced resource of one of `target_types` matches `inner`.
    Chain {
        param: String,
        target_types: Vec<String>,
        inner: Box<Clause>,
    },
    /// `_has:Source:param:inner`: a `Source` resource referring to this one through
    /// `param` matches `inner`.
    Has {
        source_type: String,
        source_param: String,
        inner: Box<Clause>,
    },
    /// The item belongs to this patient's compartment (the `patient_id` column).
    Compartment(String),
    /// Matches nothing (e.g. a reference to a type the parameter cannot target).
    Nothing,
}

/// One alternative value of a parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// String: `norm` starts with (default), equals exact (`:exact`), or contains.
    Str {
        mode: StrMode,
        value: String,
    },
    /// Token: `system|code`, `|code` (no system), `system|`, or `code`.
    Token {
        system: SystemMatch,
        code: Option<String>,
    },
    /// Reference to `Type/id` (type may be unknown: any type with that id) or an absolute url.
    Reference {
        target_type: Option<String>,
        id: String,
    },
    ReferenceUrl(String),
    Date(DateRange),
    Number {
        prefix: Prefix,
        low: f64,
        high: f64,
    },
    Quantity {
        prefix: Prefix,
        low: f64,
        high: f64,
        system: Option<String>,
        code: Option<String>,
    },
    Uri {
        mode: UriMode,
        value: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrMode {
    Prefix,
    Exact,
    Contains,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemMatch {
    /// No `|`: any system.
    Any,
    /// `|code`: no system.
    None,
    /// `system|…`.
    Is(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriMode {
    Exact,
    Below,
    Above,
}

/// Search prefixes of FHIR R4 (`eq` default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Sa,
    Eb,
    Ap,
}

/// A date condition: the parameter value's implicit range `[low, high]` (ms since the
/// epoch, inclusive) compared with the prefix, per R4 § 3.1.1.4.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub prefix: Prefix,
    pub low: i64,
    pub high: i64,
}

/// `_sort` key.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub param: String,
    pub kind: SortKind,
    pub descending: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKind {
    Id,
    LastUpdated,
    Indexed(ParamType),
}
