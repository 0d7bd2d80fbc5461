//! `GET [type]?…` and `POST [type]/_search`: a page of matches as a `searchset` Bundle.
//!
//! Why the store parses the query: FHIR search semantics (parameters, modifiers,
//! chains, includes) belong to the generic store layer; here we only collect the
//! parameters (URL and form body), and shape the page: total, paging links built from
//! the store's canonical query, `search.mode` match/include, `_elements`/`_summary`.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use nordlys_store::search::TotalMode;
use nordlys_store::RequestContext;

use super::input::{check_type, query_pairs, FhirPath, FhirRequest, RawBody};
use super::output::{fhir_json, paging_links, BundleWriter, EntryKind};
use super::shape::Shaping;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// `GET [type]?…`
pub async fn search_get(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath(resource_type): FhirPath<String>,
    req: FhirRequest,
) -> ApiResult<Response> {
    let params = req.params.clone();
    run(&state, &ctx, &resource_type, &params, &req).await
}

/// `POST [type]/_search` with an `application/x-www-form-urlencoded` body (plus any URL query).
pub async fn search_post(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath(resource_type): FhirPath<String>,
    req: FhirRequest,
    body: RawBody,
) -> ApiResult<Response> {
    if !body.is_form && !body.bytes.is_empty() {
        return Err(ApiError::UnsupportedMediaType(
            "_search takes its parameters as application/x-www-form-urlencoded".into(),
        ));
    }
    let text = std::str::from_utf8(&body.bytes)
        .map_err(|_| ApiError::BadRequest("the form body is not UTF-8".into()))?;
    let mut params = req.params.clone();
    params.extend(
        query_pairs(text)
            .into_iter()
            .filter(|(k, _)| k != "_format" && k != "_pretty"),
    );
    run(&state, &ctx, &resource_type, &params, &req).await
}

async fn run(
    state: &AppState,
    ctx: &RequestContext,
    resource_type: &str,
    params: &[(String, String)],
    req: &FhirRequest,
) -> ApiResult<Response> {
    check_type(resource_type)?;
    let request = state
        .store
        .parse_search(resource_type, params, req.lenient)?;
    let shaping = Shaping::new(
        request.elements.as_deref(),
        request.summary.as_deref(),
        Some(resource_type),
    )?;
    let result = state.store.search(ctx, &request).await?;
    let total = match request.total {
        TotalMode::Accurate => result.total,
        TotalMode::None => None,
    };
    if request.summary_count {
        let links = paging_links(
            &req.base,
            resource_type,
            &request.canonical_query,
            request.count,
            0,
            false,
        );
        let body =
            BundleWriter::new("searchset", Some(result.total.unwrap_or(0)), &links[..1]).finish();
        return Ok(fhir_json(StatusCode::OK, body, req.pretty));
    }
    let links = paging_links(
        &req.base,
        resource_type,
        &request.canonical_query,
        request.count,
        request.offset,
        result.has_next,
    );
    let mut w = BundleWriter::new("searchset", total, &links);
    for m in &result.matches {
        w.entry(&req.base, m, EntryKind::Search("match"), &shaping);
    }
    let plain = Shaping::default();
    for inc in &result.included {
        w.entry(&req.base, inc, EntryKind::Search("include"), &plain);
    }
    Ok(fhir_json(StatusCode::OK, w.finish(), req.pretty))
}
