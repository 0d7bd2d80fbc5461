//! Journal documents (journaldokumenter) and letters (pasientbrev): both are
//! DocumentReferences, told apart by the `letter` category.
//!
//! Why the "not available digitally" overview is its own list: a document the
//! citizen may know of but not read (metadata level, or one with no digital
//! content) is still theirs to know about — Helsenorge shows such documents
//! separately with where to ask for a copy. Content is served by
//! [`content`] through the store's Binary read, which the policy decides through
//! the document, never by the portal.
//!
//! Why "unread" comes from the letter's read receipt: a letter is unread until the
//! patient (or someone acting for them) has opened it in full; the store then writes
//! one receipt Task (`letter-read`, owned by the sending unit —
//! `nordlys_store::interactions::letters`, docs/letters.md), the same fact that stops
//! the reminder and that the unit sees. One Task search for the patient's receipts,
//! made with the citizen's own context, answers it for the whole list; reads by
//! clinicians write no receipt. Where the search fails, no letter is marked.
//!
//! Why a glossary section: journal language is dense; the words of
//! [`crate::glossary`] that occur in a document are explained below its text.
use std::collections::HashSet;

use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use maud::{html, Markup};
use serde_json::Value;

use super::{ListPage, Row};
use crate::fetch::{error_page, item, items, PortalError};
use crate::glossary::Glossary;
use crate::i18n::{text, Lang};
use crate::page::message;
use crate::session::Citizen;
use crate::view::{
    concept_text, first_date, has_coding, is_redacted, reference_display, sort_date, str_at,
};
use crate::PortalState;

const CATEGORY_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/document-category";

fn is_letter(doc: &Value) -> bool {
    has_coding(doc.get("category"), CATEGORY_SYSTEM, "letter")
        || doc
            .get("category")
            .and_then(Value::as_array)
            .is_some_and(|cs| {
                cs.iter()
                    .any(|c| c.pointer("/coding/0/code").and_then(Value::as_str) == Some("letter"))
            })
}

/// Whether the document has content the citizen can open here.
fn has_digital_content(doc: &Value) -> bool {
    !is_redacted(doc)
        && doc
            .get("content")
            .and_then(Value::as_array)
            .is_some_and(|c| {
                c.iter().any(|a| {
                    a.pointer("/attachment/data").is_some()
                        || a.pointer("/attachment/url").is_some()
                })
            })
}

fn title_of(doc: &Value) -> String {
    str_at(doc, "/description")
        .map(str::to_owned)
        .or_else(|| concept_text(doc.get("type")))
        .unwrap_or_default()
}

fn row(lang: Lang, doc: &Value, reference: String, letters: bool, read: bool) -> Row {
    let mut badges = Vec::new();
    if letters && !read {
        badges.push(text(lang, "letters.unread").to_owned());
    }
    if !letters && !has_digital_content(doc) {
        badges.push(text(lang, "journal.not-digital").to_owned());
    }
    let author = reference_display(doc.pointer("/custodian"))
        .or_else(|| reference_display(doc.pointer("/author/0")));
    Row {
        reference,
        sort: sort_date(doc, &["/date", "/context/period/start"]),
        date: first_date(doc, &["/date", "/context/period/start"]),
        title: if title_of(doc).is_empty() {
            text(lang, "journal.untitled").to_owned()
        } else {
            title_of(doc)
        },
        detail: author,
        badges,
        metadata_only: is_redacted(doc),
    }
}

/// Letters (`DocumentReference/id`) among `letters` that have been read, from their
/// completed receipt Tasks (one search for all).
async fn opened_letters(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
    letters: &[String],
) -> Result<HashSet<String>, PortalError> {
    if letters.is_empty() {
        return Ok(HashSet::new());
    }
    let code = format!("{}|letter-read", nordlys_policy::TASK_KIND_SYSTEM);
    let receipts = items(
        state,
        citizen,
        "Task",
        "patient",
        patient_id,
        &[("code", &code), ("status", "completed")],
    )
    .await?;
    Ok(receipts
        .iter()
        .filter_map(|(_, t)| str_at(t, "/focus/reference").map(str::to_owned))
        .filter(|r| letters.contains(r))
        .collect())
}

