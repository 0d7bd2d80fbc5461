//! The page-shell pieces both front ends write the same way: the stylesheet answer
//! and the HTML answer, and the `<head>` of every page. Each front end keeps its own
//! shell (header, banner, chooser).
//!
//! Why the stylesheet is cacheable while pages are not: it holds no health data, and
//! the security middleware only adds `no-store` where an answer set no caching.
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup};

/// A stylesheet answer, cacheable for an hour.
pub fn stylesheet(css: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        css,
    )
        .into_response()
}

/// An HTML answer.
pub fn respond(status: StatusCode, page: Markup) -> Response {
    (status, Html(page.into_string())).into_response()
}

/// A page's `<head>`: UTF-8, a mobile viewport, a title that names the service
/// (never anything from the record), and the front end's stylesheet.
pub fn head(title: &str, product: &str, stylesheet: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " – " (product) }
            link rel="stylesheet" href=(stylesheet);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_names_the_service_and_the_stylesheet() {
        let h = head("Logg inn", "Nordlys", "/static/portal.css").into_string();
        assert!(h.contains("<title>Logg inn – Nordlys</title>"), "{h}");
        assert!(
            h.contains(r#"<link rel="stylesheet" href="/static/portal.css">"#),
            "{h}"
        );
        assert!(h.starts_with("<head><meta charset=\"utf-8\">"), "{h}");
    }
}
