//! Builds [`Definitions`] from the generated JSON under `crates/fhir/defs/`.
//!
//! Why hand-walking a `serde_json::Value` instead of derived structs: the rows are
//! positional arrays (`[path, min, max, types, targets?]`) to keep the files small, and
//! a malformed row should name itself in the error instead of failing inside serde.
use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::model::{ElemType, ElementDef, Kind, Node, NodeId, Prim};
use super::{Definitions, ParamType, SearchParamDef, TypeInfo};
use crate::fhirpath;

const ELEMENTS: &str = include_str!("../../defs/elements.json");
const SEARCH_PARAMS: &str = include_str!("../../defs/search-params.json");
const COMPARTMENT: &str = include_str!("../../defs/compartment-patient.json");

/// The embedded definition files are not what the loader expects.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{file}: not JSON: {source}")]
    Json {
        file: &'static str,
        source: serde_json::Error,
    },
    #[error("{0}")]
    Shape(String),
}

fn shape(msg: impl Into<String>) -> LoadError {
    LoadError::Shape(msg.into())
}

fn parse(file: &'static str, text: &str) -> Result<serde_json::Map<String, Value>, LoadError> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(shape(format!("{file}: not an object"))),
        Err(source) => Err(LoadError::Json { file, source }),
    }
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_owned))
        .collect()
}

