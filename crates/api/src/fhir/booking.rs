//! The booking operations on Appointment (issue 6 § 1):
//! `POST Appointment/$book` (Parameters `patient`, `slot`),
//! `POST Appointment/[id]/$reschedule` (`slot`) and `POST Appointment/[id]/$cancel`
//! (`reason`). Each is one store call (`FhirStore::book`/`rebook`/`cancel`), which
//! decides who may act and commits atomically; errors go through the one mapping:
//! 409 when the time was just taken, 422 when a rule is broken (deadline, already
//! cancelled), 404 for an unknown or hidden slot, patient or appointment.
use axum::extract::State;
use axum::response::Response;
use nordlys_store::WriteOutcome;
use serde_json::Value;

use super::input::{check_id, FhirPath, FhirRequest, RawBody};
use super::write_response;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// The named parameter of a Parameters body, as an id of `resource_type` (from a
/// `valueReference` `Type/id`, or a `valueString`/`valueId` holding the id).
pub(super) fn id_param(params: &Value, name: &str, resource_type: &str) -> ApiResult<String> {
    let value = param(params, name)?;
    let raw = value
        .pointer("/valueReference/reference")
        .or_else(|| value.get("valueString"))
        .or_else(|| value.get("valueId"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "parameter '{name}' must be a valueReference to {resource_type}/[id]"
            ))
        })?;
    let id = match raw.split_once('/') {
        Some((t, id)) if t == resource_type => id,
        Some(_) => {
            return Err(ApiError::BadRequest(format!(
                "parameter '{name}' must refer to a {resource_type}"
            )))
        }
        None => raw,
    };
    check_id(id)?;
    Ok(id.to_string())
}

pub(super) fn param<'a>(params: &'a Value, name: &str) -> ApiResult<&'a Value> {
    if params.get("resourceType").and_then(Value::as_str) != Some("Parameters") {
        return Err(ApiError::BadRequest(
            "the body of an operation must be a Parameters resource".into(),
        ));
    }
    params
        .get("parameter")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
        .ok_or_else(|| ApiError::BadRequest(format!("parameter '{name}' is missing")))
}

/// `POST Appointment/$book`: 201 with the new Appointment.
pub async fn book(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    req: FhirRequest,
    body: RawBody,
) -> ApiResult<Response> {
    let params = body.resource()?;
    let patient = id_param(&params, "patient", "Patient")?;
    let slot = id_param(&params, "slot", "Slot")?;
    let stored = state.store.book(&ctx, &patient, &slot).await?;
    Ok(write_response(&WriteOutcome::Created(stored), &req))
}

/// `POST Appointment/[id]/$reschedule`: 201 with the new Appointment (the old one is
/// cancelled in the same transaction).
pub async fn reschedule(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath(id): FhirPath<String>,
    req: FhirRequest,
    body: RawBody,
) -> ApiResult<Response> {
    check_id(&id)?;
    let params = body.resource()?;
    let slot = id_param(&params, "slot", "Slot")?;
    let stored = state.store.rebook(&ctx, &id, &slot).await?;
    Ok(write_response(&WriteOutcome::Created(stored), &req))
}

/// `POST Appointment/[id]/$cancel`: 200 with the cancelled Appointment.
pub async fn cancel(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath(id): FhirPath<String>,
    req: FhirRequest,
    body: RawBody,
) -> ApiResult<Response> {
    check_id(&id)?;
    let params = body.resource()?;
    let reason = param(&params, "reason")
        .ok()
        .and_then(|p| p.get("valueString").and_then(Value::as_str))
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .unwrap_or("Avlyst")
        .chars()
        .take(500)
        .collect::<String>();
    let stored = state.store.cancel(&ctx, &id, &reason).await?;
    Ok(write_response(&WriteOutcome::Updated(stored), &req))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parameters_by_reference_or_id() {
        let p = json!({"resourceType": "Parameters", "parameter": [
            {"name": "patient", "valueReference": {"reference": "Patient/p-1"}},
            {"name": "slot", "valueString": "s-1"}]});
        assert_eq!(
            id_param(&p, "patient", "Patient").ok().as_deref(),
            Some("p-1")
        );
        assert_eq!(id_param(&p, "slot", "Slot").ok().as_deref(), Some("s-1"));
        assert!(id_param(&p, "patient", "Slot").is_err());
        assert!(id_param(&p, "reason", "Slot").is_err());
        assert!(id_param(&json!({"resourceType": "Patient"}), "slot", "Slot").is_err());
    }
}
