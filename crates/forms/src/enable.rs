//! `enableWhen`: whether a question applies given the other answers, and value
//! comparison shared with answer options.
//!
//! Why answers are looked up by linkId across the whole response: the SDC rule is the
//! nearest preceding occurrence; Nordlys forms never repeat a group that another item's
//! condition points into, so the first answer given for the linkId is the same thing
//! and keeps the check a single map lookup.
use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::Value;

use crate::model::{FormItem, Operator};

/// Every answer in a response, by linkId (nested groups and answers included).
pub fn answers_by_link_id(response: &Value) -> HashMap<String, Vec<Value>> {
    fn walk(items: Option<&Value>, out: &mut HashMap<String, Vec<Value>>) {
        for item in items.and_then(Value::as_array).into_iter().flatten() {
            let Some(id) = item.get("linkId").and_then(Value::as_str) else {
                continue;
            };
            for a in item
                .get("answer")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                out.entry(id.to_string()).or_default().push(a.clone());
                walk(a.get("item"), out);
            }
            walk(item.get("item"), out);
        }
    }
    let mut out = HashMap::new();
    walk(response.get("item"), &mut out);
    out
}

/// Does the item apply, given the answers? Items without conditions always do.
pub fn is_enabled(item: &FormItem, answers: &HashMap<String, Vec<Value>>) -> bool {
    if item.enable_when.is_empty() {
        return true;
    }
    let mut results = item.enable_when.iter().map(|cond| {
        let given = answers
            .get(&cond.question)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        match cond.operator {
            Operator::Exists => {
                let want = cond.answer.get("valueBoolean").and_then(Value::as_bool) != Some(false);
                want != given.is_empty()
            }
            Operator::Eq => given.iter().any(|a| same_value(&cond.answer, a)),
            Operator::Ne => !given.is_empty() && given.iter().all(|a| !same_value(&cond.answer, a)),
            op => given.iter().any(|a| {
                matches!(
                    (op, compare(a, &cond.answer)),
                    (Operator::Gt, Some(Ordering::Greater))
                        | (Operator::Lt, Some(Ordering::Less))
                        | (Operator::Ge, Some(Ordering::Greater | Ordering::Equal))
                        | (Operator::Le, Some(Ordering::Less | Ordering::Equal))
                )
            }),
        }
    });
    if item.enable_any {
        results.any(|r| r)
    } else {
        results.all(|r| r)
    }
}

/// The single `value[x]` of an answer or option.
pub(crate) fn value_of(v: &Value) -> Option<(&str, &Value)> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.starts_with("value"))
        .map(|(k, v)| (k.as_str(), v))
}

/// Two `value[x]`s are the same answer: codings by system (when both name one) and
/// code, numbers by value, the rest by equality.
pub(crate) fn same_value(a: &Value, b: &Value) -> bool {
    match (value_of(a), value_of(b)) {
        (Some(("valueCoding", x)), Some(("valueCoding", y))) => {
            let code = |c: &Value| c.get("code").and_then(Value::as_str).map(str::to_string);
            let system = |c: &Value| c.get("system").and_then(Value::as_str).map(str::to_string);
            code(x).is_some()
                && code(x) == code(y)
                && (system(x).is_none() || system(y).is_none() || system(x) == system(y))
        }
        (Some((_, x)), Some((_, y))) => match (x.as_f64(), y.as_f64()) {
            (Some(m), Some(n)) => m == n,
            _ => x == y,
        },
        _ => false,
    }
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    let (_, x) = value_of(a)?;
    let (_, y) = value_of(b)?;
    match (x.as_f64(), y.as_f64()) {
        (Some(m), Some(n)) => m.partial_cmp(&n),
        // Dates in FHIR form compare correctly as strings at equal precision.
        _ => Some(x.as_str()?.cmp(y.as_str()?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Form;
    use serde_json::json;

    fn form() -> Form {
        Form::parse(&json!({"resourceType": "Questionnaire", "item": [
            {"linkId": "pain", "type": "integer"},
            {"linkId": "where", "type": "string",
             "enableWhen": [{"question": "pain", "operator": ">=", "answerInteger": 5}]},
            {"linkId": "any", "type": "string", "enableBehavior": "any",
             "enableWhen": [{"question": "pain", "operator": "exists", "answerBoolean": false},
                            {"question": "sym", "operator": "=", "answerCoding": {"code": "fever"}}]},
            {"linkId": "sym", "type": "choice", "answerOption": [{"valueCoding": {"system": "s", "code": "fever"}}]}
        ]}))
        .unwrap_or_else(|| panic!("form"))
    }

    #[test]
    fn conditions_follow_the_answers() {
        let f = form();
        let r = |items: Value| answers_by_link_id(&json!({"item": items}));
        let none = r(json!([]));
        assert!(!is_enabled(&f.items[1], &none));
        assert!(is_enabled(&f.items[2], &none), "pain not answered");
        let high = r(json!([{"linkId": "pain", "answer": [{"valueInteger": 7}]}]));
        assert!(is_enabled(&f.items[1], &high));
        assert!(!is_enabled(&f.items[2], &high));
        let low = r(json!([{"linkId": "pain", "answer": [{"valueInteger": 4}]}]));
        assert!(!is_enabled(&f.items[1], &low));
        let fever = r(json!([{"linkId": "pain", "answer": [{"valueInteger": 4}]},
            {"linkId": "sym", "answer": [{"valueCoding": {"system": "s", "code": "fever"}}]}]));
        assert!(is_enabled(&f.items[2], &fever), "any: the coding matches");
        assert!(is_enabled(&f.items[0], &none));
    }

    #[test]
    fn values_compare_by_kind() {
        assert!(same_value(
            &json!({"valueInteger": 2}),
            &json!({"valueDecimal": 2.0})
        ));
        assert!(!same_value(
            &json!({"valueCoding": {"system": "a", "code": "x"}}),
            &json!({"valueCoding": {"system": "b", "code": "x"}})
        ));
        assert!(same_value(
            &json!({"valueString": "x"}),
            &json!({"valueString": "x"})
        ));
        assert!(!same_value(&json!({}), &json!({})));
    }
}
