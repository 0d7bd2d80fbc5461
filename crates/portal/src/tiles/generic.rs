//! Tiles whose list is "items of some types, newest first" and whose detail is a
//! few named facts: described by a table ([`spec`]) instead of code per tile.
//!
//! Why a table: most services differ only in which resources they read and which
//! elements carry their title and date; a tile that needs more (charts, timelines)
//! gets its own module and leaves this table.
use maud::{html, Markup};
use serde_json::Value;

use super::{ListPage, Row};
use crate::fetch::{items, PortalError};
use crate::i18n::{text, Lang};
use crate::session::Citizen;
use crate::view::{concept_text, first_date, is_redacted, reference_display, sort_date, str_at};
use crate::PortalState;

/// One source of a tile: a resource type, how it names the patient, extra parameters.
pub struct Source {
    pub resource_type: &'static str,
    pub patient_param: &'static str,
    pub extra: &'static [(&'static str, &'static str)],
}

/// A tile described by data.
pub struct Spec {
    pub sources: Vec<Source>,
    /// Pointers tried in order for the title (CodeableConcepts or strings).
    pub title: &'static [&'static str],
    /// Pointers tried in order for the date.
    pub date: &'static [&'static str],
    /// Pointer of a second line (a Reference display or string).
    pub detail: &'static [&'static str],
}

/// The table of data-described tiles. Every service of issue #4 has its own module
/// now, so it is empty; a new service starts here with a few pointers and leaves it
/// when it needs more.
pub fn spec(_tile: &str) -> Option<Spec> {
    None
}

/// Text of the first pointer that gives any: a string, a concept or a reference display.
fn text_at(resource: &Value, pointers: &[&str]) -> Option<String> {
    pointers.iter().find_map(|p| {
        let v = resource.pointer(p)?;
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(_) => concept_text(Some(v)).or_else(|| reference_display(Some(v))),
            _ => None,
        }
    })
}

/// The rows of a data-described tile.
pub async fn list(
    state: &PortalState,
    citizen: &Citizen,
    tile: &str,
    patient_id: &str,
) -> Result<ListPage, PortalError> {
    let Some(spec) = spec(tile) else {
        return Ok(ListPage {
            rows: Vec::new(),
            extra: None,
        });
    };
    let lang = citizen.lang;
    let mut rows = Vec::new();
    for source in &spec.sources {
        let found = items(
            state,
            citizen,
            source.resource_type,
            source.patient_param,
            patient_id,
            source.extra,
        )
        .await?;
        for (stored, r) in found {
            rows.push(Row {
                reference: format!("{}/{}", stored.resource_type, stored.id),
                sort: sort_date(&r, spec.date),
                date: first_date(&r, spec.date),
                title: text_at(&r, spec.title)
                    .unwrap_or_else(|| text(lang, "journal.untitled").to_owned()),
                detail: text_at(&r, spec.detail),
                badges: Vec::new(),
                metadata_only: is_redacted(&r),
            });
        }
    }
    Ok(ListPage { rows, extra: None })
}

/// A detail page of named facts, from whatever the item carries.
pub fn detail(lang: Lang, r: &Value) -> Markup {
    let rt = str_at(r, "/resourceType").unwrap_or("");
    let title = text_at(
        r,
        &[
            "/code",
            "/title",
            "/description",
            "/vaccineCode",
            "/medicationCodeableConcept",
            "/serviceType/0",
            "/topic",
        ],
    )
    .unwrap_or_else(|| text(lang, "journal.untitled").to_owned());
    let date = first_date(
        r,
        &[
            "/effectiveDateTime",
            "/issued",
            "/authoredOn",
            "/start",
            "/sent",
            "/authored",
            "/occurrenceDateTime",
            "/recorded",
            "/dateAsserted",
            "/created",
        ],
    );
    let facts: Vec<(&str, String)> = [
        ("field.status", text_at(r, &["/status"])),
        (
            "field.organisation",
            text_at(
                r,
                &[
                    "/performer/0",
                    "/performer/0/actor",
                    "/custodian",
                    "/author",
                    "/sender",
                ],
            ),
        ),
        ("field.value", crate::view::quantity(r.get("valueQuantity"))),
        ("field.conclusion", text_at(r, &["/conclusion"])),
        (
            "field.dosage",
            text_at(r, &["/dosage/0/text", "/dosageInstruction/0/text"]),
        ),
        ("field.message", text_at(r, &["/payload/0/contentString"])),
        ("field.note", text_at(r, &["/note/0/text"])),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    html! {
        article.item data-type=(rt) {
            h1 { (title) }
            dl.facts {
                @if let Some(d) = &date { dt { (text(lang, "field.date")) } dd { (d) } }
                @for (k, v) in &facts { dt { (text(lang, k)) } dd { (v) } }
            }
        }
    }
}
