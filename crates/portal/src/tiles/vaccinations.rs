//! Vaccinations (vaksiner): the patient's Immunizations with vaccine, date, dose
//! number and who gave it.
//!
//! Why its own module rather than the generic table: the dose number lives in
//! `protocolApplied` and the performer is a bare reference, which needs the directory
//! names; both matter to a parent checking the child vaccination programme.
use maud::{html, Markup};
use serde_json::Value;

use super::names::{lookup, references_at, Names};
use super::{ListPage, Row};
use crate::fetch::{items, PortalError};
use crate::i18n::{text, text_with, Lang};
use crate::session::Citizen;
use crate::view::{concept_text, first_date, is_redacted, sort_date, str_at};
use crate::PortalState;

const DATES: [&str; 2] = ["/occurrenceDateTime", "/recorded"];
const PERFORMER: [&str; 1] = ["/performer"];

/// "Dose 2" (or "Dose 2 av 3") from the first protocol applied.
fn dose(lang: Lang, imm: &Value) -> Option<String> {
    let p = imm.pointer("/protocolApplied/0")?;
    let n = p
        .get("doseNumberPositiveInt")
        .and_then(Value::as_u64)
        .map(|n| n.to_string())
        .or_else(|| str_at(p, "/doseNumberString").map(str::to_owned))?;
    let of = p
        .get("seriesDosesPositiveInt")
        .and_then(Value::as_u64)
        .map(|n| n.to_string())
        .or_else(|| str_at(p, "/seriesDosesString").map(str::to_owned));
    Some(match of {
        Some(of) => text_with(lang, "vaccinations.dose-of", &[("n", &n), ("of", &of)]),
        None => text_with(lang, "vaccinations.dose", &[("n", &n)]),
    })
}

fn performer(names: &Names, imm: &Value) -> Option<String> {
    imm.get("performer")
        .and_then(Value::as_array)?
        .iter()
        .find_map(|p| names.of(p.get("actor")))
}

fn vaccine(lang: Lang, imm: &Value) -> String {
    concept_text(imm.get("vaccineCode"))
        .unwrap_or_else(|| text(lang, "journal.untitled").to_owned())
}

pub async fn list(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
) -> Result<ListPage, PortalError> {
    let lang = citizen.lang;
    let found = items(state, citizen, "Immunization", "patient", patient_id, &[]).await?;
    let values: Vec<Value> = found.iter().map(|(_, v)| v.clone()).collect();
    let names = lookup(state, citizen, references_at(&values, &PERFORMER)).await?;
    let rows = found
        .iter()
        .map(|(s, imm)| {
            let detail: Vec<String> = [dose(lang, imm), performer(&names, imm)]
                .into_iter()
                .flatten()
                .collect();
            Row {
                reference: format!("Immunization/{}", s.id),
                sort: sort_date(imm, &DATES),
                date: first_date(imm, &DATES),
                title: vaccine(lang, imm),
                detail: (!detail.is_empty()).then(|| detail.join(" · ")),
                badges: if str_at(imm, "/status") == Some("not-done") {
                    vec![text(lang, "vaccinations.not-done").to_owned()]
                } else {
                    Vec::new()
                },
                metadata_only: is_redacted(imm),
            }
        })
        .collect();
    Ok(ListPage { rows, extra: None })
}

pub async fn detail(
    state: &PortalState,
    citizen: &Citizen,
    imm: &Value,
) -> Result<Markup, PortalError> {
    let lang = citizen.lang;
    let names = lookup(
        state,
        citizen,
        references_at(std::slice::from_ref(imm), &PERFORMER),
    )
    .await?;
    Ok(html! {
        article.vaccination {
            h1 { (vaccine(lang, imm)) }
            dl.facts {
                @if let Some(d) = first_date(imm, &DATES) { dt { (text(lang, "field.date")) } dd { (d) } }
                @if let Some(d) = dose(lang, imm) { dt { (text(lang, "vaccinations.dose-title")) } dd { (d) } }
                @if let Some(p) = performer(&names, imm) { dt { (text(lang, "vaccinations.performer")) } dd { (p) } }
                @if let Some(l) = str_at(imm, "/lotNumber") { dt { (text(lang, "vaccinations.lot")) } dd { (l) } }
                @if str_at(imm, "/status") == Some("not-done") { dt { (text(lang, "field.status")) } dd { (text(lang, "vaccinations.not-done")) } }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dose_and_performer() {
        let imm = json!({"vaccineCode": {"text": "Priorix (MMR)"}, "protocolApplied": [{"doseNumberPositiveInt": 2}],
                         "performer": [{"actor": {"reference": "Organization/hs"}}]});
        assert_eq!(
            dose(Lang::Nb, &imm),
            Some(text_with(Lang::Nb, "vaccinations.dose", &[("n", "2")]))
        );
        let series =
            json!({"protocolApplied": [{"doseNumberPositiveInt": 1, "seriesDosesPositiveInt": 3}]});
        assert_eq!(
            dose(Lang::Nb, &series),
            Some(text_with(
                Lang::Nb,
                "vaccinations.dose-of",
                &[("n", "1"), ("of", "3")]
            ))
        );
        assert_eq!(dose(Lang::Nb, &json!({})), None);
        let names = Names::from_pairs(&[("Organization/hs", "Helsestasjonen")]);
        assert_eq!(performer(&names, &imm), Some("Helsestasjonen".into()));
        assert_eq!(vaccine(Lang::Nb, &imm), "Priorix (MMR)");
    }
}
