//! `GET /video-check`: "ready for your video appointment?" — what can be checked
//! without script, and a list of what to check yourself.
//!
//! Why server-side only: the portal's CSP forbids script, so the page cannot open the
//! camera, play a sound or time a download. What the server can tell: the browser (by
//! its User-Agent, a hint and no proof) and that the network reaches us (this page
//! arrived). The page says plainly what it cannot check. It shows no patient data, so
//! it needs no login (the appointment page links to it).
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use maud::html;

use crate::i18n::{text, text_with};
use crate::page::{respond, shell};
use crate::session::Visitor;

/// Oldest major versions known to run the video service's WebRTC.
const SUPPORTED: [(&str, &str, u32); 4] = [
    ("Edg/", "Microsoft Edge", 90),
    ("Firefox/", "Firefox", 90),
    ("Chrome/", "Chrome", 90),
    ("Version/", "Safari", 14),
];

/// The browser named by a User-Agent, if it is one the video service supports.
pub fn supported_browser(user_agent: &str) -> Option<&'static str> {
    SUPPORTED.iter().find_map(|(marker, name, min)| {
        if *name == "Safari" && !user_agent.contains("Safari/") {
            return None;
        }
        let rest = user_agent.split(marker).nth(1)?;
        let major: u32 = rest
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()?;
        (major >= *min).then_some(*name)
    })
}

/// `GET /video-check`.
pub async fn page(visitor: Visitor, headers: HeaderMap) -> Response {
    let lang = visitor.lang;
    let ua = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let at = Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .format("%H:%M:%S")
        .to_string();
    let title = text(lang, "video.title");
    let body = html! {
        h1 { (title) }
        p { (text(lang, "video.intro")) }
        ul.checklist {
            @match supported_browser(ua) {
                Some(name) => li.ok { (text_with(lang, "video.browser-ok", &[("browser", name)])) },
                None => li.warn { (text(lang, "video.browser-unknown")) },
            }
            li.ok { (text_with(lang, "video.network-ok", &[("at", &at)])) }
            li { (text(lang, "video.camera")) }
            li { (text(lang, "video.quiet")) }
            li { (text(lang, "video.network")) }
        }
        p.limitation { (text(lang, "video.limitation")) }
        p { a href="/tiles/appointments" { (text(lang, "video.back")) } }
    };
    respond(
        StatusCode::OK,
        shell(lang, title, "/video-check", None, body),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_by_user_agent() {
        let cases = [
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", Some("Chrome")),
            ("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0", Some("Microsoft Edge")),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", Some("Firefox")),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", Some("Safari")),
            ("Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko", None),
            ("Mozilla/5.0 Chrome/49.0 Safari/537.36", None),
            ("", None),
        ];
        for (ua, expect) in cases {
            assert_eq!(supported_browser(ua), expect, "{ua}");
        }
    }
}
