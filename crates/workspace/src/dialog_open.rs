//! "Åpne dialog" (issue 5 § 4, flexible dialog): on the open patient, the clinician
//! opens a thread to chosen persons — the patient and/or the people listed as their
//! RelatedPersons (parents, representatives) — for a period, with a topic and a first
//! message (`GET`/`POST /clinician/dialog/open`).
//!
//! Why the workspace only offers the choice: who of the chosen persons may take part is
//! the policy's (§ 6: a parent of a youth sees a thread only on an opened referral, a
//! youth only as a participant); the store builds the thread and its first message in
//! one batch (`FhirStore::dialog_open`) with the practitioner's purpose context, and
//! refuses citizens' messages outside the period. The list of persons, units and
//! referrals is what the practitioner's own context shows.
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use nordlys_store::dialog::unit_info;
use nordlys_store::{OpenThread, RequestContext, StoreError};
use serde_json::Value;

use crate::i18n::text;
use crate::overview::{error_page, item_date, title};
use crate::page::{message, respond, shell};
use crate::security::{csrf_ok, csrf_refused};
use crate::session::Clinician;
use crate::WorkspaceState;

/// `(reference, label)` choices.
type Choices = Vec<(String, String)>;

async fn search(
    state: &WorkspaceState,
    ctx: &RequestContext,
    resource_type: &str,
    params: &[(&str, String)],
) -> Result<Vec<(nordlys_store::StoredResource, Value)>, StoreError> {
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let request = state.store.parse_search(resource_type, &params, false)?;
    Ok(state
        .store
        .search(ctx, &request)
        .await?
        .matches
        .into_iter()
        .filter_map(|s| Some((s.clone(), serde_json::from_str(&s.body).ok()?)))
        .collect())
}

