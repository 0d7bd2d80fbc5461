//! The R4 definitions the server needs at run time: resource types, the element tree
//! of every resource and datatype, every official search parameter, and the Patient
//! compartment.
//!
//! Why embedded JSON: `tools/gen-fhir-defs.py` distils HL7's 190 MB package into
//! ~500 kB under `crates/fhir/defs/`, compiled in with `include_str!` and parsed once on
//! first use (a few milliseconds). A fresh clone builds and runs without npm, and
//! supporting every R4 resource type costs data, not code.
use std::collections::HashMap;
use std::sync::OnceLock;

mod load;
pub mod model;

pub use load::LoadError;
use model::{Node, NodeId};

use crate::fhirpath::Expr;

/// Search parameter type, as in R4 `SearchParameter.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Number,
    Date,
    String,
    Token,
    Reference,
    Composite,
    Quantity,
    Uri,
    Special,
}

/// One search parameter applicable to a resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchParamDef {
    /// The code used in URLs (`birthdate`, `_id`, …).
    pub code: String,
    pub kind: ParamType,
    /// FHIRPath expression, already narrowed to this resource type.
    pub expression: String,
    /// Target resource types for reference parameters.
    pub targets: Vec<String>,
}

/// Kind and base of a named type (resource or complex datatype).
#[derive(Debug, Clone)]
pub struct TypeInfo {
    pub resource: bool,
    /// `DomainResource` for most resources, `Quantity` for `Age`, …
    pub base: Option<String>,
}

/// All definitions, loaded once.
#[derive(Debug, Default)]
pub struct Definitions {
    /// Concrete resource types, sorted.
    resource_types: Vec<String>,
    types: HashMap<String, TypeInfo>,
    nodes: Vec<Node>,
    roots: HashMap<String, NodeId>,
    search: HashMap<String, Vec<SearchParamDef>>,
    /// Parsed expressions, parallel to `search`.
    compiled: HashMap<String, Vec<Expr>>,
    compartment: HashMap<String, Vec<String>>,
}

impl Definitions {
    /// Loads the embedded definitions (what [`definitions`] does once).
    pub fn load() -> Result<Definitions, LoadError> {
        load::load()
    }

    /// A concrete (instantiable) R4 resource type.
    pub fn is_resource_type(&self, name: &str) -> bool {
        self.resource_types
            .binary_search_by(|t| t.as_str().cmp(name))
            .is_ok()
    }

    /// All 146 concrete resource types, sorted.
    pub fn resource_types(&self) -> Vec<&str> {
        self.resource_types.iter().map(String::as_str).collect()
    }

    /// The search parameters of a resource type, sorted by code; empty if unknown.
    pub fn search_params(&self, resource_type: &str) -> &[SearchParamDef] {
        self.search
            .get(resource_type)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn search_param(&self, resource_type: &str, code: &str) -> Option<&SearchParamDef> {
        let params = self.search.get(resource_type)?;
        params
            .binary_search_by(|p| p.code.as_str().cmp(code))
            .ok()
            .map(|i| &params[i])
    }

    /// The search parameters with their parsed expressions.
    pub fn compiled_params(
        &self,
        resource_type: &str,
    ) -> impl Iterator<Item = (&SearchParamDef, &Expr)> {
        let params = self.search_params(resource_type);
        let compiled = self
            .compiled
            .get(resource_type)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        params.iter().zip(compiled)
    }

    /// The parameters that put a resource of this type into a Patient's compartment
    /// (`Observation` → `subject`, `performer`); empty if the type is not in it.
    pub fn patient_compartment_params(&self, resource_type: &str) -> &[String] {
        self.compartment
            .get(resource_type)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Resource or complex datatype (`HumanName`), with its base type.
    pub fn type_info(&self, name: &str) -> Option<&TypeInfo> {
        self.types.get(name)
    }

    /// Is `name` the type `of` or one of its bases (`Age` is a `Quantity`, every
    /// resource is a `Resource`)?
    pub fn is_a(&self, name: &str, of: &str) -> bool {
        let mut cur = Some(name);
        let mut hops = 0;
        while let Some(n) = cur {
            if n == of {
                return true;
            }
            hops += 1;
            if hops > 8 {
                return false;
            }
            cur = self.types.get(n).and_then(|t| t.base.as_deref());
        }
        false
    }

    /// The element tree node of a resource type or complex datatype.
    pub fn root(&self, type_name: &str) -> Option<NodeId> {
        self.roots.get(type_name).copied()
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    /// Element definition by full path (`Patient.contact.name`, `Observation.value[x]`).
    pub fn element(&self, path: &str) -> Option<&model::ElementDef> {
        let mut parts = path.split('.');
        let mut node = self.node(self.root(parts.next()?)?);
        let mut found = None;
        for part in parts {
            if found.is_some() {
                let el: &model::ElementDef = found?;
                node = match el.types.first()?.kind {
                    model::Kind::Complex(id) => self.node(id),
                    _ => return None,
                };
            }
            found = Some(node.element(part.trim_end_matches("[x]"))?);
        }
        found
    }
}

/// The embedded definitions, parsed on first use.
pub fn definitions() -> &'static Definitions {
    static DEFS: OnceLock<Definitions> = OnceLock::new();
    DEFS.get_or_init(|| match Definitions::load() {
        Ok(d) => d,
        // The files are compiled in and checked by the tests below; this is a build bug.
        Err(e) => panic!("embedded FHIR definitions are broken: {e}"),
    })
}

#[cfg(test)]
mod tests;
