//! One dialog thread in the unit inbox (`GET /clinician/inbox/{handle}`): the
//! messages oldest first with read receipts, the answer form, and assign / close /
//! reopen (posted to `/clinician/inbox/act`, see `inbox.rs`).
//!
//! Why opening marks the citizen's messages read: the citizen's "read by the place of
//! treatment" should mean a clinician had the message on screen, not that a record
//! system fetched it.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use nordlys_store::dialog::{
    assignee, instant_ext, is_citizen_side, status_of, DialogStatus, ANSWER_DUE_URL,
};
use serde_json::Value;

use crate::i18n::{date_time, text, text_with, Lang};
use crate::inbox::overdue;
use crate::page::{message, respond, shell};
use crate::session::Clinician;
use crate::WorkspaceState;

fn s_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn at(v: &Value, pointer: &str) -> String {
    s_at(v, pointer)
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| date_time(t.with_timezone(&chrono::Utc)))
        .unwrap_or_default()
}

fn sender(lang: Lang, m: &Value) -> String {
    if let Some(d) = s_at(m, "/sender/display") {
        return d.to_owned();
    }
    let key = if m.get("sender").is_some_and(is_citizen_side) {
        if s_at(m, "/sender/reference").is_some_and(|r| r.starts_with("Patient/")) {
            "inbox.from-patient"
        } else {
            "inbox.from-representative"
        }
    } else {
        "inbox.from-unit"
    };
    text(lang, key).to_owned()
}

