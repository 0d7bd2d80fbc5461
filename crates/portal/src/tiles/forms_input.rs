//! The HTML form of a Questionnaire and back: field names for each question (a path,
//! so a repeated group's questions stay apart), the posted fields turned into
//! `QuestionnaireResponse.item`, and stored answers turned into field values.
//!
//! Why paths and not linkIds as names: a repeating group ("Legemidler", one per
//! medicine) has the same linkIds in every instance; `meds~1/meds.name` is the name
//! of the second one. Why questions that do not apply are dropped here: without script
//! a follow-up question appears only after "Oppdater", so the answers sent must be
//! exactly those of the questions shown for the answers given.
use std::collections::HashMap;

use nordlys_forms::{answers_by_link_id, is_enabled, Form, FormItem, ItemType};
use serde_json::{json, Value};

/// Raw field values by name (a checkbox group has several).
pub type Fields = HashMap<String, Vec<String>>;

/// The name of a question's field under `prefix` (`""` or `group~n/`).
pub fn name(prefix: &str, link_id: &str) -> String {
    format!("{prefix}{link_id}")
}

/// The hidden field holding how many instances a repeating group shows.
pub fn count_name(path: &str) -> String {
    format!("n:{path}")
}

/// The prefix of instance `i` of group `path`.
pub fn instance(path: &str, i: usize) -> String {
    format!("{path}~{i}/")
}

/// Posted pairs → fields.
pub fn fields(pairs: &[(String, String)]) -> Fields {
    let mut out: Fields = HashMap::new();
    for (k, v) in pairs {
        out.entry(k.clone()).or_default().push(v.clone());
    }
    out
}

fn first<'a>(f: &'a Fields, name: &str) -> Option<&'a str> {
    f.get(name)
        .and_then(|v| v.iter().map(|s| s.trim()).find(|s| !s.is_empty()))
}

/// How many instances of a repeating group to show (at least 1, at most 20).
pub fn count(f: &Fields, path: &str) -> usize {
    first(f, &count_name(path))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, 20)
}

/// What the posted fields say: the response items, and the fields that could not be
/// read (a number that is not a number, a date that is not a date) by path.
#[derive(Debug, Default)]
pub struct Parsed {
    pub items: Value,
    /// (linkId, field name) of values that could not be read.
    pub unreadable: Vec<(String, String)>,
}

/// Reads the posted fields into response items, dropping questions that do not apply.
pub fn parse(form: &Form, f: &Fields) -> Parsed {
    let mut unreadable = Vec::new();
    let mut items = Value::Array(walk(&form.items, "", f, &mut unreadable));
    // A question disabled by a question that is itself now disabled: prune until stable.
    for _ in 0..5 {
        let answers = answers_by_link_id(&json!({"item": items}));
        let pruned = prune(&form.items, &items, &answers);
        if pruned == items {
            break;
        }
        items = pruned;
    }
    let kept = answers_by_link_id(&json!({"item": items}));
    let enabled: Vec<&str> = form
        .all_items()
        .into_iter()
        .filter(|i| is_enabled(i, &kept))
        .map(|i| i.link_id.as_str())
        .collect();
    unreadable.retain(|(id, _)| enabled.contains(&id.as_str()));
    Parsed { items, unreadable }
}

fn walk(
    items: &[FormItem],
    prefix: &str,
    f: &Fields,
    bad: &mut Vec<(String, String)>,
) -> Vec<Value> {
    let mut out = Vec::new();
    for item in items {
        let path = name(prefix, &item.link_id);
        match item.kind {
            ItemType::Display | ItemType::Unsupported => {}
            ItemType::Group => {
                let n = if item.repeats { count(f, &path) } else { 1 };
                for i in 0..n {
                    let p = if item.repeats {
                        instance(&path, i)
                    } else {
                        format!("{path}/")
                    };
                    let children = walk(&item.items, &p, f, bad);
                    if !children.is_empty() {
                        out.push(json!({"linkId": item.link_id, "item": children}));
                    }
                }
            }
            _ => {
                let answers = answers_of(item, &path, f, bad);
                if !answers.is_empty() {
                    out.push(json!({"linkId": item.link_id, "answer": answers}));
                }
            }
        }
    }
    out
}

