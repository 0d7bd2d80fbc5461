//! `GET [type]/[id]`: the current version.
//!
//! Why `If-None-Match` is honoured: record systems poll; a 304 saves them the body.
use axum::extract::State;
use axum::http::header::IF_NONE_MATCH;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::input::{check_id, check_type, FhirPath, FhirRequest};
use super::output::{resource_response, version_headers};
use super::shape::Shaping;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::AppState;

pub async fn read(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath((resource_type, id)): FhirPath<(String, String)>,
    req: FhirRequest,
) -> ApiResult<Response> {
    check_type(&resource_type)?;
    check_id(&id)?;
    let shaping = Shaping::from_params(&req.params, &resource_type)?;
    let stored = state.store.read(&ctx, &resource_type, &id).await?;
    if resource_type == "DocumentReference" {
        // A letter shown to a citizen is read: its sender gets the receipt (docs/letters.md).
        state.store.note_letter_opened(&ctx, &id).await;
    }
    if req
        .header(IF_NONE_MATCH.as_str())
        .is_some_and(|tags| etag_matches(tags, stored.version))
    {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        version_headers(&mut r, &stored);
        return Ok(r);
    }
    Ok(resource_response(
        StatusCode::OK,
        &stored,
        &shaping,
        req.pretty,
    ))
}

/// Whether an `If-None-Match` list names this version (`W/"3"`, `"3"` or `*`).
fn etag_matches(tags: &str, version: i64) -> bool {
    tags.split(',')
        .map(str::trim)
        .any(|t| t == "*" || super::parse_etag(t) == Some(version))
}

#[cfg(test)]
mod tests {
    use super::etag_matches;

    #[test]
    fn if_none_match() {
        assert!(etag_matches("W/\"3\"", 3));
        assert!(etag_matches("\"1\", W/\"3\"", 3));
        assert!(etag_matches("*", 3));
        assert!(!etag_matches("W/\"2\"", 3));
    }
}
