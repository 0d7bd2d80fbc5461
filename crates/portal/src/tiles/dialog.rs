//! "Meldinger" as digital dialog (issue 5 § 4): the threads with treating units
//! (`GET /dialog`), a new message to a unit (`POST /dialog/new`), and — in
//! `dialog_thread.rs` — one thread, the reply and the attachments.
//!
//! Why the portal only forwards: who may write to whom (§ 10, the 12–15 rules), the
//! closed-dialog rule and the attachment checks are the store's
//! (`FhirStore::dialog_start`/`dialog_send`). The portal lists the units the store
//! offers for the person acted for (with their Helsekontakt), resolves session handles
//! (never ids in addresses), checks the CSRF token and turns refusals into plain words.
//! Forms are multipart (a file may go with the text) and use no script.
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use nordlys_store::dialog::{status_of, DialogStatus};
use nordlys_store::{DialogUnit, NewThread, StoreError, Upload};
use serde_json::Value;

use crate::fetch::{error_page, handles, items, PortalError};
use crate::i18n::{fhir_date, text, text_with, Lang};
use crate::page::{person_label, respond, shell};
use crate::security::{csrf_ok, csrf_refused};
use crate::session::Citizen;
use crate::view::str_at;
use crate::PortalState;

/// The posted fields and files of a dialog form.
#[derive(Debug, Default)]
pub struct Posted {
    pub fields: Vec<(String, String)>,
    pub files: Vec<Upload>,
}

impl Posted {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// Reads a multipart form; an empty file input is no file. `None`: unreadable.
pub async fn read_form(mut form: Multipart) -> Option<Posted> {
    let mut posted = Posted::default();
    while let Some(field) = form.next_field().await.ok()? {
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(file_name) = field.file_name().map(str::to_owned) {
            let content_type = field.content_type().unwrap_or_default().to_owned();
            let data = field.bytes().await.ok()?;
            if !data.is_empty() {
                posted.files.push(Upload {
                    content_type,
                    title: file_name,
                    data: data.to_vec(),
                });
            }
        } else {
            posted.fields.push((name, field.text().await.ok()?));
        }
    }
    Some(posted)
}

/// The state of a thread as the citizen reads it.
pub fn status_label(lang: Lang, s: DialogStatus) -> &'static str {
    text(
        lang,
        match s {
            DialogStatus::New => "dialog.status.new",
            DialogStatus::InProgress => "dialog.status.in-progress",
            DialogStatus::Answered => "dialog.status.answered",
            DialogStatus::Closed => "dialog.status.closed",
        },
    )
}

/// The store's refusal in plain words (text key, status), or `None` for the error page.
pub fn refusal(e: &StoreError) -> Option<(&'static str, StatusCode)> {
    Some(match e {
        StoreError::TooLarge(_) => ("dialog.too-large", StatusCode::PAYLOAD_TOO_LARGE),
        StoreError::UnsupportedMedia(_) => ("dialog.bad-type", StatusCode::UNSUPPORTED_MEDIA_TYPE),
        StoreError::Invalid(i) if i.iter().any(|i| i.diagnostics.contains("closed")) => {
            ("dialog.closed", StatusCode::UNPROCESSABLE_ENTITY)
        }
        StoreError::Invalid(i) if i.iter().any(|i| i.diagnostics.contains("empty")) => {
            ("dialog.empty", StatusCode::UNPROCESSABLE_ENTITY)
        }
        StoreError::Invalid(_) => ("dialog.not-possible", StatusCode::UNPROCESSABLE_ENTITY),
        StoreError::Forbidden(_) | StoreError::NotFound { .. } => {
            ("dialog.refused", StatusCode::FORBIDDEN)
        }
        StoreError::Conflict(_) => ("dialog.changed", StatusCode::CONFLICT),
        _ => return None,
    })
}

/// `GET /dialog`.
pub async fn page(State(state): State<PortalState>, citizen: Citizen) -> Response {
    let flash = state
        .sessions
        .update(&citizen.sid, |s| s.flash.take())
        .flatten();
    render(&state, &citizen, flash, None).await
}

