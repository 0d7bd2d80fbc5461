//! The evaluator: collections in, collections out, as FHIRPath defines it.
//!
//! Why borrowed items: index extraction runs this for every search parameter of every
//! stored resource, so items point into the resource (`&Value`) and the expression
//! (`&str` literals) and nothing is cloned; a typical Observation needs a few dozen
//! small `Vec`s and no strings.
use serde_json::Value;

use super::{Expr, Func, Item, Ty};
use crate::defs::model::Kind;
use crate::defs::Definitions;
use crate::reference;

pub(crate) fn resource_ty(defs: &Definitions, v: &Value) -> Ty {
    v.get("resourceType")
        .and_then(Value::as_str)
        .and_then(|t| defs.root(t))
        .map_or(Ty::Unknown, Ty::Node)
}

pub(crate) struct Eval<'d> {
    pub defs: &'d Definitions,
}

impl Eval<'_> {
    pub fn eval<'a>(&self, e: &'a Expr, focus: &[Item<'a>]) -> Vec<Item<'a>> {
        match e {
            Expr::This => focus.to_vec(),
            Expr::Str(s) => vec![Item::Str(s)],
            Expr::Num(n) => vec![Item::Num(*n)],
            Expr::Bool(b) => vec![Item::Bool(*b)],
            Expr::Member(base, name) => {
                let items = self.eval(base, focus);
                if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                    return items.into_iter().filter(|i| self.is_a(i, name)).collect();
                }
                let mut out = Vec::new();
                for it in items {
                    self.child(it, name, &mut out);
                }
                out
            }
            Expr::Index(base, n) => self
                .eval(base, focus)
                .get(*n)
                .copied()
                .into_iter()
                .collect(),
            Expr::Union(parts) => {
                let mut all: Vec<Item<'a>> = Vec::new();
                for p in parts {
                    all.extend(self.eval(p, focus));
                }
                distinct(all)
            }
            Expr::Equals(l, r, negate) => {
                let (l, r) = (self.eval(l, focus), self.eval(r, focus));
                if l.is_empty() || r.is_empty() {
                    return Vec::new();
                }
                let eq = l.len() == r.len() && l.iter().zip(&r).all(|(a, b)| equal(a, b));
                vec![Item::Bool(eq != *negate)]
            }
            Expr::And(l, r) => {
                let (l, r) = (truth(&self.eval(l, focus)), truth(&self.eval(r, focus)));
                match (l, r) {
                    (Some(false), _) | (_, Some(false)) => vec![Item::Bool(false)],
                    (Some(true), Some(true)) => vec![Item::Bool(true)],
                    _ => Vec::new(),
                }
            }
            Expr::Or(l, r) => {
                let (l, r) = (truth(&self.eval(l, focus)), truth(&self.eval(r, focus)));
                match (l, r) {
                    (Some(true), _) | (_, Some(true)) => vec![Item::Bool(true)],
                    (Some(false), Some(false)) => vec![Item::Bool(false)],
                    _ => Vec::new(),
                }
            }
            Expr::Call(base, f) => {
                let items = self.eval(base, focus);
                self.call(f, items)
            }
        }
    }

    fn call<'a>(&self, f: &'a Func, items: Vec<Item<'a>>) -> Vec<Item<'a>> {
        match f {
            Func::Where(cond) => items
                .into_iter()
                .filter(|it| truth(&self.eval(cond, std::slice::from_ref(it))) == Some(true))
                .collect(),
            Func::Exists => vec![Item::Bool(!items.is_empty())],
            Func::ExistsWhere(cond) => {
                let any = items
                    .iter()
                    .any(|it| truth(&self.eval(cond, std::slice::from_ref(it))) == Some(true));
                vec![Item::Bool(any)]
            }
            Func::Empty => vec![Item::Bool(items.is_empty())],
            Func::Not => truth(&items).map(|b| Item::Bool(!b)).into_iter().collect(),
            Func::First => items.first().copied().into_iter().collect(),
            Func::Last => items.last().copied().into_iter().collect(),
            Func::Count => vec![Item::Num(items.len() as f64)],
            Func::Resolve => items
                .iter()
                .filter_map(|it| self.referenced_type(it))
                .map(Item::Resolved)
                .collect(),
            Func::As(t) => items.into_iter().filter(|i| self.is_a(i, t)).collect(),
            Func::Is(t) => match items.as_slice() {
                [one] => vec![Item::Bool(self.is_a(one, t))],
                _ => Vec::new(),
            },
            Func::Extension(url) => {
                let mut out = Vec::new();
                for it in &items {
                    self.extensions(it, url, &mut out);
                }
                out
            }
            Func::HasExtension(url) => {
                let mut out = Vec::new();
                for it in &items {
                    self.extensions(it, url, &mut out);
                }
                vec![Item::Bool(!out.is_empty())]
            }
        }
    }

    /// The children called `name` of one item, typed from the definitions.
    fn child<'a>(&self, item: Item<'a>, name: &str, out: &mut Vec<Item<'a>>) {
        let Item::Node(v, ty) = item else { return };
        let Some(obj) = v.as_object() else { return };
        match ty {
            Ty::Node(id) => {
                let Some(el) = self.defs.node(id).element(name) else {
                    return;
                };
                for t in &el.types {
                    if let Some(cv) = obj.get(&t.key) {
                        self.push(cv, t.kind, out);
                    }
                }
            }
            Ty::Unknown => {
                if let Some(cv) = obj.get(name) {
                    push_each(cv, out, |v| Item::Node(v, Ty::Unknown));
                }
            }
            Ty::Prim(_) => {}
        }
    }

    fn push<'a>(&self, v: &'a Value, kind: Kind, out: &mut Vec<Item<'a>>) {
        push_each(v, out, |v| {
            let ty = match kind {
                Kind::Primitive(p) => Ty::Prim(p),
                Kind::Complex(id) => Ty::Node(id),
                Kind::Resource => resource_ty(self.defs, v),
            };
            Item::Node(v, ty)
        });
    }

    fn extensions<'a>(&self, item: &Item<'a>, url: &str, out: &mut Vec<Item<'a>>) {
        let Item::Node(v, _) = item else { return };
        let Some(exts) = v.get("extension").and_then(Value::as_array) else {
            return;
        };
        let ty = self.defs.root("Extension").map_or(Ty::Unknown, Ty::Node);
        for e in exts {
            if e.get("url").and_then(Value::as_str) == Some(url) {
                out.push(Item::Node(e, ty));
            }
        }
    }

    /// What `resolve()` can tell without a database: the type named in the reference.
    fn referenced_type<'a>(&self, item: &Item<'a>) -> Option<&'a str> {
        let Item::Node(v, _) = item else { return None };
        let from_str = |s: &'a str| {
            reference::parse(s)
                .resource_type()
                .filter(|t| self.defs.is_resource_type(t))
        };
        match v {
            Value::String(s) => from_str(s),
            Value::Object(o) => o
                .get("reference")
                .and_then(Value::as_str)
                .and_then(from_str)
                .or_else(|| {
                    // Reference.type: "Patient" or a StructureDefinition URL ending in it.
                    let t = o.get("type")?.as_str()?;
                    let t = t.rsplit('/').next()?;
                    self.defs.is_resource_type(t).then_some(t)
                }),
            _ => None,
        }
    }

    fn is_a(&self, item: &Item<'_>, ty: &str) -> bool {
        match item {
            Item::Node(_, Ty::Node(id)) => self.defs.is_a(&self.defs.node(*id).type_name, ty),
            Item::Node(_, Ty::Prim(p)) => p.is_a(ty),
            Item::Node(_, Ty::Unknown) => false,
            Item::Resolved(t) => self.defs.is_a(t, ty),
            Item::Bool(_) => ty == "Boolean" || ty == "boolean",
            Item::Str(_) => ty == "String" || ty == "string",
            Item::Num(_) => ty == "Decimal" || ty == "decimal",
        }
    }
}

