//! `POST [type]`: create with a server-assigned id (conditional with `If-None-Exist`).
use axum::extract::State;
use axum::response::Response;

use super::input::{check_body_type, check_type, FhirPath, FhirRequest, RawBody};
use super::write_response;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::AppState;

pub async fn create(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath(resource_type): FhirPath<String>,
    req: FhirRequest,
    body: RawBody,
) -> ApiResult<Response> {
    check_type(&resource_type)?;
    let mut resource = body.resource()?;
    check_body_type(&resource, &resource_type)?;
    // R4: the server assigns the id of a create; a client's id is ignored.
    if let Some(obj) = resource.as_object_mut() {
        obj.remove("id");
    }
    let if_none_exist = req
        .header("if-none-exist")
        .map(|q| q.trim_start_matches('?').to_owned());
    let outcome = state
        .store
        .create(&ctx, resource, if_none_exist.as_deref())
        .await?;
    Ok(write_response(&outcome, &req))
}
