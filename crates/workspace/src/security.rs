//! Headers every workspace answer carries, and the checks every form post passes.
//!
//! The same rules as the portal (`crates/portal/src/security.rs`, whose reasons
//! apply unchanged): a CSP that forbids every script, no framing, no caching, a
//! same-origin Referrer-Policy, and two checks on every post — the `Origin` header
//! must be this site, and the form must carry the session's CSRF token. A minimal own
//! copy, since the portal's middleware is bound to the portal's state type.
use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, HOST, ORIGIN, REFERRER_POLICY, SET_COOKIE,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::i18n::{text, Lang};
use crate::session::{
    cookie_value, request_lang, set_cookie, Session, LANG_COOKIE, SESSION_COOKIE,
};
use crate::WorkspaceState;

/// Nothing but this origin's stylesheet, no script, no frames.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers; refuses cross-site posts; remembers `?lang=`.
pub async fn headers(
    State(state): State<WorkspaceState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::POST && !same_origin(&request) {
        return (
            StatusCode::FORBIDDEN,
            "This form was sent from another site and was not accepted.",
        )
            .into_response();
    }
    let (parts, body) = request.into_parts();
    let chosen = parts
        .uri
        .query()
        .is_some_and(|q| q.contains("lang="))
        .then(|| request_lang(&parts, None));
    if let (Some(lang), Some(sid)) = (chosen, cookie_value(&parts.headers, SESSION_COOKIE)) {
        state.sessions.update(&sid, |s| s.lang = Some(lang));
    }
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let h = response.headers_mut();
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(lang) = chosen {
        h.append(
            SET_COOKIE,
            set_cookie(
                LANG_COOKIE,
                lang.code(),
                state.config.secure_cookies,
                Some(365 * 24 * 3600),
            ),
        );
    }
    response
}

/// A post is accepted when it names no origin (non-browser clients) or this host.
fn same_origin(request: &Request) -> bool {
    let Some(origin) = request.headers().get(ORIGIN) else {
        return true;
    };
    let Some(host) = request.headers().get(HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    origin
        .to_str()
        .unwrap_or("")
        .split_once("://")
        .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}

/// Whether a posted form carries the session's CSRF token (constant-time compare).
pub fn csrf_ok(session: &Session, posted: Option<&str>) -> bool {
    let Some(posted) = posted else {
        return false;
    };
    let a = session.csrf.as_bytes();
    let b = posted.as_bytes();
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The answer to a form without a valid CSRF token.
pub fn csrf_refused(lang: Lang) -> Response {
    (StatusCode::FORBIDDEN, text(lang, "error.csrf").to_owned()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn post(origin: Option<&str>) -> Request {
        let mut b = Request::builder()
            .method("POST")
            .uri("/clinician/login")
            .header(HOST, "127.0.0.1:8080");
        if let Some(o) = origin {
            b = b.header(ORIGIN, o);
        }
        b.body(Body::empty()).unwrap_or_default()
    }

    #[test]
    fn cross_site_posts_are_refused() {
        assert!(same_origin(&post(None)));
        assert!(same_origin(&post(Some("http://127.0.0.1:8080"))));
        assert!(!same_origin(&post(Some("https://evil.example"))));
        assert!(!same_origin(&post(Some("null"))));
    }

    #[test]
    fn csrf_token_compare() {
        let s = Session::new("t".into(), "1".into(), "2".into());
        let good = s.csrf.clone();
        assert!(csrf_ok(&s, Some(&good)));
        assert!(!csrf_ok(&s, Some("x")));
        assert!(!csrf_ok(&s, None));
    }
}
