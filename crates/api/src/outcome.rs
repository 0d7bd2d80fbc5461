//! OperationOutcome bodies.
//!
//! Why a tiny builder instead of ad-hoc `json!` at each call site: every error of the
//! API must have the same shape (severity, code, diagnostics, optional expression),
//! so that clients and tests can rely on it.
use nordlys_fhir::{Issue, IssueSeverity};
use serde_json::{json, Value};

/// One `OperationOutcome.issue`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeIssue {
    pub severity: &'static str,
    /// R4 `IssueType` code (`invalid`, `not-found`, `login`, …).
    pub code: &'static str,
    pub diagnostics: String,
    pub expression: Option<String>,
}

impl OutcomeIssue {
    pub fn error(code: &'static str, diagnostics: impl Into<String>) -> Self {
        OutcomeIssue {
            severity: "error",
            code,
            diagnostics: diagnostics.into(),
            expression: None,
        }
    }

    pub fn information(code: &'static str, diagnostics: impl Into<String>) -> Self {
        OutcomeIssue {
            severity: "information",
            code,
            diagnostics: diagnostics.into(),
            expression: None,
        }
    }

    /// From a validation issue of `nordlys_fhir`, keeping its element path.
    pub fn from_validation(issue: &Issue) -> Self {
        let severity = match issue.severity {
            IssueSeverity::Error => "error",
            IssueSeverity::Warning => "warning",
        };
        let expression = (!issue.expression.is_empty()).then(|| issue.expression.clone());
        OutcomeIssue {
            severity,
            code: issue.code,
            diagnostics: issue.diagnostics.clone(),
            expression,
        }
    }

    fn to_json(&self) -> Value {
        let mut v = json!({
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        });
        if let (Some(expr), Value::Object(map)) = (&self.expression, &mut v) {
            map.insert("expression".into(), json!([expr]));
        }
        v
    }
}

/// JSON text with `resourceType` first in every resource (also nested ones).
///
/// Why: `serde_json` sorts keys, which would put `id` and `issue` before
/// `resourceType`; FHIR JSON conventionally starts with it and people read these.
pub fn resource_text(v: &Value) -> String {
    let mut out = String::new();
    write_value(v, &mut out, None);
    out
}

/// As [`resource_text`], indented by two spaces (`_pretty=true`).
pub fn resource_text_pretty(v: &Value) -> String {
    let mut out = String::new();
    write_value(v, &mut out, Some(0));
    out
}

fn newline(out: &mut String, depth: Option<usize>) {
    if let Some(d) = depth {
        out.push('\n');
        out.push_str(&"  ".repeat(d));
    }
}

fn write_value(v: &Value, out: &mut String, depth: Option<usize>) {
    let inner = depth.map(|d| d + 1);
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            let first = map.get_key_value("resourceType");
            let rest = map.iter().filter(|(k, _)| k.as_str() != "resourceType");
            for (i, (k, val)) in first.into_iter().chain(rest).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, inner);
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(if depth.is_some() { ": " } else { ":" });
                write_value(val, out, inner);
            }
            newline(out, depth);
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, inner);
                write_value(item, out, inner);
            }
            newline(out, depth);
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// An OperationOutcome resource with the given issues.
pub fn operation_outcome(issues: &[OutcomeIssue]) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": issues.iter().map(OutcomeIssue::to_json).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_issue_keeps_expression() {
        let issue = Issue {
            severity: IssueSeverity::Error,
            code: "required",
            expression: "Patient.identifier[0].value".into(),
            diagnostics: "missing value".into(),
        };
        let oo = operation_outcome(&[OutcomeIssue::from_validation(&issue)]);
        assert_eq!(oo["resourceType"], "OperationOutcome");
        assert_eq!(oo["issue"][0]["code"], "required");
        assert_eq!(
            oo["issue"][0]["expression"][0],
            "Patient.identifier[0].value"
        );
        assert_eq!(oo["issue"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn resource_type_comes_first_at_every_level() {
        let v = json!({"id": "b", "resourceType": "Bundle", "entry": [{"resource": {"id": "p", "resourceType": "Patient"}}]});
        let text = resource_text(&v);
        assert_eq!(
            text,
            r#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"p"}}],"id":"b"}"#
        );
        assert_eq!(serde_json::from_str::<Value>(&text).ok(), Some(v.clone()));
        let pretty = resource_text_pretty(&v);
        assert!(
            pretty.starts_with("{\n  \"resourceType\": \"Bundle\",\n  \"entry\": [\n    {"),
            "{pretty}"
        );
        assert_eq!(serde_json::from_str::<Value>(&pretty).ok(), Some(v));
    }

    #[test]
    fn no_expression_when_empty() {
        let oo = operation_outcome(&[OutcomeIssue::error("invalid", "bad")]);
        assert!(oo["issue"][0].get("expression").is_none());
        assert_eq!(oo["issue"][0]["severity"], "error");
    }
}
