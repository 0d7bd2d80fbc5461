//! The tiles (fliser): one module per service, each a list page and a detail page.
//!
//! Why one shape for all: a tile turns the store's answer for the person acted for
//! into [`Row`]s (list) and one item into markup (detail). The frame around it —
//! the policy notice from [`crate::explain`], paging, the opaque handles, the
//! "metadata only" marking, the error pages — is here once, so no tile can forget
//! it.
mod accesslog;
mod analyses;
mod appointment_detail;
pub mod appointment_guidance;
mod appointments;
pub mod booking;
mod booking_view;
mod careplan;
pub mod careplan_edit;
mod careplan_status;
mod common;
pub mod dialog;
pub mod dialog_thread;
pub mod documents;
mod forms;
pub mod forms_fill;
mod forms_input;
pub mod forms_offer;
mod forms_render;
mod generic;
mod measurements;
mod medication;
mod messages;
mod names;
mod referrals;
mod results;
mod results_detail;
mod series;
mod vaccinations;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use crate::explain::{metadata_only, notice, probe_item};
use crate::fetch::{error_page, handles, item, PortalError};
use crate::i18n::{text, text_with};
use crate::page::{message, respond, shell};
use crate::session::Citizen;
use crate::view::is_redacted;
use crate::PortalState;

/// Every tile, in the order of the home page.
pub const SLUGS: [&str; 12] = [
    "journal",
    "results",
    "referrals",
    "appointments",
    "letters",
    "messages",
    "forms",
    "careplan",
    "measurements",
    "medication",
    "vaccinations",
    "accesslog",
];

/// Rows per list page.
pub const PAGE_SIZE: usize = 50;

/// One line of a tile's list.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// `Type/id` of the item (turned into an opaque handle for the link).
    pub reference: String,
    /// Sorts newest first (ISO date text).
    pub sort: String,
    pub date: Option<String>,
    pub title: String,
    pub detail: Option<String>,
    /// Short markers ("Ulest", "Video"…), already translated.
    pub badges: Vec<String>,
    /// Shown at metadata level only (the policy's REDACTED label).
    pub metadata_only: bool,
}

/// What a tile adds to its list page besides the rows (charts, tables, timelines).
pub struct ListPage {
    pub rows: Vec<Row>,
    pub extra: Option<Markup>,
}

/// The rows a tile lists for `patient_id`, as its list page would show them (for
/// checks outside the HTTP layer, e.g. the generated leak test).
pub async fn rows_for(
    state: &PortalState,
    citizen: &Citizen,
    tile: &str,
    patient_id: &str,
) -> Result<Vec<Row>, PortalError> {
    Ok(tile_rows(state, citizen, tile, patient_id).await?.rows)
}

/// Which tile module answers.
async fn tile_rows(
    state: &PortalState,
    citizen: &Citizen,
    tile: &str,
    patient_id: &str,
) -> Result<ListPage, PortalError> {
    match tile {
        "journal" | "letters" => documents::list(state, citizen, tile, patient_id).await,
        "results" => results::list(state, citizen, patient_id).await,
        "measurements" => measurements::list(state, citizen, patient_id).await,
        "referrals" => referrals::list(state, citizen, patient_id).await,
        "appointments" => appointments::list(state, citizen, patient_id).await,
        "messages" => messages::list(state, citizen, patient_id).await,
        "forms" => forms::list(state, citizen, patient_id).await,
        "careplan" => careplan::list(state, citizen, patient_id).await,
        "medication" => medication::list(state, citizen, patient_id).await,
        "vaccinations" => vaccinations::list(state, citizen, patient_id).await,
        "accesslog" => accesslog::list(state, citizen, patient_id).await,
        other => generic::list(state, citizen, other, patient_id).await,
    }
}

/// Which tile module draws one item; some fetch more (linked values, chains, tasks).
async fn tile_detail(
    state: &PortalState,
    citizen: &Citizen,
    tile: &str,
    resource: &Value,
    handle: &str,
) -> Result<Markup, PortalError> {
    Ok(match tile {
        "journal" | "letters" => documents::detail(citizen.lang, resource, handle, &state.glossary),
        "results" => results::detail(state, citizen, resource).await?,
        "measurements" => measurements::detail(citizen.lang, resource),
        "referrals" => referrals::detail(state, citizen, resource).await?,
        "appointments" => appointments::detail(state, citizen, resource).await?,
        "messages" => messages::detail(state, citizen, resource).await?,
        "forms" => forms::detail(state, citizen, resource).await?,
        "careplan" => careplan::detail(state, citizen, resource, handle).await?,
        "medication" => medication::detail(state, citizen, resource).await?,
        "vaccinations" => vaccinations::detail(state, citizen, resource).await?,
        _ => generic::detail(citizen.lang, resource),
    })
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<usize>,
}

/// What every tile page needs first: a high security level and a person. The
/// refusal page is boxed (a response is large; the happy path stays small).
fn precheck<'a>(citizen: &'a Citizen, tile: &str) -> Result<&'a str, Box<Response>> {
    let lang = citizen.lang;
    if !SLUGS.contains(&tile) {
        return Err(Box::new(message(
            lang,
            StatusCode::NOT_FOUND,
            "error.not-found-title",
            "error.not-found",
            Some(citizen),
        )));
    }
    if citizen.session.low_level {
        return Err(Box::new(message(
            lang,
            StatusCode::FORBIDDEN,
            "level.title",
            "level.explain",
            Some(citizen),
        )));
    }
    citizen
        .patient()
        .map(|p| p.patient_id.as_str())
        .ok_or_else(|| {
            Box::new(message(
                lang,
                StatusCode::OK,
                "home.nobody-title",
                "home.nobody",
                Some(citizen),
            ))
        })
}

