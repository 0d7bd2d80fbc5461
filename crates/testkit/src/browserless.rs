//! What the browser-less portal and workspace users share: a client that does not
//! follow redirects, logging in through a form, carrying the session cookie by hand,
//! reading the CSRF token from a page, and turning answers into [`Page`]s.
//!
//! Why by hand and not a cookie store: the tests check the cookie's attributes and
//! that a wrong or missing cookie/CSRF token is refused, so they need to hold them.
//! Both front ends work the same way here; only their paths and cookie names differ.
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, StatusCode};

use crate::portal::{attr_after, unescape};
use crate::server::TestServer;

/// A response of a front end: status, `Location` (for redirects) and body.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub html: String,
    pub headers: reqwest::header::HeaderMap,
}

/// Posts a login form to `path`; returns the client and the raw `Set-Cookie` of
/// cookie `cookie_name` (panics unless the answer is a redirect setting it).
pub(crate) async fn login(
    server: &TestServer,
    path: &str,
    form: &[(&str, &str)],
    cookie_name: &str,
) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("http client");
    let r = client
        .post(server.url(path))
        .form(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "login with {form:?}");
    let prefix = format!("{cookie_name}=");
    let set_cookie = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&prefix))
        .expect("session cookie")
        .to_owned();
    (client, set_cookie)
}

/// A logged-in session as the helpers hold it.
pub(crate) struct Tab<'a> {
    pub base: &'a str,
    pub client: &'a reqwest::Client,
    /// `name=value` as sent back in `Cookie`.
    pub cookie: &'a str,
}

impl Tab<'_> {
    pub async fn get(&self, path: &str) -> Page {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie)
            .send()
            .await
            .expect("GET");
        page(r).await
    }

    /// The session's CSRF token, read from the forms of the page at `from`.
    pub async fn csrf(&self, from: &str) -> String {
        let p = self.get(from).await;
        attr_after(&p.html, "name=\"_csrf\" value=\"").expect("a form with _csrf")
    }

    /// Posts a form with the cookie; `_csrf` is added (read from `csrf_from`) unless
    /// the form has one.
    pub async fn post(&self, path: &str, form: &[(&str, &str)], csrf_from: &str) -> Page {
        let mut fields: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        if !form.iter().any(|(k, _)| *k == "_csrf") {
            fields.push(("_csrf".into(), self.csrf(csrf_from).await));
        }
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie)
            .form(&fields)
            .send()
            .await
            .expect("POST");
        page(r).await
    }
}

async fn page(r: reqwest::Response) -> Page {
    let status = r.status();
    let headers = r.headers().clone();
    let location = headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let html = r.text().await.unwrap_or_default();
    Page {
        status,
        location,
        html,
        headers,
    }
}

/// `s` with its tags removed, white space collapsed and unescaped.
pub(crate) fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in s.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out.split_whitespace().collect::<Vec<_>>().join(" "))
}
