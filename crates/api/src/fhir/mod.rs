//! The FHIR REST interactions, one module each, and what they share.
pub mod batch;
pub mod booking;
pub mod capabilities;
pub mod careplan;
pub mod create;
pub mod delete;
pub mod dialog;
pub mod everything;
pub mod explain;
pub mod forms;
pub mod guidance;
pub mod history;
pub mod input;
pub mod output;
pub mod read;
pub mod search;
pub mod shape;
pub mod update;
pub mod vread;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nordlys_store::WriteOutcome;

use crate::outcome::{operation_outcome, OutcomeIssue};
use input::{FhirRequest, ReturnPref};
use output::{fhir_json, location_header, version_headers};
use shape::Shaping;

/// The content type of every FHIR answer.
pub const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";

/// A version from an ETag: `W/"3"`, `"3"` or `3`.
pub fn parse_etag(tag: &str) -> Option<i64> {
    let t = tag.trim();
    let t = t.strip_prefix("W/").unwrap_or(t);
    let t = t
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(t);
    t.parse().ok().filter(|v| *v > 0)
}

/// The answer to a create or update, honouring `Prefer: return=…`.
pub fn write_response(outcome: &WriteOutcome, req: &FhirRequest) -> Response {
    let stored = outcome.stored();
    let (status, what) = match outcome {
        WriteOutcome::Created(_) => (StatusCode::CREATED, "created"),
        WriteOutcome::Updated(_) => (StatusCode::OK, "updated"),
        WriteOutcome::Unchanged(_) => (StatusCode::OK, "unchanged (nothing written)"),
    };
    let mut response = match req.return_pref {
        ReturnPref::Minimal => status.into_response(),
        ReturnPref::Representation => {
            fhir_json(status, Shaping::default().apply(&stored.body), req.pretty)
        }
        ReturnPref::OperationOutcome => {
            let text = format!(
                "{}/{} {what}, version {}",
                stored.resource_type, stored.id, stored.version
            );
            let oo = operation_outcome(&[OutcomeIssue::information("informational", text)]);
            fhir_json(status, crate::outcome::resource_text(&oo), req.pretty)
        }
    };
    version_headers(&mut response, stored);
    location_header(&mut response, &req.base, stored);
    response
}

#[cfg(test)]
mod tests {
    use super::parse_etag;

    #[test]
    fn etags() {
        assert_eq!(parse_etag("W/\"3\""), Some(3));
        assert_eq!(parse_etag("\"12\""), Some(12));
        assert_eq!(parse_etag("7"), Some(7));
        assert_eq!(parse_etag("W/\"x\""), None);
        assert_eq!(parse_etag("W/\"0\""), None);
    }
}