pub(super) fn load() -> Result<Definitions, LoadError> {
    let mut defs = Definitions::default();
    load_elements(&mut defs, &parse("elements.json", ELEMENTS)?)?;
    load_search(&mut defs, &parse("search-params.json", SEARCH_PARAMS)?)?;
    for (rt, params) in parse("compartment-patient.json", COMPARTMENT)? {
        let params = strings(&params).ok_or_else(|| shape(format!("compartment {rt}")))?;
        defs.compartment.insert(rt, params);
    }
    Ok(defs)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn load_elements(
    defs: &mut Definitions,
    types: &serde_json::Map<String, Value>,
) -> Result<(), LoadError> {
    // Pass 1: a root node per type, so element types can refer to any of them.
    for (name, t) in types {
        let resource = t["k"] == "r";
        let base = t["b"].as_str().map(str::to_owned);
        let id = push_node(defs, name, name);
        defs.roots.insert(name.clone(), id);
        defs.types.insert(name.clone(), TypeInfo { resource, base });
        if resource && name != "Resource" && name != "DomainResource" {
            defs.resource_types.push(name.clone());
        }
    }
    defs.resource_types.sort();
    // Pass 2: the elements.
    for (name, t) in types {
        let rows = t["e"]
            .as_array()
            .ok_or_else(|| shape(format!("{name}: no elements")))?;
        load_type(defs, name, rows)?;
    }
    Ok(())
}

fn push_node(defs: &mut Definitions, type_name: &str, path: &str) -> NodeId {
    let id = defs.nodes.len() as NodeId;
    defs.nodes.push(Node {
        type_name: type_name.to_owned(),
        path: path.to_owned(),
        ..Node::default()
    });
    id
}

fn load_type(defs: &mut Definitions, type_name: &str, rows: &[Value]) -> Result<(), LoadError> {
    let parents: HashSet<&str> = rows
        .iter()
        .filter_map(|r| r[0].as_str()?.rsplit_once('.').map(|(p, _)| p))
        .collect();
    let mut local: HashMap<String, NodeId> = HashMap::new();
    local.insert(String::new(), defs.roots[type_name]);
    // (parent node, element index, type index, referenced path)
    let mut content_refs: Vec<(NodeId, usize, usize, String)> = Vec::new();
    for row in rows {
        let bad = || shape(format!("{type_name}: bad element row {row}"));
        let rel = row[0].as_str().ok_or_else(bad)?;
        let min = row[1].as_u64().ok_or_else(bad)? as u32;
        let max = match row[2].as_str().ok_or_else(bad)? {
            "*" => None,
            n => Some(n.parse::<u32>().map_err(|_| bad())?),
        };
        let codes = strings(&row[3]).ok_or_else(bad)?;
        let targets = if row.get(4).is_some() {
            Some(strings(&row[4]).ok_or_else(bad)?)
        } else {
            None
        };
        let (parent_rel, last) = rel.rsplit_once('.').unwrap_or(("", rel));
        let parent = *local.get(parent_rel).ok_or_else(bad)?;
        let choice = last.ends_with("[x]");
        let name = last.trim_end_matches("[x]").to_owned();
        let path = format!("{type_name}.{rel}");
        let idx = defs.nodes[parent as usize].elements.len();
        let mut types = Vec::with_capacity(codes.len());
        for code in codes {
            let key = if choice {
                format!("{name}{}", capitalize(&code))
            } else {
                name.clone()
            };
            let kind = if let Some(target) = code.strip_prefix('@') {
                content_refs.push((parent, idx, types.len(), target.to_owned()));
                Kind::Resource // placeholder, fixed below
            } else if let Some(p) = Prim::from_name(&code) {
                Kind::Primitive(p)
            } else if code == "Resource" {
                Kind::Resource
            } else if (code == "BackboneElement" || code == "Element") && parents.contains(rel) {
                let id = push_node(defs, &code, &path);
                local.insert(rel.to_owned(), id);
                Kind::Complex(id)
            } else if let Some(&id) = defs.roots.get(&code) {
                Kind::Complex(id)
            } else {
                return Err(shape(format!("{path}: unknown type {code}")));
            };
            types.push(ElemType { code, key, kind });
        }
        let node = &mut defs.nodes[parent as usize];
        for (ti, t) in types.iter().enumerate() {
            node.by_key.insert(t.key.clone(), (idx as u16, ti as u16));
        }
        node.by_name.insert(name.clone(), idx as u16);
        node.elements.push(ElementDef {
            name,
            path,
            min,
            max,
            choice,
            types,
            targets,
        });
    }
    // `contentReference`: the element's children are those of another path of the type.
    for (parent, idx, ti, target) in content_refs {
        let id = *local
            .get(&target)
            .ok_or_else(|| shape(format!("{type_name}: no path {target}")))?;
        let code = defs.nodes[id as usize].type_name.clone();
        if let Some(el) = defs.nodes[parent as usize].elements.get_mut(idx) {
            if let Some(t) = el.types.get_mut(ti) {
                t.kind = Kind::Complex(id);
                t.code = code;
            }
        }
    }
    Ok(())
}

fn param_type(s: &str) -> Option<ParamType> {
    Some(match s {
        "number" => ParamType::Number,
        "date" => ParamType::Date,
        "string" => ParamType::String,
        "token" => ParamType::Token,
        "reference" => ParamType::Reference,
        "composite" => ParamType::Composite,
        "quantity" => ParamType::Quantity,
        "uri" => ParamType::Uri,
        "special" => ParamType::Special,
        _ => return None,
    })
}

/// `["*", "!Parameters"]` stands for every resource type but Parameters.
fn expand_targets(defs: &Definitions, targets: Vec<String>) -> Vec<String> {
    if targets.first().map(String::as_str) != Some("*") {
        return targets;
    }
    let except: HashSet<&str> = targets.iter().filter_map(|t| t.strip_prefix('!')).collect();
    defs.resource_types
        .iter()
        .filter(|t| !except.contains(t.as_str()))
        .cloned()
        .collect()
}

fn load_search(
    defs: &mut Definitions,
    all: &serde_json::Map<String, Value>,
) -> Result<(), LoadError> {
    for (rt, rows) in all {
        let rows = rows
            .as_array()
            .ok_or_else(|| shape(format!("search {rt}")))?;
        let mut params = Vec::with_capacity(rows.len());
        let mut compiled = Vec::with_capacity(rows.len());
        for row in rows {
            let bad = || shape(format!("{rt}: bad search parameter row {row}"));
            let code = row[0].as_str().ok_or_else(bad)?.to_owned();
            let kind = row[1].as_str().and_then(param_type).ok_or_else(bad)?;
            let expression = row[2].as_str().ok_or_else(bad)?.to_owned();
            let targets = expand_targets(defs, strings(&row[3]).ok_or_else(bad)?);
            let expr = fhirpath::parse(&expression)
                .map_err(|e| shape(format!("{rt}.{code}: {expression}: {e}")))?;
            compiled.push(expr);
            params.push(SearchParamDef {
                code,
                kind,
                expression,
                targets,
            });
        }
        defs.search.insert(rt.clone(), params);
        defs.compiled.insert(rt.clone(), compiled);
    }
    Ok(())
}
