//! Validating a QuestionnaireResponse against its Questionnaire: required answers,
//! answer types, answer options, `enableWhen` (a question that does not apply must have
//! no answer), `repeats`, `maxLength`, nested groups and unknown linkIds.
//!
//! Why every error names its linkId and a FHIRPath: the store turns them into a 422
//! OperationOutcome with `expression`, and the portal places each one next to its field;
//! a record system receiving only valid answers never has to guess what was meant.
use std::collections::HashMap;

use serde_json::Value;

use crate::enable::{answers_by_link_id, is_enabled, value_of};
use crate::model::{Form, FormItem, ItemType};

/// What is wrong with one answer (the portal translates these; the API uses
/// [`FormError::message`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    Required,
    /// Answered, but the question does not apply given the other answers.
    NotApplicable,
    /// More than one answer (or group) where the form allows one.
    NotRepeating,
    /// The answer is not of the question's type (the expected `value[x]`).
    WrongType(&'static str),
    /// Not one of the answer options.
    NotAnOption,
    TooLong(usize),
    /// A linkId the form does not have.
    UnknownItem,
    /// An item type Nordlys cannot take answers for.
    Unsupported,
}

/// One error, tied to a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    pub link_id: String,
    /// FHIRPath into the response, e.g. `QuestionnaireResponse.item.where(linkId='a')`.
    pub expression: String,
    pub kind: ErrorKind,
    /// The question's text (for messages).
    pub text: String,
}

impl FormError {
    /// The error in plain English for API clients.
    pub fn message(&self) -> String {
        let q = &self.text;
        match &self.kind {
            ErrorKind::Required => format!("'{q}' must be answered"),
            ErrorKind::NotApplicable => {
                format!("'{q}' does not apply given the other answers and must not be answered")
            }
            ErrorKind::NotRepeating => format!("'{q}' takes only one answer"),
            ErrorKind::WrongType(t) => format!("'{q}' must be answered with {t}"),
            ErrorKind::NotAnOption => format!("'{q}': the answer is not one of the options"),
            ErrorKind::TooLong(n) => format!("'{q}': the answer is longer than {n} characters"),
            ErrorKind::UnknownItem => format!("'{q}' is not a question of this form"),
            ErrorKind::Unsupported => format!("'{q}' is of a type this server does not take"),
        }
    }
}

/// All errors of `response` against `form`, in form order; empty when valid.
pub fn validate(form: &Form, response: &Value) -> Vec<FormError> {
    let answers = answers_by_link_id(response);
    let mut out = Vec::new();
    let items = list(response.get("item"));
    walk(
        &form.items,
        &items,
        "QuestionnaireResponse",
        &answers,
        &mut out,
    );
    out
}

fn list(v: Option<&Value>) -> Vec<&Value> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn link_id(v: &Value) -> &str {
    v.get("linkId").and_then(Value::as_str).unwrap_or_default()
}

fn has_answers(item: &Value) -> bool {
    item.get("answer")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
        || list(item.get("item")).into_iter().any(has_answers)
}

