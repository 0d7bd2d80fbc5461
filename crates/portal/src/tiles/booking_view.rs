//! The "Bestill time" page's content: the free slots ahead, grouped by unit and day,
//! each with its own small form (no script: one button per time).
//!
//! Why the slots are read with the citizen's own context: Slots and Schedules are
//! directory data (access-policy.md § 4) that every authenticated principal may read,
//! and reading them through the store keeps the one gate on the path. Forms carry
//! session handles, never slot ids, and the session's CSRF token.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Oslo;
use maud::{html, Markup};
use serde_json::Value;

use super::names::{lookup, Names};
use crate::fetch::{handles, PortalError};
use crate::i18n::{text, text_with, Lang};
use crate::session::Citizen;
use crate::view::str_at;
use crate::PortalState;

/// Most free slots one page offers (the nearest first).
const MAX_SLOTS: usize = 300;

/// One free time, as offered.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub handle: String,
    pub start: DateTime<Utc>,
    /// The unit's label: service, place and person, as far as known.
    pub unit: String,
}

/// Free slots from now on, nearest first, with handles and their unit's label.
pub async fn offers(state: &PortalState, citizen: &Citizen) -> Result<Vec<Offer>, PortalError> {
    let now = citizen
        .ctx
        .now
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let params: Vec<(String, String)> = vec![
        ("status".into(), "free".into()),
        ("start".into(), format!("gt{now}")),
        ("_sort".into(), "start".into()),
        ("_count".into(), MAX_SLOTS.to_string()),
    ];
    let request = state.store.parse_search("Slot", &params, false)?;
    let slots: Vec<(String, Value)> = state
        .store
        .search(&citizen.ctx, &request)
        .await?
        .matches
        .into_iter()
        .filter_map(|s| Some((s.id.clone(), serde_json::from_str(&s.body).ok()?)))
        .collect();
    let schedule_ids: Vec<&str> = slots
        .iter()
        .filter_map(|(_, s)| str_at(s, "/schedule/reference")?.strip_prefix("Schedule/"))
        .collect();
    let schedules = schedules(state, citizen, &schedule_ids).await?;
    let actors: Vec<String> = schedules.values().flat_map(actor_refs).collect();
    let names = lookup(state, citizen, actors.iter().map(String::as_str)).await?;
    let refs: Vec<String> = slots.iter().map(|(id, _)| format!("Slot/{id}")).collect();
    let hs = handles(state, citizen, &refs);
    Ok(slots
        .iter()
        .zip(hs)
        .filter_map(|((_, slot), handle)| {
            let start = DateTime::parse_from_rfc3339(str_at(slot, "/start")?)
                .ok()?
                .with_timezone(&Utc);
            let schedule = str_at(slot, "/schedule/reference")
                .and_then(|r| r.strip_prefix("Schedule/"))
                .and_then(|id| schedules.get(id));
            Some(Offer {
                handle,
                start,
                unit: schedule.map_or_else(String::new, |s| unit_label(s, &names)),
            })
        })
        .collect())
}

async fn schedules(
    state: &PortalState,
    citizen: &Citizen,
    ids: &[&str],
) -> Result<BTreeMap<String, Value>, PortalError> {
    let mut ids: Vec<&str> = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let params = vec![
        ("_id".to_owned(), ids.join(",")),
        ("_count".to_owned(), ids.len().to_string()),
    ];
    let request = state.store.parse_search("Schedule", &params, false)?;
    Ok(state
        .store
        .search(&citizen.ctx, &request)
        .await?
        .matches
        .into_iter()
        .filter_map(|s| Some((s.id.clone(), serde_json::from_str(&s.body).ok()?)))
        .collect())
}

fn actor_refs(schedule: &Value) -> Vec<String> {
    schedule
        .get("actor")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| str_at(a, "/reference").map(str::to_owned))
        .collect()
}

/// "Time hos fastlege – Legekontoret, Dr. Berg": the service, then the named actors.
pub fn unit_label(schedule: &Value, names: &Names) -> String {
    let service = str_at(schedule, "/comment")
        .or_else(|| str_at(schedule, "/serviceType/0/text"))
        .map(str::to_owned);
    let who: Vec<String> = schedule
        .get("actor")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| names.of(Some(a)))
        .collect();
    match (service, who.is_empty()) {
        (Some(s), false) => format!("{s} – {}", who.join(", ")),
        (Some(s), true) => s,
        (None, _) => who.join(", "),
    }
}