/// `GET /clinician/inbox/{handle}`.
pub async fn page(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    Path(handle): Path<String>,
) -> Response {
    let lang = clinician.lang;
    let s = &clinician.session;
    let gone = || {
        message(
            lang,
            StatusCode::NOT_FOUND,
            "inbox.title",
            text(lang, "inbox.gone"),
            Some(s),
        )
    };
    let Some(task_id) = s
        .resolve(&handle)
        .and_then(|r| r.strip_prefix("Task/"))
        .map(str::to_owned)
    else {
        return gone();
    };
    if let Err(e) = state.store.dialog_mark_read(&clinician.ctx, &task_id).await {
        tracing::debug!(error = %e, "inbox read receipt");
    }
    let (task, msgs) = match state.store.unit_thread(&clinician.ctx, &task_id).await {
        Ok(t) => t,
        Err(_) => return gone(),
    };
    let files: Vec<String> = msgs
        .iter()
        .flat_map(|m| {
            m.get("payload")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter_map(|p| s_at(p, "/contentAttachment/url"))
        .filter(|u| u.starts_with("Binary/"))
        .map(str::to_owned)
        .collect();
    let file_handles: Vec<String> = state
        .sessions
        .update(&clinician.sid, |s| {
            files.iter().map(|f| s.handle(f)).collect()
        })
        .unwrap_or_default();
    let mut fh = file_handles.iter();
    let status = status_of(&task);
    let title = s_at(&task, "/description").unwrap_or("—").to_owned();
    let late = overdue(&task, chrono::Utc::now());
    let form = |action: &str, key: &str| {
        html! {
            form.inline method="post" action="/clinician/inbox/act" {
                input type="hidden" name="_csrf" value=(s.csrf);
                input type="hidden" name="thread" value=(handle);
                input type="hidden" name="action" value=(action);
                button type="submit" { (text(lang, key)) }
            }
        }
    };
    let body = html! {
        p { a href="/clinician/inbox" { (text(lang, "inbox.back")) } }
        h1 { (title) }
        dl.thread-facts {
            dt { (text(lang, "inbox.col.patient")) } dd { (s_at(&task, "/for/display").unwrap_or("")) }
            dt { (text(lang, "inbox.col.state")) } dd.state { (text(lang, &format!("inbox.status.{}", status.code()))) }
            dt { (text(lang, "inbox.col.assigned")) } dd.assigned { (assignee(&task).map(|a| a.1).unwrap_or_else(|| text(lang, "inbox.none").to_owned())) }
            dt { (text(lang, "inbox.col.due")) } dd {
                (instant_ext(&task, ANSWER_DUE_URL).map(date_time).unwrap_or_default())
                @if late { " " strong.badge { (text(lang, "inbox.overdue")) } }
            }
        }
        div.actions {
            @if assignee(&task).map(|a| a.0) != Some(s.hpr.clone()) { (form("assign", "inbox.assign-me")) }
            @if status == DialogStatus::Closed { (form("reopen", "inbox.reopen")) } @else { (form("close", "inbox.close")) }
        }
        ol.messages {
            @for m in &msgs {
                @let citizen = m.get("sender").is_some_and(is_citizen_side);
                li.message.citizen[citizen] {
                    p.meta { span.sender { (sender(lang, m)) } " · " span.date { (at(m, "/sent")) } }
                    @for p in m.get("payload").and_then(Value::as_array).into_iter().flatten() {
                        @if let Some(t) = s_at(p, "/contentString") { p.text lang="nb" { (t) } }
                        @if let Some(t) = s_at(p, "/contentAttachment/title") {
                            p.attachment {
                                @let label = text_with(lang, "inbox.attachment", &[("name", t)]);
                                @match s_at(p, "/contentAttachment/url").filter(|u| u.starts_with("Binary/")).and_then(|_| fh.next()) {
                                    Some(h) => a href={ "/clinician/inbox/file/" (h) } { (label) },
                                    None => (label),
                                }
                            }
                        }
                    }
                    @if !citizen {
                        p.read {
                            @if m.get("received").is_some() { (text_with(lang, "inbox.read-by-citizen", &[("at", &at(m, "/received"))])) }
                            @else { (text(lang, "inbox.not-read")) }
                        }
                    }
                }
            }
        }
        @if status != DialogStatus::Closed {
            form method="post" action="/clinician/inbox/act" {
                input type="hidden" name="_csrf" value=(s.csrf);
                input type="hidden" name="thread" value=(handle);
                input type="hidden" name="action" value="answer";
                label for="answer-text" { (text(lang, "inbox.answer")) }
                textarea id="answer-text" name="text" rows="6" maxlength="10000" required {}
                button type="submit" { (text(lang, "inbox.send")) }
            }
        }
    };
    respond(
        StatusCode::OK,
        shell(lang, &title, "/clinician/inbox", Some(s), body),
    )
}

/// `GET /clinician/inbox/file/{handle}`: an attachment of a thread, read with the
/// practitioner's context (the gate decides it through its message; logged).
pub async fn file(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    Path(handle): Path<String>,
) -> Response {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
    use axum::response::IntoResponse;
    use base64::Engine;
    let lang = clinician.lang;
    let s = &clinician.session;
    let gone = || {
        message(
            lang,
            StatusCode::NOT_FOUND,
            "inbox.title",
            text(lang, "inbox.gone"),
            Some(s),
        )
    };
    let Some(id) = s
        .resolve(&handle)
        .and_then(|r| r.strip_prefix("Binary/"))
        .map(str::to_owned)
    else {
        return gone();
    };
    let Ok(stored) = state.store.read(&clinician.ctx, "Binary", &id).await else {
        return gone();
    };
    let Ok(binary) = serde_json::from_str::<Value>(&stored.body) else {
        return gone();
    };
    let content_type = match s_at(&binary, "/contentType") {
        Some(t @ ("application/pdf" | "image/jpeg" | "image/png")) => t.to_owned(),
        _ => return gone(),
    };
    let Some(bytes) = s_at(&binary, "/data")
        .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
    else {
        return gone();
    };
    (
        [
            (CONTENT_TYPE, content_type),
            (
                CONTENT_DISPOSITION,
                "inline; filename=\"vedlegg\"".to_owned(),
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
