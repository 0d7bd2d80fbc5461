//! Errors as data: every [`StoreError`] → (HTTP status code, OperationOutcome).
//!
//! This is the single mapping; the HTTP layer and the batch/transaction responses both
//! use it, so a client gets the same answer whichever way it asked. Internal errors
//! are answered in general terms; their detail is logged by the caller, never sent.
use serde_json::{json, Value};

use crate::error::StoreError;

/// One OperationOutcome issue.
pub fn issue(severity: &str, code: &str, diagnostics: &str, expression: Option<&str>) -> Value {
    let mut i = json!({"severity": severity, "code": code, "diagnostics": diagnostics});
    if let Some(e) = expression {
        i["expression"] = json!([e]);
    }
    i
}

/// An OperationOutcome with the given issues.
pub fn operation_outcome(issues: Vec<Value>) -> Value {
    json!({"resourceType": "OperationOutcome", "issue": issues})
}

/// Text from the request (a type or id in the URL) made safe to echo: only the
/// characters FHIR allows in types and ids, at most 64 of them.
fn echo(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
        .take(64)
        .collect()
}

/// The status and OperationOutcome for an error.
pub fn error_outcome(err: &StoreError) -> (u16, Value) {
    let single = |status: u16, code: &str, text: &str| {
        (
            status,
            operation_outcome(vec![issue("error", code, text, None)]),
        )
    };
    match err {
        StoreError::NotFound { resource_type, id } => single(
            404,
            "not-found",
            &format!("{}/{} is not known", echo(resource_type), echo(id)),
        ),
        StoreError::Gone {
            resource_type, id, ..
        } => single(
            410,
            "deleted",
            &format!("{}/{} was deleted", echo(resource_type), echo(id)),
        ),
        StoreError::UnknownType(t) => single(
            404,
            "not-supported",
            &format!("resource type '{}' is not supported", echo(t)),
        ),
        StoreError::BadRequest(m) => single(400, "invalid", m),
        StoreError::Invalid(issues) => (
            422,
            operation_outcome(
                issues
                    .iter()
                    .map(|i| {
                        let sev = match i.severity {
                            nordlys_fhir::IssueSeverity::Error => "error",
                            nordlys_fhir::IssueSeverity::Warning => "warning",
                        };
                        issue(sev, i.code, &i.diagnostics, Some(&i.expression))
                    })
                    .collect(),
            ),
        ),
        StoreError::PreconditionFailed(m) => single(412, "conflict", m),
        StoreError::PreconditionRequired(m) => single(428, "required", m),
        StoreError::Conflict(m) => single(409, "conflict", m),
        StoreError::Forbidden(m) => single(403, "forbidden", m),
        StoreError::NotSupported(m) => single(400, "not-supported", m),
        StoreError::TooLarge(m) => single(413, "too-costly", m),
        StoreError::UnsupportedMedia(m) => single(415, "not-supported", m),
        StoreError::Internal(_) => single(
            500,
            "exception",
            "the server could not complete the request",
        ),
    }
}

/// `"201 Created"` style status line for Bundle responses.
pub fn status_line(status: u16) -> String {
    let reason = match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        410 => "Gone",
        412 => "Precondition Failed",
        428 => "Precondition Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        _ => "Error",
    };
    format!("{status} {reason}")
}
