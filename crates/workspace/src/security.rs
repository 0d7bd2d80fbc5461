//! The workspace's security middleware and its CSRF checks.
//!
//! Why a thin layer: the rules themselves (a CSP that forbids every script, no
//! framing, no caching, a same-origin Referrer-Policy, the Origin check on every post
//! and the constant-time CSRF compare, and why each) live in `nordlys_web::security`,
//! shared with the portal; this module binds them to the workspace's state — its
//! sessions and its language cookie.
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use nordlys_web::i18n::{chooses_lang, LANG_COOKIE_MAX_AGE};

use crate::i18n::{text, Lang};
use crate::session::{
    cookie_value, request_lang, set_cookie, Session, LANG_COOKIE, SESSION_COOKIE,
};
use crate::WorkspaceState;

/// Adds the security headers; refuses cross-site posts; remembers `?lang=`.
pub async fn headers(
    State(state): State<WorkspaceState>,
    request: Request,
    next: Next,
) -> Response {
    nordlys_web::security::guard(request, next, |parts| {
        if !chooses_lang(parts) {
            return None;
        }
        let lang = request_lang(parts, None);
        // The session's language outranks the cookie, so a choice made while
        // logged in must change it too, or the next page would fall back to the
        // login's language.
        if let Some(sid) = cookie_value(&parts.headers, SESSION_COOKIE) {
            state.sessions.update(&sid, |s| s.lang = Some(lang));
        }
        let secure = state.config.secure_cookies;
        Some(set_cookie(
            LANG_COOKIE,
            lang.code(),
            secure,
            Some(LANG_COOKIE_MAX_AGE),
        ))
    })
    .await
}

/// Whether a posted form carries the session's CSRF token (constant-time compare).
pub fn csrf_ok(session: &Session, posted: Option<&str>) -> bool {
    nordlys_web::csrf_ok(&session.csrf, posted)
}

/// The answer to a form without a valid CSRF token.
pub fn csrf_refused(lang: Lang) -> Response {
    (StatusCode::FORBIDDEN, text(lang, "error.csrf").to_owned()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_token_of_the_session() {
        let s = Session::new("t".into(), "1".into(), "2".into());
        let good = s.csrf.clone();
        assert!(csrf_ok(&s, Some(&good)));
        assert!(!csrf_ok(&s, Some("x")));
        assert!(!csrf_ok(&s, None));
    }
}
