//! Store calls on behalf of the logged-in citizen, and the one mapping of their
//! errors to portal pages.
//!
//! Why every call here takes the [`Citizen`]: the store decides with the citizen's
//! own request context, so a list is exactly what the FHIR API would answer the
//! same token, and every item shown is in the access log.
use axum::http::StatusCode;
use axum::response::Response;
use nordlys_store::{StoreError, StoredResource};
use serde_json::Value;

use crate::page::message;
use crate::session::Citizen;
use crate::PortalState;

/// Most items one list asks for (a tile with more pages through them).
pub const LIST_LIMIT: usize = 1000;

/// A store failure on a portal page.
#[derive(Debug)]
pub struct PortalError(pub StoreError);

impl From<StoreError> for PortalError {
    fn from(e: StoreError) -> Self {
        PortalError(e)
    }
}

/// The page for an error: the status from the store's one error mapping; the words
/// general (a hidden item is "not found or not available", as unknown ones are).
pub fn error_page(err: &PortalError, citizen: &Citizen) -> Response {
    let (status, _) = nordlys_store::outcome::error_outcome(&err.0);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let lang = citizen.lang;
    match status.as_u16() {
        404 | 410 => message(
            lang,
            StatusCode::NOT_FOUND,
            "error.not-found-title",
            "error.not-found",
            Some(citizen),
        ),
        403 => message(
            lang,
            status,
            "error.forbidden-title",
            "error.forbidden",
            Some(citizen),
        ),
        s if s >= 500 => {
            tracing::error!(error = %err.0, "portal page failed");
            message(lang, status, "error.title", "error.internal", Some(citizen))
        }
        _ => message(
            lang,
            status,
            "error.title",
            "error.bad-request",
            Some(citizen),
        ),
    }
}

/// Items of `resource_type` about `patient_id`, by the given reference parameter
/// (`patient`, `subject`…), plus extra parameters; each as (stored, JSON).
pub async fn items(
    state: &PortalState,
    citizen: &Citizen,
    resource_type: &str,
    patient_param: &str,
    patient_id: &str,
    extra: &[(&str, &str)],
) -> Result<Vec<(StoredResource, Value)>, PortalError> {
    let mut params: Vec<(String, String)> = vec![
        (patient_param.to_owned(), format!("Patient/{patient_id}")),
        ("_count".to_owned(), LIST_LIMIT.to_string()),
    ];
    params.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let request = state.store.parse_search(resource_type, &params, false)?;
    let result = state.store.search(&citizen.ctx, &request).await?;
    Ok(result
        .matches
        .into_iter()
        .filter_map(|s| {
            let v: Value = serde_json::from_str(&s.body).ok()?;
            Some((s, v))
        })
        .collect())
}

/// One item by reference (`Type/id`), as the store shows it to this citizen.
pub async fn item(
    state: &PortalState,
    citizen: &Citizen,
    reference: &str,
) -> Result<Value, PortalError> {
    let (rt, id) = reference.split_once('/').unwrap_or((reference, ""));
    let stored = state.store.read(&citizen.ctx, rt, id).await?;
    // A handle from the list of one person, opened while acting for another, would
    // show A's item under B's name (and log it so): the page is for the person
    // acted for only. Items of no patient (directory data, Binary) are shared.
    if let (Some(owner), Some(current)) = (stored.columns.patient_id.as_deref(), citizen.patient())
    {
        if owner != current.patient_id {
            return Err(PortalError(StoreError::NotFound {
                resource_type: rt.to_owned(),
                id: id.to_owned(),
            }));
        }
    }
    serde_json::from_str(&stored.body).map_err(|e| {
        PortalError(StoreError::Internal(format!(
            "stored body of {reference} is not JSON: {e}"
        )))
    })
}

/// Handles for these references in the citizen's session (one lock for all).
pub fn handles(state: &PortalState, citizen: &Citizen, references: &[String]) -> Vec<String> {
    state
        .sessions
        .update(&citizen.sid, |s| {
            references.iter().map(|r| s.handle(r)).collect()
        })
        .unwrap_or_default()
}
