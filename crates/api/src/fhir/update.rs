//! `PUT [type]/[id]`: update or create with a client id; `If-Match` for optimistic locking.
use axum::extract::State;
use axum::http::header::IF_MATCH;
use axum::response::Response;
use serde_json::Value;

use super::input::{check_body_type, check_id, check_type, FhirPath, FhirRequest, RawBody};
use super::{parse_etag, write_response};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

pub async fn update(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath((resource_type, id)): FhirPath<(String, String)>,
    req: FhirRequest,
    body: RawBody,
) -> ApiResult<Response> {
    check_type(&resource_type)?;
    check_id(&id)?;
    let resource = body.resource()?;
    check_body_type(&resource, &resource_type)?;
    match resource.get("id") {
        Some(Value::String(body_id)) if *body_id == id => {}
        Some(_) => {
            return Err(ApiError::BadRequest(
                "the id in the body does not match the id in the address".into(),
            ))
        }
        None => {
            return Err(ApiError::BadRequest(
                "an update must carry the resource id in the body".into(),
            ))
        }
    }
    let if_match = match req.header(IF_MATCH.as_str()) {
        None => None,
        Some(tag) => Some(parse_etag(tag).ok_or_else(|| {
            ApiError::BadRequest("If-Match must be a version ETag like W/\"3\"".into())
        })?),
    };
    let outcome = state
        .store
        .update(&ctx, &resource_type, &id, resource, if_match)
        .await?;
    Ok(write_response(&outcome, &req))
}
