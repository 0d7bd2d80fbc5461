//! Headers every browser answer carries, and the checks every form post passes.
//!
//! Why these: the Content-Security-Policy forbids every script and every foreign
//! source (neither front end has any script), `frame-ancestors 'none'` stops
//! click-jacking, `no-store` keeps health data out of shared caches and the back
//! button of a shared computer, and `Referrer-Policy: same-origin` keeps our
//! addresses out of other sites' logs. (Not `no-referrer`: under it browsers send
//! `Origin: null` on our own form posts, which the Origin check below must refuse,
//! so nobody could log in from a real browser; tests-browser/ shows it.)
//! Posts are checked twice: the `Origin` header must be this site (browsers send it
//! on every cross-site post), and the form must carry the session's CSRF token.
//! Each front end's middleware calls these with its own state (sessions, language).
use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, HOST, ORIGIN, REFERRER_POLICY, SET_COOKIE,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The policy: nothing but this origin's stylesheet and images, no script, no frames.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The middleware body: refuses cross-site posts, lets `before` look at the request
/// (e.g. to remember a `?lang=` choice in the session) and return a cookie to set,
/// runs the request and adds the security headers (and that cookie) to the answer.
pub async fn guard(
    request: Request,
    next: Next,
    before: impl FnOnce(&Parts) -> Option<HeaderValue>,
) -> Response {
    if let Some(refused) = refuse_cross_site(&request) {
        return refused;
    }
    let (parts, body) = request.into_parts();
    let cookie = before(&parts);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let h = response.headers_mut();
    add_headers(h);
    if let Some(c) = cookie {
        h.append(SET_COOKIE, c);
    }
    response
}

/// The refusal of a post from another site, or `None` when the request may go on.
pub fn refuse_cross_site(request: &Request) -> Option<Response> {
    (request.method() == Method::POST && !same_origin(request)).then(|| {
        (
            StatusCode::FORBIDDEN,
            "This form was sent from another site and was not accepted.",
        )
            .into_response()
    })
}

/// Sets the security headers on an answer (`no-store` unless it chose its own caching).
pub fn add_headers(h: &mut HeaderMap) {
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// A post is accepted when it names no origin (non-browser clients) or this host.
pub fn same_origin(request: &Request) -> bool {
    let Some(origin) = request.headers().get(ORIGIN) else {
        return true;
    };
    let Some(host) = request.headers().get(HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let origin = origin.to_str().unwrap_or("");
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}

/// Whether a posted form carries the session's CSRF token (constant-time compare).
pub fn csrf_ok(expected: &str, posted: Option<&str>) -> bool {
    let Some(posted) = posted else {
        return false;
    };
    let a = expected.as_bytes();
    let b = posted.as_bytes();
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn post(origin: Option<&str>, host: &str) -> Request {
        let mut b = Request::builder()
            .method("POST")
            .uri("/login")
            .header(HOST, host);
        if let Some(o) = origin {
            b = b.header(ORIGIN, o);
        }
        b.body(Body::empty()).unwrap_or_default()
    }

    #[test]
    fn cross_site_posts_are_refused() {
        assert!(same_origin(&post(None, "127.0.0.1:8080")));
        assert!(same_origin(&post(
            Some("http://127.0.0.1:8080"),
            "127.0.0.1:8080"
        )));
        assert!(!same_origin(&post(
            Some("https://evil.example"),
            "127.0.0.1:8080"
        )));
        assert!(!same_origin(&post(Some("null"), "127.0.0.1:8080")));
        let refused = refuse_cross_site(&post(Some("null"), "127.0.0.1:8080"));
        assert_eq!(refused.map(|r| r.status()), Some(StatusCode::FORBIDDEN));
        assert!(refuse_cross_site(&post(None, "127.0.0.1:8080")).is_none());
    }

    #[test]
    fn csrf_token_compare() {
        let good = crate::random_token();
        assert!(csrf_ok(&good, Some(&good)));
        assert!(!csrf_ok(&good, Some("x")));
        assert!(!csrf_ok(&good, None));
    }

    #[test]
    fn headers_forbid_scripts_and_caching() {
        let mut h = HeaderMap::new();
        add_headers(&mut h);
        assert_eq!(
            h.get(CONTENT_SECURITY_POLICY).map(|v| v.as_bytes()),
            Some(CSP.as_bytes())
        );
        assert_eq!(
            h.get(CACHE_CONTROL).map(|v| v.as_bytes()),
            Some(&b"no-store"[..])
        );
        let mut h = HeaderMap::new();
        h.insert(
            CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        );
        add_headers(&mut h);
        assert_eq!(
            h.get(CACHE_CONTROL).map(|v| v.as_bytes()),
            Some(&b"public, max-age=3600"[..])
        );
    }
}
