//! Workspace sessions: server-side, behind an opaque HttpOnly cookie.
//!
//! Why server-side: the practitioner's tokens, the patient open and the item
//! handles never reach the browser, so no address or cookie says whose record is
//! open. Why two tokens: the login token carries no purpose of use (it may read the
//! directory and nothing else — § 9); opening a patient signs a second token with
//! the purpose chosen (TREAT, ETREAT, COC), and every store call about the patient
//! uses that one, so the policy and the access log see the purpose.
//!
//! The store, handles and cookies are the shared ones of `nordlys-web` (also used
//! by the portal); this module holds the workspace's own session payload, cookie
//! names and path, and extractors.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Redirect, Response};
use nordlys_policy::{Principal, Purpose};
use nordlys_store::RequestContext;
use nordlys_web::Handles;

pub use nordlys_web::{cookie_value, random_token, with_cookie};

use crate::i18n::Lang;
use crate::WorkspaceState;

/// Name of the session cookie (not the portal's: both may be open in one browser).
pub const SESSION_COOKIE: &str = "nordlys_wsid";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "nordlys_ws_lang";

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
    /// Logged in through HelseID: the login token is HelseID's and the workspace
    /// cannot sign purpose tokens, so the purpose is asserted on the verified
    /// login (see [`purpose_ctx`]).
    pub helseid: bool,
    handles: Handles,
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
            helseid: false,
            handles: Handles::default(),
        }
    }

    /// A stable opaque handle for `reference` in this session.
    pub fn handle(&mut self, reference: &str) -> String {
        self.handles.handle(reference)
    }

    /// The handle already given to `reference`, if any.
    pub fn reverse_handle(&self, reference: &str) -> Option<String> {
        self.handles.reverse_handle(reference)
    }

    /// The reference behind a handle of this session.
    pub fn resolve(&self, handle: &str) -> Option<&str> {
        self.handles.resolve(handle)
    }
}

/// All sessions of the workspace.
pub type Sessions = nordlys_web::Sessions<Session>;

/// A `Set-Cookie` value for the workspace: path `/clinician`, otherwise as
/// [`nordlys_web::set_cookie`].
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    nordlys_web::set_cookie(name, value, "/clinician", secure, max_age)
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
        let mut ctx = purpose_ctx(state, &open.token, open.purpose, open.reason.as_deref())?;
        ctx.request_id = self.ctx.request_id.clone();
        Some((open, ctx))
    }
}

/// The request context of a token used with `purpose` (and the reason given).
///
/// A development purpose token carries both in its claims (they are read from
/// there). A HelseID login token carries no purpose: the purpose and reason chosen
/// in the workspace are put on the verified practitioner, as a HelseID client
/// asserts the trust-framework parameters for its user. A token whose own purpose
/// differs from `purpose` gives no context.
pub fn purpose_ctx(
    state: &WorkspaceState,
    token: &str,
    purpose: Purpose,
    reason: Option<&str>,
) -> Option<RequestContext> {
    let (mut principal, token_reason) = state.auth.authenticate_with_reason(token).ok()?;
    let Principal::Practitioner { purpose: p, .. } = &mut principal else {
        return None;
    };
    if p.is_none() {
        *p = Some(purpose);
    }
    if *p != Some(purpose) {
        return None;
    }
    let mut ctx = RequestContext::new(principal);
    ctx.reason = token_reason.or_else(|| reason.map(str::to_owned));
    Some(ctx)
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
