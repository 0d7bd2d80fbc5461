//! History: instance (`[type]/[id]/_history`), type (`[type]/_history`) and system
//! (`/_history`), newest first, with `_since`, `_count` and `_offset` paging.
//!
//! Why one page plus one: the store returns a list, not a "has more" flag; asking for
//! one more than the page tells us whether a `next` link is due without a count.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use nordlys_store::{HistoryQuery, RequestContext};

use super::input::{check_id, check_type, FhirPath, FhirRequest};
use super::output::{fhir_json, paging_links, BundleWriter, EntryKind};
use super::shape::Shaping;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

pub async fn instance(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath((resource_type, id)): FhirPath<(String, String)>,
    req: FhirRequest,
) -> ApiResult<Response> {
    check_type(&resource_type)?;
    check_id(&id)?;
    let path = format!("{resource_type}/{id}/_history");
    run(&state, &ctx, Some(resource_type), Some(id), &path, &req).await
}

pub async fn type_level(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath(resource_type): FhirPath<String>,
    req: FhirRequest,
) -> ApiResult<Response> {
    check_type(&resource_type)?;
    let path = format!("{resource_type}/_history");
    run(&state, &ctx, Some(resource_type), None, &path, &req).await
}

pub async fn system(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    req: FhirRequest,
) -> ApiResult<Response> {
    run(&state, &ctx, None, None, "_history", &req).await
}

async fn run(
    state: &AppState,
    ctx: &RequestContext,
    resource_type: Option<String>,
    id: Option<String>,
    path: &str,
    req: &FhirRequest,
) -> ApiResult<Response> {
    let config = state.store.config();
    let mut since = None;
    let mut since_text = None;
    let mut count = config.default_count;
    let mut offset = 0usize;
    for (k, v) in &req.params {
        match k.as_str() {
            "_since" => {
                since = Some(parse_instant(v)?);
                since_text = Some(v.clone());
            }
            "_count" => count = parse_number(k, v)?,
            "_offset" => offset = parse_number(k, v)?,
            _ if req.lenient => {}
            other => {
                let shown: String = other
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .take(40)
                    .collect();
                return Err(ApiError::BadRequest(format!(
                    "history takes only _since, _count and _offset (not '{shown}')"
                )));
            }
        }
    }
    let count = count.clamp(1, config.max_count.max(1));
    let query = HistoryQuery {
        resource_type,
        id,
        since,
        count: count + 1,
        offset,
    };
    let mut versions = state.store.history(ctx, &query).await?;
    let has_next = versions.len() > count;
    versions.truncate(count);
    let canonical: Vec<(String, String)> = since_text
        .into_iter()
        .map(|s| ("_since".to_owned(), s))
        .collect();
    let links = paging_links(&req.base, path, &canonical, count, offset, has_next);
    let mut w = BundleWriter::new("history", None, &links);
    let plain = Shaping::default();
    for v in &versions {
        w.entry(&req.base, v, EntryKind::History, &plain);
    }
    Ok(fhir_json(StatusCode::OK, w.finish(), req.pretty))
}

fn parse_number(name: &str, v: &str) -> ApiResult<usize> {
    v.parse()
        .map_err(|_| ApiError::BadRequest(format!("{name} must be a whole number")))
}

/// `_since`: a FHIR instant, or a date taken as its start in UTC.
fn parse_instant(v: &str) -> ApiResult<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Some(t) = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        return Ok(t.and_utc());
    }
    Err(ApiError::BadRequest(
        "_since must be an instant like 2026-01-31T12:00:00Z".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_formats() {
        let t = parse_instant("2026-01-31T12:00:00+01:00").map(|t| t.to_rfc3339());
        assert_eq!(t.ok().as_deref(), Some("2026-01-31T11:00:00+00:00"));
        let d = parse_instant("2026-01-31").map(|t| t.to_rfc3339());
        assert_eq!(d.ok().as_deref(), Some("2026-01-31T00:00:00+00:00"));
        assert!(parse_instant("yesterday").is_err());
    }
}
