//! Workspace sessions: server-side, behind an opaque HttpOnly cookie.
//!
//! Why server-side: the practitioner's tokens, the patient open and the item
//! handles never reach the browser, so no address or cookie says whose record is
//! open. Why two tokens: the login token carries no purpose of use (it may read the
//! directory and nothing else — § 9); opening a patient signs a second token with
//! the purpose chosen (TREAT, ETREAT, COC), and every store call about the patient
//! uses that one, so the policy and the access log see the purpose.
//!
//! A minimal own version of the portal's session module (`crates/portal/src/session.rs`):
//! the portal's is tied to its state and citizen extractor; sharing one generic
//! module would have meant reworking the portal, which other work owns.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use nordlys_policy::{Principal, Purpose};
use nordlys_store::RequestContext;
use parking_lot::Mutex;

use crate::i18n::Lang;
use crate::WorkspaceState;

/// Name of the session cookie (not the portal's: both may be open in one browser).
pub const SESSION_COOKIE: &str = "nordlys_wsid";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "nordlys_ws_lang";
/// Most handles one session keeps.
const MAX_HANDLES: usize = 20_000;

/// The patient open in a session, with the purpose chosen for it.
#[derive(Debug, Clone)]
pub struct OpenPatient {
    pub patient_id: String,
    pub name: String,
    pub purpose: Purpose,
    /// The free-text reason given for emergency access.
    pub reason: Option<String>,
    /// A token with this purpose of use.
    pub token: String,
}

/// A search made with a purpose, waiting for the practitioner to pick a patient.
#[derive(Debug, Clone)]
pub struct PendingChoice {
    pub purpose: Purpose,
    pub reason: Option<String>,
    pub token: String,
    /// (handle, Patient id, name) of the patients found.
    pub found: Vec<(String, String, String)>,
}

/// One logged-in practitioner.
#[derive(Debug, Clone)]
pub struct Session {
    /// The login token (no purpose of use).
    pub token: String,
    pub csrf: String,
    pub hpr: String,
    pub orgnr: String,
    /// "Overlege Erik Strand".
    pub name: String,
    /// The unit's name, e.g. "BUP Tromsø".
    pub org_name: String,
    pub lang: Option<Lang>,
    pub flash: Option<String>,
    pub pending: Option<PendingChoice>,
    pub patient: Option<OpenPatient>,
    handles: HashMap<String, String>,
    reverse: HashMap<String, String>,
    last_seen: Instant,
}

impl Session {
    pub fn new(token: String, hpr: String, orgnr: String) -> Session {
        Session {
            token,
            csrf: random_token(),
            hpr,
            orgnr,
            name: String::new(),
            org_name: String::new(),
            lang: None,
            flash: None,
            pending: None,
            patient: None,
            handles: HashMap::new(),
            reverse: HashMap::new(),
            last_seen: Instant::now(),
        }
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

    /// The handle already given to `reference`, if any.
    pub fn reverse_handle(&self, reference: &str) -> Option<String> {
        self.reverse.get(reference).cloned()
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

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path `/clinician`, Secure when configured.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut c = Cookie::build((name.to_owned(), value.to_owned()))
        .path("/clinician")
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

/// The language of a request: `?lang=`, else the session's, else the cookie's, else bokmål.
pub fn request_lang(parts: &Parts, session: Option<&Session>) -> Lang {
    let from_query = parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::from_code(v));
    from_query
        .or_else(|| session.and_then(|s| s.lang))
        .or_else(|| cookie_value(&parts.headers, LANG_COOKIE).and_then(|c| Lang::from_code(&c)))
        .unwrap_or_default()
}

/// Any visitor: the language, and the session if logged in (token still valid).
pub struct Visitor {
    pub lang: Lang,
    pub session: Option<(String, Session)>,
}

impl FromRequestParts<WorkspaceState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WorkspaceState,
    ) -> Result<Self, Self::Rejection> {
        let session = cookie_value(&parts.headers, SESSION_COOKIE)
            .and_then(|id| state.sessions.get(&id).map(|s| (id, s)))
            .filter(|(id, s)| {
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

/// A logged-in practitioner. `ctx` has no purpose of use; [`Clinician::patient_ctx`]
/// is the context of the open patient's token.
pub struct Clinician {
    pub sid: String,
    pub session: Session,
    pub ctx: RequestContext,
    pub lang: Lang,
}

impl Clinician {
    /// The request context for the open patient (with its purpose), if the token
    /// still checks.
    pub fn patient_ctx(&self, state: &WorkspaceState) -> Option<(OpenPatient, RequestContext)> {
        let open = self.session.patient.clone()?;
        let principal = state.auth.authenticate(&open.token).ok()?;
        let mut ctx = RequestContext::new(principal);
        ctx.request_id = self.ctx.request_id.clone();
        Some((open, ctx))
    }
}

impl FromRequestParts<WorkspaceState> for Clinician {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WorkspaceState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(visitor) = Visitor::from_request_parts(parts, state).await;
        let Some((sid, session)) = visitor.session else {
            return Err(Redirect::to("/clinician/login").into_response());
        };
        let principal = match state.auth.authenticate(&session.token) {
            Ok(p @ Principal::Practitioner { .. }) => p,
            _ => return Err(Redirect::to("/clinician/login").into_response()),
        };
        let mut ctx = RequestContext::new(principal);
        ctx.request_id = format!("workspace-{}", &random_token()[..12]);
        Ok(Clinician {
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
        let mut s = Session::new("t".into(), "1".into(), "2".into());
        let a = s.handle("ServiceRequest/referral-1");
        assert_eq!(a.len(), 16);
        assert!(!a.contains("referral"));
        assert_eq!(s.handle("ServiceRequest/referral-1"), a);
        assert_eq!(s.resolve(&a), Some("ServiceRequest/referral-1"));
        assert_eq!(s.resolve("nope"), None);
    }

    #[test]
    fn cookie_is_scoped_to_the_workspace() {
        let v = set_cookie(SESSION_COOKIE, "abc", true, None);
        let s = v.to_str().unwrap_or_default();
        assert!(s.contains("HttpOnly") && s.contains("SameSite=Lax"), "{s}");
        assert!(s.contains("Path=/clinician") && s.contains("Secure"), "{s}");
    }
}