fn answers_of(
    item: &FormItem,
    path: &str,
    f: &Fields,
    bad: &mut Vec<(String, String)>,
) -> Vec<Value> {
    let mut unreadable = || bad.push((item.link_id.clone(), path.to_string()));
    match item.kind {
        ItemType::Choice | ItemType::OpenChoice => {
            let mut out: Vec<Value> = f
                .get(path)
                .into_iter()
                .flatten()
                .filter_map(|v| v.strip_prefix('o')?.parse::<usize>().ok())
                .filter_map(|i| item.options.get(i))
                .map(|o| o.value.clone())
                .collect();
            if item.kind == ItemType::OpenChoice {
                if let Some(other) = first(f, &format!("{path}~other")) {
                    out.push(json!({"valueString": other}));
                }
            }
            out
        }
        _ => {
            let Some(v) = first(f, path) else {
                return Vec::new();
            };
            let value = match item.kind {
                ItemType::Boolean => match v {
                    "true" => Some(json!({"valueBoolean": true})),
                    "false" => Some(json!({"valueBoolean": false})),
                    _ => None,
                },
                ItemType::Integer => v
                    .replace(' ', "")
                    .parse::<i64>()
                    .ok()
                    .map(|n| json!({"valueInteger": n})),
                ItemType::Decimal => v
                    .replace([' ', '\u{a0}'], "")
                    .replace(',', ".")
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .map(|x| json!({"valueDecimal": x})),
                ItemType::Date => date(v).map(|d| json!({"valueDate": d})),
                _ => Some(json!({"valueString": v})),
            };
            match value {
                Some(x) => vec![x],
                None => {
                    unreadable();
                    Vec::new()
                }
            }
        }
    }
}

/// `YYYY-MM-DD` (what a date input sends) or `DD.MM.YYYY` (what people type).
fn date(v: &str) -> Option<String> {
    let d = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(v, "%d.%m.%Y"))
        .ok()?;
    Some(d.format("%Y-%m-%d").to_string())
}

fn prune(form_items: &[FormItem], items: &Value, answers: &HashMap<String, Vec<Value>>) -> Value {
    let list = items.as_array().cloned().unwrap_or_default();
    Value::Array(
        list.into_iter()
            .filter_map(|mut i| {
                let id = i.get("linkId").and_then(Value::as_str)?.to_string();
                let f = form_items.iter().find(|f| f.link_id == id)?;
                if !is_enabled(f, answers) {
                    return None;
                }
                if let Some(children) = i.get("item").cloned() {
                    let kept = prune(&f.items, &children, answers);
                    if kept.as_array().is_none_or(|a| a.is_empty()) {
                        return None;
                    }
                    i["item"] = kept;
                }
                Some(i)
            })
            .collect(),
    )
}

/// Stored answers (a draft, or prefilled ones) → field values for the page.
pub fn to_fields(form: &Form, items: &Value) -> Fields {
    let mut out = Fields::new();
    fill(&form.items, items, "", &mut out);
    out
}