/// The form a letter asks to be filled in (`context.related` → Questionnaire).
fn attached_form(doc: &Value) -> Option<&str> {
    doc.pointer("/context/related")?
        .as_array()?
        .iter()
        .filter_map(|r| str_at(r, "/reference"))
        .find(|r| r.starts_with("Questionnaire/"))
}

/// The list of documents or letters, with the "not available digitally" overview.
pub async fn list(
    state: &PortalState,
    citizen: &Citizen,
    tile: &str,
    patient_id: &str,
) -> Result<ListPage, PortalError> {
    let letters = tile == "letters";
    let docs = items(
        state,
        citizen,
        "DocumentReference",
        "patient",
        patient_id,
        &[],
    )
    .await?;
    let lang = citizen.lang;
    let docs: Vec<(String, Value)> = docs
        .into_iter()
        .filter(|(_, d)| is_letter(d) == letters)
        .map(|(s, d)| (format!("DocumentReference/{}", s.id), d))
        .collect();
    // Where the log is closed to the viewer, whether a letter was opened is unknown,
    // and no letter is marked unread rather than all of them.
    let opened = if letters {
        let refs: Vec<String> = docs.iter().map(|(r, _)| r.clone()).collect();
        match opened_letters(state, citizen, patient_id, &refs).await {
            Ok(o) => Some(o),
            Err(_) => {
                // The error may name items; the log line must not.
                tracing::debug!("letters: access log not available");
                None
            }
        }
    } else {
        None
    };
    let rows: Vec<Row> = docs
        .into_iter()
        .map(|(r, d)| {
            let read = opened.as_ref().is_none_or(|o| o.contains(&r));
            row(lang, &d, r, letters, read)
        })
        .collect();
    let not_digital: Vec<&Row> = rows
        .iter()
        .filter(|r| {
            r.metadata_only
                || r.badges
                    .iter()
                    .any(|b| b == text(lang, "journal.not-digital"))
        })
        .collect();
    let extra = (!letters && !not_digital.is_empty()).then(|| {
        html! {
            section.overview aria-labelledby="not-digital" {
                h2 #not-digital { (text(lang, "journal.not-digital-title")) }
                p { (text(lang, "journal.not-digital-intro")) }
                ul {
                    @for r in &not_digital {
                        li { (r.title) @if let Some(d) = &r.date { " · " (d) } }
                    }
                }
            }
        }
    });
    Ok(ListPage { rows, extra })
}

/// Text content of the first plain-text attachment, decoded.
fn inline_text(doc: &Value) -> Option<String> {
    let content = doc.get("content")?.as_array()?;
    content.iter().find_map(|c| {
        let a = c.get("attachment")?;
        let ct = a.get("contentType").and_then(Value::as_str).unwrap_or("");
        if !ct.starts_with("text/plain") {
            return None;
        }
        let data = a.get("data").and_then(Value::as_str)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .ok()?;
        String::from_utf8(bytes).ok()
    })
}

fn has_binary(doc: &Value) -> bool {
    doc.get("content")
        .and_then(Value::as_array)
        .is_some_and(|c| {
            c.iter().any(|a| {
                a.pointer("/attachment/url")
                    .and_then(Value::as_str)
                    .is_some_and(|u| u.starts_with("Binary/"))
            })
        })
}

