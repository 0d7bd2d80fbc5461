//! One dialog thread in the portal (`GET /dialog/{handle}`), the reply
//! (`POST /dialog/{handle}/reply`, multipart) and an attachment
//! (`GET /dialog/file/{handle}`).
//!
//! Why opening the page is the read receipt: the unit sees "read" when the citizen
//! has had the answer on screen, as Helsenorge does; the store marks only what this
//! citizen may act on (a parent who sees a thread in part marks nothing). A closed
//! thread shows where to call instead of the reply form.
use axum::extract::{Multipart, Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use maud::html;
use nordlys_store::dialog::{is_citizen_side, outside_period, status_of, DialogStatus};
use serde_json::Value;

use super::dialog::{call_text, read_form, refusal, status_label, unit_of};
use crate::fetch::{error_page, handles, item, items, PortalError};
use crate::i18n::{fhir_date, text, text_with};
use crate::page::{message, respond, shell};
use crate::security::{csrf_ok, csrf_refused};
use crate::session::Citizen;
use crate::view::str_at;
use crate::PortalState;

fn not_found(citizen: &Citizen) -> Response {
    message(
        citizen.lang,
        StatusCode::NOT_FOUND,
        "error.not-found-title",
        "error.not-found",
        Some(citizen),
    )
}

fn task_of(citizen: &Citizen, handle: &str) -> Option<String> {
    citizen
        .session
        .resolve(handle)?
        .strip_prefix("Task/")
        .map(str::to_owned)
}

/// `GET /dialog/{handle}`: the thread, oldest message first; marks the unit's
/// messages read.
pub async fn page(
    State(state): State<PortalState>,
    citizen: Citizen,
    Path(handle): Path<String>,
) -> Response {
    render(&state, &citizen, &handle, None).await
}

async fn render(
    state: &PortalState,
    citizen: &Citizen,
    handle: &str,
    notice: Option<(&'static str, StatusCode)>,
) -> Response {
    let lang = citizen.lang;
    if citizen.session.low_level {
        return Redirect::to("/dialog").into_response();
    }
    let Some(task_id) = task_of(citizen, handle) else {
        return not_found(citizen);
    };
    let task = match item(state, citizen, &format!("Task/{task_id}")).await {
        Ok(t) => t,
        Err(e) => return error_page(&e, citizen),
    };
    let _ = state.store.dialog_mark_read(&citizen.ctx, &task_id).await;
    let Some(person) = citizen.patient().cloned() else {
        return Redirect::to("/").into_response();
    };
    let msgs = match items(
        state,
        citizen,
        "Communication",
        "subject",
        &person.patient_id,
        &[("part-of", &format!("Task/{task_id}")), ("_sort", "sent")],
    )
    .await
    {
        Ok(m) => m,
        Err(e) => return error_page(&e, citizen),
    };
    let files: Vec<String> = msgs
        .iter()
        .flat_map(|(_, m)| attachments(m))
        .map(|(url, _)| url)
        .collect();
    let file_handles = handles(state, citizen, &files);
    let flash = state
        .sessions
        .update(&citizen.sid, |s| s.flash.take())
        .flatten();
    let status = status_of(&task);
    let unit = unit_of(&task);
    let title = str_at(&task, "/description").unwrap_or("—");
    let mut fh = file_handles.iter();
    // A flexible dialog outside its period takes no message either (the store refuses
    // it): show where to call instead of the form.
    let closed = status == DialogStatus::Closed || outside_period(&task, chrono::Utc::now());
    let closed_phone = if closed {
        phone(state, citizen, &task).await
    } else {
        None
    };
    let body = html! {
        p { a href="/dialog" { (text(lang, "dialog.back")) } }
        h1 { (title) }
        @if let Some(f) = &flash { div.notice.ok role="status" { p { (f) } } }
        @if let Some((key, _)) = notice { div.notice.error role="alert" { p { (text(lang, key)) } } }
        p.meta {
            (text_with(lang, "dialog.with-unit", &[("unit", unit)]))
            " · " span.status { (status_label(lang, status)) }
        }
        ol.messages {
            @for (_, m) in &msgs {
                @let mine = m.get("sender").is_some_and(is_citizen_side);
                li.message.mine[mine] {
                    p.meta {
                        span.sender { @if mine { (sender_name(citizen, m)) } @else { (unit) } }
                        " · " span.date { (fhir_date(str_at(m, "/sent").unwrap_or(""))) }
                    }
                    @for t in texts(m) { p.text lang="nb" { (t) } }
                    @for (_, title) in attachments(m) {
                        @if let Some(h) = fh.next() {
                            p.attachment { a href={ "/dialog/file/" (h) } { (text_with(lang, "dialog.attachment", &[("name", &title)])) } }
                        }
                    }
                    @if mine {
                        p.read {
                            @match str_at(m, "/received") {
                                Some(r) => (text_with(lang, "dialog.read-by-unit", &[("date", &fhir_date(r))])),
                                None => (text(lang, "messages.not-read")),
                            }
                        }
                    }
                }
            }
        }
        @if closed {
            div.notice role="note" { p {
                (call_text(lang, unit, closed_phone.as_deref(), "dialog.closed"))
            } }
        } @else {
            form method="post" action={ "/dialog/" (handle) "/reply" } enctype="multipart/form-data" {
                input type="hidden" name="_csrf" value=(citizen.session.csrf);
                label for="reply-text" { (text(lang, "dialog.reply")) }
                textarea id="reply-text" name="text" rows="5" maxlength="10000" {}
                label for="reply-file" { (text(lang, "dialog.attach")) }
                input id="reply-file" type="file" name="file" accept="application/pdf,image/jpeg,image/png";
                p.hint { (text(lang, "dialog.attach-hint")) }
                button type="submit" { (text(lang, "dialog.send")) }
            }
        }
    };
    let code = notice.map_or(StatusCode::OK, |n| n.1);
    respond(code, shell(lang, title, "/dialog", Some(citizen), body))
}

/// The unit's phone number from its Organization (directory data).
async fn phone(state: &PortalState, citizen: &Citizen, task: &Value) -> Option<String> {
    let r = str_at(task, "/owner/reference")?;
    let org = item(state, citizen, r).await.ok()?;
    org.get("telecom")
        .and_then(Value::as_array)?
        .iter()
        .find(|t| str_at(t, "/system") == Some("phone"))
        .and_then(|t| str_at(t, "/value"))
        .map(str::to_owned)
}

fn sender_name(citizen: &Citizen, m: &Value) -> String {
    match citizen.patient() {
        Some(p) if str_at(m, "/sender/reference") == Some(&format!("Patient/{}", p.patient_id)) => {
            p.name.clone()
        }
        _ => text(citizen.lang, "messages.from-representative").to_owned(),
    }
}

fn texts(m: &Value) -> Vec<&str> {
    m.get("payload")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| str_at(p, "/contentString"))
        .collect()
}

/// (`Binary/id`, title) of each attachment.
fn attachments(m: &Value) -> Vec<(String, String)> {
    m.get("payload")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let url = str_at(p, "/contentAttachment/url")?;
            url.starts_with("Binary/").then(|| {
                (
                    url.to_owned(),
                    str_at(p, "/contentAttachment/title")
                        .unwrap_or("vedlegg")
                        .to_owned(),
                )
            })
        })
        .collect()
}

