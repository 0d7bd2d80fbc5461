//! Parsing a FHIR search query into a [`SearchRequest`].
//!
//! Strict by default: an unknown parameter or modifier is a 400, because silently
//! ignoring a filter returns *more* data than the client asked for. `Prefer:
//! handling=lenient` ignores unknown parameters instead.
use nordlys_fhir::{definitions, ParamType};

use super::values::{condition, split_values};
use crate::error::{StoreError, StoreResult};
use crate::search::result::{IncludeSpec, TotalMode};
use crate::search::{Clause, DateRange, SearchPlan, SortKey, SortKind};
use crate::service::StoreConfig;

/// A parsed search: what to match and how to shape the result.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    pub plan: SearchPlan,
    /// Page size (`_count`), already capped.
    pub count: usize,
    /// Matches to skip (`_offset`, our paging parameter).
    pub offset: usize,
    pub total: TotalMode,
    /// `_summary=count`: only the total.
    pub summary_count: bool,
    /// `_summary=true|text|data|false` other than count (passed to the API for shaping).
    pub summary: Option<String>,
    /// `_elements`.
    pub elements: Option<Vec<String>>,
    pub include: Vec<IncludeSpec>,
    pub revinclude: Vec<IncludeSpec>,
    /// The query as given, minus paging, for building `self`/`next` links.
    pub canonical_query: Vec<(String, String)>,
}

/// Parameters that shape the result and are never filters.
const RESULT_PARAMS: &[&str] = &[
    "_format",
    "_pretty",
    "_count",
    "_offset",
    "_sort",
    "_summary",
    "_total",
    "_elements",
];

pub fn parse_search(
    resource_type: &str,
    params: &[(String, String)],
    lenient: bool,
    config: &StoreConfig,
) -> StoreResult<SearchRequest> {
    let defs = definitions();
    if !defs.is_resource_type(resource_type) {
        return Err(StoreError::UnknownType(resource_type.to_string()));
    }
    let mut req = SearchRequest {
        plan: SearchPlan {
            resource_type: resource_type.to_string(),
            clauses: Vec::new(),
            sort: Vec::new(),
        },
        count: config.default_count,
        offset: 0,
        total: TotalMode::Accurate,
        summary_count: false,
        summary: None,
        elements: None,
        include: Vec::new(),
        revinclude: Vec::new(),
        canonical_query: Vec::new(),
    };
    for (name, value) in params {
        if name != "_count" && name != "_offset" && name != "_format" {
            req.canonical_query.push((name.clone(), value.clone()));
        }
        let (base, modifier) = match name.split_once(':') {
            Some((b, m)) if !name.starts_with("_has:") => (b, Some(m)),
            _ => (name.as_str(), None),
        };
        match base {
            "_count" => req.count = parse_usize(name, value)?.min(config.max_count),
            "_offset" => req.offset = parse_usize(name, value)?,
            "_format" | "_pretty" => {}
            "_summary" => match value.as_str() {
                "count" => req.summary_count = true,
                "true" | "false" | "data" | "text" => req.summary = Some(value.clone()),
                _ => {
                    return Err(bad(format!(
                        "_summary={value} is not one of count, true, false, data, text"
                    )))
                }
            },
            "_total" => {
                req.total = match value.as_str() {
                    "none" => TotalMode::None,
                    "estimate" | "accurate" => TotalMode::Accurate,
                    _ => {
                        return Err(bad(format!(
                            "_total={value} is not one of none, estimate, accurate"
                        )))
                    }
                }
            }
            "_elements" => {
                req.elements = Some(
                    value
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                )
            }
            "_sort" => req.plan.sort = parse_sort(resource_type, value)?,
            "_include" => req.include.push(parse_include(value, modifier, false)?),
            "_revinclude" => req.revinclude.push(parse_include(value, modifier, true)?),
            _ if RESULT_PARAMS.contains(&base) => {}
            _ => match parse_clause(resource_type, name, value) {
                Ok(clause) => req.plan.clauses.push(clause),
                Err(StoreError::BadRequest(_)) if lenient && is_unknown(resource_type, name) => {}
                Err(e) => return Err(e),
            },
        }
    }
    Ok(req)
}