/// `GET /tiles/{tile}`.
pub async fn list(
    State(state): State<PortalState>,
    citizen: Citizen,
    Path(tile): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let patient_id = match precheck(&citizen, &tile) {
        Ok(p) => p.to_owned(),
        Err(r) => return *r,
    };
    let lang = citizen.lang;
    let probe = probe_item(&tile, &patient_id, citizen.ctx.now);
    let decisions = match probe {
        Some(p) => state.store.probe(&citizen.ctx, &patient_id, &[p]).await,
        None => Ok(Vec::new()),
    };
    let tile_notice = match decisions {
        Ok(d) => d.first().and_then(|d| notice(lang, d)),
        Err(e) => return error_page(&PortalError(e), &citizen),
    };
    let ListPage { mut rows, extra } = match tile_rows(&state, &citizen, &tile, &patient_id).await {
        Ok(p) => p,
        Err(e) => return error_page(&e, &citizen),
    };
    rows.sort_by(|a, b| {
        b.sort
            .cmp(&a.sort)
            .then_with(|| a.reference.cmp(&b.reference))
    });
    let total = rows.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let shown: Vec<&Row> = rows
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    let refs: Vec<String> = shown.iter().map(|r| r.reference.clone()).collect();
    let links = handles(&state, &citizen, &refs);
    let title = text(lang, &format!("tile.{tile}"));
    let path = format!("/tiles/{tile}");
    let body = html! {
        nav.crumbs aria-label=(text(lang, "nav.crumbs")) { a href="/" { (text(lang, "nav.home")) } }
        h1 { (title) }
        p.intro { (text(lang, &format!("tile.{tile}.intro"))) }
        @if let Some(n) = &tile_notice {
            div.notice role="note" { p { (n) } }
        }
        @if let Some(extra) = &extra { (extra) }
        @if rows.is_empty() {
            // A tile that draws its own list (the access log's table) has no rows.
            @if extra.is_none() { p.empty { (text(lang, "list.empty")) } }
        } @else {
            p.count { (text_with(lang, "list.count", &[("n", &total.to_string())])) }
            ul.items {
                @for (row, handle) in shown.iter().zip(&links) {
                    li.item {
                        a href=(format!("/tiles/{tile}/{handle}")) {
                            span.title { (row.title) }
                        }
                        @if let Some(d) = &row.date { span.date { (d) } }
                        @if let Some(d) = &row.detail { span.detail { (d) } }
                        @for b in &row.badges { span.badge { (b) } }
                        @if row.metadata_only { span.badge.meta { (text(lang, "item.metadata-badge")) } }
                    }
                }
            }
            @if pages > 1 {
                nav.pages aria-label=(text(lang, "list.pages")) {
                    @if page > 1 { a href=(format!("{path}?page={}", page - 1)) rel="prev" { (text(lang, "list.prev")) } }
                    span { (text_with(lang, "list.page-of", &[("page", &page.to_string()), ("pages", &pages.to_string())])) }
                    @if page < pages { a href=(format!("{path}?page={}", page + 1)) rel="next" { (text(lang, "list.next")) } }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        shell(lang, title, &path, Some(&citizen), body),
    )
}

/// `GET /tiles/{tile}/{handle}`.
pub async fn detail(
    State(state): State<PortalState>,
    citizen: Citizen,
    Path((tile, handle)): Path<(String, String)>,
) -> Response {
    if let Err(r) = precheck(&citizen, &tile) {
        return *r;
    }
    let lang = citizen.lang;
    let Some(reference) = citizen.session.resolve(&handle).map(str::to_owned) else {
        return message(
            lang,
            StatusCode::NOT_FOUND,
            "error.not-found-title",
            "error.not-found",
            Some(&citizen),
        );
    };
    let resource = match item(&state, &citizen, &reference).await {
        Ok(r) => r,
        Err(e) => return error_page(&e, &citizen),
    };
    let shown = match tile_detail(&state, &citizen, &tile, &resource, &handle).await {
        Ok(m) => m,
        Err(e) => return error_page(&e, &citizen),
    };
    // A letter shown in full is read: its sender gets the receipt (docs/letters.md).
    if let Some(id) = reference.strip_prefix("DocumentReference/") {
        state.store.note_letter_opened(&citizen.ctx, id).await;
    }
    // A letter or appointment may bring a form to fill in (docs/forms.md).
    let brings_forms = matches!(tile.as_str(), "letters" | "journal" | "appointments");
    let forms = if brings_forms && !is_redacted(&resource) {
        forms_offer::fill_links(&state, &citizen, &resource).await
    } else {
        html! {}
    };
    let title = text(lang, &format!("tile.{tile}"));
    let path = format!("/tiles/{tile}/{handle}");
    let body = html! {
        nav.crumbs aria-label=(text(lang, "nav.crumbs")) {
            a href="/" { (text(lang, "nav.home")) } " › "
            a href=(format!("/tiles/{tile}")) { (title) }
        }
        @if is_redacted(&resource) {
            div.notice role="note" { p { (metadata_only(lang)) } }
        }
        (shown)
        (forms)
    };
    respond(
        StatusCode::OK,
        shell(lang, title, &path, Some(&citizen), body),
    )
}