/// The page with an optional notice (text key, status) from a refused form.
pub async fn render(
    state: &PortalState,
    citizen: &Citizen,
    flash: Option<String>,
    notice: Option<(&'static str, StatusCode)>,
) -> Response {
    let lang = citizen.lang;
    let title = text(lang, "dialog.title");
    if citizen.session.low_level {
        let body =
            html! { h1 { (title) } div.notice role="note" { p { (text(lang, "level.explain")) } } };
        return respond(
            StatusCode::OK,
            shell(lang, title, "/dialog", Some(citizen), body),
        );
    }
    let Some(person) = citizen.patient().cloned() else {
        return Redirect::to("/").into_response();
    };
    let threads = match items(
        state,
        citizen,
        "Task",
        "patient",
        &person.patient_id,
        &[
            (
                "code",
                "https://nordlys.no/fhir/CodeSystem/task-kind|dialog",
            ),
            ("_sort", "-modified"),
        ],
    )
    .await
    {
        Ok(t) => t,
        Err(e) => return error_page(&e, citizen),
    };
    let units = match state
        .store
        .dialog_units(&citizen.ctx, &person.patient_id)
        .await
    {
        Ok(u) => u,
        Err(e) => return error_page(&PortalError(e), citizen),
    };
    let refs: Vec<String> = threads
        .iter()
        .map(|(s, _)| format!("Task/{}", s.id))
        .chain(units.iter().map(|u| format!("Organization/{}", u.unit.id)))
        .collect();
    let hs = handles(state, citizen, &refs);
    let (thread_handles, unit_handles) = hs.split_at(threads.len().min(hs.len()));
    let unread = unread_threads(state, citizen, &person.patient_id).await;
    let body = html! {
        h1 { (title) }
        @if let Some(f) = &flash { div.notice.ok role="status" { p { (f) } } }
        @if let Some((key, _)) = notice { div.notice.error role="alert" { p { (text(lang, key)) } } }
        p.acting { (text_with(lang, "home.acting-for", &[("person", &person_label(lang, &person))])) }
        h2 { (text(lang, "dialog.threads")) }
        @if threads.is_empty() { p { (text(lang, "dialog.no-threads")) } }
        @else {
            ul.threads {
                @for ((s, t), h) in threads.iter().zip(thread_handles) {
                    li.thread {
                        a href={ "/dialog/" (h) } { (str_at(t, "/description").unwrap_or("—")) }
                        " · " span.unit { (str_at(t, "/owner/display").unwrap_or("")) }
                        " · " span.status { (status_label(lang, status_of(t))) }
                        " · " span.date { (fhir_date(str_at(t, "/lastModified").unwrap_or(""))) }
                        @if unread.contains(&s.id) { " " strong.badge { (text(lang, "messages.unread")) } }
                    }
                }
            }
        }
        h2 { (text(lang, "dialog.new")) }
        @if units.is_empty() { p { (text(lang, "dialog.no-units")) } }
        @for (u, h) in units.iter().zip(unit_handles) { (unit_form(lang, &citizen.session.csrf, u, h)) }
        p { a href="/tiles/messages" { (text(lang, "dialog.all-messages")) } }
    };
    let status = notice.map_or(StatusCode::OK, |n| n.1);
    respond(status, shell(lang, title, "/dialog", Some(citizen), body))
}

/// The ids of threads with a message from the unit not yet read.
async fn unread_threads(state: &PortalState, citizen: &Citizen, patient_id: &str) -> Vec<String> {
    let Ok(msgs) = items(state, citizen, "Communication", "subject", patient_id, &[]).await else {
        return Vec::new();
    };
    msgs.iter()
        .filter(|(_, m)| m.get("received").is_none())
        .filter(|(_, m)| {
            !m.get("sender")
                .is_some_and(nordlys_store::dialog::is_citizen_side)
        })
        .filter_map(|(_, m)| nordlys_store::dialog::thread_of(m))
        .collect()
}

/// A unit: its Helsekontakt, and the form to write to it — or where to call.
fn unit_form(lang: Lang, csrf: &str, u: &DialogUnit, handle: &str) -> Markup {
    let id = format!("unit-{handle}");
    html! {
        section.unit aria-labelledby=(id) {
            h3 id=(id) { (u.unit.name) }
            @if let Some(c) = &u.helsekontakt {
                p.helsekontakt { (text_with(lang, "dialog.helsekontakt", &[("name", c)])) }
            }
            @if u.unit.offers_dialog {
                form method="post" action="/dialog/new" enctype="multipart/form-data" {
                    input type="hidden" name="_csrf" value=(csrf);
                    input type="hidden" name="unit" value=(handle);
                    label for={ "topic-" (handle) } { (text(lang, "dialog.topic")) }
                    input id={ "topic-" (handle) } type="text" name="topic" maxlength="200" required;
                    label for={ "text-" (handle) } { (text(lang, "dialog.text")) }
                    textarea id={ "text-" (handle) } name="text" rows="5" maxlength="10000" required {}
                    label for={ "file-" (handle) } { (text(lang, "dialog.attach")) }
                    input id={ "file-" (handle) } type="file" name="file" accept="application/pdf,image/jpeg,image/png";
                    p.hint { (text(lang, "dialog.attach-hint")) }
                    button type="submit" { (text(lang, "dialog.send")) }
                }
            } @else {
                div.notice role="note" { p { (call_text(lang, &u.unit.name, u.unit.phone.as_deref(), "dialog.not-offered")) } }
            }
        }
    }
}

/// "This unit does not offer … call {unit} on {phone}".
pub fn call_text(lang: Lang, unit: &str, phone: Option<&str>, why: &str) -> String {
    let call = match phone {
        Some(p) => text_with(lang, "dialog.call", &[("unit", unit), ("phone", p)]),
        None => text_with(lang, "dialog.call-no-phone", &[("unit", unit)]),
    };
    format!("{} {call}", text(lang, why))
}

/// `POST /dialog/new` (multipart): `unit` (handle), `topic`, `text`, optional `file`.
pub async fn start(
    State(state): State<PortalState>,
    citizen: Citizen,
    form: Multipart,
) -> Response {
    let Some(posted) = read_form(form).await else {
        return render(
            &state,
            &citizen,
            None,
            Some(("dialog.too-large", StatusCode::PAYLOAD_TOO_LARGE)),
        )
        .await;
    };
    if !csrf_ok(&citizen.session, posted.field("_csrf")) {
        return csrf_refused(citizen.lang);
    }
    let Some(person) = citizen.patient().cloned() else {
        return Redirect::to("/").into_response();
    };
    let unit = posted
        .field("unit")
        .and_then(|h| citizen.session.resolve(h))
        .and_then(|r| r.strip_prefix("Organization/"))
        .map(str::to_owned);
    let Some(unit_id) = unit else {
        return render(
            &state,
            &citizen,
            None,
            Some(("dialog.refused", StatusCode::NOT_FOUND)),
        )
        .await;
    };
    let referral = state
        .store
        .dialog_units(&citizen.ctx, &person.patient_id)
        .await
        .ok()
        .and_then(|us| us.into_iter().find(|u| u.unit.id == unit_id))
        .and_then(|u| u.referral);
    let thread = NewThread {
        patient_id: person.patient_id.clone(),
        unit_id,
        topic: posted.field("topic").unwrap_or_default().to_owned(),
        kind: "standard".into(),
        referral,
        text: posted.field("text").unwrap_or_default().to_owned(),
        attachments: posted.files,
    };
    match state.store.dialog_start(&citizen.ctx, thread).await {
        Ok((task, _)) => {
            let h = handles(&state, &citizen, &[format!("Task/{}", task.id)]);
            let msg = text(citizen.lang, "dialog.sent").to_owned();
            state.sessions.update(&citizen.sid, |s| s.flash = Some(msg));
            Redirect::to(&format!("/dialog/{}", h.first().map_or("", String::as_str)))
                .into_response()
        }
        Err(e) => match refusal(&e) {
            Some(n) => render(&state, &citizen, None, Some(n)).await,
            None => error_page(&PortalError(e), &citizen),
        },
    }
}

/// The unit's name on a thread.
pub fn unit_of(task: &Value) -> &str {
    str_at(task, "/owner/display").unwrap_or("")
}
