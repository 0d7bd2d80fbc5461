//! `GET Patient/[id]/$everything`: the patient's compartment, as the caller may see it.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::input::{check_id, FhirPath, FhirRequest};
use super::output::{fhir_json, link, BundleWriter, EntryKind};
use super::shape::Shaping;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::AppState;

pub async fn everything(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath(id): FhirPath<String>,
    req: FhirRequest,
) -> ApiResult<Response> {
    check_id(&id)?;
    let items = state.store.everything(&ctx, &id).await?;
    let self_link = link(&req.base, &format!("Patient/{id}/$everything"), &[]);
    let mut w = BundleWriter::new("searchset", Some(items.len()), &[("self", self_link)]);
    let plain = Shaping::default();
    for item in &items {
        w.entry(&req.base, item, EntryKind::Search("match"), &plain);
    }
    Ok(fhir_json(StatusCode::OK, w.finish(), req.pretty))
}
