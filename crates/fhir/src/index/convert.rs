//! FHIR node → index values, by search parameter type and the node's FHIR type.
//!
//! Why by FHIR type: one parameter can reach different types (`Observation.value as
//! Quantity | …`, `Condition.onset.as(dateTime) | Condition.onset.as(Period)`), and
//! the R4 search page defines per type what a token, string, date… is: a
//! CodeableConcept is one token per coding, a HumanName one string per part, a Period
//! one date range, and so on. Combinations R4 does not define produce nothing.
use serde_json::Value;

use super::{IndexValue, DATE_MAX, DATE_MIN};
use crate::defs::{Definitions, ParamType};
use crate::fhirpath::Item;
use crate::reference::{self, Ref};
use crate::text::normalize_str;
use crate::time::date_range;

pub(super) fn convert(
    defs: &Definitions,
    kind: ParamType,
    item: &Item<'_>,
    out: &mut Vec<IndexValue>,
) {
    let v = match item {
        Item::Node(v, _) => *v,
        Item::Bool(b) => {
            if kind == ParamType::Token {
                out.push(token(None, if *b { "true" } else { "false" }));
            }
            return;
        }
        _ => return,
    };
    let ty = item.type_name(defs);
    match kind {
        ParamType::Token => tokens(ty, v, out),
        ParamType::String => strings(ty, v, out),
        ParamType::Date => dates(ty, v, out),
        ParamType::Reference => references(defs, ty, v, out),
        ParamType::Number => {
            if let (Some(value), true) = (v.as_f64(), is_number(ty)) {
                out.push(IndexValue::Number { value });
            }
        }
        ParamType::Quantity => quantity(ty, v, out),
        ParamType::Uri => {
            if let (Some(s), true) = (v.as_str(), is_uri(ty)) {
                out.push(IndexValue::Uri {
                    value: s.to_owned(),
                });
            }
        }
        ParamType::Composite | ParamType::Special => {}
    }
}

/// The identifier of a Reference as a token, for the `:identifier` modifier
/// (R4 search § 3.1.1.4.9): a reference may name its target only by identifier
/// (a proxy named by national id), and must still be searchable.
pub(super) fn reference_identifier(defs: &Definitions, item: &Item<'_>, out: &mut Vec<IndexValue>) {
    let Item::Node(v, _) = item else {
        return;
    };
    if item.type_name(defs) != "Reference" {
        return;
    }
    if let Some(id) = v.get("identifier") {
        if let Some(value) = str_of(id, "value") {
            out.push(token(str_of(id, "system"), value));
        }
    }
}

fn is_number(ty: &str) -> bool {
    matches!(ty, "integer" | "decimal" | "positiveInt" | "unsignedInt")
}

fn is_uri(ty: &str) -> bool {
    matches!(ty, "uri" | "url" | "canonical" | "oid" | "uuid")
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn token(system: Option<&str>, code: &str) -> IndexValue {
    IndexValue::Token {
        system: system.map(str::to_owned),
        code: code.to_owned(),
    }
}

fn coding(c: &Value, out: &mut Vec<IndexValue>) {
    if let Some(code) = str_of(c, "code") {
        out.push(token(str_of(c, "system"), code));
    }
}

fn tokens(ty: &str, v: &Value, out: &mut Vec<IndexValue>) {
    match ty {
        "Coding" => coding(v, out),
        "CodeableConcept" => {
            for c in v
                .get("coding")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                coding(c, out);
            }
        }
        "Identifier" => {
            if let Some(value) = str_of(v, "value") {
                out.push(token(str_of(v, "system"), value));
            }
        }
        "ContactPoint" => {
            if let Some(value) = str_of(v, "value") {
                out.push(token(None, value));
            }
        }
        _ => match v {
            Value::String(s) if !s.is_empty() => out.push(token(None, s)),
            Value::Bool(b) => out.push(token(None, if *b { "true" } else { "false" })),
            _ => {}
        },
    }
}

fn string(s: &str, out: &mut Vec<IndexValue>) {
    if !s.is_empty() {
        out.push(IndexValue::String {
            norm: normalize_str(s),
            exact: s.to_owned(),
        });
    }
}

/// The string parts of a HumanName or Address, each its own entry.
fn string_parts(v: &Value, keys: &[&str], out: &mut Vec<IndexValue>) {
    for key in keys {
        match v.get(*key) {
            Some(Value::String(s)) => string(s, out),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .for_each(|s| string(s, out)),
            _ => {}
        }
    }
}

