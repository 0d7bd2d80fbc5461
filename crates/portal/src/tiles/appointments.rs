//! Appointments (timeavtaler): upcoming first, nearest first; then past ones, newest
//! first — with place, time, status, the video link and what the unit attached.
//!
//! Why the order is made through the sort key: the tile frame sorts every list by
//! `Row::sort` descending (newest first). An upcoming appointment gets a key that
//! starts with "1" and holds its start time with every digit inverted, so the
//! nearest sorts highest; a past one "0" and its start time as is. The frame stays
//! one shape for all tiles.
//!
//! Why the video link only on an item not at metadata level: the link opens the
//! consultation itself. The policy's metadata view (access-policy.md § 1) keeps the
//! link; the portal is stricter and offers it only with the full item, so someone
//! who may only know that an appointment exists is not handed the way into it. The
//! detail page offers it only before the appointment has started, too.
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::names::{lookup, references_at, Names};
use super::{ListPage, Row};
use crate::fetch::{items, PortalError};
use crate::i18n::{text, Lang};
use crate::session::Citizen;
use crate::view::{concept_text, first_date, is_redacted, str_at};
use crate::PortalState;

/// The sort key that puts upcoming appointments first (nearest first), then past.
pub fn sort_key(start: &str, now: DateTime<Utc>) -> String {
    if is_upcoming(start, now) {
        let inverted: String = start
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => char::from_digit(9 - d, 10).unwrap_or(c),
                None => c,
            })
            .collect();
        format!("1{inverted}")
    } else {
        format!("0{start}")
    }
}

/// Whether the appointment starts now or later (unknown start counts as past).
pub fn is_upcoming(start: &str, now: DateTime<Utc>) -> bool {
    DateTime::parse_from_rfc3339(start).is_ok_and(|t| t.with_timezone(&Utc) >= now)
}

/// The video link, when the item carries one and is not at metadata level.
pub fn video_link(appt: &Value) -> Option<&str> {
    if is_redacted(appt) {
        return None;
    }
    appt.get("extension")?
        .as_array()?
        .iter()
        .find(|e| str_at(e, "/url") == Some(nordlys_policy::VIDEO_LINK_URL))
        .and_then(|e| str_at(e, "/valueUrl"))
        .filter(|u| u.starts_with("https://"))
}

/// The participant of this type (`Location`, `Practitioner`…), as a Reference.
pub(super) fn participant<'a>(appt: &'a Value, resource_type: &str) -> Option<&'a Value> {
    appt.get("participant")?.as_array()?.iter().find_map(|p| {
        let actor = p.get("actor")?;
        str_at(actor, "/reference")
            .is_some_and(|r| r.starts_with(&format!("{resource_type}/")))
            .then_some(actor)
    })
}

pub(super) fn title(lang: Lang, a: &Value) -> String {
    str_at(a, "/description")
        .map(str::to_owned)
        .or_else(|| concept_text(a.get("appointmentType")))
        .or_else(|| concept_text(a.pointer("/serviceType/0")))
        .unwrap_or_else(|| text(lang, "journal.untitled").to_owned())
}

/// The status in plain words.
pub fn status_text(lang: Lang, a: &Value) -> &'static str {
    let key = match str_at(a, "/status") {
        Some("proposed" | "pending" | "waitlist") => "appointment.status-pending",
        Some("booked") => "appointment.status-booked",
        Some("arrived" | "checked-in") => "appointment.status-arrived",
        Some("fulfilled") => "appointment.status-fulfilled",
        Some("cancelled") => "appointment.status-cancelled",
        Some("noshow") => "appointment.status-noshow",
        Some("entered-in-error") => "appointment.status-entered-in-error",
        _ => "appointment.status-unknown",
    };
    text(lang, key)
}

/// The place: the Location participant, else a contained Location.
pub(super) fn place(a: &Value, names: &Names) -> Option<String> {
    names.of(participant(a, "Location")).or_else(|| {
        a.get("contained")?
            .as_array()?
            .iter()
            .find(|c| str_at(c, "/resourceType") == Some("Location"))
            .and_then(|c| str_at(c, "/name"))
            .map(str::to_owned)
    })
}

/// The list: upcoming first, then past.
pub async fn list(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
) -> Result<ListPage, PortalError> {
    let lang = citizen.lang;
    let now = citizen.ctx.now;
    let found = items(state, citizen, "Appointment", "patient", patient_id, &[]).await?;
    let values: Vec<Value> = found.iter().map(|(_, a)| a.clone()).collect();
    let names = lookup(state, citizen, references_at(&values, &["/participant"])).await?;
    let rows = found
        .iter()
        .map(|(s, a)| {
            let start = str_at(a, "/start").unwrap_or("");
            let mut badges = vec![text(
                lang,
                if is_upcoming(start, now) {
                    "appointment.upcoming"
                } else {
                    "appointment.past"
                },
            )
            .to_owned()];
            badges.push(status_text(lang, a).to_owned());
            if video_link(a).is_some() {
                badges.push(text(lang, "appointment.video").to_owned());
            }
            Row {
                reference: format!("Appointment/{}", s.id),
                sort: sort_key(start, now),
                date: first_date(a, &["/start"]),
                title: title(lang, a),
                detail: place(a, &names),
                badges,
                metadata_only: is_redacted(a),
            }
        })
        .collect();
    // The way to book a new time; with no appointments the frame's "empty" text is
    // said here, since a tile with `extra` leaves that to the tile.
    let empty = found.is_empty();
    let extra = maud::html! {
        p.book { a.button href="/booking" { (text(lang, "booking.title")) } }
        @if empty { p.empty { (text(lang, "list.empty")) } }
    };
    Ok(ListPage {
        rows,
        extra: Some(extra),
    })
}

pub use super::appointment_detail::detail;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn upcoming_nearest_first_then_past_newest_first() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let starts = [
            "2026-08-04T09:00:00+02:00",
            "2026-12-09T10:30:00+01:00",
            "2026-11-25T11:00:00+01:00",
            "2026-11-22T09:00:00+01:00",
            "2025-01-01T09:00:00+01:00",
        ];
        let mut keyed: Vec<(String, &str)> =
            starts.iter().map(|s| (sort_key(s, now), *s)).collect();
        keyed.sort_by(|a, b| b.0.cmp(&a.0));
        let order: Vec<&str> = keyed.iter().map(|(_, s)| *s).collect();
        assert_eq!(
            order,
            [
                "2026-11-25T11:00:00+01:00",
                "2026-12-09T10:30:00+01:00",
                "2026-11-22T09:00:00+01:00",
                "2026-08-04T09:00:00+02:00",
                "2025-01-01T09:00:00+01:00",
            ]
        );
    }

    #[test]
    fn video_link_only_when_full_and_https() {
        let ext = json!([{"url": nordlys_policy::VIDEO_LINK_URL, "valueUrl": "https://video.example/m/1"}]);
        let full = json!({"extension": ext});
        assert_eq!(video_link(&full), Some("https://video.example/m/1"));
        let meta = json!({"extension": ext, "meta": {"security": [{"code": "REDACTED"}]}});
        assert_eq!(video_link(&meta), None);
        let bad = json!({"extension": [{"url": nordlys_policy::VIDEO_LINK_URL, "valueUrl": "javascript:x"}]});
        assert_eq!(video_link(&bad), None);
        let a = json!({"participant": [{"actor": {"reference": "Patient/p"}},
                                       {"actor": {"reference": "Location/l", "display": "Poliklinikken"}}]});
        assert_eq!(place(&a, &Names::default()), Some("Poliklinikken".into()));
    }
}
