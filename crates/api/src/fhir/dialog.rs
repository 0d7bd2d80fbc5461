//! The dialog operations on Task (issue 5 § 4, § 7), beside the plain interactions:
//! - `POST Task/$start-dialog` (Parameters `patient`, `unit` (Organization), `topic`,
//!   `text`, optional `referral`, `kind`, `attachment` (valueAttachment with data)):
//!   a citizen starts a thread; 201 with the Task.
//! - `POST Task/[id]/$mark-read`: the read receipt for the caller's side; 200 with
//!   Parameters `marked` (how many messages).
//!
//! Messages are plain `POST Communication` with `partOf` the thread (the store moves
//! the thread in the same batch); the unit changes state and assignment by `PUT Task`
//! with `If-Match`. Each is one store call; errors go through the one mapping.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use nordlys_store::{NewThread, Upload, WriteOutcome};
use serde_json::{json, Value};

use super::booking::{id_param, param};
use super::input::{check_id, FhirPath, FhirRequest, RawBody};
use super::output::fhir_json;
use super::write_response;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

fn string_param(params: &Value, name: &str) -> Option<String> {
    param(params, name)
        .ok()
        .and_then(|p| p.get("valueString").or_else(|| p.get("valueCode")))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Every `attachment` parameter (valueAttachment with base64 `data`).
fn uploads(params: &Value) -> ApiResult<Vec<Upload>> {
    let mut out = Vec::new();
    for p in params
        .get("parameter")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("name").and_then(Value::as_str) == Some("attachment"))
    {
        let a = p.get("valueAttachment").unwrap_or(&Value::Null);
        let s = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or_default();
        let data = base64::engine::general_purpose::STANDARD
            .decode(s("data").as_bytes())
            .map_err(|_| ApiError::BadRequest("an attachment's data is not base64".into()))?;
        out.push(Upload {
            content_type: s("contentType").to_string(),
            title: s("title").to_string(),
            data,
        });
    }
    Ok(out)
}

/// `POST Task/$start-dialog`: 201 with the new thread.
pub async fn start(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    req: FhirRequest,
    body: RawBody,
) -> ApiResult<Response> {
    let params = body.resource()?;
    let referral = match param(&params, "referral") {
        Ok(_) => Some(id_param(&params, "referral", "ServiceRequest")?),
        Err(_) => None,
    };
    let thread = NewThread {
        patient_id: id_param(&params, "patient", "Patient")?,
        unit_id: id_param(&params, "unit", "Organization")?,
        topic: string_param(&params, "topic").unwrap_or_default(),
        kind: string_param(&params, "kind").unwrap_or_else(|| "standard".into()),
        referral,
        text: string_param(&params, "text").unwrap_or_default(),
        attachments: uploads(&params)?,
    };
    let (task, _) = state.store.dialog_start(&ctx, thread).await?;
    Ok(write_response(&WriteOutcome::Created(task), &req))
}

/// `POST Task/[id]/$mark-read`: 200 with how many messages were marked read.
pub async fn mark_read(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath(id): FhirPath<String>,
    req: FhirRequest,
) -> ApiResult<Response> {
    check_id(&id)?;
    let n = state.store.dialog_mark_read(&ctx, &id).await?;
    let out = json!({"resourceType": "Parameters",
        "parameter": [{"name": "marked", "valueInteger": n}]});
    Ok(fhir_json(StatusCode::OK, out.to_string(), req.pretty))
}
