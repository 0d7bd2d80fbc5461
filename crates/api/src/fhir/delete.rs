//! `DELETE [type]/[id]`: a logical delete (the history keeps every version).
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::input::{check_id, check_type, FhirPath};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::AppState;

pub async fn delete(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath((resource_type, id)): FhirPath<(String, String)>,
) -> ApiResult<Response> {
    check_type(&resource_type)?;
    check_id(&id)?;
    state.store.delete(&ctx, &resource_type, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
