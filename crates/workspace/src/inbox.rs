//! The unit inbox (`/clinician/inbox`, issue 5 § 4): every work item of the
//! practitioner's organisation — dialog threads, delivered forms, measurements over a
//! threshold, care-plan handovers … (all task kinds of `TASK_KIND_SYSTEM`) — with
//! state, assignment and answer time (overdue marked); filters; "assign to me"; and
//! a dialog thread opened, answered, closed or reopened (`inbox_thread.rs`).
//!
//! Why no purpose of use is asked here: the inbox holds only the organisation's own
//! items, full for its practitioners under § 9's first row; the store's
//! `unit_inbox`/`unit_thread` keep to those items, ask the gate about each and log
//! every access (the patient's access log shows the practitioner read the thread).
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::html;
use nordlys_store::dialog::{
    assignee, instant_ext, is_thread, status_of, DialogStatus, ANSWER_DUE_URL, FIRST_ANSWER_URL,
};
use nordlys_store::DialogChange;
use serde::Deserialize;
use serde_json::Value;

use crate::i18n::{date_time, text, text_with, Lang};
use crate::page::{message, respond, shell};
use crate::security::{csrf_ok, csrf_refused};
use crate::session::Clinician;
use crate::WorkspaceState;

/// `?state=`: which items to list.
#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    state: Option<String>,
}

/// The filters offered, as (code, text key).
const FILTERS: [(&str, &str); 6] = [
    ("open", "inbox.filter.open"),
    ("new", "inbox.status.new"),
    ("in-progress", "inbox.status.in-progress"),
    ("answered", "inbox.status.answered"),
    ("closed", "inbox.status.closed"),
    ("all", "inbox.filter.all"),
];

/// The inbox state of any work item: a thread's own state; for other kinds, from
/// `Task.status` (requested → new, completed/cancelled → closed, else in progress).
pub fn item_state(task: &Value) -> DialogStatus {
    if is_thread(task) {
        return status_of(task);
    }
    match task
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
    {
        "draft" | "requested" | "received" => DialogStatus::New,
        "completed" | "cancelled" | "rejected" | "failed" | "entered-in-error" => {
            DialogStatus::Closed
        }
        _ => DialogStatus::InProgress,
    }
}

fn matches(filter: &str, task: &Value) -> bool {
    let s = item_state(task);
    match filter {
        "all" => true,
        "open" => s != DialogStatus::Closed,
        f => s.code() == f,
    }
}

/// Past its promised answer time without an answer, and not closed.
pub fn overdue(task: &Value, now: DateTime<Utc>) -> bool {
    instant_ext(task, ANSWER_DUE_URL).is_some_and(|due| due < now)
        && instant_ext(task, FIRST_ANSWER_URL).is_none()
        && item_state(task) != DialogStatus::Closed
}

fn kind_of(task: &Value) -> &str {
    task.pointer("/code/coding")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c.get("system").and_then(Value::as_str) == Some(nordlys_policy::TASK_KIND_SYSTEM))
        .and_then(|c| c.get("code").and_then(Value::as_str))
        .unwrap_or("")
}

fn state_label(lang: Lang, s: DialogStatus) -> &'static str {
    text(lang, &format!("inbox.status.{}", s.code()))
}

fn when(lang: Lang, v: Option<DateTime<Utc>>) -> String {
    v.map(date_time)
        .unwrap_or_else(|| text(lang, "inbox.none").to_owned())
}

