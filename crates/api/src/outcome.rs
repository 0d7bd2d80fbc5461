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
    fn no_expression_when_empty() {
        let oo = operation_outcome(&[OutcomeIssue::error("invalid", "bad")]);
        assert!(oo["issue"][0].get("expression").is_none());
        assert_eq!(oo["issue"][0]["severity"], "error");
    }
}
