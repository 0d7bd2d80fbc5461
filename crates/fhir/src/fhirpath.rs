//! The FHIRPath subset used by R4 search-parameter expressions, evaluated over
//! `serde_json::Value` with the element definitions at hand.
//!
//! Why type-aware: FHIR JSON spells a choice element with its type in the key
//! (`valueQuantity`), so `Observation.value` can only be found, and `as Quantity`
//! only decided, by knowing the element's allowed types. Every node the evaluator
//! returns carries its FHIR type, which is also what index extraction needs to turn it
//! into a token, string, date, … entry.
//!
//! Supported: paths, `[n]`, `|`, `=`/`!=`, `and`/`or`, `is`/`as` (operator and
//! function), `ofType`, `where`, `exists`, `empty`, `not`, `first`, `last`, `count`,
//! `resolve()` (yields the referenced type only, enough for `resolve() is Patient`),
//! `extension(url)`, `hasExtension(url)`, string/number/boolean literals, `$this`.
use serde_json::Value;

use crate::defs::model::{NodeId, Prim};
use crate::defs::Definitions;

mod eval;
mod parse;

/// Parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// The focus (`$this`, or the start of a path).
    This,
    Str(String),
    Num(f64),
    Bool(bool),
    /// `focus.name`; a capitalised name is a type filter (`Patient.name` at the root).
    Member(Box<Expr>, String),
    Index(Box<Expr>, usize),
    Call(Box<Expr>, Func),
    Union(Vec<Expr>),
    /// `left = right`, or `!=` when the flag is set.
    Equals(Box<Expr>, Box<Expr>, bool),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

/// Supported functions (and the `is`/`as` operators, which behave like them).
#[derive(Debug, Clone, PartialEq)]
pub enum Func {
    Where(Box<Expr>),
    Exists,
    ExistsWhere(Box<Expr>),
    Empty,
    Not,
    First,
    Last,
    Count,
    Resolve,
    /// `as X`, `as(X)`, `ofType(X)`: keep the items of type X (or a subtype).
    As(String),
    Is(String),
    Extension(String),
    HasExtension(String),
}

/// The expression is outside the supported subset or malformed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("FHIRPath error at {pos}: {msg}")]
pub struct ParseError {
    pub pos: usize,
    pub msg: String,
}

/// Parses an expression once; evaluate it many times with [`evaluate`].
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    parse::parse(src)
}

/// The FHIR type of a JSON node, as far as the definitions know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A resource, complex datatype or BackboneElement.
    Node(NodeId),
    Prim(Prim),
    /// Outside the definitions (e.g. an unknown `resourceType`): navigated by key only.
    Unknown,
}

/// One item of a result collection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Item<'a> {
    Node(&'a Value, Ty),
    Bool(bool),
    Str(&'a str),
    Num(f64),
    /// What `resolve()` yields: the referenced resource's type, without its content.
    Resolved(&'a str),
}

impl Item<'_> {
    /// FHIR type name (`HumanName`, `dateTime`, `Patient`) or FHIRPath system type.
    pub fn type_name<'s>(&'s self, defs: &'s Definitions) -> &'s str {
        match self {
            Item::Node(_, Ty::Node(id)) => &defs.node(*id).type_name,
            Item::Node(_, Ty::Prim(p)) => p.name(),
            Item::Node(_, Ty::Unknown) => "",
            Item::Bool(_) => "Boolean",
            Item::Str(_) => "String",
            Item::Num(_) => "Decimal",
            Item::Resolved(t) => t,
        }
    }
}

/// Evaluates `expr` with `resource` as the focus.
pub fn evaluate<'a>(defs: &Definitions, expr: &'a Expr, resource: &'a Value) -> Vec<Item<'a>> {
    let root = Item::Node(resource, eval::resource_ty(defs, resource));
    eval::Eval { defs }.eval(expr, &[root])
}

#[cfg(test)]
mod tests;
