//! The clinician workspace as a browser-less practitioner meets it: the login form,
//! a session cookie carried by hand, the CSRF token read from the page, the patient
//! search with a purpose, and readers for the overview's rows.
//!
//! Why by hand (as [`crate::portal::PortalUser`], sharing its HTTP, cookie and CSRF
//! pieces in [`crate::browserless`]): tests check that a missing purpose or CSRF
//! token is refused and writes nothing, so they must hold both.
use reqwest::StatusCode;

use crate::browserless::{strip_tags, Page, Tab};
use crate::portal::{attr_after, texts_of};
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

impl WorkspaceUser {
    /// Posts the development login form.
    pub async fn login(server: &TestServer, hpr: &str, orgnr: &str) -> WorkspaceUser {
        let form = [("hpr", hpr), ("orgnr", orgnr)];
        let (client, set_cookie) =
            crate::browserless::login(server, "/clinician/login", &form, "nordlys_wsid").await;
        let cookie = set_cookie.split(';').next().unwrap_or_default().to_owned();
        WorkspaceUser {
            base: server.base.clone(),
            client,
            cookie,
        }
    }

    fn tab(&self) -> Tab<'_> {
        Tab {
            base: &self.base,
            client: &self.client,
            cookie: &self.cookie,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.tab().get(path).await
    }

    /// The session's CSRF token, read from the start page's forms.
    pub async fn csrf(&self) -> String {
        self.tab().csrf("/clinician").await
    }

    /// Posts a form with the cookie; `_csrf` is added unless the form has one.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.tab().post(path, form, "/clinician").await
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
