//! Portal sessions: server-side, behind an opaque HttpOnly cookie.
//!
//! Why server-side: the token, the person acted for and the item handles never
//! reach the browser, so nothing in a cookie or URL says whose record is open or
//! what is in it. A session ends on logout, after [`crate::PortalConfig::idle_timeout`]
//! without use, or when its token expires (checked on every request by the same
//! token checker as the API).
use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use nordlys_policy::{Principal, RelationKind, SecurityLevel};
use nordlys_store::RequestContext;
use parking_lot::Mutex;

use crate::i18n::Lang;
use crate::PortalState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "nordlys_sid";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "nordlys_lang";
/// Most handles one session keeps (a citizen paging through thousands of items
/// starts over rather than growing the server's memory without bound).
const MAX_HANDLES: usize = 20_000;

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
    handles: HashMap<String, String>,
    reverse: HashMap<String, String>,
    last_seen: Instant,
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
            handles: HashMap::new(),
            reverse: HashMap::new(),
            last_seen: Instant::now(),
        }
    }

    /// The person acted for now.
    pub fn current(&self) -> Option<&Person> {
        let id = self.acting_for.as_deref()?;
        self.people.iter().find(|p| p.patient_id == id)
    }

    /// A stable opaque handle for `reference` in this session.
    pub fn handle(&mut self, reference: &str) -> String {
        if let Some(h) = self.reverse.get(reference) {
            return h.clone();
        }
        if self.handles.len() >= MAX_HANDLES {
            self.handles.clear();
            self.reverse.clear();
        }
        let h = random_token()[..16].to_owned();
        self.handles.insert(h.clone(), reference.to_owned());
        self.reverse.insert(reference.to_owned(), h.clone());
        h
    }

    /// The reference behind a handle of this session.
    pub fn resolve(&self, handle: &str) -> Option<&str> {
        self.handles.get(handle).map(String::as_str)
    }
}

/// 32 hex characters from the operating system's random source (via uuid v4).
pub fn random_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// All sessions of this server.
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
    idle: Duration,
}

impl Sessions {
    pub fn new(idle: Duration) -> Sessions {
        Sessions {
            map: Mutex::new(HashMap::new()),
            idle,
        }
    }

    /// Starts a session; returns its id (the cookie value).
    pub fn start(&self, session: Session) -> String {
        let id = format!("{}{}", random_token(), random_token());
        let mut map = self.map.lock();
        let idle = self.idle;
        map.retain(|_, s| s.last_seen.elapsed() < idle);
        map.insert(id.clone(), session);
        id
    }

    /// A copy of the session, touched; `None` if unknown or idle too long.
    pub fn get(&self, id: &str) -> Option<Session> {
        let mut map = self.map.lock();
        let fresh = map
            .get(id)
            .is_some_and(|s| s.last_seen.elapsed() < self.idle);
        if !fresh {
            map.remove(id);
            return None;
        }
        let s = map.get_mut(id)?;
        s.last_seen = Instant::now();
        Some(s.clone())
    }

    /// Changes a session in place; returns what `f` returned, `None` if it is gone.
    pub fn update<T>(&self, id: &str, f: impl FnOnce(&mut Session) -> T) -> Option<T> {
        self.map.lock().get_mut(id).map(f)
    }

    pub fn end(&self, id: &str) {
        self.map.lock().remove(id);
    }
}

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

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path `/`, Secure when configured.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut c = Cookie::build((name.to_owned(), value.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure);
    if let Some(secs) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(secs));
    }
    HeaderValue::from_str(&c.build().to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// The language of a request: `?lang=`, else the session's, else the cookie's, else bokmål.
pub fn request_lang(parts: &Parts, session: Option<&Session>) -> Lang {
    let query = parts.uri.query().unwrap_or("");
    let from_query = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::from_code(v));
    from_query
        .or_else(|| session.and_then(|s| s.lang))
        .or_else(|| cookie_value(&parts.headers, LANG_COOKIE).and_then(|c| Lang::from_code(&c)))
        .unwrap_or_default()
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
        let session = cookie_value(&parts.headers, SESSION_COOKIE)
            .and_then(|id| state.sessions.get(&id).map(|s| (id, s)))
            .filter(|(id, s)| {
                // An expired token ends the session.
                let ok = state.auth.authenticate(&s.token).is_ok();
                if !ok {
                    state.sessions.end(id);
                }
                ok
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

/// Adds `Set-Cookie` to a response.
pub fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(SET_COOKIE, cookie);
    response
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
    fn idle_sessions_end() {
        let sessions = Sessions::new(Duration::from_millis(0));
        let id = sessions.start(Session::new("t".into(), "1".into(), false));
        assert!(sessions.get(&id).is_none());
        let sessions = Sessions::new(Duration::from_secs(60));
        let id = sessions.start(Session::new("t".into(), "1".into(), false));
        assert_eq!(sessions.get(&id).map(|s| s.pid), Some("1".to_owned()));
        sessions.end(&id);
        assert!(sessions.get(&id).is_none());
    }

    #[test]
    fn cookies_are_strict_enough() {
        let v = set_cookie(SESSION_COOKIE, "abc", true, None);
        let s = v.to_str().unwrap_or_default();
        assert!(s.contains("HttpOnly"), "{s}");
        assert!(s.contains("SameSite=Lax"), "{s}");
        assert!(s.contains("Secure"), "{s}");
        assert!(s.contains("Path=/"), "{s}");
    }
}
