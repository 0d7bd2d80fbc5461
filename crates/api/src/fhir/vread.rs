//! `GET [type]/[id]/_history/[vid]`: one version.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::input::{check_id, check_type, FhirPath, FhirRequest};
use super::output::resource_response;
use super::shape::Shaping;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

pub async fn vread(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath((resource_type, id, vid)): FhirPath<(String, String, String)>,
    req: FhirRequest,
) -> ApiResult<Response> {
    check_type(&resource_type)?;
    check_id(&id)?;
    let version: i64 =
        vid.parse().ok().filter(|v| *v > 0).ok_or_else(|| {
            ApiError::BadRequest("version id must be a positive whole number".into())
        })?;
    let shaping = Shaping::from_params(&req.params, &resource_type)?;
    let stored = state
        .store
        .vread(&ctx, &resource_type, &id, version)
        .await?;
    Ok(resource_response(
        StatusCode::OK,
        &stored,
        &shaping,
        req.pretty,
    ))
}
