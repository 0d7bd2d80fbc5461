//! What a citizen sees of the unit's appointment rules on the appointment page
//! ("Før timen": information to read, things to do, forms to fill), and when the
//! video appointment's link is offered.
//!
//! Why the rules are the store's answer and not read here: which rules apply depends
//! on the patient's age and sex and is decided in one place
//! (`FhirStore::appointment_guidance`, also behind `GET Appointment/{id}/$guidance`),
//! with the reads decided and logged there.
//!
//! Why the video link only shows from [`VIDEO_OPENS_MINUTES`] before the start until
//! the end: a link shown days before is clicked days before (an empty room, a worried
//! patient); the page says when it will come and offers the pre-check meanwhile.
use chrono::{DateTime, Duration, Utc};
use maud::{html, Markup};
use serde_json::Value;

use crate::fetch::handles;
use crate::i18n::{text, text_with, Lang};
use crate::session::Citizen;
use crate::PortalState;

/// How long before the start the video link is shown.
pub const VIDEO_OPENS_MINUTES: i64 = 15;
const GUIDANCE_SYSTEM: &str = nordlys_store::appointment_rules::GUIDANCE_SYSTEM;

/// Whether the video link is offered at `now` for an appointment `start`–`end`.
pub fn video_open(start: &str, end: Option<&str>, now: DateTime<Utc>) -> bool {
    let Ok(start) = DateTime::parse_from_rfc3339(start) else {
        return false;
    };
    let start = start.with_timezone(&Utc);
    let end = end
        .and_then(|e| DateTime::parse_from_rfc3339(e).ok())
        .map_or(start + Duration::hours(2), |e| e.with_timezone(&Utc));
    now >= start - Duration::minutes(VIDEO_OPENS_MINUTES) && now <= end
}

/// The video block: the join button while open, else when it comes and the pre-check.
pub fn video_block(lang: Lang, link: &str, open: bool) -> Markup {
    html! {
        section.video {
            @if open {
                p { a.button href=(link) rel="noopener noreferrer" { (text(lang, "appointment.join-video")) } }
            } @else {
                p { (text_with(lang, "appointment.video-opens", &[("minutes", &VIDEO_OPENS_MINUTES.to_string())])) }
            }
            p { a href="/video-check" { (text(lang, "appointment.video-check-link")) } }
        }
    }
}

/// One action of the RequestGroup: (is a task, title, text, links, form reference).
type Item = (
    bool,
    String,
    Option<String>,
    Vec<(String, String)>,
    Option<String>,
);

fn items_of(group: &Value) -> Vec<Item> {
    group["action"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let title = a["title"].as_str()?.to_owned();
            let task = a["code"][0]["coding"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["system"] == GUIDANCE_SYSTEM && c["code"] == "task");
            let links = a["documentation"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| {
                    let url = d["url"].as_str().filter(|u| u.starts_with("https://"))?;
                    Some((
                        url.to_owned(),
                        d["display"].as_str().unwrap_or(url).to_owned(),
                    ))
                })
                .collect();
            let form = a["resource"]["reference"]
                .as_str()
                .filter(|r| r.starts_with("Questionnaire/"))
                .map(str::to_owned);
            Some((
                task,
                title,
                a["description"].as_str().map(str::to_owned),
                links,
                form,
            ))
        })
        .collect()
}

/// "Før timen" for `Appointment/{id}`; empty when no rule applies or on any error
/// (the rest of the page still shows; the error is logged).
pub async fn section(state: &PortalState, citizen: &Citizen, id: &str) -> Markup {
    let lang = citizen.lang;
    let group = match state.store.appointment_guidance(&citizen.ctx, id).await {
        Ok(g) => g,
        Err(e) => {
            tracing::warn!(error = %e, "appointment guidance not shown");
            return html! {};
        }
    };
    let items = items_of(&group);
    if items.is_empty() {
        return html! {};
    }
    let forms: Vec<String> = items.iter().filter_map(|i| i.4.clone()).collect();
    let form_handles = handles(state, citizen, &forms);
    let mut next_form = form_handles.iter();
    let info: Vec<&Item> = items.iter().filter(|i| !i.0).collect();
    let tasks: Vec<(&Item, Option<&String>)> = items
        .iter()
        .filter(|i| i.0)
        .map(|i| (i, i.4.as_ref().and_then(|_| next_form.next())))
        .collect();
    html! {
        section.prepare {
            h2 { (text(lang, "appointment.prepare")) }
            @if !info.is_empty() {
                h3 { (text(lang, "appointment.prepare-info")) }
                ul.guidance {
                    @for (_, title, body, links, _) in &info {
                        li {
                            strong lang="nb" { (title) }
                            @if let Some(b) = body { p lang="nb" { (b) } }
                            @for (url, display) in links {
                                p { a href=(url) rel="noopener noreferrer" lang="nb" { (display) } }
                            }
                        }
                    }
                }
            }
            @if !tasks.is_empty() {
                h3 { (text(lang, "appointment.prepare-tasks")) }
                ul.guidance-tasks {
                    @for ((_, title, body, links, _), form) in &tasks {
                        li {
                            span lang="nb" { (title) }
                            @if let Some(b) = body { p lang="nb" { (b) } }
                            @for (url, display) in links {
                                p { a href=(url) rel="noopener noreferrer" lang="nb" { (display) } }
                            }
                            @if let Some(h) = form {
                                p { a href=(format!("/forms/{h}")) { (text(lang, "appointment.fill-form")) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn video_link_opens_fifteen_minutes_before_and_closes_at_the_end() {
        let (start, end) = (
            "2026-12-10T11:00:00+01:00",
            Some("2026-12-10T11:30:00+01:00"),
        );
        let cases = [
            ("2026-12-10T09:44:59Z", false),
            ("2026-12-10T09:45:00Z", true),
            ("2026-12-10T10:15:00Z", true),
            ("2026-12-10T10:30:00Z", true),
            ("2026-12-10T10:30:01Z", false),
            ("2026-12-09T10:00:00Z", false),
        ];
        for (now, open) in cases {
            assert_eq!(video_open(start, end, at(now)), open, "{now}");
        }
        assert!(!video_open("not a time", None, at("2026-12-10T10:00:00Z")));
    }

    #[test]
    fn request_group_items() {
        let g = json!({"action": [
            {"title": "Faste fra midnatt", "code": [{"coding": [{"system": GUIDANCE_SYSTEM, "code": "information"}]}],
             "documentation": [{"url": "https://x.no/a", "display": "Les mer"}, {"url": "http://x.no/b"}]},
            {"title": "Fyll ut skjema", "code": [{"coding": [{"system": GUIDANCE_SYSTEM, "code": "task"}]}],
             "resource": {"reference": "Questionnaire/q-1"}}
        ]});
        let items = items_of(&g);
        assert_eq!(items.len(), 2);
        assert!(!items[0].0 && items[1].0);
        assert_eq!(
            items[0].3,
            vec![("https://x.no/a".to_owned(), "Les mer".to_owned())]
        );
        assert_eq!(items[1].4.as_deref(), Some("Questionnaire/q-1"));
    }
}
