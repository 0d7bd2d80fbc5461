//! The page-shell pieces both front ends write the same way: the stylesheet answer
//! and the HTML answer. Each front end keeps its own shell (header, banner, chooser).
//!
//! Why the stylesheet is cacheable while pages are not: it holds no health data, and
//! the security middleware only adds `no-store` where an answer set no caching.
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::Markup;

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
