//! The SDC subset read from Questionnaire JSON: groups, display, boolean, choice,
//! open-choice, integer, decimal, date, string/text; `required`, `repeats`,
//! `enableWhen` (+ `enableBehavior`), `answerOption`, `maxLength`, and the Nordlys
//! prefill key.
//!
//! Why parse once into a small model: the validator, the portal's renderer and the
//! scorer walk the same tree; unknown item types are kept as `Unsupported` so a form
//! the portal cannot render is refused clearly instead of half-shown.
use serde_json::Value;

use crate::prefill::PREFILL_URL;
use crate::score::ORDINAL_URL;

/// The kinds of item Nordlys renders and validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemType {
    Group,
    Display,
    Boolean,
    Decimal,
    Integer,
    Date,
    String,
    Text,
    Choice,
    OpenChoice,
    /// Any other R4 type (time, url, attachment, reference, quantity …).
    Unsupported,
}

impl ItemType {
    fn parse(code: &str) -> ItemType {
        match code {
            "group" => ItemType::Group,
            "display" => ItemType::Display,
            "boolean" => ItemType::Boolean,
            "decimal" => ItemType::Decimal,
            "integer" => ItemType::Integer,
            "date" => ItemType::Date,
            "string" => ItemType::String,
            "text" => ItemType::Text,
            "choice" => ItemType::Choice,
            "open-choice" => ItemType::OpenChoice,
            _ => ItemType::Unsupported,
        }
    }

    /// Items that carry answers (not groups or display texts).
    pub fn is_question(self) -> bool {
        !matches!(self, ItemType::Group | ItemType::Display)
    }
}

/// `enableWhen.operator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Exists,
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
}

/// One `enableWhen` condition: `question` compared with `answer` (the `answer[x]`
/// renamed to `value[x]`, so it compares directly with a response's answer).
#[derive(Debug, Clone, PartialEq)]
pub struct EnableWhen {
    pub question: String,
    pub operator: Operator,
    /// `{"valueCoding": …}` etc.; for `exists` `{"valueBoolean": true|false}`.
    pub answer: Value,
}

/// One allowed answer of a choice question.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerOption {
    /// `{"valueCoding": …}`, `{"valueString": …}` or `{"valueInteger": …}`.
    pub value: Value,
    /// The text shown to the citizen.
    pub display: String,
    /// The option's weight for triage (`ordinalValue`), if any.
    pub weight: Option<f64>,
}

impl AnswerOption {
    /// A stable token for the option in an HTML form (its code, string or integer).
    pub fn token(&self) -> String {
        if let Some(c) = self.value.get("valueCoding") {
            return c
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
        }
        match self.value.as_object().and_then(|o| o.values().next()) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }

    /// Does a response `answer` choose this option?
    pub fn matches(&self, answer: &Value) -> bool {
        crate::enable::same_value(&self.value, answer)
    }
}

/// One item of a form.
#[derive(Debug, Clone, PartialEq)]
pub struct FormItem {
    pub link_id: String,
    pub text: String,
    pub kind: ItemType,
    pub required: bool,
    pub repeats: bool,
    pub max_length: Option<usize>,
    pub options: Vec<AnswerOption>,
    pub enable_when: Vec<EnableWhen>,
    /// `enableBehavior = any` (else all conditions must hold).
    pub enable_any: bool,
    /// The named prefill key, e.g. `patient.name`.
    pub prefill: Option<String>,
    pub items: Vec<FormItem>,
}

/// A Questionnaire as Nordlys understands it.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub url: Option<String>,
    pub title: String,
    pub items: Vec<FormItem>,
}

impl Form {
    /// Reads a Questionnaire; `None` if the JSON is not one.
    pub fn parse(questionnaire: &Value) -> Option<Form> {
        if questionnaire.get("resourceType").and_then(Value::as_str) != Some("Questionnaire") {
            return None;
        }
        let title = str_of(questionnaire, "title")
            .or_else(|| str_of(questionnaire, "name"))
            .unwrap_or_default();
        Some(Form {
            url: str_of(questionnaire, "url"),
            title,
            items: items_of(questionnaire),
        })
    }

    /// The item with `link_id`, anywhere in the tree.
    pub fn find(&self, link_id: &str) -> Option<&FormItem> {
        fn walk<'a>(items: &'a [FormItem], id: &str) -> Option<&'a FormItem> {
            items.iter().find_map(|i| {
                (i.link_id == id)
                    .then_some(i)
                    .or_else(|| walk(&i.items, id))
            })
        }
        walk(&self.items, link_id)
    }

    /// Every item, depth first.
    pub fn all_items(&self) -> Vec<&FormItem> {
        fn walk<'a>(items: &'a [FormItem], out: &mut Vec<&'a FormItem>) {
            for i in items {
                out.push(i);
                walk(&i.items, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.items, &mut out);
        out
    }
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// The value of the extension `url` on `v`, if present.
pub(crate) fn extension<'a>(v: &'a Value, url: &str) -> Option<&'a Value> {
    array(v, "extension").find(|e| e.get("url").and_then(Value::as_str) == Some(url))
}

