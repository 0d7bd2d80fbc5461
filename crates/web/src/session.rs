//! The server-side session store, generic over what a session holds.
//!
//! Why server-side: tokens, the record open and the item handles never reach the
//! browser, so nothing in a cookie or URL says whose record is open or what is in
//! it. A session ends on logout or after the idle timeout without use; each front
//! end adds its own checks (e.g. an expired token) on top.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use parking_lot::Mutex;

use crate::cookie_value;

/// Most handles one session keeps (someone paging through thousands of items starts
/// over rather than growing the server's memory without bound).
const MAX_HANDLES: usize = 20_000;

/// 32 hex characters from the operating system's random source (via uuid v4).
pub fn random_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Opaque handle → `Type/id`, and back: pages name items by handle, never by id.
#[derive(Debug, Clone, Default)]
pub struct Handles {
    handles: HashMap<String, String>,
    reverse: HashMap<String, String>,
}

impl Handles {
    /// A stable opaque handle for `reference`.
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

    /// The reference behind a handle.
    pub fn resolve(&self, handle: &str) -> Option<&str> {
        self.handles.get(handle).map(String::as_str)
    }

    /// The handle already given to `reference`, if any.
    pub fn reverse_handle(&self, reference: &str) -> Option<String> {
        self.reverse.get(reference).cloned()
    }
}

struct Entry<S> {
    session: S,
    last_seen: Instant,
}

/// All sessions of one front end.
pub struct Sessions<S> {
    map: Mutex<HashMap<String, Entry<S>>>,
    idle: Duration,
}

impl<S: Clone> Sessions<S> {
    pub fn new(idle: Duration) -> Sessions<S> {
        Sessions {
            map: Mutex::new(HashMap::new()),
            idle,
        }
    }

    /// Starts a session; returns its id (the cookie value).
    pub fn start(&self, session: S) -> String {
        let id = format!("{}{}", random_token(), random_token());
        let mut map = self.map.lock();
        let idle = self.idle;
        map.retain(|_, e| e.last_seen.elapsed() < idle);
        map.insert(
            id.clone(),
            Entry {
                session,
                last_seen: Instant::now(),
            },
        );
        id
    }

    /// A copy of the session, touched; `None` if unknown or idle too long.
    pub fn get(&self, id: &str) -> Option<S> {
        let mut map = self.map.lock();
        let fresh = map
            .get(id)
            .is_some_and(|e| e.last_seen.elapsed() < self.idle);
        if !fresh {
            map.remove(id);
            return None;
        }
        let e = map.get_mut(id)?;
        e.last_seen = Instant::now();
        Some(e.session.clone())
    }

    /// Changes a session in place; returns what `f` returned, `None` if it is gone.
    pub fn update<T>(&self, id: &str, f: impl FnOnce(&mut S) -> T) -> Option<T> {
        self.map.lock().get_mut(id).map(|e| f(&mut e.session))
    }

    pub fn end(&self, id: &str) {
        self.map.lock().remove(id);
    }

    /// The session named by cookie `cookie` of a request, with its id; a session that
    /// `still_valid` refuses (e.g. its token expired) is ended and not returned.
    pub fn from_cookie(
        &self,
        headers: &HeaderMap,
        cookie: &str,
        still_valid: impl Fn(&S) -> bool,
    ) -> Option<(String, S)> {
        let id = cookie_value(headers, cookie)?;
        let session = self.get(&id)?;
        if !still_valid(&session) {
            self.end(&id);
            return None;
        }
        Some((id, session))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_opaque_and_stable() {
        let mut h = Handles::default();
        let a = h.handle("DocumentReference/doc-bup-1");
        assert_eq!(a.len(), 16);
        assert!(!a.contains("bup"));
        assert_eq!(h.handle("DocumentReference/doc-bup-1"), a);
        assert_eq!(h.resolve(&a), Some("DocumentReference/doc-bup-1"));
        assert_eq!(
            h.reverse_handle("DocumentReference/doc-bup-1"),
            Some(a.clone())
        );
        assert_eq!(h.resolve("nope"), None);
    }

    #[test]
    fn idle_sessions_end() {
        let sessions: Sessions<String> = Sessions::new(Duration::from_millis(0));
        let id = sessions.start("1".to_owned());
        assert!(sessions.get(&id).is_none());
        let sessions: Sessions<String> = Sessions::new(Duration::from_secs(60));
        let id = sessions.start("1".to_owned());
        assert_eq!(sessions.get(&id), Some("1".to_owned()));
        assert_eq!(sessions.update(&id, |s| s.push('2')), Some(()));
        assert_eq!(sessions.get(&id), Some("12".to_owned()));
        let mut headers = HeaderMap::new();
        let cookie = format!("sid={id}");
        headers.insert(axum::http::header::COOKIE, cookie.parse().expect("header"));
        assert_eq!(
            sessions.from_cookie(&headers, "sid", |s| s == "12"),
            Some((id.clone(), "12".to_owned()))
        );
        assert_eq!(sessions.from_cookie(&headers, "sid", |_| false), None);
        assert!(sessions.get(&id).is_none(), "a refused session is ended");
        sessions.end(&id);
        assert_eq!(sessions.update(&id, |s| s.push('3')), None);
    }
}
