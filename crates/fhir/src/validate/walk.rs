//! The walk over a resource, guided by the element tree.
//!
//! Why one pass over the JSON (not over the definitions): unknown properties can only
//! be found by looking at every key, and each key is one hash look-up in its node, so
//! the cost is linear in the size of the resource. Required elements are the one check
//! that goes the other way (definitions → JSON), per object.
use serde_json::{Map, Value};

use super::{primitive, Issue, IssueSeverity, MAX_DEPTH, MAX_ISSUES, MAX_NODES};
use crate::defs::model::{ElemType, ElementDef, Kind, NodeId};
use crate::defs::Definitions;

pub(super) struct Walker<'d> {
    pub(super) defs: &'d Definitions,
    issues: Vec<Issue>,
    nodes: usize,
    stopped: bool,
    element_root: Option<NodeId>,
}

fn elem_path(path: &str, el: &ElementDef, t: &ElemType) -> String {
    if el.choice {
        format!("{path}.{}.ofType({})", el.name, t.code)
    } else {
        format!("{path}.{}", el.name)
    }
}

impl<'d> Walker<'d> {
    pub fn new(defs: &'d Definitions) -> Self {
        Walker {
            defs,
            issues: Vec::new(),
            nodes: 0,
            stopped: false,
            element_root: defs.root("Element"),
        }
    }

    pub fn run(mut self, resource: &Value) -> Vec<Issue> {
        self.resource(resource, None, 0, false);
        self.issues
    }

    fn issue(
        &mut self,
        severity: IssueSeverity,
        code: &'static str,
        expression: String,
        diagnostics: String,
    ) {
        if self.stopped {
            return;
        }
        if self.issues.len() + 1 >= MAX_ISSUES {
            self.stopped = true;
            let diagnostics = format!("more than {MAX_ISSUES} issues; validation stopped");
            self.issues.push(Issue {
                severity: IssueSeverity::Error,
                code: "too-costly",
                expression,
                diagnostics,
            });
            return;
        }
        self.issues.push(Issue {
            severity,
            code,
            expression,
            diagnostics,
        });
    }

    pub(super) fn error(&mut self, code: &'static str, expression: String, diagnostics: String) {
        self.issue(IssueSeverity::Error, code, expression, diagnostics);
    }

    fn resource(&mut self, v: &Value, path: Option<&str>, depth: usize, contained: bool) {
        let at = |suffix: &str| path.map_or_else(|| suffix.to_owned(), |p| format!("{p}.{suffix}"));
        let Some(obj) = v.as_object() else {
            self.error(
                "structure",
                path.unwrap_or("Resource").to_owned(),
                "a resource must be a JSON object".into(),
            );
            return;
        };
        let rt = match obj.get("resourceType") {
            Some(Value::String(s)) => s.as_str(),
            _ => {
                self.error(
                    "required",
                    at("resourceType"),
                    "resourceType (a string) is required".into(),
                );
                return;
            }
        };
        let root = if self.defs.is_resource_type(rt) {
            self.defs.root(rt)
        } else {
            None
        };
        let Some(root) = root else {
            self.error(
                "invalid",
                at("resourceType"),
                format!("unknown resource type '{rt}'"),
            );
            return;
        };
        let base = path.unwrap_or(rt).to_owned();
        if contained && obj.contains_key("contained") {
            self.error(
                "structure",
                format!("{base}.contained"),
                "a contained resource must not contain resources (dom-2)".into(),
            );
        }
        self.object(obj, root, &base, depth, true);
    }

