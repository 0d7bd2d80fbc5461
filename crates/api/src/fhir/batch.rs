//! `POST /fhir` with a `batch` or `transaction` Bundle.
//!
//! Why so little here: the store runs the entries (a transaction atomically, with
//! `urn:uuid:` references resolved) under the same policy as single requests and
//! builds the response Bundle; the API only checks that it got such a Bundle.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::input::{FhirRequest, RawBody};
use super::output::fhir_json;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

pub async fn batch(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    req: FhirRequest,
    body: RawBody,
) -> ApiResult<Response> {
    let bundle = body.resource()?;
    if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return Err(ApiError::BadRequest(
            "POST to the base takes a Bundle of type batch or transaction".into(),
        ));
    }
    match bundle.get("type").and_then(Value::as_str) {
        Some("batch" | "transaction") => {}
        _ => {
            return Err(ApiError::BadRequest(
                "the Bundle type must be batch or transaction".into(),
            ))
        }
    }
    let response = state.store.bundle(&ctx, bundle).await?;
    Ok(fhir_json(
        StatusCode::OK,
        crate::outcome::resource_text(&response),
        req.pretty,
    ))
}
