//! The citizen portal as a browser-less user meets it: the demo region behind the
//! real server, login through the login form, a session cookie carried by hand, the
//! CSRF token read from the page, and small HTML readers.
//!
//! Why by hand and not a cookie store: the tests check the cookie's attributes and
//! that a wrong or missing cookie/CSRF token is refused, so they need to hold them.
//! The HTTP, cookie and CSRF pieces are shared with the workspace helper
//! ([`crate::browserless`]).
use std::collections::BTreeMap;

use nordlys_synth::DemoRegion;
use reqwest::StatusCode;
use serde_json::Value;

pub use crate::browserless::Page;
use crate::browserless::{strip_tags, Tab};
use crate::server::TestServer;

/// The server with the demo region loaded as `nordlys demo` loads it (each item
/// owned by the organisation that produced it).
pub struct PortalDemo {
    pub server: TestServer,
    pub region: DemoRegion,
}

impl PortalDemo {
    pub async fn start() -> PortalDemo {
        PortalDemo::start_on(TestServer::start().await).await
    }

    /// Loads the demo region into an already started server.
    pub async fn start_on(server: TestServer) -> PortalDemo {
        let today = nordlys_policy::oslo_today(chrono::Utc::now());
        let region = nordlys_synth::demo_region(today);
        let mut by_owner: BTreeMap<Option<String>, Vec<Value>> = BTreeMap::new();
        for r in &region.resources {
            let owner = nordlys_synth::source_orgnr(r).map(str::to_owned);
            by_owner.entry(owner).or_default().push(r.clone());
        }
        for (owner, resources) in by_owner {
            let report = server
                .store
                .unchecked_import(resources, owner.as_deref())
                .await
                .expect("import the demo region");
            assert!(
                report.failed.is_empty(),
                "demo refused: {:?}",
                report.failed
            );
        }
        PortalDemo { server, region }
    }

    /// The demo person's national id by key (`mother`, `child-13`, …).
    pub fn pid(&self, key: &str) -> String {
        self.region
            .persons
            .iter()
            .find(|p| p.key == key)
            .map(|p| p.pid.clone())
            .unwrap_or_else(|| panic!("no demo person {key}"))
    }

    /// Logs in demo person `key` at security level high.
    pub async fn login(&self, key: &str) -> PortalUser {
        PortalUser::login(&self.server, &self.pid(key), "high").await
    }
}

/// One logged-in portal user.
pub struct PortalUser {
    pub base: String,
    pub client: reqwest::Client,
    /// `nordlys_sid=…` as sent back in `Cookie`.
    pub cookie: String,
    /// The raw `Set-Cookie` of the login answer (for attribute checks).
    pub set_cookie: String,
}

impl PortalUser {
    /// Posts the login form (`level` is `high` or `substantial`).
    pub async fn login(server: &TestServer, pid: &str, level: &str) -> PortalUser {
        let form = [("pid", pid), ("level", level)];
        let (client, set_cookie) =
            crate::browserless::login(server, "/login", &form, "nordlys_sid").await;
        let cookie = set_cookie.split(';').next().unwrap_or_default().to_owned();
        PortalUser {
            base: server.base.clone(),
            client,
            cookie,
            set_cookie,
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

    /// Posts a form with the session cookie; `_csrf` is added from the settings page
    /// unless the form has one.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.tab().post(path, form, "/settings").await
    }

    /// The session's CSRF token, read from a page's forms.
    pub async fn csrf(&self) -> String {
        self.tab().csrf("/settings").await
    }

    /// The chooser's options as shown (label text, in order).
    pub async fn chooser(&self) -> Vec<String> {
        let home = self.get("/").await;
        options(&home.html)
    }

    /// Switches to the chooser entry whose label contains `name`.
    pub async fn act_for(&self, name: &str) {
        let labels = self.chooser().await;
        let index = labels
            .iter()
            .position(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} not in chooser {labels:?}"));
        let p = self
            .post("/act-for", &[("person", &index.to_string())])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "switch to {name}");
    }

    /// Titles of a tile's list (`span.title` texts), in order.
    pub async fn tile_titles(&self, tile: &str) -> Vec<String> {
        let p = self.get(&format!("/tiles/{tile}")).await;
        assert_eq!(p.status, StatusCode::OK, "/tiles/{tile}: {}", p.html);
        texts_of(&p.html, "<span class=\"title\">")
    }

    /// (handle, title) of each item of a tile's list, in order.
    pub async fn tile_links(&self, tile: &str) -> Vec<(String, String)> {
        let p = self.get(&format!("/tiles/{tile}")).await;
        assert_eq!(p.status, StatusCode::OK, "/tiles/{tile}: {}", p.html);
        let marker = format!("<a href=\"/tiles/{tile}/");
        p.html
            .split(&marker)
            .skip(1)
            .map(|rest| {
                let handle = rest.split('"').next().unwrap_or_default().to_owned();
                let title = texts_of(rest, "<span class=\"title\">")
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                (handle, title)
            })
            .collect()
    }

    /// The detail page of the item titled `title` in `tile` (panics if not listed).
    pub async fn open_item(&self, tile: &str, title: &str) -> String {
        let all = self.tile_links(tile).await;
        let (handle, _) = all
            .iter()
            .find(|(_, t)| t == title)
            .unwrap_or_else(|| panic!("{title} not in {tile}: {all:?}"));
        let p = self.get(&format!("/tiles/{tile}/{handle}")).await;
        assert_eq!(p.status, StatusCode::OK, "{tile}/{title}");
        p.html
    }
}

/// The rows of the first table body in `html`: each row's cell texts (`td` and `th`),
/// tags removed, white space collapsed, unescaped.
pub fn table_rows(html: &str) -> Vec<Vec<String>> {
    let Some(body) = html.split("<tbody>").nth(1) else {
        return Vec::new();
    };
    let body = body.split("</tbody>").next().unwrap_or_default();
    body.split("<tr")
        .skip(1)
        .map(|row| {
            row.split("</t")
                .filter_map(|cell| cell.rfind("<t").map(|i| &cell[i..]))
                .filter(|c| c.starts_with("<td") || c.starts_with("<th"))
                .map(strip_tags)
                .collect()
        })
        .collect()
}

/// The value starting after `marker` up to the next `"`.
pub fn attr_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

/// Texts of every element opened by exactly `open_tag` (up to the next `<`), unescaped.
pub fn texts_of(html: &str, open_tag: &str) -> Vec<String> {
    html.split(open_tag)
        .skip(1)
        .map(|rest| unescape(rest.split('<').next().unwrap_or_default()))
        .collect()
}

/// `<option …>label</option>` labels.
pub fn options(html: &str) -> Vec<String> {
    html.split("<option ")
        .skip(1)
        .filter_map(|rest| {
            let after = rest.split_once('>')?.1;
            Some(unescape(after.split('<').next().unwrap_or_default()))
        })
        .collect()
}

/// Undoes the HTML escaping maud applies.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
