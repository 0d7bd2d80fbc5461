//! Every error of the HTTP layer and the ONE place that turns it into a response.
//!
//! Why one function: statuses and OperationOutcome codes must be the same whichever
//! handler, extractor or middleware failed, and the rule "no internal detail reaches a
//! client" is only enforceable if there is exactly one place that writes error bodies.
//! Axum's own rejections (path, query, body) are converted into [`ApiError`] by our
//! extractors, so they end up here too.
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use nordlys_store::StoreError;

use crate::observe::current_request_id;
use crate::outcome::{operation_outcome, resource_text, OutcomeIssue};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Malformed request: bad JSON, bad id, wrong `resourceType`, bad parameter.
    #[error("{0}")]
    BadRequest(String),
    /// A resource type that FHIR R4 does not define.
    #[error("unknown resource type {0}")]
    UnknownType(String),
    /// No such route (or a route this server does not offer).
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("request body larger than {limit} bytes")]
    BodyTooLarge { limit: usize },
    /// The request body is in a format we do not read (e.g. XML).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The client asked for a format we do not write (e.g. XML).
    #[error("{0}")]
    NotAcceptable(String),
    /// No token, or a token that failed checking: 401 with `WWW-Authenticate`.
    #[error("{0}")]
    Unauthorized(String),
    /// A principal that may not do this kind of thing at all.
    #[error("{0}")]
    Forbidden(String),
    #[error("too many requests")]
    RateLimited,
    /// Unexpected; the detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error_response(&self)
    }
}

/// The mapping of every error to `(status, OperationOutcome)`.
pub fn error_response(err: &ApiError) -> Response {
    use ApiError as A;
    let one = |code: &'static str, text: String| vec![OutcomeIssue::error(code, text)];
    // Store errors have ONE mapping, shared with the batch/transaction responses:
    // `nordlys_store::outcome::error_outcome`. Internal errors are logged here, with
    // the request id, and answered in general terms.
    if let A::Store(store) = err {
        if !matches!(store, StoreError::Internal(_)) {
            let (code, outcome) = nordlys_store::outcome::error_outcome(store);
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return outcome_response(status, &outcome);
        }
    }
    let (status, issues) = match err {
        A::Store(StoreError::Internal(detail)) => internal(detail),
        A::Store(_) => internal("unmapped store error"),
        A::BadRequest(m) => (StatusCode::BAD_REQUEST, one("invalid", m.clone())),
        A::UnknownType(t) => unknown_type(t),
        A::NotFound(m) => (StatusCode::NOT_FOUND, one("not-found", m.clone())),
        A::MethodNotAllowed => (
            StatusCode::METHOD_NOT_ALLOWED,
            one(
                "not-supported",
                "this method is not supported on this address".into(),
            ),
        ),
        A::BodyTooLarge { limit } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            one(
                "too-long",
                format!("request body is larger than the limit of {limit} bytes"),
            ),
        ),
        A::UnsupportedMediaType(m) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            one("not-supported", m.clone()),
        ),
        A::NotAcceptable(m) => (StatusCode::NOT_ACCEPTABLE, one("not-supported", m.clone())),
        A::Unauthorized(m) => (StatusCode::UNAUTHORIZED, one("login", m.clone())),
        A::Forbidden(m) => (StatusCode::FORBIDDEN, one("forbidden", m.clone())),
        A::RateLimited => (
            StatusCode::TOO_MANY_REQUESTS,
            one(
                "throttled",
                "too many requests; slow down and retry later".into(),
            ),
        ),
        A::Internal(detail) => internal(detail),
    };
    outcome_response(status, &operation_outcome(&issues))
}

/// The HTTP response carrying an OperationOutcome.
fn outcome_response(status: StatusCode, outcome: &serde_json::Value) -> Response {
    let body = resource_text(outcome);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::fhir::FHIR_JSON),
    );
    if status == StatusCode::TOO_MANY_REQUESTS {
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"nordlys\", error=\"invalid_token\""),
        );
    }
    response
}

fn unknown_type(t: &str) -> (StatusCode, Vec<OutcomeIssue>) {
    // Echo the type only if it is harmless text: it came from the URL.
    let shown: String = t
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(64)
        .collect();
    (
        StatusCode::NOT_FOUND,
        vec![OutcomeIssue::error(
            "not-supported",
            format!("resource type '{shown}' is not supported"),
        )],
    )
}

/// Logs the detail with the request id; the client sees only that something failed.
fn internal(detail: &str) -> (StatusCode, Vec<OutcomeIssue>) {
    let request_id = current_request_id();
    tracing::error!(request_id = %request_id, detail = %detail, "internal error");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        vec![OutcomeIssue::error(
            "exception",
            format!("internal error; quote request id {request_id} when reporting it"),
        )],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(err: ApiError) -> StatusCode {
        error_response(&err).status()
    }

    #[test]
    fn statuses_follow_the_contract() {
        assert_eq!(
            status_of(ApiError::BadRequest("x".into())),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            status_of(ApiError::Unauthorized("x".into())),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            status_of(ApiError::Forbidden("x".into())),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status_of(ApiError::UnknownType("Foo".into())),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status_of(ApiError::BodyTooLarge { limit: 1 }),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            status_of(ApiError::RateLimited),
            StatusCode::TOO_MANY_REQUESTS
        );
        let nf = StoreError::NotFound {
            resource_type: "Patient".into(),
            id: "a".into(),
        };
        assert_eq!(status_of(nf.into()), StatusCode::NOT_FOUND);
        assert_eq!(
            status_of(StoreError::Conflict("c".into()).into()),
            StatusCode::CONFLICT
        );
        assert_eq!(
            status_of(StoreError::PreconditionFailed("p".into()).into()),
            StatusCode::PRECONDITION_FAILED
        );
        assert_eq!(
            status_of(StoreError::Invalid(vec![]).into()),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    #[test]
    fn unauthorized_carries_www_authenticate() {
        let r = error_response(&ApiError::Unauthorized("no token".into()));
        let h = r
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok());
        assert!(h.is_some_and(|v| v.starts_with("Bearer")));
    }

    #[tokio::test]
    async fn internal_detail_is_not_sent() {
        let secret = "SELECT * FROM resources WHERE /var/lib/nordlys";
        let r = error_response(&ApiError::Store(StoreError::Internal(secret.into())));
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("internal error"), "{text}");
        assert!(
            !text.contains("SELECT") && !text.contains("/var/lib"),
            "{text}"
        );
    }
}
