//! The detail page of one appointment: time, place, whom, status, the video link,
//! and the information and tasks the unit attached.
//!
//! Why attachments are fetched here: an appointment carries information in
//! `comment` and `patientInstruction`, points to prepared material with
//! `supportingInformation`, and the unit may give the patient things to do before it
//! (Tasks whose `focus` is the appointment, e.g. "fill in the form", "take a blood
//! test"). The tasks are one store search with the citizen's context, so the gate
//! decides each; material is named by its reference's display only — reading each
//! item here would log reads the citizen never asked for. The unit's published
//! rules and the video link's timing are `appointment_guidance.rs`.
use maud::{html, Markup};
use serde_json::Value;

use super::appointments::{is_upcoming, participant, place, status_text, title, video_link};
use super::names::{lookup, references_at};
use crate::fetch::{handles, items, PortalError};
use crate::i18n::{fhir_date, text, text_with, Lang};
use crate::session::Citizen;
use crate::view::{concept_text, first_date, is_redacted, reference_display, str_at};
use crate::PortalState;

/// A Task in plain words: what to do, and whether it is done.
pub fn task_line(lang: Lang, task: &Value) -> Option<(String, &'static str)> {
    let what = str_at(task, "/description")
        .map(str::to_owned)
        .or_else(|| concept_text(task.get("code")))?;
    let key = match str_at(task, "/status") {
        Some("completed") => "task.status-done",
        Some("cancelled" | "rejected" | "failed" | "entered-in-error") => "task.status-cancelled",
        _ => "task.status-open",
    };
    Some((what, text(lang, key)))
}

/// The names of the material attached (`supportingInformation` displays).
pub fn material(appt: &Value) -> Vec<String> {
    appt.get("supportingInformation")
        .and_then(Value::as_array)
        .map(|s| {
            s.iter()
                .filter_map(|r| reference_display(Some(r)))
                .collect()
        })
        .unwrap_or_default()
}

/// `GET /tiles/appointments/{handle}`.
pub async fn detail(
    state: &PortalState,
    citizen: &Citizen,
    appt: &Value,
) -> Result<Markup, PortalError> {
    let lang = citizen.lang;
    let names = lookup(
        state,
        citizen,
        references_at(std::slice::from_ref(appt), &["/participant"]),
    )
    .await?;
    let redacted = is_redacted(appt);
    let id = str_at(appt, "/id").unwrap_or("");
    let tasks: Vec<(String, &str)> = match citizen.patient() {
        Some(p) if !redacted && !id.is_empty() => {
            let focus = format!("Appointment/{id}");
            items(
                state,
                citizen,
                "Task",
                "patient",
                &p.patient_id,
                &[("focus", focus.as_str())],
            )
            .await?
            .iter()
            .filter(|(_, t)| !is_redacted(t))
            .filter_map(|(_, t)| task_line(lang, t))
            .collect()
        }
        _ => Vec::new(),
    };
    let start = str_at(appt, "/start").unwrap_or("");
    let upcoming = is_upcoming(start, citizen.ctx.now);
    let video_open =
        super::appointment_guidance::video_open(start, str_at(appt, "/end"), citizen.ctx.now);
    // The unit's rules ("Før timen"), for an appointment seen in full.
    let guidance = if redacted || id.is_empty() {
        html! {}
    } else {
        super::appointment_guidance::section(state, citizen, id).await
    };
    let minutes = appt.get("minutesDuration").and_then(Value::as_u64);
    let notes: Vec<&str> = ["/patientInstruction", "/comment"]
        .iter()
        .filter_map(|p| str_at(appt, p))
        .collect();
    let material = material(appt);
    // Change and cancel for an upcoming, booked appointment the citizen sees in full;
    // whether they may, and whether it is too late, is the store's answer.
    let changeable = upcoming
        && !redacted
        && !id.is_empty()
        && matches!(
            str_at(appt, "/status"),
            Some("booked" | "pending" | "proposed")
        );
    let handle = if changeable {
        handles(state, citizen, &[format!("Appointment/{id}")])
            .into_iter()
            .next()
    } else {
        None
    };
    Ok(html! {
        article.appointment {
            h1 { (title(lang, appt)) }
            @if let (Some(link), true) = (video_link(appt), upcoming || video_open) {
                (super::appointment_guidance::video_block(lang, link, video_open))
            }
            dl.facts {
                @if let Some(d) = first_date(appt, &["/start"]) { dt { (text(lang, "appointment.time")) } dd { (d) } }
                @if let Some(m) = minutes {
                    dt { (text(lang, "appointment.duration")) }
                    dd { (text_with(lang, "appointment.minutes", &[("n", &m.to_string())])) }
                }
                @if let Some(p) = place(appt, &names) { dt { (text(lang, "appointment.place")) } dd { (p) } }
                @if let Some(p) = names.of(participant(appt, "Practitioner")) { dt { (text(lang, "appointment.with")) } dd { (p) } }
                dt { (text(lang, "field.status")) } dd { (status_text(lang, appt)) }
                @if let Some(mode) = concept_text(appt.pointer("/serviceType/0")) {
                    dt { (text(lang, "appointment.mode")) } dd lang="nb" { (mode) }
                }
                @if let Some(end) = str_at(appt, "/end") {
                    dt { (text(lang, "appointment.ends")) } dd { (fhir_date(end)) }
                }
            }
            @if !redacted && !notes.is_empty() {
                h2 { (text(lang, "appointment.information")) }
                @for n in &notes { p lang="nb" { (n) } }
            }
            @if !redacted && !material.is_empty() {
                h2 { (text(lang, "appointment.material")) }
                ul { @for m in &material { li lang="nb" { (m) } } }
            }
            (guidance)
            @if let Some(h) = &handle {
                (change_forms(lang, &citizen.session.csrf, h))
            }
            @if !tasks.is_empty() {
                h2 { (text(lang, "appointment.tasks")) }
                ul.tasks { @for (what, status) in &tasks { li { span lang="nb" { (what) } " · " (status) } } }
            }
        }
    })
}

/// "Endre tid" (to the booking page, moving this appointment) and "Avbestill timen"
/// with an optional reason; `handle` is the appointment's session handle.
pub fn change_forms(lang: Lang, csrf: &str, handle: &str) -> Markup {
    html! {
        section.change {
            p.deadline { (text(lang, "booking.deadline")) }
            p { a.button href=(format!("/booking?change={handle}")) { (text(lang, "booking.change")) } }
            form method="post" action="/booking/cancel" {
                input type="hidden" name="_csrf" value=(csrf);
                input type="hidden" name="appointment" value=(handle);
                label for="cancel-reason" { (text(lang, "booking.cancel-reason")) }
                input #cancel-reason type="text" name="reason" maxlength="500";
                button type="submit" { (text(lang, "booking.cancel")) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tasks_and_material_in_plain_words() {
        let t = json!({"status": "requested", "description": "Fyll ut skjema før timen"});
        assert_eq!(
            task_line(Lang::Nb, &t),
            Some((
                "Fyll ut skjema før timen".into(),
                text(Lang::Nb, "task.status-open")
            ))
        );
        assert_eq!(task_line(Lang::Nb, &json!({"status": "completed"})), None);
        let a = json!({"supportingInformation": [{"reference": "DocumentReference/x", "display": "Forberedelse"},
                                                  {"reference": "Binary/y"}]});
        assert_eq!(material(&a), ["Forberedelse"]);
    }
}
