//! Filling in a form: `GET /forms/{handle}` (`?draft=`, `?request=`: session handles),
//! `POST /forms/{handle}` with `action` = `update` | `add:{group}` | `draft` | `send`,
//! and the receipt `GET /forms/sent/{handle}`.
//!
//! Why a server round trip for everything: the portal runs no script, so a follow-up
//! question appears after "Oppdater skjemaet", a repeated group grows with "Legg til",
//! and errors come back on the same page with the values kept. The portal checks the
//! answers with the same `nordlys_forms::validate` as the store (so errors sit next to
//! their fields), but the store decides: it validates again, decides who may send
//! (§ 10) and delivers (`FhirStore::submit_form`).
use axum::extract::{Form as Posted, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use nordlys_forms::{patient_prefill, prefill_answers, validate, Form, FormError};
use nordlys_store::{FormAnswer, StoreError};
use serde::Deserialize;
use serde_json::{json, Value};

use super::forms_input::{fields, parse, to_fields, Fields, Parsed};
use super::forms_render::{questions, summary, View};
use crate::fetch::{error_page, handles, item, PortalError};
use crate::i18n::{text, text_with};
use crate::page::{message, person_label, respond, shell};
use crate::security::{csrf_ok, csrf_refused};
use crate::session::Citizen;
use crate::PortalState;

/// `?draft=<handle>&request=<handle>&saved=1`.
#[derive(Debug, Deserialize, Default)]
pub struct FillQuery {
    draft: Option<String>,
    request: Option<String>,
}

/// What one page of a form is about.
struct Target {
    handle: String,
    questionnaire_id: String,
    form: Form,
    draft: Option<(String, String)>,
    request: Option<(String, String)>,
}

fn not_found(citizen: &Citizen) -> Response {
    message(
        citizen.lang,
        StatusCode::NOT_FOUND,
        "error.not-found-title",
        "error.not-found",
        Some(citizen),
    )
}

/// The id behind a handle of this session, if it names a `resource_type`.
fn resolved(
    citizen: &Citizen,
    handle: Option<&str>,
    resource_type: &str,
) -> Option<(String, String)> {
    let h = handle?.trim();
    let id = citizen
        .session
        .resolve(h)?
        .strip_prefix(resource_type)?
        .strip_prefix('/')?;
    Some((h.to_owned(), id.to_owned()))
}

async fn target(
    state: &PortalState,
    citizen: &Citizen,
    handle: &str,
    draft: Option<&str>,
    request: Option<&str>,
) -> Result<Option<Target>, PortalError> {
    let Some((_, questionnaire_id)) = resolved(citizen, Some(handle), "Questionnaire") else {
        return Ok(None);
    };
    let questionnaire = item(state, citizen, &format!("Questionnaire/{questionnaire_id}")).await?;
    let Some(form) = Form::parse(&questionnaire) else {
        return Ok(None);
    };
    Ok(Some(Target {
        handle: handle.to_owned(),
        questionnaire_id,
        form,
        draft: resolved(citizen, draft, "QuestionnaireResponse"),
        request: resolved(citizen, request, "Task"),
    }))
}

/// Page state besides the target: values, errors, a notice on top.
struct Shown<'a> {
    values: Fields,
    parsed: Parsed,
    errors: Vec<FormError>,
    notice: Option<(&'a str, bool)>,
    status: StatusCode,
}

fn render(citizen: &Citizen, t: &Target, s: Shown) -> Response {
    let lang = citizen.lang;
    let title = t.form.title.clone();
    let v = View {
        lang,
        form: &t.form,
        values: &s.values,
        items: &s.parsed.items,
        errors: &s.errors,
        unreadable: &s.parsed.unreadable,
    };
    let person = citizen
        .patient()
        .map(|p| person_label(lang, p))
        .unwrap_or_default();
    let path = format!("/forms/{}", t.handle);
    let body = html! {
        nav.crumbs aria-label=(text(lang, "nav.crumbs")) {
            a href="/" { (text(lang, "nav.home")) } " › " a href="/tiles/forms" { (text(lang, "tile.forms")) }
        }
        h1 { (title) }
        @if let Some((key, error)) = s.notice {
            @if error { div.notice.error role="alert" { p { (text(lang, key)) } } }
            @else { div.notice.ok role="status" { p { (text(lang, key)) } } }
        }
        (summary(&v))
        p.acting { (text_with(lang, "home.acting-for", &[("person", &person)])) }
        p.intro { (text(lang, "forms.fill.update-hint")) }
        form.questionnaire method="post" action=(path) novalidate {
            input type="hidden" name="_csrf" value=(citizen.session.csrf);
            @if let Some((h, _)) = &t.draft { input type="hidden" name="draft" value=(h); }
            @if let Some((h, _)) = &t.request { input type="hidden" name="request" value=(h); }
            (questions(&v))
            div.actions {
                button.secondary type="submit" name="action" value="update" formnovalidate { (text(lang, "forms.fill.update")) }
                button.secondary type="submit" name="action" value="draft" formnovalidate { (text(lang, "forms.fill.draft")) }
                button type="submit" name="action" value="send" { (text(lang, "forms.fill.send")) }
            }
        }
    };
    respond(s.status, shell(lang, &title, &path, Some(citizen), body))
}

/// Checks every form page needs: level and person. `Err` is the answer to give.
fn precheck(citizen: &Citizen) -> Result<String, Box<Response>> {
    if citizen.session.low_level {
        return Err(Box::new(message(
            citizen.lang,
            StatusCode::FORBIDDEN,
            "level.title",
            "level.explain",
            Some(citizen),
        )));
    }
    citizen
        .patient()
        .map(|p| p.patient_id.clone())
        .ok_or_else(|| Box::new(Redirect::to("/").into_response()))
}

/// `GET /forms/{handle}`: a new form (prefilled from the person's record) or a draft.
pub async fn page(
    State(state): State<PortalState>,
    citizen: Citizen,
    Path(handle): Path<String>,
    Query(q): Query<FillQuery>,
) -> Response {
    let patient_id = match precheck(&citizen) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let t = match target(
        &state,
        &citizen,
        &handle,
        q.draft.as_deref(),
        q.request.as_deref(),
    )
    .await
    {
        Ok(Some(t)) => t,
        Ok(None) => return not_found(&citizen),
        Err(e) => return error_page(&e, &citizen),
    };
    let items = match &t.draft {
        Some((_, id)) => match item(&state, &citizen, &format!("QuestionnaireResponse/{id}")).await
        {
            Ok(d) => d.get("item").cloned().unwrap_or_else(|| json!([])),
            Err(e) => return error_page(&e, &citizen),
        },
        None => {
            // Prefill from the Patient the citizen acts for (already decided by the store).
            let patient = item(&state, &citizen, &format!("Patient/{patient_id}"))
                .await
                .unwrap_or_default();
            let answers = prefill_answers(&t.form, &patient_prefill(&patient));
            let list: Vec<Value> = t
                .form
                .items
                .iter()
                .flat_map(|i| prefilled(i, &answers))
                .collect();
            Value::Array(list)
        }
    };
    let values = to_fields(&t.form, &items);
    let parsed = parse(&t.form, &values);
    let flash = state
        .sessions
        .update(&citizen.sid, |s| s.flash.take())
        .flatten();
    let notice = flash.as_deref().map(|_| ("forms.fill.draft-saved", false));
    render(
        &citizen,
        &t,
        Shown {
            values,
            parsed,
            errors: Vec::new(),
            notice,
            status: StatusCode::OK,
        },
    )
}

/// The prefilled answer of an item (and of the questions of a group).
fn prefilled(
    i: &nordlys_forms::FormItem,
    answers: &std::collections::HashMap<String, Value>,
) -> Option<Value> {
    if !i.items.is_empty() {
        let children: Vec<Value> = i
            .items
            .iter()
            .filter_map(|c| prefilled(c, answers))
            .collect();
        return (!children.is_empty()).then(|| json!({"linkId": i.link_id, "item": children}));
    }
    answers
        .get(&i.link_id)
        .map(|a| json!({"linkId": i.link_id, "answer": [a]}))
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// `POST /forms/{handle}`.
pub async fn submit(
    State(state): State<PortalState>,
    citizen: Citizen,
    Path(handle): Path<String>,
    Posted(pairs): Posted<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&citizen.session, field(&pairs, "_csrf")) {
        return csrf_refused(citizen.lang);
    }
    let patient_id = match precheck(&citizen) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let t = match target(
        &state,
        &citizen,
        &handle,
        field(&pairs, "draft"),
        field(&pairs, "request"),
    )
    .await
    {
        Ok(Some(t)) => t,
        Ok(None) => return not_found(&citizen),
        Err(e) => return error_page(&e, &citizen),
    };
    let mut values = fields(&pairs);
    let action = field(&pairs, "action").unwrap_or("update").to_owned();
    if let Some(group) = action.strip_prefix("add:") {
        let key = super::forms_input::count_name(group);
        let n = super::forms_input::count(&values, group) + 1;
        values.insert(key, vec![n.to_string()]);
    }
    let parsed = parse(&t.form, &values);
    let answer = FormAnswer {
        patient_id,
        questionnaire_id: t.questionnaire_id.clone(),
        items: parsed.items.clone(),
        draft_id: t.draft.as_ref().map(|(_, id)| id.clone()),
        request_id: t.request.as_ref().map(|(_, id)| id.clone()),
    };
    let shown = |parsed, errors, notice, status| Shown {
        values: values.clone(),
        parsed,
        errors,
        notice,
        status,
    };
    match action.as_str() {
        "draft" => match state.store.save_form_draft(&citizen.ctx, &answer).await {
            Ok(saved) => {
                let h = handles(
                    &state,
                    &citizen,
                    &[format!("QuestionnaireResponse/{}", saved.id)],
                );
                let message = text(citizen.lang, "forms.fill.draft-saved").to_owned();
                state
                    .sessions
                    .update(&citizen.sid, |s| s.flash = Some(message));
                let mut to = format!(
                    "/forms/{}?draft={}",
                    t.handle,
                    h.first().cloned().unwrap_or_default()
                );
                if let Some((r, _)) = &t.request {
                    to.push_str(&format!("&request={r}"));
                }
                Redirect::to(&to).into_response()
            }
            Err(e) => refused(
                &citizen,
                &t,
                e,
                shown(parsed, Vec::new(), None, StatusCode::OK),
            ),
        },
        "send" => {
            let errors = validate(&t.form, &json!({"item": parsed.items}));
            if !errors.is_empty() || !parsed.unreadable.is_empty() {
                return render(
                    &citizen,
                    &t,
                    shown(parsed, errors, None, StatusCode::UNPROCESSABLE_ENTITY),
                );
            }
            match state.store.submit_form(&citizen.ctx, &answer).await {
                Ok(receipt) => {
                    let h = handles(
                        &state,
                        &citizen,
                        &[format!("QuestionnaireResponse/{}", receipt.response.id)],
                    );
                    Redirect::to(&format!(
                        "/forms/sent/{}",
                        h.first().cloned().unwrap_or_default()
                    ))
                    .into_response()
                }
                Err(e) => refused(
                    &citizen,
                    &t,
                    e,
                    shown(parsed, Vec::new(), None, StatusCode::OK),
                ),
            }
        }
        _ => render(
            &citizen,
            &t,
            shown(parsed, Vec::new(), None, StatusCode::OK),
        ),
    }
}

/// The store's refusal on the form page, in plain words.
fn refused(citizen: &Citizen, t: &Target, e: StoreError, mut s: Shown) -> Response {
    let (status, key) = match &e {
        StoreError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "forms.fill.not-accepted"),
        StoreError::Conflict(_) => (StatusCode::CONFLICT, "forms.fill.conflict"),
        StoreError::Forbidden(_) | StoreError::NotFound { .. } => {
            (StatusCode::FORBIDDEN, "forms.fill.refused")
        }
        _ => return error_page(&PortalError(e), citizen),
    };
    s.status = status;
    s.notice = Some((key, true));
    render(citizen, t, s)
}