fn items_of(parent: &Value) -> Vec<FormItem> {
    array(parent, "item").filter_map(item).collect()
}

fn item(v: &Value) -> Option<FormItem> {
    let link_id = str_of(v, "linkId")?;
    let kind = ItemType::parse(v.get("type").and_then(Value::as_str).unwrap_or_default());
    Some(FormItem {
        text: str_of(v, "text").unwrap_or_else(|| link_id.clone()),
        link_id,
        kind,
        required: v.get("required").and_then(Value::as_bool) == Some(true),
        repeats: v.get("repeats").and_then(Value::as_bool) == Some(true),
        max_length: v
            .get("maxLength")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok()),
        options: array(v, "answerOption").filter_map(option).collect(),
        enable_when: array(v, "enableWhen").filter_map(enable_when).collect(),
        enable_any: v.get("enableBehavior").and_then(Value::as_str) == Some("any"),
        prefill: extension(v, PREFILL_URL)
            .and_then(|e| e.get("valueCode"))
            .and_then(Value::as_str)
            .map(str::to_string),
        items: items_of(v),
    })
}

/// `answerX`/`valueX` → `{"valueX": …}`.
fn renamed(v: &Value, prefix: &str) -> Option<Value> {
    let (key, value) = v.as_object()?.iter().find(|(k, _)| {
        k.starts_with(prefix)
            && k.len() > prefix.len()
            && k.as_bytes()[prefix.len()].is_ascii_uppercase()
    })?;
    let mut out = serde_json::Map::new();
    out.insert(format!("value{}", &key[prefix.len()..]), value.clone());
    Some(Value::Object(out))
}

fn option(v: &Value) -> Option<AnswerOption> {
    let value = renamed(v, "value")?;
    let display = match value.get("valueCoding") {
        Some(c) => str_of(c, "display").or_else(|| str_of(c, "code"))?,
        None => AnswerOption {
            value: value.clone(),
            display: String::new(),
            weight: None,
        }
        .token(),
    };
    let weight = extension(v, ORDINAL_URL)
        .or_else(|| {
            value
                .get("valueCoding")
                .and_then(|c| extension(c, ORDINAL_URL))
        })
        .and_then(|e| e.get("valueDecimal").or_else(|| e.get("valueInteger")))
        .and_then(Value::as_f64);
    Some(AnswerOption {
        value,
        display,
        weight,
    })
}

fn enable_when(v: &Value) -> Option<EnableWhen> {
    let operator = match v.get("operator").and_then(Value::as_str)? {
        "exists" => Operator::Exists,
        "=" => Operator::Eq,
        "!=" => Operator::Ne,
        ">" => Operator::Gt,
        "<" => Operator::Lt,
        ">=" => Operator::Ge,
        "<=" => Operator::Le,
        _ => return None,
    };
    Some(EnableWhen {
        question: str_of(v, "question")?,
        operator,
        answer: renamed(v, "answer")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_subset() {
        let q = json!({"resourceType": "Questionnaire", "url": "https://x/q", "title": "T",
        "item": [
            {"linkId": "a", "text": "Røyker du?", "type": "boolean", "required": true},
            {"linkId": "b", "text": "Hvor mye?", "type": "choice", "repeats": true,
             "enableWhen": [{"question": "a", "operator": "=", "answerBoolean": true}],
             "answerOption": [
                {"valueCoding": {"code": "1", "display": "Lite"},
                 "extension": [{"url": ORDINAL_URL, "valueDecimal": 1}]},
                {"valueString": "Mye"}]},
            {"linkId": "g", "type": "group", "item": [
                {"linkId": "g1", "type": "string", "maxLength": 20,
                 "extension": [{"url": PREFILL_URL, "valueCode": "patient.name"}]}]},
            {"linkId": "t", "type": "time"}
        ]});
        let f = Form::parse(&q).unwrap_or_else(|| panic!("not parsed"));
        assert_eq!(f.title, "T");
        assert_eq!(f.items.len(), 4);
        assert!(f.items[0].required);
        let b = &f.items[1];
        assert!(b.repeats);
        assert_eq!(b.enable_when[0].answer, json!({"valueBoolean": true}));
        assert_eq!(b.options[0].display, "Lite");
        assert_eq!(b.options[0].weight, Some(1.0));
        assert_eq!(b.options[1].token(), "Mye");
        let g1 = f.find("g1").unwrap_or_else(|| panic!("no g1"));
        assert_eq!(g1.prefill.as_deref(), Some("patient.name"));
        assert_eq!(g1.max_length, Some(20));
        assert_eq!(f.items[3].kind, ItemType::Unsupported);
        assert_eq!(f.all_items().len(), 5);
        assert!(Form::parse(&json!({"resourceType": "Patient"})).is_none());
    }
}
