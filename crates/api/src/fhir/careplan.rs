//! Hand-over of a shared care plan (issue 6 § 3, docs/careplan.md):
//! `POST CarePlan/[id]/$handover` (Parameters `organization`: the receiving unit's
//! orgnr as `valueString`, or `valueIdentifier`) → 201 with the `careplan-handover`
//! Task in the receiver's inbox; `POST Task/[id]/$accept-handover` and
//! `$reject-handover` → 200 with the answered Task. One store call each
//! (`FhirStore::propose_handover`/`answer_handover`), which decides who may and commits
//! atomically; 409 when the plan or the Task changed meanwhile.
use axum::extract::State;
use axum::response::Response;
use nordlys_store::WriteOutcome;
use serde_json::Value;

use super::booking::param;
use super::input::{check_id, FhirPath, FhirRequest, RawBody};
use super::write_response;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// `POST CarePlan/[id]/$handover`.
pub async fn handover(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath(id): FhirPath<String>,
    req: FhirRequest,
    body: RawBody,
) -> ApiResult<Response> {
    check_id(&id)?;
    let params = body.resource()?;
    let p = param(&params, "organization")?;
    let orgnr = p
        .get("valueString")
        .or_else(|| p.pointer("/valueIdentifier/value"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::BadRequest(
                "parameter 'organization' must be an orgnr (valueString or valueIdentifier)".into(),
            )
        })?;
    let stored = state
        .store
        .propose_handover(&ctx, &id, orgnr.trim())
        .await?;
    Ok(write_response(&WriteOutcome::Created(stored), &req))
}

/// `POST Task/[id]/$accept-handover`.
pub async fn accept(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath(id): FhirPath<String>,
    req: FhirRequest,
) -> ApiResult<Response> {
    check_id(&id)?;
    let stored = state.store.answer_handover(&ctx, &id, true).await?;
    Ok(write_response(&WriteOutcome::Updated(stored), &req))
}

/// `POST Task/[id]/$reject-handover`.
pub async fn reject(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath(id): FhirPath<String>,
    req: FhirRequest,
) -> ApiResult<Response> {
    check_id(&id)?;
    let stored = state.store.answer_handover(&ctx, &id, false).await?;
    Ok(write_response(&WriteOutcome::Updated(stored), &req))
}
