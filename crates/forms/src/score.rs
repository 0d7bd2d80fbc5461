//! Triage scoring: the sum of the weights (`ordinalValue`) of the chosen answer options
//! of the questions that apply, and the Questionnaire's thresholds turning it into a
//! FHIR request priority for the unit's inbox Task.
//!
//! Why a sum and thresholds (not a rule language): it is what validated triage forms
//! in use (NEWS-like scores, symptom checklists) are, it can be checked by hand, and a
//! form author writes it with standard SDC weights plus one small extension:
//! `https://nordlys.no/fhir/StructureDefinition/triage-threshold` (repeating, on the
//! Questionnaire) with sub-extensions `minScore` (valueDecimal/valueInteger) and
//! `priority` (valueCode routine|urgent|asap|stat). The highest threshold reached wins.
use serde_json::Value;

use crate::enable::{answers_by_link_id, is_enabled};
use crate::model::{extension, Form};

/// SDC's weight of an answer option (also accepted on the option's Coding).
pub const ORDINAL_URL: &str = "http://hl7.org/fhir/StructureDefinition/ordinalValue";
/// The Questionnaire's triage thresholds.
pub const THRESHOLD_URL: &str = "https://nordlys.no/fhir/StructureDefinition/triage-threshold";

/// FHIR `request-priority`, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Routine,
    Urgent,
    Asap,
    Stat,
}

impl Priority {
    pub fn parse(code: &str) -> Option<Priority> {
        Some(match code {
            "routine" => Priority::Routine,
            "urgent" => Priority::Urgent,
            "asap" => Priority::Asap,
            "stat" => Priority::Stat,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Priority::Routine => "routine",
            Priority::Urgent => "urgent",
            Priority::Asap => "asap",
            Priority::Stat => "stat",
        }
    }
}

/// The result of scoring a response.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Triage {
    pub score: f64,
    /// `None` when the form has no thresholds (not a triage form).
    pub priority: Option<Priority>,
}

fn thresholds(questionnaire: &Value) -> Vec<(f64, Priority)> {
    questionnaire
        .get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e.get("url").and_then(Value::as_str) == Some(THRESHOLD_URL))
        .filter_map(|e| {
            let min = extension(e, "minScore")
                .and_then(|m| m.get("valueDecimal").or_else(|| m.get("valueInteger")))
                .and_then(Value::as_f64)?;
            let p = extension(e, "priority")
                .and_then(|p| p.get("valueCode"))
                .and_then(Value::as_str)
                .and_then(Priority::parse)?;
            Some((min, p))
        })
        .collect()
}

/// Scores `response` (assumed valid) against the form read from `questionnaire`.
pub fn score(questionnaire: &Value, form: &Form, response: &Value) -> Triage {
    let answers = answers_by_link_id(response);
    let mut total = 0.0;
    for item in form.all_items() {
        if item.options.is_empty() || !is_enabled(item, &answers) {
            continue;
        }
        for a in answers.get(&item.link_id).into_iter().flatten() {
            if let Some(w) = item
                .options
                .iter()
                .find(|o| o.matches(a))
                .and_then(|o| o.weight)
            {
                total += w;
            }
        }
    }
    let t = thresholds(questionnaire);
    let priority = (!t.is_empty()).then(|| {
        t.iter()
            .filter(|(min, _)| total >= *min)
            .map(|(_, p)| *p)
            .max()
            .unwrap_or(Priority::Routine)
    });
    Triage {
        score: total,
        priority,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn threshold(min: i64, p: &str) -> Value {
        json!({"url": THRESHOLD_URL, "extension": [
            {"url": "minScore", "valueInteger": min}, {"url": "priority", "valueCode": p}]})
    }

    fn option(code: &str, w: i64) -> Value {
        json!({"valueCoding": {"code": code, "display": code},
            "extension": [{"url": ORDINAL_URL, "valueDecimal": w}]})
    }

    #[test]
    fn weights_sum_to_a_priority() {
        let q = json!({"resourceType": "Questionnaire",
        "extension": [threshold(3, "urgent"), threshold(6, "asap")],
        "item": [
            {"linkId": "pain", "type": "choice", "answerOption": [option("none", 0), option("some", 2), option("severe", 4)]},
            {"linkId": "breath", "type": "choice", "answerOption": [option("no", 0), option("yes", 3)]},
            {"linkId": "more", "type": "choice", "repeats": true,
             "enableWhen": [{"question": "breath", "operator": "=", "answerCoding": {"code": "yes"}}],
             "answerOption": [option("a", 1), option("b", 1)]}
        ]});
        let f = Form::parse(&q).unwrap_or_else(|| panic!("form"));
        let r = |pain: &str, breath: &str, more: &[&str]| {
            let more: Vec<Value> = more
                .iter()
                .map(|c| json!({"valueCoding": {"code": c}}))
                .collect();
            json!({"item": [
                {"linkId": "pain", "answer": [{"valueCoding": {"code": pain}}]},
                {"linkId": "breath", "answer": [{"valueCoding": {"code": breath}}]},
                {"linkId": "more", "answer": more}]})
        };
        let t = score(&q, &f, &r("none", "no", &[]));
        assert_eq!((t.score, t.priority), (0.0, Some(Priority::Routine)));
        let t = score(&q, &f, &r("severe", "no", &["a", "b"]));
        assert_eq!(
            (t.score, t.priority),
            (4.0, Some(Priority::Urgent)),
            "disabled answers do not count"
        );
        let t = score(&q, &f, &r("some", "yes", &["a", "b"]));
        assert_eq!((t.score, t.priority), (7.0, Some(Priority::Asap)));
        let plain = json!({"resourceType": "Questionnaire"});
        assert_eq!(score(&plain, &f, &r("severe", "yes", &[])).priority, None);
        assert_eq!(Priority::parse("stat").map(Priority::code), Some("stat"));
    }
}
