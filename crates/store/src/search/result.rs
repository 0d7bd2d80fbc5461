//! The result-shaping parts of a search request: paging, totals, includes, summary.
use crate::model::StoredResource;

/// `_total` / `_summary=count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TotalMode {
    /// Count the matches (we always can: the policy filters before paging).
    #[default]
    Accurate,
    None,
}

/// `_include` / `_revinclude` (`:iterate` repeats it over included resources too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludeSpec {
    /// The resource type whose parameter is followed (`source` in `Source:param:Target`).
    pub source_type: String,
    /// The reference parameter, or `*` for every reference parameter.
    pub param: String,
    pub target_type: Option<String>,
    pub iterate: bool,
}

/// The page of a search after the policy was applied.
#[derive(Debug, Clone, Default)]
pub struct SearchResult {
    /// Matches on this page, in order.
    pub matches: Vec<StoredResource>,
    /// `_include`d / `_revinclude`d resources (each once, none that is also a match).
    pub included: Vec<StoredResource>,
    /// Matches in all pages, when asked for.
    pub total: Option<usize>,
    /// Whether a next page exists.
    pub has_next: bool,
}
