//! A received form in the workspace (`/clinician/forms/{handle}`, issue 6 § 2): the
//! `form-answer` Task from the unit inbox with its triage priority and score, who sent
//! it and when, and every question with its answer.
//!
//! Why here and not in the record system only: a unit without its own form viewer
//! (a GP office, a research team) reads what arrived in the inbox at once. Both items
//! belong to the practitioner's own organisation (the receiving unit), so § 9's first
//! row decides them without a purpose of use; the store logs both reads.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use serde_json::Value;

use crate::i18n::{text, Lang};
use crate::page::{message, respond, shell};
use crate::session::Clinician;
use crate::WorkspaceState;

fn s_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// One answer in words (codings by their display, decimals with a comma).
fn answer_text(lang: Lang, a: &Value) -> String {
    let Some((key, v)) = a
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.starts_with("value")))
    else {
        return String::new();
    };
    match (key.as_str(), v) {
        ("valueBoolean", Value::Bool(b)) => text(
            lang,
            if *b {
                "forms.answer.yes"
            } else {
                "forms.answer.no"
            },
        )
        .to_owned(),
        ("valueCoding", c) => s_at(c, "/display")
            .or_else(|| s_at(c, "/code"))
            .unwrap_or("")
            .to_owned(),
        ("valueDecimal", Value::Number(n)) => n.to_string().replace('.', ","),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// Questions and answers, nested groups as nested lists.
fn answers(lang: Lang, items: Option<&Value>) -> Markup {
    let list: Vec<&Value> = items
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    html! {
        dl.answers {
            @for i in list {
                dt { (s_at(i, "/text").or_else(|| s_at(i, "/linkId")).unwrap_or("")) }
                @let given: Vec<String> = i.get("answer").and_then(Value::as_array).into_iter().flatten().map(|a| answer_text(lang, a)).collect();
                @if let Some(children) = i.get("item") {
                    dd { (answers(lang, Some(children))) }
                } @else if given.is_empty() {
                    dd { (text(lang, "forms.answer.no-answer")) }
                } @else {
                    @for g in &given { dd { (g) } }
                }
            }
        }
    }
}

/// Who sent it: a reference's display, its reference, or the national id it names.
fn sender(task: &Value) -> String {
    let r = task.get("requester").unwrap_or(&Value::Null);
    s_at(r, "/display")
        .or_else(|| s_at(r, "/reference"))
        .or_else(|| s_at(r, "/identifier/value"))
        .unwrap_or("—")
        .to_owned()
}

/// `GET /clinician/forms/{handle}` (a handle of a `form-answer` Task in the inbox).
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
    let Ok(task) = state.store.read(&clinician.ctx, "Task", &task_id).await else {
        return gone();
    };
    let Ok(task) = serde_json::from_str::<Value>(&task.body) else {
        return gone();
    };
    let Some(qr_id) =
        s_at(&task, "/focus/reference").and_then(|r| r.strip_prefix("QuestionnaireResponse/"))
    else {
        return gone();
    };
    let Ok(qr) = state
        .store
        .read(&clinician.ctx, "QuestionnaireResponse", qr_id)
        .await
    else {
        return gone();
    };
    let Ok(qr) = serde_json::from_str::<Value>(&qr.body) else {
        return gone();
    };
    let priority = s_at(&task, "/priority").unwrap_or("routine");
    let score = task
        .get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|e| s_at(e, "/url") == Some(nordlys_store::TRIAGE_SCORE_URL))
        .and_then(|e| e.get("valueDecimal"))
        .map(|v| v.to_string().replace('.', ","));
    let title = s_at(&task, "/description")
        .unwrap_or_else(|| text(lang, "forms.answer.title"))
        .to_owned();
    let received = s_at(&task, "/authoredOn")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| crate::i18n::date_time(t.with_timezone(&chrono::Utc)))
        .unwrap_or_default();
    let body = html! {
        nav.crumbs { a href="/clinician/inbox" { (text(lang, "forms.answer.back")) } }
        h1 { (title) }
        dl.facts {
            dt { (text(lang, "forms.answer.priority")) }
            dd { strong.(format!("priority-{priority}")) { (text(lang, &format!("inbox.priority.{priority}"))) } }
            @if let Some(sc) = &score { dt { (text(lang, "forms.answer.score")) } dd { (sc) } }
            dt { (text(lang, "forms.answer.patient")) } dd { (s_at(&task, "/for/reference").unwrap_or("")) }
            dt { (text(lang, "forms.answer.sender")) } dd { (sender(&task)) }
            dt { (text(lang, "forms.answer.received")) } dd { (received) }
        }
        h2 { (text(lang, "forms.answer.answers")) }
        (answers(lang, qr.get("item")))
    };
    respond(
        StatusCode::OK,
        shell(
            lang,
            &title,
            &format!("/clinician/forms/{handle}"),
            Some(s),
            body,
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_in_words() {
        let items = json!([{"linkId": "a", "text": "Feber?", "answer": [{"valueBoolean": true}]},
            {"linkId": "t", "text": "Temperatur", "answer": [{"valueDecimal": 38.5}]},
            {"linkId": "g", "text": "Legemidler", "item": [{"linkId": "g1", "text": "Navn", "answer": [{"valueString": "Paracet"}]}]},
            {"linkId": "b", "text": "Pust", "answer": [{"valueCoding": {"code": "x", "display": "Tung"}}]}]);
        let html = answers(Lang::Nb, Some(&items)).into_string();
        for want in [
            "Feber?",
            "38,5",
            "Paracet",
            "Tung",
            text(Lang::Nb, "forms.answer.yes"),
        ] {
            assert!(html.contains(want), "{want} in {html}");
        }
        assert_eq!(
            sender(&json!({"requester": {"reference": "Patient/p"}})),
            "Patient/p"
        );
    }
}