/// `GET /forms/sent/{handle}`: the receipt.
pub async fn sent(
    State(state): State<PortalState>,
    citizen: Citizen,
    Path(handle): Path<String>,
) -> Response {
    if let Err(r) = precheck(&citizen) {
        return *r;
    }
    let lang = citizen.lang;
    let Some((_, id)) = resolved(&citizen, Some(&handle), "QuestionnaireResponse") else {
        return not_found(&citizen);
    };
    let response = match item(&state, &citizen, &format!("QuestionnaireResponse/{id}")).await {
        Ok(r) => r,
        Err(e) => return error_page(&e, &citizen),
    };
    let when = response
        .get("authored")
        .and_then(Value::as_str)
        .map(crate::i18n::fhir_date)
        .unwrap_or_default();
    let title = text(lang, "forms.fill.sent-title");
    let body = html! {
        div.receipt role="status" {
            h1 { (title) }
            p { (text_with(lang, "forms.fill.sent-body", &[("when", &when)])) }
        }
        ul.links {
            li { a href=(format!("/tiles/forms/{handle}")) { (text(lang, "forms.fill.sent-view")) } }
            li { a href="/tiles/forms" { (text(lang, "forms.fill.back")) } }
        }
    };
    respond(
        StatusCode::OK,
        shell(
            lang,
            title,
            &format!("/forms/sent/{handle}"),
            Some(&citizen),
            body,
        ),
    )
}