/// `GET /clinician/inbox`.
pub async fn page(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    Query(q): Query<InboxQuery>,
) -> Response {
    let lang = clinician.lang;
    let filter = q
        .state
        .filter(|s| FILTERS.iter().any(|(c, _)| c == s))
        .unwrap_or_else(|| "open".into());
    let items = match state.store.unit_inbox(&clinician.ctx).await {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(error = %e, "inbox");
            return message(
                lang,
                StatusCode::FORBIDDEN,
                "inbox.title",
                text(lang, "inbox.refused"),
                Some(&clinician.session),
            );
        }
    };
    let shown: Vec<&Value> = items.iter().filter(|t| matches(&filter, t)).collect();
    let refs: Vec<String> = shown
        .iter()
        .map(|t| {
            format!(
                "Task/{}",
                t.get("id").and_then(Value::as_str).unwrap_or_default()
            )
        })
        .collect();
    let handles: Vec<String> = state
        .sessions
        .update(&clinician.sid, |s| {
            refs.iter().map(|r| s.handle(r)).collect()
        })
        .unwrap_or_default();
    let now = Utc::now();
    let s = &clinician.session;
    let title = text(lang, "inbox.title");
    let body = html! {
        h1 { (title) }
        p { (text_with(lang, "inbox.intro", &[("org", &s.org_name)])) }
        nav.filters aria-label=(text(lang, "inbox.filter")) {
            ul {
                @for (code, key) in FILTERS {
                    li {
                        @if code == filter { span aria-current="true" { (text(lang, key)) } }
                        @else { a href={ "/clinician/inbox?state=" (code) } { (text(lang, key)) } }
                    }
                }
            }
        }
        @if shown.is_empty() { p { (text(lang, "inbox.empty")) } }
        @else {
            table.inbox {
                caption { (text_with(lang, "inbox.count", &[("n", &shown.len().to_string())])) }
                thead { tr {
                    th scope="col" { (text(lang, "inbox.col.kind")) }
                    th scope="col" { (text(lang, "inbox.col.subject")) }
                    th scope="col" { (text(lang, "inbox.col.patient")) }
                    th scope="col" { (text(lang, "inbox.col.state")) }
                    th scope="col" { (text(lang, "inbox.col.assigned")) }
                    th scope="col" { (text(lang, "inbox.col.received")) }
                    th scope="col" { (text(lang, "inbox.col.due")) }
                    th scope="col" { (text(lang, "inbox.col.actions")) }
                } }
                tbody {
                    @for (t, h) in shown.iter().zip(&handles) {
                        @let late = overdue(t, now);
                        tr.overdue[late] {
                            td { (kind_label(lang, kind_of(t))) }
                            td {
                                @let subject = t.get("description").and_then(Value::as_str).unwrap_or("—");
                                @if is_thread(t) { a href={ "/clinician/inbox/" (h) } { (subject) } }
                                @else if kind_of(t) == "form-answer" { a href={ "/clinician/forms/" (h) } { (subject) } }
                                @else { (subject) }
                                // A triage form's priority (docs/forms.md); routine is not marked.
                                @if let Some(p) = t.get("priority").and_then(Value::as_str).filter(|p| *p != "routine") {
                                    " " strong.badge.(format!("priority-{p}")) { (text(lang, &format!("inbox.priority.{p}"))) }
                                }
                            }
                            td { (t.pointer("/for/display").and_then(Value::as_str).unwrap_or("")) }
                            td { (state_label(lang, item_state(t))) }
                            td { (assignee(t).map(|a| a.1).unwrap_or_default()) }
                            td { (when(lang, t.get("authoredOn").and_then(Value::as_str).and_then(parse))) }
                            td {
                                (when(lang, instant_ext(t, ANSWER_DUE_URL)))
                                @if late { " " strong.badge { (text(lang, "inbox.overdue")) } }
                                @if let Some(a) = instant_ext(t, FIRST_ANSWER_URL) {
                                    br; (text_with(lang, "inbox.answered-at", &[("at", &date_time(a))]))
                                }
                            }
                            td {
                                @if is_thread(t) && assignee(t).map(|a| a.0) != Some(s.hpr.clone()) {
                                    form method="post" action="/clinician/inbox/act" {
                                        input type="hidden" name="_csrf" value=(s.csrf);
                                        input type="hidden" name="thread" value=(h);
                                        input type="hidden" name="action" value="assign";
                                        button type="submit" { (text(lang, "inbox.assign-me")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        p { a href="/clinician" { (text(lang, "nav.home")) } }
    };
    respond(
        StatusCode::OK,
        shell(lang, title, "/clinician/inbox", Some(s), body),
    )
}

fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn kind_label(lang: Lang, kind: &str) -> String {
    let key = format!("inbox.kind.{kind}");
    if crate::i18n::has(&key) {
        text(lang, &key).to_owned()
    } else {
        kind.to_owned()
    }
}

/// The fields of an inbox action.
#[derive(Debug, Deserialize)]
pub struct ActForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    thread: String,
    action: String,
    text: Option<String>,
}

/// `POST /clinician/inbox/act`: `assign` (to me), `answer` (with `text`), `close`,
/// `reopen`, each through the store with the practitioner's context.
pub async fn act(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    Form(form): Form<ActForm>,
) -> Response {
    let lang = clinician.lang;
    if !csrf_ok(&clinician.session, form.csrf.as_deref()) {
        return csrf_refused(lang);
    }
    let Some(task_id) = clinician
        .session
        .resolve(&form.thread)
        .and_then(|r| r.strip_prefix("Task/"))
        .map(str::to_owned)
    else {
        return message(
            lang,
            StatusCode::NOT_FOUND,
            "inbox.title",
            text(lang, "inbox.gone"),
            Some(&clinician.session),
        );
    };
    let ctx = &clinician.ctx;
    let s = &clinician.session;
    let result = match form.action.as_str() {
        "assign" => state
            .store
            .dialog_change(
                ctx,
                &task_id,
                DialogChange::Assign {
                    hpr: s.hpr.clone(),
                    display: s.name.clone(),
                },
                None,
            )
            .await
            .map(|_| "inbox.done.assigned"),
        "close" => state
            .store
            .dialog_change(
                ctx,
                &task_id,
                DialogChange::Status(DialogStatus::Closed),
                None,
            )
            .await
            .map(|_| "inbox.done.closed"),
        "reopen" => state
            .store
            .dialog_change(
                ctx,
                &task_id,
                DialogChange::Status(DialogStatus::InProgress),
                None,
            )
            .await
            .map(|_| "inbox.done.reopened"),
        "answer" => state
            .store
            .dialog_send(
                ctx,
                &task_id,
                form.text.as_deref().unwrap_or_default(),
                Vec::new(),
                Vec::new(),
                None,
            )
            .await
            .map(|_| "inbox.done.answered"),
        _ => {
            return message(
                lang,
                StatusCode::BAD_REQUEST,
                "inbox.title",
                text(lang, "inbox.refused"),
                Some(s),
            )
        }
    };
    match result {
        Ok(key) => {
            let msg = text(lang, key).to_owned();
            state
                .sessions
                .update(&clinician.sid, |s| s.flash = Some(msg));
            let back = if form.action == "assign" {
                "/clinician/inbox".to_owned()
            } else {
                format!("/clinician/inbox/{}", form.thread)
            };
            Redirect::to(&back).into_response()
        }
        Err(e) => {
            let key = match &e {
                nordlys_store::StoreError::Invalid(_) => "inbox.invalid",
                nordlys_store::StoreError::Conflict(_) => "inbox.changed",
                _ => "inbox.refused",
            };
            message(
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                "inbox.title",
                text(lang, key),
                Some(s),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn states_filters_and_overdue() {
        let form = json!({"resourceType": "Task", "status": "requested",
            "code": {"coding": [{"system": nordlys_policy::TASK_KIND_SYSTEM, "code": "form-answer"}]}});
        assert_eq!(item_state(&form), DialogStatus::New);
        assert!(matches("open", &form) && matches("new", &form) && !matches("closed", &form));
        let late = json!({"resourceType": "Task", "status": "requested",
            "extension": [{"url": ANSWER_DUE_URL, "valueDateTime": "2026-01-01T00:00:00Z"}]});
        assert!(overdue(&late, Utc::now()));
        let mut answered = late.clone();
        if let Some(e) = answered["extension"].as_array_mut() {
            e.push(json!({"url": FIRST_ANSWER_URL, "valueDateTime": "2026-01-02T00:00:00Z"}));
        }
        assert!(!overdue(&answered, Utc::now()));
    }
}