fn fill(form_items: &[FormItem], items: &Value, prefix: &str, out: &mut Fields) {
    let list: Vec<&Value> = items
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    for item in form_items {
        let path = name(prefix, &item.link_id);
        let mine: Vec<&Value> = list
            .iter()
            .copied()
            .filter(|i| i["linkId"] == json!(item.link_id))
            .collect();
        if item.kind == ItemType::Group {
            if item.repeats {
                out.insert(count_name(&path), vec![mine.len().max(1).to_string()]);
            }
            for (i, m) in mine.iter().enumerate() {
                let p = if item.repeats {
                    instance(&path, i)
                } else {
                    format!("{path}/")
                };
                fill(&item.items, &m["item"], &p, out);
            }
            continue;
        }
        for a in mine
            .iter()
            .flat_map(|m| m["answer"].as_array().into_iter().flatten())
        {
            let (key, v) = a
                .as_object()
                .and_then(|o| o.iter().next())
                .map(|(k, v)| (k.as_str(), v))
                .unwrap_or(("", &Value::Null));
            let chosen = item.options.iter().position(|o| o.matches(a));
            let (field, value) = match (chosen, key, v) {
                (Some(i), _, _) => (path.clone(), format!("o{i}")),
                (None, "valueString", Value::String(s)) if item.kind == ItemType::OpenChoice => {
                    (format!("{path}~other"), s.clone())
                }
                (None, _, Value::String(s)) => (path.clone(), s.clone()),
                (None, "valueDecimal", Value::Number(n)) => {
                    (path.clone(), n.to_string().replace('.', ","))
                }
                (None, _, other) => (path.clone(), other.to_string()),
            };
            out.entry(field).or_default().push(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nordlys_forms::builtin::triage;

    fn pairs(p: &[(&str, &str)]) -> Fields {
        fields(
            &p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn posted_fields_become_answers_and_back() {
        let form = Form::parse(&triage("t", "u")).unwrap_or_else(|| panic!("form"));
        let f = pairs(&[
            ("fever", "true"),
            ("temp", "38,5"),
            ("breath", "o1"),
            ("days", "o2"),
            ("symptoms", "o0"),
            ("symptoms", "o2"),
            ("symptoms~other", "Vondt i øret"),
            ("n:meds", "2"),
            ("meds~0/meds.name", "Paracet"),
            ("meds~1/meds.name", "Ventoline"),
            ("more", "  "),
        ]);
        let p = parse(&form, &f);
        assert_eq!(p.unreadable, vec![]);
        assert_eq!(
            p.items,
            json!([
                {"linkId": "fever", "answer": [{"valueBoolean": true}]},
                {"linkId": "temp", "answer": [{"valueDecimal": 38.5}]},
                {"linkId": "breath", "answer": [form.items[3].options[1].value.clone()]},
                {"linkId": "days", "answer": [form.items[4].options[2].value.clone()]},
                {"linkId": "symptoms", "answer": [form.items[5].options[0].value.clone(), form.items[5].options[2].value.clone(), {"valueString": "Vondt i øret"}]},
                {"linkId": "meds", "item": [{"linkId": "meds.name", "answer": [{"valueString": "Paracet"}]}]},
                {"linkId": "meds", "item": [{"linkId": "meds.name", "answer": [{"valueString": "Ventoline"}]}]}
            ])
        );
        let back = to_fields(&form, &p.items);
        assert_eq!(back["temp"], vec!["38,5"]);
        assert_eq!(back["symptoms"], vec!["o0", "o2"]);
        assert_eq!(back["symptoms~other"], vec!["Vondt i øret"]);
        assert_eq!(back["n:meds"], vec!["2"]);
        assert_eq!(back["meds~1/meds.name"], vec!["Ventoline"]);
    }

    #[test]
    fn questions_that_do_not_apply_are_dropped_and_bad_numbers_reported() {
        let form = Form::parse(&triage("t", "u")).unwrap_or_else(|| panic!("form"));
        let p = parse(&form, &pairs(&[("fever", "false"), ("temp", "38")]));
        assert_eq!(
            p.items,
            json!([{"linkId": "fever", "answer": [{"valueBoolean": false}]}])
        );
        let p = parse(&form, &pairs(&[("fever", "true"), ("temp", "høy")]));
        assert_eq!(p.unreadable, vec![("temp".to_string(), "temp".to_string())]);
        let p = parse(&form, &pairs(&[("fever", "false"), ("temp", "høy")]));
        assert_eq!(
            p.unreadable,
            vec![],
            "a question that does not apply is not read"
        );
        assert_eq!(date("05.11.2026").as_deref(), Some("2026-11-05"));
        assert_eq!(date("31.02.2026"), None);
        assert_eq!(count(&pairs(&[("n:meds", "99")]), "meds"), 20);
    }
}
