//! "Bestill time": book a free time, move an appointment to another, cancel one
//! (`GET /booking`, `POST /booking/book`, `/booking/move`, `/booking/cancel`).
//!
//! Why the portal only forwards: who may book for whom (access-policy.md § 10), the
//! cancellation deadline and the race for a slot are the store's
//! (`FhirStore::book`/`rebook`/`cancel`, one transaction each). The portal resolves
//! session handles (never ids in addresses), checks the CSRF token, and turns the
//! store's answer into plain words: 409 "someone else just booked this time", 422
//! "too late to change online", 403/404 "you cannot book for this person".
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use nordlys_store::StoreError;
use serde::Deserialize;

use super::booking_view::{offer_forms, offers};
use crate::fetch::{error_page, PortalError};
use crate::i18n::{text, text_with};
use crate::page::{message, person_label, respond, shell};
use crate::security::{csrf_ok, csrf_refused};
use crate::session::Citizen;
use crate::PortalState;

/// `?change=<handle>`: the appointment being moved.
#[derive(Debug, Deserialize)]
pub struct BookingQuery {
    change: Option<String>,
}

/// A message on top of the page: (text key, is an error).
type Notice = (&'static str, bool);

/// `GET /booking`.
pub async fn page(
    State(state): State<PortalState>,
    citizen: Citizen,
    Query(q): Query<BookingQuery>,
) -> Response {
    let flash = state
        .sessions
        .update(&citizen.sid, |s| s.flash.take())
        .flatten();
    render(
        &state,
        &citizen,
        q.change.as_deref(),
        flash,
        None,
        StatusCode::OK,
    )
    .await
}

async fn render(
    state: &PortalState,
    citizen: &Citizen,
    moving: Option<&str>,
    flash: Option<String>,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let lang = citizen.lang;
    let title = text(lang, "booking.title");
    if citizen.session.low_level {
        let body =
            html! { h1 { (title) } div.notice role="note" { p { (text(lang, "level.explain")) } } };
        return respond(
            StatusCode::OK,
            shell(lang, title, "/booking", Some(citizen), body),
        );
    }
    let Some(person) = citizen.patient().cloned() else {
        return Redirect::to("/").into_response();
    };
    let moving = moving.filter(|h| {
        citizen
            .session
            .resolve(h)
            .is_some_and(|r| r.starts_with("Appointment/"))
    });
    let offered = match offers(state, citizen).await {
        Ok(o) => o,
        Err(e) => return error_page(&e, citizen),
    };
    let body = html! {
        h1 { (title) }
        @if let Some(f) = &flash { div.notice.ok role="status" { p { (f) } } }
        @if let Some((key, error)) = notice {
            @if error { div.notice.error role="alert" { p { (text(lang, key)) } } }
            @else { div.notice.ok role="status" { p { (text(lang, key)) } } }
        }
        p.acting { (text_with(lang, "home.acting-for", &[("person", &person_label(lang, &person))])) }
        p.intro { (text(lang, if moving.is_some() { "booking.move-intro" } else { "booking.intro" })) }
        p.deadline { (text(lang, "booking.deadline")) }
        (offer_forms(lang, &citizen.session.csrf, &offered, moving))
        p { a href="/tiles/appointments" { (text(lang, "booking.your-appointments")) } }
    };
    respond(status, shell(lang, title, "/booking", Some(citizen), body))
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The id behind a handle of this session, if it names a `resource_type`.
fn resolved<'a>(
    citizen: &'a Citizen,
    handle: Option<&str>,
    resource_type: &str,
) -> Option<&'a str> {
    citizen
        .session
        .resolve(handle?)?
        .strip_prefix(resource_type)?
        .strip_prefix('/')
}

/// The store's refusal in plain words, with the status to answer.
fn refusal(e: &StoreError) -> Option<(StatusCode, Notice)> {
    Some(match e {
        StoreError::Conflict(_) => (StatusCode::CONFLICT, ("booking.taken", true)),
        StoreError::Invalid(issues)
            if issues.iter().any(|i| i.diagnostics.contains("too late")) =>
        {
            (StatusCode::UNPROCESSABLE_ENTITY, ("booking.too-late", true))
        }
        StoreError::Invalid(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ("booking.not-possible", true),
        ),
        StoreError::Forbidden(_) => (StatusCode::FORBIDDEN, ("booking.refused", true)),
        StoreError::NotFound { resource_type, .. } if resource_type == "Patient" => {
            (StatusCode::NOT_FOUND, ("booking.refused", true))
        }
        StoreError::NotFound { .. } | StoreError::Gone { .. } => {
            (StatusCode::NOT_FOUND, ("booking.gone", true))
        }
        _ => return None,
    })
}