/// One day's offers: (the day as written, its offers).
pub type Day<'a> = (String, Vec<&'a Offer>);
/// One unit's offers: (its label, its days).
pub type Unit<'a> = (String, Vec<Day<'a>>);

/// Groups offers by unit (in order of each unit's nearest time), then by day.
pub fn grouped(offers: &[Offer]) -> Vec<Unit<'_>> {
    let mut units: Vec<Unit> = Vec::new();
    for o in offers {
        let day = o.start.with_timezone(&Oslo).format("%d.%m.%Y").to_string();
        let unit = match units.iter_mut().find(|(u, _)| *u == o.unit) {
            Some(u) => u,
            None => {
                units.push((o.unit.clone(), Vec::new()));
                let last = units.len() - 1;
                &mut units[last]
            }
        };
        match unit.1.iter_mut().find(|(d, _)| *d == day) {
            Some((_, list)) => list.push(o),
            None => unit.1.push((day, vec![o])),
        }
    }
    units
}

/// The offers as forms; `moving` is the handle of an appointment being moved.
pub fn offer_forms(lang: Lang, csrf: &str, offers: &[Offer], moving: Option<&str>) -> Markup {
    let (action, key) = match moving {
        Some(_) => ("/booking/move", "booking.move-at"),
        None => ("/booking/book", "booking.book-at"),
    };
    html! {
        @if offers.is_empty() { p.empty { (text(lang, "booking.none")) } }
        // Each button names only its time; `aria-describedby` adds the day and the
        // unit, so a screen reader moving from button to button hears which is which.
        @for (u, (unit, days)) in grouped(offers).into_iter().enumerate() {
            section.unit {
                h2 id=(format!("unit-{u}")) lang="nb" { (unit) }
                @for (d, (day, list)) in days.into_iter().enumerate() {
                    h3 id=(format!("day-{u}-{d}")) { (day) }
                    ul.slots {
                        @for o in list {
                            li {
                                form method="post" action=(action) {
                                    input type="hidden" name="_csrf" value=(csrf);
                                    input type="hidden" name="slot" value=(o.handle);
                                    @if let Some(m) = moving { input type="hidden" name="appointment" value=(m); }
                                    button type="submit" aria-describedby=(format!("day-{u}-{d} unit-{u}")) {
                                        (text_with(lang, key, &[("time", &o.start.with_timezone(&Oslo).format("kl. %H:%M").to_string())]))
                                    }
                                }
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

    fn offer(h: &str, start: &str, unit: &str) -> Offer {
        Offer {
            handle: h.into(),
            start: DateTime::parse_from_rfc3339(start)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default(),
            unit: unit.into(),
        }
    }

    #[test]
    fn grouped_by_unit_then_oslo_day() {
        let offers = [
            offer("a", "2030-01-02T08:00:00Z", "GP"),
            offer("b", "2030-01-02T09:00:00Z", "Ward"),
            offer("c", "2030-01-02T23:30:00Z", "GP"),
        ];
        let g = grouped(&offers);
        let shape: Vec<(String, Vec<(String, usize)>)> = g
            .iter()
            .map(|(u, days)| {
                (
                    u.clone(),
                    days.iter().map(|(d, l)| (d.clone(), l.len())).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (
                    "GP".to_string(),
                    vec![("02.01.2030".to_string(), 1), ("03.01.2030".to_string(), 1)]
                ),
                ("Ward".to_string(), vec![("02.01.2030".to_string(), 1)]),
            ]
        );
        let html = offer_forms(Lang::Nb, "tok", &offers, None).into_string();
        assert_eq!(html.matches("action=\"/booking/book\"").count(), 3);
        assert!(html.contains("name=\"_csrf\" value=\"tok\""));
        assert!(html.contains("Bestill kl. 09:00"), "{html}");
        assert!(
            html.contains("aria-describedby=\"day-0-1 unit-0\""),
            "{html}"
        );
    }

    #[test]
    fn unit_label_names_service_and_actors() {
        let s = json!({"comment": "Time hos fastlege",
            "actor": [{"reference": "Practitioner/p", "display": "Dr. Berg"}, {"reference": "Location/l"}]});
        assert_eq!(
            unit_label(&s, &Names::default()),
            "Time hos fastlege – Dr. Berg"
        );
    }
}
