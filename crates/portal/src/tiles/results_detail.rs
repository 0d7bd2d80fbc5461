//! The detail page of one test result: its facts, its conclusion and its values.
//!
//! Why the values are searched, not read one by one: a laboratory report names its
//! Observations in `result`; one search by `_id` within the patient fetches those the
//! citizen may see, with the gate deciding each (a hidden or deferred value is simply
//! not in the answer, as on the FHIR API). A report at metadata level shows neither
//! conclusion nor values.
use maud::{html, Markup};
use serde_json::Value;

use super::analyses::{analyses, Flag};
use super::names::{lookup, references_at};
use super::results::{facts_of, title_of};
use super::series::value_text;
use crate::fetch::{items, PortalError};
use crate::i18n::text;
use crate::session::Citizen;
use crate::view::is_redacted;
use crate::PortalState;

/// Ids of the Observations a report names in `result`.
pub fn result_ids(report: &Value) -> Vec<String> {
    report
        .get("result")
        .and_then(Value::as_array)
        .map(|rs| {
            rs.iter()
                .filter_map(|r| r.get("reference").and_then(Value::as_str))
                .filter_map(|r| r.strip_prefix("Observation/"))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// `GET /tiles/results/{handle}`.
pub async fn detail(
    state: &PortalState,
    citizen: &Citizen,
    report: &Value,
) -> Result<Markup, PortalError> {
    let lang = citizen.lang;
    let names = lookup(
        state,
        citizen,
        references_at(std::slice::from_ref(report), &["/performer"]),
    )
    .await?;
    let ids = result_ids(report);
    let redacted = is_redacted(report);
    let values = match (citizen.patient(), redacted || ids.is_empty()) {
        (Some(p), false) => {
            let joined = ids.join(",");
            items(
                state,
                citizen,
                "Observation",
                "subject",
                &p.patient_id,
                &[("_id", joined.as_str())],
            )
            .await?
            .into_iter()
            .map(|(_, v)| v)
            .collect()
        }
        _ => Vec::new(),
    };
    let (analyses, _) = analyses(&values);
    let coded: Vec<(String, String)> = values
        .iter()
        .filter(|o| !is_redacted(o) && o.get("valueCodeableConcept").is_some())
        .filter_map(|o| {
            Some((
                crate::view::concept_text(o.get("code"))?,
                crate::view::concept_text(o.get("valueCodeableConcept"))?,
            ))
        })
        .collect();
    Ok(html! {
        article.report {
            h1 { (title_of(lang, report)) }
            (facts_of(lang, report, &names))
            @if !redacted {
                @if let Some(c) = report.get("conclusion").and_then(Value::as_str) {
                    h2 { (text(lang, "field.conclusion")) }
                    p.conclusion lang="nb" { (c) }
                }
                @if !analyses.is_empty() || !coded.is_empty() {
                    table {
                        caption { (text(lang, "results.values")) }
                        thead { tr {
                            th scope="col" { (text(lang, "results.analysis")) }
                            th scope="col" { (text(lang, "field.value")) }
                            th scope="col" { (text(lang, "results.range")) }
                            th scope="col" { (text(lang, "results.flag")) }
                        } }
                        tbody {
                            @for a in &analyses {
                                @for s in &a.samples {
                                    tr {
                                        th scope="row" { (a.name) }
                                        td.num { (value_text(s.value, s.decimals, &s.unit)) }
                                        td { (super::analyses::range_of(s)) }
                                        td { (super::analyses::flag_word(lang, s.flag)) }
                                    }
                                }
                            }
                            @for (name, value) in &coded {
                                tr { th scope="row" { (name) } td lang="nb" { (value) } td {} td {} }
                            }
                        }
                    }
                    @if analyses.iter().any(|a| a.samples.iter().any(|s| s.flag != Flag::Normal && s.flag != Flag::Unknown)) {
                        p.note { (text(lang, "results.outside-note")) }
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn result_ids_are_observation_ids_only() {
        let r = json!({"result": [{"reference": "Observation/a"}, {"reference": "Specimen/s"},
                                  {"reference": "Observation/b"}]});
        assert_eq!(result_ids(&r), ["a", "b"]);
        assert!(result_ids(&json!({})).is_empty());
    }
}