/// What every booking form shares: the CSRF token, the level, the person acted for.
/// `Err` is the answer to give at once.
fn precheck(citizen: &Citizen, fields: &[(String, String)]) -> Result<String, Box<Response>> {
    if !csrf_ok(&citizen.session, field(fields, "_csrf")) {
        return Err(Box::new(csrf_refused(citizen.lang)));
    }
    if citizen.session.low_level {
        return Err(Box::new(Redirect::to("/booking").into_response()));
    }
    citizen
        .patient()
        .map(|p| p.patient_id.clone())
        .ok_or_else(|| Box::new(Redirect::to("/").into_response()))
}

/// After a store call: a confirmation on the booking page, or the refusal on it.
async fn answer(
    state: &PortalState,
    citizen: &Citizen,
    result: Result<(), StoreError>,
    done_key: &str,
    moving: Option<&str>,
) -> Response {
    match result {
        Ok(()) => {
            let message = text(citizen.lang, done_key).to_owned();
            state
                .sessions
                .update(&citizen.sid, |s| s.flash = Some(message));
            Redirect::to("/booking").into_response()
        }
        Err(e) => match refusal(&e) {
            Some((status, notice)) => {
                render(state, citizen, moving, None, Some(notice), status).await
            }
            None => error_page(&PortalError(e), citizen),
        },
    }
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

/// `POST /booking/book`: `slot` (handle).
pub async fn book(
    State(state): State<PortalState>,
    citizen: Citizen,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let patient_id = match precheck(&citizen, &fields) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let Some(slot) = resolved(&citizen, field(&fields, "slot"), "Slot").map(str::to_owned) else {
        return not_found(&citizen);
    };
    let result = state.store.book(&citizen.ctx, &patient_id, &slot).await;
    answer(&state, &citizen, result.map(|_| ()), "booking.booked", None).await
}

/// `POST /booking/move`: `appointment` and `slot` (handles).
pub async fn change(
    State(state): State<PortalState>,
    citizen: Citizen,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = precheck(&citizen, &fields) {
        return *r;
    }
    let appt = resolved(&citizen, field(&fields, "appointment"), "Appointment").map(str::to_owned);
    let slot = resolved(&citizen, field(&fields, "slot"), "Slot").map(str::to_owned);
    let (Some(appt), Some(slot)) = (appt, slot) else {
        return not_found(&citizen);
    };
    let result = state.store.rebook(&citizen.ctx, &appt, &slot).await;
    let moving = field(&fields, "appointment");
    answer(
        &state,
        &citizen,
        result.map(|_| ()),
        "booking.moved",
        moving,
    )
    .await
}

/// `POST /booking/cancel`: `appointment` (handle) and an optional `reason`.
pub async fn cancel(
    State(state): State<PortalState>,
    citizen: Citizen,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = precheck(&citizen, &fields) {
        return *r;
    }
    let Some(appt) =
        resolved(&citizen, field(&fields, "appointment"), "Appointment").map(str::to_owned)
    else {
        return not_found(&citizen);
    };
    let reason: String = field(&fields, "reason")
        .unwrap_or("Avbestilt av pasienten i portalen")
        .chars()
        .take(500)
        .collect();
    let result = state.store.cancel(&citizen.ctx, &appt, &reason).await;
    answer(
        &state,
        &citizen,
        result.map(|_| ()),
        "booking.cancelled",
        None,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_in_plain_words() {
        let taken = refusal(&StoreError::Conflict("x".into()));
        assert_eq!(taken, Some((StatusCode::CONFLICT, ("booking.taken", true))));
        let late = StoreError::Invalid(vec![nordlys_fhir::Issue {
            severity: nordlys_fhir::IssueSeverity::Error,
            code: "business-rule",
            expression: "Appointment.start".into(),
            diagnostics: "too late to cancel or change".into(),
        }]);
        assert_eq!(refusal(&late).map(|r| r.1 .0), Some("booking.too-late"));
        let hidden = StoreError::NotFound {
            resource_type: "Patient".into(),
            id: "x".into(),
        };
        assert_eq!(refusal(&hidden).map(|r| r.1 .0), Some("booking.refused"));
        assert_eq!(refusal(&StoreError::Internal("x".into())), None);
    }
}
