//! Laboratory history per analysis (analysehistorikk): every value of one analysis
//! (one LOINC code) over time, with its reference range and high/low flag.
//!
//! Why per analysis rather than per report: a citizen following a thyroid or a
//! diabetes asks "how has my TSH / HbA1c gone?", and the answer crosses reports.
//! Observations the store returns at metadata level carry a masked code and no value;
//! they are counted but never drawn, so nothing of their content can show.
use std::collections::BTreeMap;

use maud::{html, Markup};
use serde_json::Value;

use super::series::{chart, newest_first, number, unit_text, value_text};
use crate::i18n::{fhir_date, text, text_with, Lang};
use crate::view::{concept_code, concept_text, is_redacted, sort_date};

/// Whether a value lies outside its reference range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    High,
    Low,
    Normal,
    /// No interpretation and no range to judge by.
    Unknown,
}

/// One value of an analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// ISO date or dateTime (sorts).
    pub when: String,
    pub value: f64,
    pub decimals: usize,
    pub unit: String,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub flag: Flag,
}

/// All values of one analysis, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub code: String,
    pub name: String,
    pub samples: Vec<Sample>,
}

/// The flag of an Observation: its interpretation, else judged by its range.
fn flag(obs: &Value, value: f64, low: Option<f64>, high: Option<f64>) -> Flag {
    let code = obs
        .pointer("/interpretation/0/coding/0/code")
        .and_then(Value::as_str);
    match code {
        Some("H" | "HH" | "HU" | ">") => Flag::High,
        Some("L" | "LL" | "LU" | "<") => Flag::Low,
        Some("N") => Flag::Normal,
        _ => match (low, high) {
            (Some(l), _) if value < l => Flag::Low,
            (_, Some(h)) if value > h => Flag::High,
            (None, None) => Flag::Unknown,
            _ => Flag::Normal,
        },
    }
}

fn sample(obs: &Value) -> Option<Sample> {
    let q = obs.get("valueQuantity");
    let (value, decimals) = number(q)?;
    let unit = q
        .and_then(|q| q.get("unit").or_else(|| q.get("code")))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let range = obs.pointer("/referenceRange/0");
    let low = range.and_then(|r| number(r.get("low"))).map(|(v, _)| v);
    let high = range.and_then(|r| number(r.get("high"))).map(|(v, _)| v);
    Some(Sample {
        when: sort_date(obs, &["/effectiveDateTime", "/issued"]),
        value,
        decimals,
        unit,
        low,
        high,
        flag: flag(obs, value, low, high),
    })
}

/// Groups numeric Observations by analysis code, each newest first, analyses by
/// name; also answers how many were left out for being at metadata level.
pub fn analyses(observations: &[Value]) -> (Vec<Analysis>, usize) {
    let mut redacted = 0;
    let mut by_code: BTreeMap<String, Analysis> = BTreeMap::new();
    for obs in observations {
        if is_redacted(obs) {
            redacted += 1;
            continue;
        }
        let (Some(code), Some(s)) = (concept_code(obs.get("code")), sample(obs)) else {
            continue;
        };
        let name = concept_text(obs.get("code")).unwrap_or_else(|| code.clone());
        by_code
            .entry(code.clone())
            .or_insert_with(|| Analysis {
                code,
                name,
                samples: Vec::new(),
            })
            .samples
            .push(s);
    }
    let mut out: Vec<Analysis> = by_code.into_values().collect();
    for a in &mut out {
        a.samples.sort_by(|x, y| newest_first(&x.when, &y.when));
    }
    out.sort_by_key(|a| (a.name.to_lowercase(), a.code.clone()));
    (out, redacted)
}

pub fn range_of(s: &Sample) -> String {
    let n = |v: f64| crate::i18n::number(v, s.decimals);
    match (s.low, s.high) {
        (Some(l), Some(h)) => format!("{}–{} {}", n(l), n(h), unit_text(&s.unit)),
        (Some(l), None) => format!("> {} {}", n(l), unit_text(&s.unit)),
        (None, Some(h)) => format!("< {} {}", n(h), unit_text(&s.unit)),
        (None, None) => String::new(),
    }
}

