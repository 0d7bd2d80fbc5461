//! Cookies: reading one from a request, and the one strict way this server sets them.
//!
//! Why one way: every cookie either front end sets (session, language) is HttpOnly,
//! SameSite=Lax, scoped to the front end's path and Secure when configured; a cookie
//! set by hand elsewhere could quietly drop one of these.
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use cookie::{Cookie, SameSite};
use serde::Deserialize;

/// The value of cookie `name` in the request.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, under `path`, Secure when configured.
pub fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    secure: bool,
    max_age: Option<i64>,
) -> HeaderValue {
    let mut c = Cookie::build((name.to_owned(), value.to_owned()))
        .path(path.to_owned())
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure);
    if let Some(secs) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(secs));
    }
    HeaderValue::from_str(&c.build().to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// Adds `Set-Cookie` to a response.
pub fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(SET_COOKIE, cookie);
    response
}

/// A form that carries nothing but the CSRF token (logout and similar buttons).
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_strict_enough() {
        let v = set_cookie("sid", "abc", "/", true, None);
        let s = v.to_str().unwrap_or_default();
        assert!(s.contains("HttpOnly"), "{s}");
        assert!(s.contains("SameSite=Lax"), "{s}");
        assert!(s.contains("Secure"), "{s}");
        assert!(s.contains("Path=/"), "{s}");
        let v = set_cookie("sid", "", "/clinician", false, Some(0));
        let s = v.to_str().unwrap_or_default();
        assert!(
            s.contains("Path=/clinician") && s.contains("Max-Age=0"),
            "{s}"
        );
        assert!(!s.contains("Secure"), "{s}");
    }

    #[test]
    fn cookie_value_finds_the_named_one() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("a=1; nordlys_sid=xyz"));
        h.append(COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie_value(&h, "nordlys_sid"), Some("xyz".to_owned()));
        assert_eq!(cookie_value(&h, "b"), Some("2".to_owned()));
        assert_eq!(cookie_value(&h, "c"), None);
    }
}
