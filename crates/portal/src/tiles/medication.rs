//! Medication (legemidler): prescriptions, the medication list and dispensings
//! (MedicationRequest, MedicationStatement, MedicationDispense) as one list with
//! name, dosage, period and prescriber.
//!
//! Why the youth badges: a 12–15-year-old may have medicines their parents do not see
//! (the clinician tags the item `only-youth`) beside ones that are shared. The store
//! already hides `only-youth` items from the parents; the badge tells the youth
//! themself which is which, so the portal shows it only when the viewer is the
//! patient (never to someone acting for them, who would learn nothing useful and
//! could learn that something is hidden).
use maud::{html, Markup};
use serde_json::Value;

use super::names::{lookup, references_at, Names};
use super::{ListPage, Row};
use crate::fetch::{items, PortalError};
use crate::i18n::{fhir_date, text, Lang};
use crate::session::Citizen;
use crate::view::{concept_text, first_date, is_redacted, sort_date, str_at};
use crate::PortalState;
use nordlys_policy::RelationKind;

/// The youth-sharing tag of access-policy.md.
pub const YOUTH_SHARING: &str = "https://nordlys.no/fhir/CodeSystem/youth-sharing";

const TYPES: [&str; 3] = [
    "MedicationStatement",
    "MedicationRequest",
    "MedicationDispense",
];
const DATES: [&str; 5] = [
    "/effectivePeriod/start",
    "/effectiveDateTime",
    "/authoredOn",
    "/whenHandedOver",
    "/dateAsserted",
];
const PRESCRIBER: [&str; 3] = ["/requester", "/informationSource", "/performer/0/actor"];

/// The youth badge key of an item, if tagged.
pub fn youth_badge(item: &Value) -> Option<&'static str> {
    let tags = item.pointer("/meta/tag")?.as_array()?;
    tags.iter()
        .filter(|t| str_at(t, "/system") == Some(YOUTH_SHARING))
        .find_map(|t| match str_at(t, "/code") {
            Some("only-youth") => Some("medication.only-you"),
            Some("shared") => Some("medication.shared"),
            _ => None,
        })
}

/// Whether the viewer is the patient themself (badges are for them only).
fn viewer_is_patient(citizen: &Citizen) -> bool {
    citizen
        .patient()
        .is_some_and(|p| p.relation == RelationKind::Myself)
}

fn name_of(item: &Value) -> Option<String> {
    concept_text(item.get("medicationCodeableConcept"))
        .or_else(|| str_at(item, "/medicationReference/display").map(str::to_owned))
}

fn dosage_of(item: &Value) -> Option<String> {
    ["/dosage/0/text", "/dosageInstruction/0/text"]
        .iter()
        .find_map(|p| str_at(item, p))
        .map(str::to_owned)
}

/// `from – to` of the period the medicine is used, or the single date there is.
fn period_of(item: &Value) -> Option<String> {
    if let Some(p) = item.get("effectivePeriod") {
        let start = str_at(p, "/start").map(fhir_date).unwrap_or_default();
        let end = str_at(p, "/end").map(fhir_date).unwrap_or_default();
        return Some(format!("{start} – {end}").trim().to_owned());
    }
    first_date(item, &DATES)
}

fn kind_key(item: &Value) -> &'static str {
    match str_at(item, "/resourceType") {
        Some("MedicationRequest") => "medication.kind.request",
        Some("MedicationDispense") => "medication.kind.dispense",
        _ => "medication.kind.statement",
    }
}

fn prescriber(names: &Names, item: &Value) -> Option<String> {
    PRESCRIBER.iter().find_map(|p| names.of(item.pointer(p)))
}

