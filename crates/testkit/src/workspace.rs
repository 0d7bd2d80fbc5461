//! The clinician workspace as a browser-less practitioner meets it: the login form,
//! a session cookie carried by hand, the CSRF token read from the page, the patient
//! search with a purpose, and readers for the overview's rows.
//!
//! Why by hand (as [`crate::portal::PortalUser`]): tests check that a missing purpose
//! or CSRF token is refused and writes nothing, so they must hold both.
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, StatusCode};

use crate::portal::{attr_after, texts_of, unescape, Page};
use crate::server::TestServer;

/// One logged-in practitioner.
pub struct WorkspaceUser {
    pub base: String,
    pub client: reqwest::Client,
    /// `nordlys_wsid=…` as sent back in `Cookie`.
    pub cookie: String,
}

/// One row of the overview: title, what the citizen side sees, the item's handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub title: String,
    pub labels: String,
    pub family: String,
    pub handle: String,
}

fn strip_tags(s: &str) -> String {
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

/// The text of the first `<td class="{class}">…</td>` in `row`.
fn cell(row: &str, class: &str) -> String {
    let marker = format!("<td class=\"{class}\">");
    row.split(&marker)
        .nth(1)
        .and_then(|rest| rest.split("</td>").next())
        .map(strip_tags)
        .unwrap_or_default()
}

/// The overview's item rows, in page order.
pub fn rows(html: &str) -> Vec<Row> {
    html.split("<tr>")
        .filter(|r| r.contains("<td class=\"title\">"))
        .map(|r| Row {
            title: cell(r, "title"),
            labels: cell(r, "labels"),
            family: cell(r, "family"),
            handle: attr_after(r, "href=\"/clinician/item/").unwrap_or_default(),
        })
        .collect()
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

impl WorkspaceUser {
    /// Posts the development login form.
    pub async fn login(server: &TestServer, hpr: &str, orgnr: &str) -> WorkspaceUser {
        let client = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .expect("http client");
        let r = client
            .post(server.url("/clinician/login"))
            .form(&[("hpr", hpr), ("orgnr", orgnr)])
            .send()
            .await
            .expect("POST /clinician/login");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "login of HPR {hpr}");
        let cookie = r
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("nordlys_wsid="))
            .and_then(|c| c.split(';').next())
            .expect("session cookie")
            .to_owned();
        WorkspaceUser {
            base: server.base.clone(),
            client,
            cookie,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .expect("GET");
        page(r).await
    }

    /// The session's CSRF token, read from the start page's forms.
    pub async fn csrf(&self) -> String {
        let home = self.get("/clinician").await;
        attr_after(&home.html, "name=\"_csrf\" value=\"").expect("a form with _csrf")
    }

    /// Posts a form with the cookie; `_csrf` is added unless the form has one.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let mut fields: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        if !form.iter().any(|(k, _)| *k == "_csrf") {
            fields.push(("_csrf".into(), self.csrf().await));
        }
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .form(&fields)
            .send()
            .await
            .expect("POST");
        page(r).await
    }

    /// Searches with `purpose` (and `reason`) and opens the only patient found.
    pub async fn open_patient(&self, query: &str, purpose: &str, reason: Option<&str>) -> Page {
        let mut form = vec![("query", query), ("purpose", purpose)];
        if let Some(r) = reason {
            form.push(("reason", r));
        }
        let found = self.post("/clinician/find", &form).await;
        assert_eq!(found.status, StatusCode::SEE_OTHER, "find: {}", found.html);
        let home = self.get("/clinician").await;
        let handles: Vec<String> = home
            .html
            .split("name=\"patient\" value=\"")
            .skip(1)
            .filter_map(|r| r.split('"').next().map(str::to_owned))
            .collect();
        assert_eq!(handles.len(), 1, "one patient for {query}: {}", home.html);
        let opened = self
            .post("/clinician/open", &[("patient", &handles[0])])
            .await;
        assert_eq!(opened.location.as_deref(), Some("/clinician/patient"));
        let overview = self.get("/clinician/patient").await;
        assert_eq!(overview.status, StatusCode::OK, "{}", overview.html);
        overview
    }

    /// The overview's rows.
    pub async fn rows(&self) -> Vec<Row> {
        let p = self.get("/clinician/patient").await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        rows(&p.html)
    }

    /// The overview row titled `title` (panics if not listed).
    pub async fn row(&self, title: &str) -> Row {
        let all = self.rows().await;
        all.iter()
            .find(|r| r.title == title)
            .cloned()
            .unwrap_or_else(|| panic!("{title} not in the overview: {all:?}"))
    }

    /// The item page's parent checkboxes: (handle, name).
    pub async fn parents(&self, item_handle: &str) -> Vec<(String, String)> {
        let p = self.get(&format!("/clinician/item/{item_handle}")).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        p.html
            .split("name=\"parent\" value=\"")
            .skip(1)
            .map(|rest| {
                let handle = rest.split('"').next().unwrap_or_default().to_owned();
                let name = texts_of(rest, "\">").get(1).cloned().unwrap_or_default();
                (handle, name)
            })
            .collect()
    }
}