fn strings(ty: &str, v: &Value, out: &mut Vec<IndexValue>) {
    match ty {
        "HumanName" => string_parts(v, &["family", "given", "prefix", "suffix", "text"], out),
        "Address" => string_parts(
            v,
            &[
                "line",
                "city",
                "district",
                "state",
                "postalCode",
                "country",
                "text",
            ],
            out,
        ),
        _ => {
            if let Some(s) = v.as_str() {
                string(s, out);
            }
        }
    }
}

fn dates(ty: &str, v: &Value, out: &mut Vec<IndexValue>) {
    let range = |s: Option<&str>| s.and_then(date_range);
    match ty {
        "date" | "dateTime" | "instant" => {
            if let Some((low, high)) = range(v.as_str()) {
                out.push(IndexValue::Date { low, high });
            }
        }
        "Period" => {
            let start = range(str_of(v, "start"));
            let end = range(str_of(v, "end"));
            if start.is_some() || end.is_some() {
                let low = start.map_or(DATE_MIN, |r| r.0);
                let high = end.map_or(DATE_MAX, |r| r.1);
                out.push(IndexValue::Date { low, high });
            }
        }
        "Timing" => {
            for e in v
                .get("event")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some((low, high)) = range(e.as_str()) {
                    out.push(IndexValue::Date { low, high });
                }
            }
        }
        _ => {}
    }
}

fn reference_value(defs: &Definitions, url: &str) -> Option<IndexValue> {
    let known = |t: Option<&str>| t.filter(|t| defs.is_resource_type(t)).map(str::to_owned);
    match reference::parse(url) {
        Ref::Relative {
            resource_type, id, ..
        } => Some(IndexValue::Reference {
            target_type: Some(resource_type.to_owned()),
            target_id: Some(id.to_owned()),
            url: format!("{resource_type}/{id}"),
        }),
        r @ Ref::Absolute { .. } => {
            let (t, id) = (known(r.resource_type()), r.id().map(str::to_owned));
            let (t, id) = if t.is_some() && id.is_some() {
                (t, id)
            } else {
                (None, None)
            };
            Some(IndexValue::Reference {
                target_type: t,
                target_id: id,
                url: url.to_owned(),
            })
        }
        Ref::Urn(u) => Some(IndexValue::Reference {
            target_type: None,
            target_id: None,
            url: u.to_owned(),
        }),
        Ref::Contained(_) | Ref::Conditional { .. } | Ref::Invalid => None,
    }
}

fn references(defs: &Definitions, ty: &str, v: &Value, out: &mut Vec<IndexValue>) {
    match ty {
        "Reference" => {
            if let Some(r) = str_of(v, "reference").and_then(|s| reference_value(defs, s)) {
                out.push(r);
            }
        }
        "canonical" | "uri" | "url" => {
            // A canonical may carry `|version`; the reference is to the resource.
            if let Some(s) = v.as_str() {
                let s = s.split('|').next().unwrap_or(s);
                if let Some(r) = reference_value(defs, s) {
                    out.push(r);
                }
            }
        }
        // `Bundle.entry[0].resource` (composition, message): the embedded resource.
        t if defs.is_resource_type(t) => {
            if let Some(id) = str_of(v, "id") {
                out.push(IndexValue::Reference {
                    target_type: Some(t.to_owned()),
                    target_id: Some(id.to_owned()),
                    url: format!("{t}/{id}"),
                });
            }
        }
        _ => {}
    }
}

fn quantity(ty: &str, v: &Value, out: &mut Vec<IndexValue>) {
    let Some(value) = v.get("value").and_then(Value::as_f64) else {
        return;
    };
    match ty {
        "Quantity" | "Age" | "Duration" | "Distance" | "Count" | "SimpleQuantity"
        | "MoneyQuantity" => {
            out.push(IndexValue::Quantity {
                value,
                system: str_of(v, "system").map(str::to_owned),
                code: str_of(v, "code")
                    .or_else(|| str_of(v, "unit"))
                    .map(str::to_owned),
            });
        }
        "Money" => out.push(IndexValue::Quantity {
            value,
            system: Some("urn:iso:std:iso:4217".to_owned()),
            code: str_of(v, "currency").map(str::to_owned),
        }),
        _ => {}
    }
}