fn bad(msg: String) -> StoreError {
    StoreError::BadRequest(msg)
}

fn parse_usize(name: &str, value: &str) -> StoreResult<usize> {
    value
        .trim()
        .parse()
        .map_err(|_| bad(format!("{name}={value} is not a whole number")))
}

fn is_unknown(resource_type: &str, name: &str) -> bool {
    let code = name.split([':', '.']).next().unwrap_or(name);
    !name.starts_with("_has:")
        && definitions().search_param(resource_type, code).is_none()
        && code != "_id"
        && code != "_lastUpdated"
}

/// One filter parameter `name=value` on `resource_type` → a clause.
pub(crate) fn parse_clause(resource_type: &str, name: &str, value: &str) -> StoreResult<Clause> {
    if let Some(rest) = name.strip_prefix("_has:") {
        return parse_has(resource_type, rest, value);
    }
    // A chain: `subject:Patient.name` or `subject.name`.
    if let Some((head, tail)) = name.split_once('.') {
        return parse_chain(resource_type, head, tail, value);
    }
    let (code, modifier) = match name.split_once(':') {
        Some((c, m)) => (c, Some(m)),
        None => (name, None),
    };
    if code == "_id" {
        return match modifier {
            None => Ok(Clause::Id(split_values(value).into_iter().collect())),
            Some(m) => Err(bad(format!("modifier :{m} is not supported on _id"))),
        };
    }
    if code == "_lastUpdated" {
        let mut ranges = Vec::new();
        for v in split_values(value) {
            ranges.push(date_value(&v)?);
        }
        return Ok(Clause::LastUpdated(ranges));
    }
    let def = definitions()
        .search_param(resource_type, code)
        .ok_or_else(|| {
            bad(format!(
                "unknown search parameter '{code}' for {resource_type}"
            ))
        })?;
    let kind = def.kind;
    if matches!(kind, ParamType::Composite | ParamType::Special) {
        return Err(StoreError::NotSupported(format!(
            "search parameter '{code}' ({kind:?}) is not supported"
        )));
    }
    if modifier == Some("missing") {
        let missing = match value {
            "true" => true,
            "false" => false,
            _ => return Err(bad(format!("{name}={value}: :missing takes true or false"))),
        };
        return Ok(Clause::Missing {
            param: code.to_string(),
            kind,
            missing,
        });
    }
    if modifier == Some("identifier") && kind == ParamType::Reference {
        // The target's identifier, kept as a token at write time.
        let mut any_of = Vec::new();
        for v in split_values(value) {
            any_of.push(condition(ParamType::Token, None, &v, code, &def.targets)?);
        }
        return Ok(Clause::Match {
            param: nordlys_fhir::identifier_param(code),
            kind: ParamType::Token,
            any_of,
        });
    }
    let mut any_of = Vec::new();
    for v in split_values(value) {
        any_of.push(condition(kind, modifier, &v, code, &def.targets)?);
    }
    if modifier == Some("not") {
        return Ok(Clause::NotMatch {
            param: code.to_string(),
            kind,
            any_of,
        });
    }
    Ok(Clause::Match {
        param: code.to_string(),
        kind,
        any_of,
    })
}

fn parse_chain(resource_type: &str, head: &str, tail: &str, value: &str) -> StoreResult<Clause> {
    let (code, type_modifier) = match head.split_once(':') {
        Some((c, t)) => (c, Some(t)),
        None => (head, None),
    };
    let def = definitions()
        .search_param(resource_type, code)
        .ok_or_else(|| {
            bad(format!(
                "unknown search parameter '{code}' for {resource_type}"
            ))
        })?;
    if def.kind != ParamType::Reference {
        return Err(bad(format!(
            "'{code}' is not a reference parameter and cannot be chained"
        )));
    }
    let candidates: Vec<String> = match type_modifier {
        Some(t) if def.targets.iter().any(|x| x == t) => vec![t.to_string()],
        Some(t) => return Err(bad(format!("'{code}' cannot refer to {t}"))),
        None => def.targets.clone(),
    };
    let inner_code = tail.split([':', '.']).next().unwrap_or(tail);
    let targets: Vec<String> = candidates
        .into_iter()
        .filter(|t| {
            inner_code.starts_with("_has")
                || definitions().search_param(t, inner_code).is_some()
                || inner_code == "_id"
        })
        .collect();
    let Some(first) = targets.first() else {
        return Err(bad(format!(
            "no target of '{code}' has a search parameter '{inner_code}'"
        )));
    };
    let inner = parse_clause(first, tail, value)?;
    Ok(Clause::Chain {
        param: code.to_string(),
        target_types: targets,
        inner: Box::new(inner),
    })
}