/// `POST /dialog/{handle}/reply` (multipart): `text`, optional `file`.
pub async fn reply(
    State(state): State<PortalState>,
    citizen: Citizen,
    Path(handle): Path<String>,
    form: Multipart,
) -> Response {
    let Some(posted) = read_form(form).await else {
        return render(
            &state,
            &citizen,
            &handle,
            Some(("dialog.too-large", StatusCode::PAYLOAD_TOO_LARGE)),
        )
        .await;
    };
    if !csrf_ok(&citizen.session, posted.field("_csrf")) {
        return csrf_refused(citizen.lang);
    }
    let Some(task_id) = task_of(&citizen, &handle) else {
        return not_found(&citizen);
    };
    let text_posted = posted.field("text").unwrap_or_default().to_owned();
    match state
        .store
        .dialog_send(
            &citizen.ctx,
            &task_id,
            &text_posted,
            posted.files,
            Vec::new(),
            None,
        )
        .await
    {
        Ok(_) => {
            let msg = text(citizen.lang, "dialog.sent").to_owned();
            state.sessions.update(&citizen.sid, |s| s.flash = Some(msg));
            Redirect::to(&format!("/dialog/{handle}")).into_response()
        }
        Err(e) => match refusal(&e) {
            Some(n) => render(&state, &citizen, &handle, Some(n)).await,
            None => error_page(&PortalError(e), &citizen),
        },
    }
}

/// `GET /dialog/file/{handle}`: an attachment, as the store shows it to this citizen.
pub async fn file(
    State(state): State<PortalState>,
    citizen: Citizen,
    Path(handle): Path<String>,
) -> Response {
    let Some(reference) = citizen.session.resolve(&handle).map(str::to_owned) else {
        return not_found(&citizen);
    };
    if !reference.starts_with("Binary/") || citizen.session.low_level {
        return not_found(&citizen);
    }
    let binary = match item(&state, &citizen, &reference).await {
        Ok(b) => b,
        Err(e) => return error_page(&e, &citizen),
    };
    let content_type = match str_at(&binary, "/contentType") {
        Some(t @ ("application/pdf" | "image/jpeg" | "image/png")) => t.to_owned(),
        _ => return not_found(&citizen),
    };
    let Some(bytes) = str_at(&binary, "/data")
        .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
    else {
        return not_found(&citizen);
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