pub fn flag_word(lang: Lang, f: Flag) -> &'static str {
    match f {
        Flag::High => text(lang, "results.flag-high"),
        Flag::Low => text(lang, "results.flag-low"),
        Flag::Normal => text(lang, "results.flag-normal"),
        Flag::Unknown => "",
    }
}

/// One analysis: heading, chart with the newest reference range as band, table.
pub fn history(lang: Lang, a: &Analysis) -> Markup {
    let points: Vec<(&str, f64)> = a
        .samples
        .iter()
        .map(|s| (s.when.as_str(), s.value))
        .collect();
    let band = a.samples.first().and_then(|s| Some((s.low?, s.high?)));
    let label = text_with(lang, "results.chart-label", &[("name", &a.name)]);
    html! {
        section.analysis {
            h3 { (a.name) }
            @if let Some(svg) = chart(&label, &points, band) { (svg) }
            table {
                caption { (text_with(lang, "results.history-caption", &[("name", &a.name)])) }
                thead { tr {
                    th scope="col" { (text(lang, "field.date")) }
                    th scope="col" { (text(lang, "field.value")) }
                    th scope="col" { (text(lang, "results.range")) }
                    th scope="col" { (text(lang, "results.flag")) }
                } }
                tbody {
                    @for s in &a.samples {
                        tr {
                            td { (fhir_date(&s.when)) }
                            td.num { (value_text(s.value, s.decimals, &s.unit)) }
                            td { (range_of(s)) }
                            td { (flag_word(lang, s.flag)) }
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

    fn obs(code: &str, name: &str, when: &str, v: f64, interp: Option<&str>) -> Value {
        let mut o = json!({"resourceType": "Observation",
            "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": name}]},
            "effectiveDateTime": when, "valueQuantity": {"value": v, "unit": "m[IU]/L"},
            "referenceRange": [{"low": {"value": 0.5}, "high": {"value": 3.6}}]});
        if let Some(i) = interp {
            o["interpretation"] = json!([{"coding": [{"code": i}]}]);
        }
        o
    }

    #[test]
    fn groups_by_code_newest_first_and_skips_redacted() {
        let list = [
            obs("3016-3", "TSH", "2025-01-10T08:00:00+01:00", 4.8, Some("H")),
            obs("718-7", "Hemoglobin", "2026-03-01", 12.1, None),
            obs("3016-3", "TSH", "2026-10-01T08:00:00+02:00", 2.2, None),
            obs("3016-3", "TSH", "2025-11-01T08:00:00+01:00", 0.2, None),
            json!({"resourceType": "Observation", "meta": {"security": [{"code": "REDACTED"}]},
                   "code": {"coding": [{"code": "masked"}]}}),
        ];
        let (a, redacted) = analyses(&list);
        assert_eq!(redacted, 1);
        let names: Vec<&str> = a.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Hemoglobin", "TSH"]);
        let tsh: Vec<(f64, Flag)> = a[1].samples.iter().map(|s| (s.value, s.flag)).collect();
        assert_eq!(
            tsh,
            [(2.2, Flag::Normal), (0.2, Flag::Low), (4.8, Flag::High)]
        );
        assert_eq!(range_of(&a[1].samples[0]), "0,5–3,6 mIU/L");
    }

    #[test]
    fn history_has_a_table_row_per_value_and_a_chart() {
        let list = [
            obs("3016-3", "TSH", "2025-01-10", 4.8, Some("H")),
            obs("3016-3", "TSH", "2026-01-10", 2.2, Some("N")),
        ];
        let (a, _) = analyses(&list);
        let html = history(Lang::Nb, &a[0]).into_string();
        assert_eq!(html.matches("<tr>").count(), 3, "{html}");
        assert_eq!(html.matches("<svg").count(), 1);
        assert!(html.contains(r#"<th scope="col">"#));
    }
}
