//! `GET /fhir/Appointment/[id]/$guidance`: the information and tasks the unit's
//! published appointment rules (PlanDefinitions, docs/appointments.md) attach to this
//! appointment, as a computed `RequestGroup` (never stored). One store call
//! ([`nordlys_store::FhirStore::appointment_guidance`]); the appointment is read with
//! the caller's context, so a hidden one answers 404 like a read.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::input::{check_id, FhirPath, FhirRequest};
use super::output::fhir_json;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::outcome::resource_text;
use crate::AppState;

pub async fn guidance(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath(id): FhirPath<String>,
    req: FhirRequest,
) -> ApiResult<Response> {
    check_id(&id)?;
    if let Some((k, _)) = req.params.first() {
        return Err(ApiError::BadRequest(format!(
            "$guidance takes no parameters, not '{k}'"
        )));
    }
    let group = state.store.appointment_guidance(&ctx, &id).await?;
    Ok(fhir_json(StatusCode::OK, resource_text(&group), req.pretty))
}