fn name(v: &Value) -> String {
    let n = &v["name"][0];
    let given: Vec<&str> = n["given"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    format!("{} {}", given.join(" "), n["family"].as_str().unwrap_or(""))
        .trim()
        .to_owned()
}

/// The persons, the units of the practitioner's organisation offering dialog, and the
/// patient's referrals, as the practitioner's context shows them.
async fn choices(
    state: &WorkspaceState,
    clinician: &Clinician,
    ctx: &RequestContext,
    patient_id: &str,
) -> Result<(Choices, Choices, Choices), StoreError> {
    let lang = clinician.lang;
    let me = format!("Patient/{patient_id}");
    let mut persons = Vec::new();
    if let Ok(p) = state.store.read(ctx, "Patient", patient_id).await {
        let v: Value = serde_json::from_str(&p.body).unwrap_or(Value::Null);
        persons.push((
            me.clone(),
            format!("{} ({})", name(&v), text(lang, "dialog-open.the-patient")),
        ));
    }
    for (s, v) in search(
        state,
        ctx,
        "RelatedPerson",
        &[("patient", me.clone()), ("_count", "50".into())],
    )
    .await?
    {
        let rel = v
            .pointer("/relationship/0/text")
            .or_else(|| v.pointer("/relationship/0/coding/0/display"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let label = if rel.is_empty() {
            name(&v)
        } else {
            format!("{} ({rel})", name(&v))
        };
        persons.push((format!("RelatedPerson/{}", s.id), label));
    }
    // The patient first, then the others by name: a stable list to choose from.
    let first = persons.len().min(1);
    persons[first..].sort_by(|a, b| a.1.cmp(&b.1));
    let units = search(state, ctx, "Organization", &[("_count", "500".into())])
        .await?
        .into_iter()
        .filter(|(s, _)| s.columns.owner_org.as_deref() == Some(clinician.session.orgnr.as_str()))
        .map(|(s, v)| unit_info(&s.id, &v))
        .filter(|u| u.offers_dialog)
        .map(|u| (format!("Organization/{}", u.id), u.name))
        .collect();
    let referrals = search(
        state,
        ctx,
        "ServiceRequest",
        &[("patient", me), ("_count", "50".into())],
    )
    .await?
    .into_iter()
    .map(|(s, v)| {
        (
            format!("ServiceRequest/{}", s.id),
            format!("{} ({})", title(&v), item_date(&v)),
        )
    })
    .collect();
    Ok((persons, units, referrals))
}

/// `GET /clinician/dialog/open`.
pub async fn page(State(state): State<WorkspaceState>, clinician: Clinician) -> Response {
    let Some((open, ctx)) = clinician.patient_ctx(&state) else {
        return Redirect::to("/clinician").into_response();
    };
    let (persons, units, referrals) =
        match choices(&state, &clinician, &ctx, &open.patient_id).await {
            Ok(c) => c,
            Err(e) => return error_page(&e, &clinician),
        };
    let refs: Vec<&String> = persons
        .iter()
        .chain(&units)
        .chain(&referrals)
        .map(|(r, _)| r)
        .collect();
    let handles: Vec<String> = state
        .sessions
        .update(&clinician.sid, |s| {
            refs.iter().map(|r| s.handle(r)).collect()
        })
        .unwrap_or_default();
    let mut h = handles.into_iter();
    let mut take = |list: &Choices| -> Choices {
        list.iter()
            .map(|(_, label)| (h.next().unwrap_or_default(), label.clone()))
            .collect()
    };
    let (persons, units, referrals) = (take(&persons), take(&units), take(&referrals));
    let lang = clinician.lang;
    let today = chrono::Utc::now().date_naive();
    let body = form(
        lang,
        &clinician.session.csrf,
        &persons,
        &units,
        &referrals,
        today,
    );
    respond(
        StatusCode::OK,
        shell(
            lang,
            text(lang, "dialog-open.title"),
            "/clinician/dialog/open",
            Some(&clinician.session),
            body,
        ),
    )
}

fn form(
    lang: crate::Lang,
    csrf: &str,
    persons: &Choices,
    units: &Choices,
    referrals: &Choices,
    today: chrono::NaiveDate,
) -> Markup {
    html! {
        p { a href="/clinician/patient" { (text(lang, "act.back")) } }
        h1 { (text(lang, "dialog-open.title")) }
        p { (text(lang, "dialog-open.intro")) }
        @if units.is_empty() {
            p.notice { (text(lang, "dialog-open.no-unit")) }
        } @else {
            form method="post" action="/clinician/dialog/open" {
                input type="hidden" name="_csrf" value=(csrf);
                fieldset {
                    legend { (text(lang, "dialog-open.recipients")) }
                    @for (i, (handle, label)) in persons.iter().enumerate() {
                        div {
                            input type="checkbox" id=(format!("recipient-{i}")) name="recipient" value=(handle);
                            label for=(format!("recipient-{i}")) { (label) }
                        }
                    }
                }
                label for="unit" { (text(lang, "dialog-open.unit")) }
                select #unit name="unit" {
                    @for (handle, label) in units { option value=(handle) { (label) } }
                }
                label for="referral" { (text(lang, "dialog-open.referral")) }
                select #referral name="referral" {
                    option value="" { (text(lang, "dialog-open.no-referral")) }
                    @for (handle, label) in referrals { option value=(handle) { (label) } }
                }
                label for="start" { (text(lang, "dialog-open.from")) }
                input #start type="date" name="start" value=(today) required;
                label for="end" { (text(lang, "dialog-open.to")) }
                input #end type="date" name="end" value=(today + chrono::Duration::days(14)) required;
                label for="topic" { (text(lang, "dialog-open.topic")) }
                input #topic name="topic" maxlength="200" required;
                label for="text" { (text(lang, "dialog-open.text")) }
                textarea #text name="text" rows="6" maxlength="10000" required {}
                button type="submit" { (text(lang, "dialog-open.send")) }
            }
        }
    }
}

/// `POST /clinician/dialog/open`: the store opens the thread; on to its inbox page.
pub async fn submit(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    body: Bytes,
) -> Response {
    let lang = clinician.lang;
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.trim());
    if !csrf_ok(&clinician.session, get("_csrf")) {
        return csrf_refused(lang);
    }
    let Some((open, ctx)) = clinician.patient_ctx(&state) else {
        return Redirect::to("/clinician").into_response();
    };
    let s = &clinician.session;
    let resolve = |v: &str, prefix: &str| -> Option<String> {
        s.resolve(v)
            .and_then(|r| r.strip_prefix(prefix).map(|_| r.to_owned()))
    };
    let bad = |key: &str| {
        message(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "dialog-open.title",
            text(lang, key),
            Some(s),
        )
    };
    let recipients: Option<Vec<String>> = fields
        .iter()
        .filter(|(k, _)| k == "recipient")
        .map(|(_, v)| resolve(v, "Patient/").or_else(|| resolve(v, "RelatedPerson/")))
        .collect();
    let Some(recipients) = recipients.filter(|r| !r.is_empty()) else {
        return bad("dialog-open.need-recipient");
    };
    let Some(unit_id) = get("unit")
        .and_then(|u| resolve(u, "Organization/"))
        .and_then(|r| r.strip_prefix("Organization/").map(str::to_owned))
    else {
        return bad("dialog-open.need-unit");
    };
    let referral = match get("referral").filter(|r| !r.is_empty()) {
        None => None,
        Some(h) => match resolve(h, "ServiceRequest/") {
            Some(r) => r.strip_prefix("ServiceRequest/").map(str::to_owned),
            None => return bad("dialog-open.need-unit"),
        },
    };
    let date = |n: &str| get(n).and_then(|d| d.parse::<chrono::NaiveDate>().ok());
    let (Some(start), Some(end)) = (date("start"), date("end")) else {
        return bad("dialog-open.bad-period");
    };
    let t = OpenThread {
        patient_id: open.patient_id.clone(),
        unit_id,
        recipients,
        start,
        end,
        topic: get("topic").unwrap_or_default().to_owned(),
        text: get("text").unwrap_or_default().to_owned(),
        referral,
    };
    match state.store.dialog_open(&ctx, t).await {
        Ok((task, _)) => {
            let handle = state
                .sessions
                .update(&clinician.sid, |s| s.handle(&format!("Task/{}", task.id)))
                .unwrap_or_default();
            Redirect::to(&format!("/clinician/inbox/{handle}")).into_response()
        }
        Err(e) => error_page(&e, &clinician),
    }
}

/// The link from the patient overview.
pub fn link(lang: crate::Lang) -> Markup {
    html! { p { a href="/clinician/dialog/open" { (text(lang, "dialog-open.title")) } } }
}