fn push_each<'a>(v: &'a Value, out: &mut Vec<Item<'a>>, f: impl Fn(&'a Value) -> Item<'a>) {
    match v {
        Value::Array(a) => out.extend(a.iter().filter(|x| !x.is_null()).map(f)),
        Value::Null => {}
        v => out.push(f(v)),
    }
}

/// Union semantics: equal values once. Linear scan for the usual handful of items; a
/// set of canonical keys when a (possibly hostile) resource yields thousands.
fn distinct(items: Vec<Item<'_>>) -> Vec<Item<'_>> {
    const SMALL: usize = 32;
    let mut out = Vec::with_capacity(items.len());
    if items.len() <= SMALL {
        for it in items {
            if !out.iter().any(|o| equal(o, &it)) {
                out.push(it);
            }
        }
        return out;
    }
    let mut seen = std::collections::HashSet::new();
    for it in items {
        let key = match scalar(&it) {
            Scalar::S(s) => format!("s{s}"),
            Scalar::B(b) => format!("b{b}"),
            Scalar::N(n) => format!("n{n}"),
            Scalar::J(v) => format!("j{v}"),
        };
        if seen.insert(key) {
            out.push(it);
        }
    }
    out
}

enum Scalar<'a> {
    S(&'a str),
    B(bool),
    N(f64),
    J(&'a Value),
}

fn scalar<'a>(i: &Item<'a>) -> Scalar<'a> {
    match i {
        Item::Node(Value::String(s), _) => Scalar::S(s),
        Item::Node(Value::Bool(b), _) => Scalar::B(*b),
        Item::Node(Value::Number(n), _) => n.as_f64().map_or(Scalar::J(&Value::Null), Scalar::N),
        Item::Node(v, _) => Scalar::J(v),
        Item::Str(s) | Item::Resolved(s) => Scalar::S(s),
        Item::Bool(b) => Scalar::B(*b),
        Item::Num(n) => Scalar::N(*n),
    }
}

fn equal(a: &Item<'_>, b: &Item<'_>) -> bool {
    match (scalar(a), scalar(b)) {
        (Scalar::S(x), Scalar::S(y)) => x == y,
        (Scalar::B(x), Scalar::B(y)) => x == y,
        (Scalar::N(x), Scalar::N(y)) => x == y,
        (Scalar::J(x), Scalar::J(y)) => x == y,
        _ => false,
    }
}

/// FHIRPath singleton evaluation of a collection as a boolean.
fn truth(items: &[Item<'_>]) -> Option<bool> {
    match items {
        [] => None,
        [Item::Bool(b)] | [Item::Node(Value::Bool(b), _)] => Some(*b),
        [_] => Some(true),
        _ => None,
    }
}
