//! Small readers of FHIR JSON for display: names, codes, dates, quantities.
//!
//! Why a module of its own: every tile shows the same kinds of values, and a
//! redacted (metadata-level) resource lacks most elements, so every reader here
//! answers `None`/empty for what is missing instead of failing.
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Europe::Oslo;
use serde_json::Value;

use crate::i18n;

/// `Given Family` of the first name (or its `text`).
pub fn human_name(resource: &Value) -> String {
    let Some(name) = resource.get("name").and_then(|n| n.get(0)) else {
        return String::new();
    };
    if let Some(t) = name.get("text").and_then(Value::as_str) {
        return t.to_owned();
    }
    let given: Vec<&str> = name
        .get("given")
        .and_then(Value::as_array)
        .map(|g| g.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let family = name.get("family").and_then(Value::as_str).unwrap_or("");
    let mut s = given.join(" ");
    if !family.is_empty() {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(family);
    }
    s
}

/// Age in whole years today in Norway, from `birthDate`.
pub fn age(resource: &Value, now: DateTime<Utc>) -> Option<i64> {
    let birth = resource.get("birthDate").and_then(Value::as_str)?;
    let birth = NaiveDate::parse_from_str(birth.get(..10)?, "%Y-%m-%d").ok()?;
    let today = now.with_timezone(&Oslo).date_naive();
    let mut years = i64::from(today.year() - birth.year());
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    Some(years)
}

/// The text of a CodeableConcept: `text`, else the first coding's display, else its code.
pub fn concept_text(concept: Option<&Value>) -> Option<String> {
    let c = concept?;
    if let Some(t) = c.get("text").and_then(Value::as_str) {
        return Some(t.to_owned());
    }
    let coding = c.get("coding")?.as_array()?;
    coding
        .iter()
        .find_map(|cd| cd.get("display").and_then(Value::as_str))
        .or_else(|| {
            coding
                .iter()
                .find_map(|cd| cd.get("code").and_then(Value::as_str))
        })
        .map(str::to_owned)
}

/// The first code of a CodeableConcept (for grouping, e.g. analyses by LOINC code).
pub fn concept_code(concept: Option<&Value>) -> Option<String> {
    concept?
        .get("coding")?
        .as_array()?
        .iter()
        .find_map(|cd| cd.get("code").and_then(Value::as_str))
        .map(str::to_owned)
}

/// Whether a concept (or an array of them) has `code` in `system`.
pub fn has_coding(concepts: Option<&Value>, system: &str, code: &str) -> bool {
    let Some(v) = concepts else { return false };
    let list: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    list.iter().any(|c| {
        c.get("coding").and_then(Value::as_array).is_some_and(|cs| {
            cs.iter().any(|cd| {
                cd.get("system").and_then(Value::as_str) == Some(system)
                    && cd.get("code").and_then(Value::as_str) == Some(code)
            })
        })
    })
}

/// A string element at a JSON pointer.
pub fn str_at<'a>(resource: &'a Value, pointer: &str) -> Option<&'a str> {
    resource.pointer(pointer).and_then(Value::as_str)
}

/// The first date among these pointers, written the Norwegian way.
pub fn first_date(resource: &Value, pointers: &[&str]) -> Option<String> {
    pointers
        .iter()
        .find_map(|p| str_at(resource, p))
        .map(i18n::fhir_date)
}

/// The sortable form of the first date among these pointers (ISO text sorts).
pub fn sort_date(resource: &Value, pointers: &[&str]) -> String {
    pointers
        .iter()
        .find_map(|p| str_at(resource, p))
        .unwrap_or("")
        .to_owned()
}

/// `display` of a Reference, if given.
pub fn reference_display(reference: Option<&Value>) -> Option<String> {
    reference?
        .get("display")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// `value unit` of a Quantity, in Norwegian number format.
pub fn quantity(q: Option<&Value>) -> Option<String> {
    let q = q?;
    let value = q.get("value").and_then(Value::as_f64)?;
    let decimals = q
        .get("value")
        .map(|v| v.to_string())
        .and_then(|s| s.split_once('.').map(|(_, f)| f.len()))
        .unwrap_or(0)
        .min(3);
    let unit = q
        .get("unit")
        .or_else(|| q.get("code"))
        .and_then(Value::as_str)
        .unwrap_or("");
    Some(
        format!("{} {unit}", i18n::number(value, decimals))
            .trim_end()
            .to_owned(),
    )
}

/// Whether the item came back redacted (metadata level): the policy's REDACTED label.
pub fn is_redacted(resource: &Value) -> bool {
    resource
        .pointer("/meta/security")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|c| c.get("code").and_then(Value::as_str) == Some("REDACTED"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn readers_tolerate_missing_parts() {
        let p = json!({"name": [{"given": ["Kari", "Marie"], "family": "Nilsen"}], "birthDate": "2013-05-02"});
        assert_eq!(human_name(&p), "Kari Marie Nilsen");
        let now = DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(age(&p, now), Some(13));
        assert_eq!(human_name(&json!({})), "");
        assert_eq!(age(&json!({}), now), None);
        let c = json!({"coding": [{"system": "http://loinc.org", "code": "718-7"}]});
        assert_eq!(concept_text(Some(&c)), Some("718-7".into()));
        assert!(has_coding(Some(&json!([c])), "http://loinc.org", "718-7"));
        assert_eq!(
            quantity(Some(&json!({"value": 12.5, "unit": "g/dL"}))),
            Some("12,5 g/dL".into())
        );
        assert!(is_redacted(
            &json!({"meta": {"security": [{"code": "REDACTED"}]}})
        ));
    }
}