fn walk(
    form_items: &[FormItem],
    given: &[&Value],
    path: &str,
    answers: &HashMap<String, Vec<Value>>,
    out: &mut Vec<FormError>,
) {
    for g in given {
        if !form_items.iter().any(|f| f.link_id == link_id(g)) {
            out.push(FormError {
                link_id: link_id(g).to_string(),
                expression: format!("{path}.item.where(linkId='{}')", link_id(g)),
                kind: ErrorKind::UnknownItem,
                text: link_id(g).to_string(),
            });
        }
    }
    for item in form_items {
        let here = format!("{path}.item.where(linkId='{}')", item.link_id);
        let err = |kind| FormError {
            link_id: item.link_id.clone(),
            expression: here.clone(),
            kind,
            text: item.text.clone(),
        };
        let mine: Vec<&Value> = given
            .iter()
            .copied()
            .filter(|g| link_id(g) == item.link_id)
            .collect();
        if !is_enabled(item, answers) {
            if mine.iter().any(|m| has_answers(m)) {
                out.push(err(ErrorKind::NotApplicable));
            }
            continue;
        }
        if mine.len() > 1 && !(item.kind == ItemType::Group && item.repeats) {
            out.push(err(ErrorKind::NotRepeating));
            continue;
        }
        match item.kind {
            ItemType::Group => {
                if item.required && !mine.iter().any(|m| has_answers(m)) {
                    out.push(err(ErrorKind::Required));
                }
                // An optional group left empty asks nothing of its questions.
                let instances: Vec<Option<&Value>> = if mine.is_empty() {
                    vec![None].into_iter().filter(|_| item.required).collect()
                } else {
                    mine.iter()
                        .filter(|m| item.required || has_answers(m))
                        .map(|m| Some(*m))
                        .collect()
                };
                for m in instances {
                    let children = m.map(|m| list(m.get("item"))).unwrap_or_default();
                    walk(&item.items, &children, &here, answers, out);
                }
            }
            ItemType::Display => {
                if mine.iter().any(|m| has_answers(m)) {
                    out.push(err(ErrorKind::NotApplicable));
                }
            }
            _ => {
                let given_answers: Vec<&Value> =
                    mine.iter().flat_map(|m| list(m.get("answer"))).collect();
                question(item, &given_answers, &err, out);
                let children: Vec<&Value> = mine
                    .iter()
                    .flat_map(|m| {
                        let mut c = list(m.get("item"));
                        c.extend(
                            list(m.get("answer"))
                                .into_iter()
                                .flat_map(|a| list(a.get("item"))),
                        );
                        c
                    })
                    .collect();
                if !item.items.is_empty() {
                    walk(&item.items, &children, &here, answers, out);
                }
            }
        }
    }
}

fn question(
    item: &FormItem,
    answers: &[&Value],
    err: &dyn Fn(ErrorKind) -> FormError,
    out: &mut Vec<FormError>,
) {
    if item.kind == ItemType::Unsupported {
        if !answers.is_empty() || item.required {
            out.push(err(ErrorKind::Unsupported));
        }
        return;
    }
    if answers.is_empty() {
        if item.required {
            out.push(err(ErrorKind::Required));
        }
        return;
    }
    if answers.len() > 1 && !item.repeats {
        out.push(err(ErrorKind::NotRepeating));
        return;
    }
    for a in answers {
        if let Some(kind) = check_answer(item, a) {
            out.push(err(kind));
            return;
        }
    }
}

fn check_answer(item: &FormItem, answer: &Value) -> Option<ErrorKind> {
    let (key, v) = value_of(answer).unwrap_or(("", &Value::Null));
    let ok = match item.kind {
        ItemType::Boolean => (key == "valueBoolean" && v.is_boolean(), "a yes or no"),
        ItemType::Integer => (
            key == "valueInteger" && (v.is_i64() || v.is_u64()),
            "a whole number",
        ),
        ItemType::Decimal => (
            matches!(key, "valueDecimal" | "valueInteger") && v.is_number(),
            "a number",
        ),
        ItemType::Date => (
            key == "valueDate" && v.as_str().is_some_and(is_date),
            "a date",
        ),
        ItemType::String | ItemType::Text => (
            key == "valueString" && v.as_str().is_some_and(|s| !s.trim().is_empty()),
            "a text",
        ),
        ItemType::Choice | ItemType::OpenChoice => {
            let free_text = item.kind == ItemType::OpenChoice
                && key == "valueString"
                && v.as_str().is_some_and(|s| !s.trim().is_empty());
            if free_text || item.options.iter().any(|o| o.matches(answer)) {
                (true, "")
            } else {
                return Some(ErrorKind::NotAnOption);
            }
        }
        _ => (false, ""),
    };
    if !ok.0 {
        return Some(ErrorKind::WrongType(ok.1));
    }
    if let (Some(max), Some(s)) = (item.max_length, v.as_str()) {
        if s.chars().count() > max {
            return Some(ErrorKind::TooLong(max));
        }
    }
    None
}

/// A FHIR date (YYYY, YYYY-MM or YYYY-MM-DD) that exists in the calendar.
fn is_date(s: &str) -> bool {
    match s.len() {
        4 => s.bytes().all(|b| b.is_ascii_digit()),
        7 => chrono::NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").is_ok(),
        10 => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        _ => false,
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