/// The detail page of one document or letter, with the glossary words of its text.
pub fn detail(lang: Lang, doc: &Value, handle: &str, glossary: &Glossary) -> Markup {
    let title = title_of(doc);
    let body = inline_text(doc);
    let words = body
        .as_deref()
        .map(|b| glossary.find(b))
        .unwrap_or_default();
    html! {
        article.document {
            h1 { @if title.is_empty() { (text(lang, "journal.untitled")) } @else { (title) } }
            dl.facts {
                @if let Some(d) = first_date(doc, &["/date", "/context/period/start"]) {
                    dt { (text(lang, "field.date")) } dd { (d) }
                }
                @if let Some(t) = concept_text(doc.get("type")) {
                    dt { (text(lang, "field.type")) } dd { (t) }
                }
                @if let Some(a) = reference_display(doc.pointer("/custodian")) {
                    dt { (text(lang, "field.organisation")) } dd { (a) }
                }
                @if let Some(a) = reference_display(doc.pointer("/author/0")) {
                    dt { (text(lang, "field.author")) } dd { (a) }
                }
            }
            @if let Some(body) = &body {
                section.content lang="nb" {
                    @for para in body.split("\n\n") { p { (para) } }
                }
            }
            @if !words.is_empty() {
                section.glossary aria-labelledby="glossary-title" {
                    h2 #glossary-title { (text(lang, "glossary.title")) }
                    dl lang="nb" {
                        @for (word, explanation) in &words {
                            dt { dfn { (word) } }
                            dd { (explanation) }
                        }
                    }
                }
            }
            @if has_binary(doc) && !is_redacted(doc) {
                p { a.button href=(format!("/content/{handle}")) { (text(lang, "journal.open-pdf")) } }
            }
            @if !has_digital_content(doc) {
                p { (text(lang, "journal.ask-copy")) }
            }
            @if is_letter(doc) && attached_form(doc).is_some() {
                div.notice.form-attached role="note" { p { (text(lang, "letters.form-attached")) } }
            }
        }
    }
}

/// `GET /content/{handle}`: the PDF (or other file) of a document, through the
/// store's Binary read (decided through the document by the policy).
pub async fn content(
    State(state): State<PortalState>,
    citizen: Citizen,
    Path(handle): Path<String>,
) -> Response {
    let lang = citizen.lang;
    let not_found = |c: &Citizen| {
        message(
            lang,
            StatusCode::NOT_FOUND,
            "error.not-found-title",
            "error.not-found",
            Some(c),
        )
    };
    if citizen.session.low_level {
        return message(
            lang,
            StatusCode::FORBIDDEN,
            "level.title",
            "level.explain",
            Some(&citizen),
        );
    }
    let Some(reference) = citizen.session.resolve(&handle).map(str::to_owned) else {
        return not_found(&citizen);
    };
    if !reference.starts_with("DocumentReference/") {
        return not_found(&citizen);
    }
    let doc = match item(&state, &citizen, &reference).await {
        Ok(d) => d,
        Err(e) => return error_page(&e, &citizen),
    };
    let Some(url) = doc
        .get("content")
        .and_then(Value::as_array)
        .and_then(|c| {
            c.iter().find_map(|a| {
                a.pointer("/attachment/url")
                    .and_then(Value::as_str)
                    .filter(|u| u.starts_with("Binary/"))
            })
        })
        .map(str::to_owned)
    else {
        return not_found(&citizen);
    };
    let binary = match item(&state, &citizen, &url).await {
        Ok(b) => b,
        Err(e) => return error_page(&e, &citizen),
    };
    let content_type = str_at(&binary, "/contentType").unwrap_or("application/octet-stream");
    // Only types a browser shows safely inline; anything else is a download.
    let (content_type, disposition) = match content_type {
        "application/pdf" => ("application/pdf", "inline"),
        t if t.starts_with("text/plain") => ("text/plain; charset=utf-8", "inline"),
        _ => ("application/octet-stream", "attachment"),
    };
    let Some(bytes) = str_at(&binary, "/data")
        .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
    else {
        return not_found(&citizen);
    };
    (
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"document\""),
            ),
            (
                CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response()
}