pub async fn list(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
) -> Result<ListPage, PortalError> {
    let lang = citizen.lang;
    let mut all = Vec::new();
    for rt in TYPES {
        for (s, v) in items(state, citizen, rt, "subject", patient_id, &[]).await? {
            all.push((format!("{rt}/{}", s.id), v));
        }
    }
    let values: Vec<Value> = all.iter().map(|(_, v)| v.clone()).collect();
    let names = lookup(state, citizen, references_at(&values, &PRESCRIBER)).await?;
    let badges = viewer_is_patient(citizen);
    let rows = all
        .into_iter()
        .map(|(reference, m)| {
            let detail: Vec<String> = [dosage_of(&m), prescriber(&names, &m)]
                .into_iter()
                .flatten()
                .collect();
            Row {
                reference,
                sort: sort_date(&m, &DATES),
                date: period_of(&m),
                title: name_of(&m).unwrap_or_else(|| text(lang, "journal.untitled").to_owned()),
                detail: (!detail.is_empty()).then(|| detail.join(" · ")),
                badges: youth_badge(&m)
                    .filter(|_| badges)
                    .map(|k| vec![text(lang, k).to_owned()])
                    .unwrap_or_default(),
                metadata_only: is_redacted(&m),
            }
        })
        .collect();
    Ok(ListPage { rows, extra: None })
}

pub async fn detail(
    state: &PortalState,
    citizen: &Citizen,
    item: &Value,
) -> Result<Markup, PortalError> {
    let lang = citizen.lang;
    let names = lookup(
        state,
        citizen,
        references_at(std::slice::from_ref(item), &PRESCRIBER),
    )
    .await?;
    let badge = youth_badge(item).filter(|_| viewer_is_patient(citizen));
    Ok(render(lang, item, &names, badge))
}

fn render(lang: Lang, item: &Value, names: &Names, badge: Option<&str>) -> Markup {
    html! {
        article.medication {
            h1 { (name_of(item).unwrap_or_else(|| text(lang, "journal.untitled").to_owned())) }
            @if let Some(b) = badge { p { span.badge.youth { (text(lang, b)) } } }
            dl.facts {
                dt { (text(lang, "field.type")) } dd { (text(lang, kind_key(item))) }
                @if let Some(d) = dosage_of(item) { dt { (text(lang, "field.dosage")) } dd lang="nb" { (d) } }
                @if let Some(p) = period_of(item) { dt { (text(lang, "medication.period")) } dd { (p) } }
                @if let Some(p) = prescriber(names, item) { dt { (text(lang, "medication.prescriber")) } dd { (p) } }
                @if let Some(n) = str_at(item, "/note/0/text") { dt { (text(lang, "field.note")) } dd lang="nb" { (n) } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn youth_tags_name_dosage_period() {
        let tagged =
            |code: &str| json!({"meta": {"tag": [{"system": YOUTH_SHARING, "code": code}]}});
        assert_eq!(
            youth_badge(&tagged("only-youth")),
            Some("medication.only-you")
        );
        assert_eq!(youth_badge(&tagged("shared")), Some("medication.shared"));
        assert_eq!(youth_badge(&tagged("other")), None);
        assert_eq!(
            youth_badge(&json!({"meta": {"tag": [{"system": "x", "code": "shared"}]}})),
            None
        );
        let st = json!({"resourceType": "MedicationStatement",
            "medicationCodeableConcept": {"text": "Ventoline"}, "dosage": [{"text": "ved behov"}],
            "effectivePeriod": {"start": "2026-04-16"}, "informationSource": {"reference": "Practitioner/p"}});
        assert_eq!(name_of(&st), Some("Ventoline".into()));
        assert_eq!(dosage_of(&st), Some("ved behov".into()));
        assert_eq!(period_of(&st), Some("16.04.2026 –".into()));
        let names = Names::from_pairs(&[("Practitioner/p", "Ida Solberg")]);
        assert_eq!(prescriber(&names, &st), Some("Ida Solberg".into()));
        let rq = json!({"resourceType": "MedicationRequest", "authoredOn": "2026-10-28", "requester": {"reference": "Practitioner/p"}});
        assert_eq!(period_of(&rq), Some("28.10.2026".into()));
        assert_eq!(kind_key(&rq), "medication.kind.request");
        assert_eq!(prescriber(&names, &rq), Some("Ida Solberg".into()));
    }
}