    fn object(
        &mut self,
        obj: &Map<String, Value>,
        node_id: NodeId,
        path: &str,
        depth: usize,
        is_resource: bool,
    ) {
        if depth > MAX_DEPTH {
            self.error(
                "too-costly",
                path.to_owned(),
                format!("nested deeper than {MAX_DEPTH} levels"),
            );
            self.stopped = true;
            return;
        }
        let defs = self.defs;
        let node = defs.node(node_id);
        if obj.is_empty() {
            self.error(
                "structure",
                path.to_owned(),
                "an object must not be empty".into(),
            );
            return;
        }
        let mut choices_seen: Vec<&str> = Vec::new();
        for (key, val) in obj {
            if self.stopped {
                return;
            }
            if is_resource && key == "resourceType" {
                continue;
            }
            let (name, companion) = match key.strip_prefix('_') {
                Some(n) => (n, true),
                None => (key.as_str(), false),
            };
            let Some((el, t)) = node.by_key(name) else {
                self.error(
                    "structure",
                    format!("{path}.{key}"),
                    format!("unknown element '{key}' in {}", node.type_name),
                );
                continue;
            };
            if el.choice {
                if choices_seen.contains(&el.name.as_str()) {
                    self.error(
                        "structure",
                        format!("{path}.{}", el.name),
                        format!("only one type of {}[x] is allowed", el.name),
                    );
                } else if !companion {
                    choices_seen.push(&el.name);
                }
            }
            if companion {
                if matches!(t.kind, Kind::Primitive(_)) {
                    self.companion(val, el, elem_path(path, el, t), obj.get(name), depth);
                } else {
                    self.error(
                        "structure",
                        format!("{path}.{key}"),
                        format!("'{key}' is only allowed for primitive elements"),
                    );
                }
                continue;
            }
            self.element(val, el, t, obj, key, path, depth);
        }
        for el in node.elements.iter().filter(|e| e.min >= 1) {
            let present = el.types.iter().any(|t| {
                obj.contains_key(&t.key)
                    || (matches!(t.kind, Kind::Primitive(_))
                        && obj.contains_key(&format!("_{}", t.key)))
            });
            if !present {
                let what = if el.choice {
                    format!("{}[x]", el.name)
                } else {
                    el.name.clone()
                };
                self.error(
                    "required",
                    format!("{path}.{}", el.name),
                    format!("missing required element '{what}' (min {})", el.min),
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn element(
        &mut self,
        val: &Value,
        el: &ElementDef,
        t: &ElemType,
        obj: &Map<String, Value>,
        key: &str,
        path: &str,
        depth: usize,
    ) {
        let epath = elem_path(path, el, t);
        let primitive = matches!(t.kind, Kind::Primitive(_));
        if !el.is_array() {
            match val {
                Value::Array(_) => self.error(
                    "structure",
                    epath,
                    format!("'{key}' repeats at most once: must not be an array"),
                ),
                Value::Null => self.error("structure", epath, format!("'{key}' must not be null")),
                v => self.value(v, el, t, &epath, depth + 1),
            }
            return;
        }
        let Some(arr) = val.as_array() else {
            self.error(
                "structure",
                epath,
                format!("'{key}' repeats: must be an array"),
            );
            return;
        };
        if arr.is_empty() {
            self.error(
                "structure",
                epath,
                format!("'{key}' must not be an empty array"),
            );
            return;
        }
        if let Some(max) = el.max.filter(|m| arr.len() > *m as usize) {
            self.error(
                "structure",
                epath.clone(),
                format!("'{key}' has {} entries, at most {max} allowed", arr.len()),
            );
        }
        for (i, item) in arr.iter().enumerate() {
            if self.stopped {
                return;
            }
            let ipath = format!("{epath}[{i}]");
            if item.is_null() {
                // Allowed only where the `_key` array carries the element's extensions.
                let companion = obj
                    .get(&format!("_{key}"))
                    .and_then(Value::as_array)
                    .and_then(|a| a.get(i));
                if !(primitive && companion.is_some_and(|c| !c.is_null())) {
                    self.error("structure", ipath, "null is only allowed in a primitive array aligned with a non-null '_' entry".into());
                }
                continue;
            }
            self.value(item, el, t, &ipath, depth + 1);
        }
    }

    fn value(&mut self, v: &Value, el: &ElementDef, t: &ElemType, path: &str, depth: usize) {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            self.error(
                "too-costly",
                path.to_owned(),
                format!("more than {MAX_NODES} values"),
            );
            self.stopped = true;
            return;
        }
        match t.kind {
            Kind::Primitive(p) => {
                if let Err(msg) = primitive::check(p, v) {
                    self.error("value", path.to_owned(), format!("{} {msg}", el.name));
                }
            }
            Kind::Complex(id) => {
                let Some(o) = v.as_object() else {
                    self.error(
                        "structure",
                        path.to_owned(),
                        format!("{} must be a JSON object ({})", el.name, t.code),
                    );
                    return;
                };
                self.object(o, id, path, depth, false);
                self.type_rules(o, &t.code, el, path);
            }
            Kind::Resource => self.resource(v, Some(path), depth, el.name == "contained"),
        }
    }

    fn companion(
        &mut self,
        val: &Value,
        el: &ElementDef,
        path: String,
        primary: Option<&Value>,
        depth: usize,
    ) {
        let Some(root) = self.element_root else {
            return;
        };
        let one = |w: &mut Self, c: &Value, p: String| match c.as_object() {
            Some(o) => w.object(o, root, &p, depth + 1, false),
            None => w.error(
                "structure",
                p,
                format!("'_{}' entries must be objects", el.name),
            ),
        };
        if !el.is_array() {
            one(self, val, path);
            return;
        }
        let Some(arr) = val.as_array() else {
            self.error(
                "structure",
                path,
                format!("'_{}' must be an array like '{}'", el.name, el.name),
            );
            return;
        };
        if let Some(p) = primary
            .and_then(Value::as_array)
            .filter(|p| p.len() != arr.len())
        {
            self.error(
                "structure",
                path.clone(),
                format!(
                    "'_{}' has {} entries, '{}' has {}",
                    el.name,
                    arr.len(),
                    el.name,
                    p.len()
                ),
            );
        }
        for (i, c) in arr.iter().enumerate() {
            if !c.is_null() {
                one(self, c, format!("{path}[{i}]"));
            }
        }
    }
}