/// `_has:Source:param:inner=value`.
fn parse_has(resource_type: &str, rest: &str, value: &str) -> StoreResult<Clause> {
    let mut parts = rest.splitn(3, ':');
    let (Some(source), Some(param), Some(inner)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(format!(
            "_has:{rest} must be _has:Type:parameter:filter"
        )));
    };
    if !definitions().is_resource_type(source) {
        return Err(bad(format!("_has: unknown resource type {source}")));
    }
    let def = definitions()
        .search_param(source, param)
        .ok_or_else(|| bad(format!("unknown search parameter '{param}' for {source}")))?;
    if def.kind != ParamType::Reference {
        return Err(bad(format!(
            "_has: '{param}' of {source} is not a reference parameter"
        )));
    }
    if !def.targets.is_empty() && !def.targets.iter().any(|t| t == resource_type) {
        return Ok(Clause::Nothing);
    }
    let inner = parse_clause(source, inner, value)?;
    Ok(Clause::Has {
        source_type: source.to_string(),
        source_param: param.to_string(),
        inner: Box::new(inner),
    })
}

pub(crate) fn date_value(v: &str) -> StoreResult<DateRange> {
    let (prefix, rest) = super::values::prefix_of(v);
    let (low, high) = nordlys_fhir::time::date_range(rest)
        .ok_or_else(|| bad(format!("'{v}' is not a valid date")))?;
    Ok(DateRange { prefix, low, high })
}

fn parse_sort(resource_type: &str, value: &str) -> StoreResult<Vec<SortKey>> {
    let mut keys = Vec::new();
    for part in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (descending, code) = match part.strip_prefix('-') {
            Some(c) => (true, c),
            None => (false, part),
        };
        let kind = match code {
            "_id" => SortKind::Id,
            "_lastUpdated" => SortKind::LastUpdated,
            _ => {
                let def = definitions()
                    .search_param(resource_type, code)
                    .ok_or_else(|| bad(format!("cannot sort by unknown parameter '{code}'")))?;
                SortKind::Indexed(def.kind)
            }
        };
        keys.push(SortKey {
            param: code.to_string(),
            kind,
            descending,
        });
    }
    Ok(keys)
}

/// `Source:param[:Target]`, or `*`.
fn parse_include(value: &str, modifier: Option<&str>, reverse: bool) -> StoreResult<IncludeSpec> {
    let iterate = match modifier {
        None => false,
        Some("iterate") | Some("recurse") => true,
        Some(m) => return Err(bad(format!("unknown modifier :{m} on _include"))),
    };
    let mut parts = value.split(':');
    let source = parts.next().unwrap_or_default();
    let param = parts.next().unwrap_or("*");
    let target = parts.next().map(str::to_string);
    if source == "*" && !reverse {
        return Ok(IncludeSpec {
            source_type: "*".into(),
            param: "*".into(),
            target_type: None,
            iterate,
        });
    }
    if !definitions().is_resource_type(source) {
        return Err(bad(format!("_include: unknown resource type '{source}'")));
    }
    if param != "*" {
        match definitions().search_param(source, param) {
            Some(d) if d.kind == ParamType::Reference => {}
            _ => {
                return Err(bad(format!(
                    "_include: '{param}' is not a reference parameter of {source}"
                )))
            }
        }
    }
    Ok(IncludeSpec {
        source_type: source.to_string(),
        param: param.to_string(),
        target_type: target,
        iterate,
    })
}
