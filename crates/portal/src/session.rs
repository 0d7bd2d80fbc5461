//! Portal sessions: server-side, behind an opaque HttpOnly cookie.
//!
//! Why server-side: the token, the person acted for and the item handles never
//! reach the browser, so nothing in a cookie or URL says whose record is open or
//! what is in it. A session ends on logout, after [`crate::PortalConfig::idle_timeout`]
//! without use, or when its token expires (checked on every request by the same
//! token checker as the API).
//!
//! The store, handles and cookies are the shared ones of `nordlys-web`; this module
//! holds what is the portal's own: the citizen's session payload and extractors.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Redirect, Response};
use nordlys_policy::{Principal, RelationKind, SecurityLevel};
use nordlys_store::RequestContext;
use nordlys_web::Handles;

pub use nordlys_web::{cookie_value, random_token, with_cookie};

use crate::i18n::Lang;
use crate::PortalState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "nordlys_sid";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "nordlys_lang";

/// A person the user may act for, as shown in the chooser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The Patient id (kept server-side only).
    pub patient_id: String,
    pub name: String,
    pub age: Option<i64>,
    /// The strongest relation: `Myself` for the user's own record.
    pub relation: RelationKind,
}

/// One logged-in user.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub csrf: String,
    pub pid: String,
    pub low_level: bool,
    /// Everyone the user may act for (self first), computed at login and on switching.
    pub people: Vec<Person>,
    /// The patient acted for now (one of `people`).
    pub acting_for: Option<String>,
    pub lang: Option<Lang>,
    /// A one-time confirmation for the next page (e.g. "the rule is saved"), taken
    /// when shown.
    pub flash: Option<String>,
    /// Opaque handle → `Type/id`, and back.
    handles: Handles,
}

impl Session {
    pub fn new(token: String, pid: String, low_level: bool) -> Session {
        Session {
            token,
            csrf: random_token(),
            pid,
            low_level,
            people: Vec::new(),
            acting_for: None,
            lang: None,
            flash: None,
            handles: Handles::default(),
        }
    }

    /// The person acted for now.
    pub fn current(&self) -> Option<&Person> {
        let id = self.acting_for.as_deref()?;
        self.people.iter().find(|p| p.patient_id == id)
    }

    /// A stable opaque handle for `reference` in this session.
    pub fn handle(&mut self, reference: &str) -> String {
        self.handles.handle(reference)
    }

    /// The reference behind a handle of this session.
    pub fn resolve(&self, handle: &str) -> Option<&str> {
        self.handles.resolve(handle)
    }
}

/// All sessions of the portal.
pub type Sessions = nordlys_web::Sessions<Session>;

/// A `Set-Cookie` value for the portal: path `/`, otherwise as [`nordlys_web::set_cookie`].
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    nordlys_web::set_cookie(name, value, "/", secure, max_age)
}

/// The language of a request: `?lang=`, else the session's, else the cookie's, else bokmål.
pub fn request_lang(parts: &Parts, session: Option<&Session>) -> Lang {
    nordlys_web::i18n::request_lang(
        parts,
        session.and_then(|s| s.lang),
        LANG_COOKIE,
        Lang::from_code,
    )
}

/// Any visitor: the language, and the session if logged in.
pub struct Visitor {
    pub lang: Lang,
    pub session: Option<(String, Session)>,
}

impl FromRequestParts<PortalState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState,
    ) -> Result<Self, Self::Rejection> {
        // An expired token ends the session.
        let session = state
            .sessions
            .from_cookie(&parts.headers, SESSION_COOKIE, |s| {
                state.auth.authenticate(&s.token).is_ok()
            });
        let lang = request_lang(parts, session.as_ref().map(|(_, s)| s));
        Ok(Visitor { lang, session })
    }
}

/// A logged-in citizen, with the request context of their token.
pub struct Citizen {
    pub sid: String,
    pub session: Session,
    pub ctx: RequestContext,
    pub lang: Lang,
}

impl Citizen {
    /// The patient acted for, if any.
    pub fn patient(&self) -> Option<&Person> {
        self.session.current()
    }
}

impl FromRequestParts<PortalState> for Citizen {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(visitor) = Visitor::from_request_parts(parts, state).await;
        let Some((sid, session)) = visitor.session else {
            return Err(Redirect::to("/login").into_response());
        };
        let Ok(principal) = state.auth.authenticate(&session.token) else {
            return Err(Redirect::to("/login").into_response());
        };
        let low_level =
            matches!(&principal, Principal::Citizen { level, .. } if *level < SecurityLevel::High);
        let mut ctx = RequestContext::new(principal);
        ctx.request_id = format!("portal-{}", &random_token()[..12]);
        let mut session = session;
        session.low_level = low_level;
        Ok(Citizen {
            sid,
            session,
            ctx,
            lang: visitor.lang,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_opaque_and_stable() {
        let mut s = Session::new("t".into(), "1".into(), false);
        let a = s.handle("DocumentReference/doc-bup-1");
        assert_eq!(a.len(), 16);
        assert!(!a.contains("bup"));
        assert_eq!(s.handle("DocumentReference/doc-bup-1"), a);
        assert_eq!(s.resolve(&a), Some("DocumentReference/doc-bup-1"));
        assert_eq!(s.resolve("nope"), None);
    }

    #[test]
    fn cookie_is_scoped_to_the_portal() {
        let v = set_cookie(SESSION_COOKIE, "abc", true, None);
        let s = v.to_str().unwrap_or_default();
        assert!(s.contains("HttpOnly") && s.contains("SameSite=Lax"), "{s}");
        assert!(
            s.contains("Path=/") && !s.contains("Path=/c") && s.contains("Secure"),
            "{s}"
        );
    }
}
