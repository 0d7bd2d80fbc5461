//! The [`Caller`] extractor: a checked token turned into the store's request context.
//!
//! Why an extractor: a handler that needs data cannot be written without naming the
//! caller, so no FHIR route can forget to authenticate.
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use nordlys_policy::{Principal, SecurityLevel};
use nordlys_store::RequestContext;

use crate::error::ApiError;
use crate::observe::current_request_id;
use crate::AppState;

/// The authenticated caller of a `/fhir` request.
pub struct Caller(pub RequestContext);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| ApiError::Unauthorized("this request needs a bearer token".into()))?;
        let value = header
            .to_str()
            .map_err(|_| ApiError::Unauthorized("Authorization header is not readable".into()))?;
        let token = bearer(value).ok_or_else(|| {
            ApiError::Unauthorized("Authorization must be 'Bearer <token>'".into())
        })?;
        let (principal, reason) = state
            .auth
            .authenticate_with_reason(token)
            .map_err(ApiError::Unauthorized)?;
        if let Principal::Citizen { level, .. } = &principal {
            if *level < SecurityLevel::High {
                return Err(ApiError::Forbidden(
                    "health data needs security level high (idporten-loa-high); log in again with BankID or similar".into(),
                ));
            }
        }
        if let Some(limiter) = &state.limiter {
            if !limiter.allow(&principal) {
                return Err(ApiError::RateLimited);
            }
        }
        let mut ctx = RequestContext::new(principal);
        ctx.reason = reason;
        ctx.request_id = current_request_id();
        Ok(Caller(ctx))
    }
}

/// The token of `Bearer <token>` (scheme case-insensitive, RFC 6750).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn bearer_scheme() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("abc"), None);
    }
}
