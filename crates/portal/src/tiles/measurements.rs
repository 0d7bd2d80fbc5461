//! Home measurements (digital hjemmeoppfølging, DHO): vital signs the patient
//! measured at home with a Device — blood pressure, weight, oxygen saturation,
//! blood glucose.
//!
//! Why a chart and a table per measurement type on the list page: the people who
//! follow home measurements look at the last two weeks at once, per type, not item
//! by item. Blood pressure is one Observation with two components, so its table has
//! a systolic and a diastolic column and a chart for each. Only Observations with a
//! `device` count (a pulse taken at the clinic is not a home measurement) — except
//! items at metadata level, whose device is not shown at that level: they are listed
//! as "metadata only", never drawn.
use maud::{html, Markup};
use serde_json::Value;

use super::series::{chart, newest_first, number, unit_text, value_text};
use super::{ListPage, Row};
use crate::fetch::{items, PortalError};
use crate::i18n::{fhir_date, text, text_with, Lang};
use crate::session::Citizen;
use crate::view::{concept_code, concept_text, first_date, is_redacted, sort_date};
use crate::PortalState;

const DATES: [&str; 2] = ["/effectiveDateTime", "/issued"];

/// One column of a measurement type: its own value or one component.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub code: String,
    pub label: String,
    pub unit: String,
}

/// A value and the decimals to write it with.
pub type Num = (f64, usize);

/// All measurements of one type, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Kind {
    pub code: String,
    pub name: String,
    pub columns: Vec<Column>,
    /// (when, one value per column with its decimals).
    pub rows: Vec<(String, Vec<Option<Num>>)>,
}

/// The plain name of a known LOINC code (translated), else the concept's own text.
fn known_name(lang: Lang, code: &str) -> Option<&'static str> {
    let key = match code {
        "85354-9" | "55284-4" => "measure.blood-pressure",
        "8480-6" => "measure.systolic",
        "8462-4" => "measure.diastolic",
        "29463-7" | "3141-9" => "measure.weight",
        "59408-5" | "2708-6" => "measure.spo2",
        "15074-8" | "2339-0" | "2345-7" | "14743-9" => "measure.glucose",
        "8867-4" => "measure.pulse",
        _ => return None,
    };
    Some(text(lang, key))
}

fn name(lang: Lang, concept: Option<&Value>) -> String {
    concept_code(concept)
        .and_then(|c| known_name(lang, &c))
        .map(str::to_owned)
        .or_else(|| concept_text(concept))
        .unwrap_or_default()
}

fn unit_of(q: Option<&Value>) -> String {
    q.and_then(|q| q.get("unit").or_else(|| q.get("code")))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// (column, value) pairs of one Observation: its components, else its own value.
fn values(lang: Lang, obs: &Value) -> Vec<(Column, Option<Num>)> {
    let comps = obs.get("component").and_then(Value::as_array);
    match comps {
        Some(cs) if !cs.is_empty() => cs
            .iter()
            .map(|c| {
                let col = Column {
                    code: concept_code(c.get("code")).unwrap_or_default(),
                    label: name(lang, c.get("code")),
                    unit: unit_of(c.get("valueQuantity")),
                };
                (col, number(c.get("valueQuantity")))
            })
            .collect(),
        _ => vec![(
            Column {
                code: String::new(),
                label: text(lang, "field.value").to_owned(),
                unit: unit_of(obs.get("valueQuantity")),
            },
            number(obs.get("valueQuantity")),
        )],
    }
}

/// Home measurements grouped by type (types by name), each newest first. Redacted
/// items and those without a value are left out.
pub fn kinds(lang: Lang, observations: &[Value]) -> Vec<Kind> {
    let mut out: Vec<Kind> = Vec::new();
    for obs in observations.iter().filter(|o| !is_redacted(o)) {
        let Some(code) = concept_code(obs.get("code")) else {
            continue;
        };
        let vals = values(lang, obs);
        if vals.iter().all(|(_, v)| v.is_none()) {
            continue;
        }
        let idx = match out.iter().position(|k| k.code == code) {
            Some(i) => i,
            None => {
                out.push(Kind {
                    name: name(lang, obs.get("code")),
                    code,
                    columns: Vec::new(),
                    rows: Vec::new(),
                });
                out.len() - 1
            }
        };
        let kind = &mut out[idx];
        let mut row = vec![None; kind.columns.len()];
        for (col, v) in vals {
            let i = match kind.columns.iter().position(|c| c.code == col.code) {
                Some(i) => i,
                None => {
                    kind.columns.push(col);
                    row.push(None);
                    kind.columns.len() - 1
                }
            };
            row[i] = v;
        }
        kind.rows.push((sort_date(obs, &DATES), row));
    }
    for k in &mut out {
        let width = k.columns.len();
        k.rows.iter_mut().for_each(|(_, r)| r.resize(width, None));
        // One number of decimals per column, as many as any value needs: a hub
        // writing 134.0 mmHg gets "134", while 82.0 beside 83.5 kg stays "82,0".
        for i in 0..width {
            let d = k
                .rows
                .iter()
                .filter_map(|(_, r)| r[i])
                .map(|(x, d)| needed_decimals(x, d))
                .max()
                .unwrap_or(0);
            k.rows
                .iter_mut()
                .filter_map(|(_, r)| r[i].as_mut())
                .for_each(|v| v.1 = d);
        }
        k.rows.sort_by(|a, b| newest_first(&a.0, &b.0));
    }
    out.sort_by_key(|k| (k.name.to_lowercase(), k.code.clone()));
    out
}

/// The decimals `x` needs of the `d` it was written with (trailing zeros dropped).
fn needed_decimals(x: f64, d: usize) -> usize {
    let s = format!("{x:.d$}");
    match s.split_once('.') {
        Some((_, f)) => f.trim_end_matches('0').len(),
        None => 0,
    }
}

/// `134/80 mmHg` for blood pressure, `82,5 kg` otherwise.
fn summary(lang: Lang, obs: &Value) -> Option<String> {
    let vals = values(lang, obs);
    let unit = vals
        .first()
        .map(|(c, _)| c.unit.clone())
        .unwrap_or_default();
    let nums: Vec<String> = vals
        .iter()
        .map(|(_, v)| v.map(|(x, d)| crate::i18n::number(x, needed_decimals(x, d))))
        .collect::<Option<_>>()?;
    Some(
        format!("{} {}", nums.join("/"), unit_text(&unit))
            .trim_end()
            .to_owned(),
    )
}

/// The list: one row per measurement, a chart and a table per type above it.
pub async fn list(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
) -> Result<ListPage, PortalError> {
    let lang = citizen.lang;
    let found = items(
        state,
        citizen,
        "Observation",
        "subject",
        patient_id,
        &[("category", "vital-signs")],
    )
    .await?;
    let home: Vec<(String, Value)> = found
        .into_iter()
        .filter(|(_, o)| o.get("device").is_some() || is_redacted(o))
        .map(|(s, o)| (format!("Observation/{}", s.id), o))
        .collect();
    let rows = home
        .iter()
        .map(|(reference, o)| Row {
            reference: reference.clone(),
            sort: sort_date(o, &DATES),
            date: first_date(o, &DATES),
            title: if is_redacted(o) {
                text(lang, "journal.untitled").to_owned()
            } else {
                name(lang, o.get("code"))
            },
            detail: (!is_redacted(o)).then(|| summary(lang, o)).flatten(),
            badges: Vec::new(),
            metadata_only: is_redacted(o),
        })
        .collect();
    let values: Vec<Value> = home.into_iter().map(|(_, o)| o).collect();
    let groups = kinds(lang, &values);
    let extra =
        (!groups.is_empty()).then(|| html! { @for k in &groups { (kind_section(lang, k)) } });
    Ok(ListPage { rows, extra })
}

fn kind_section(lang: Lang, k: &Kind) -> Markup {
    let charts: Vec<Markup> = k
        .columns
        .iter()
        .enumerate()
        .filter_map(|(i, col)| {
            let pts: Vec<(&str, f64)> = k
                .rows
                .iter()
                .filter_map(|(w, r)| Some((w.as_str(), r.get(i).copied().flatten()?.0)))
                .collect();
            let label = if k.columns.len() > 1 {
                format!("{} – {}", k.name, col.label)
            } else {
                k.name.clone()
            };
            chart(
                &text_with(lang, "results.chart-label", &[("name", &label)]),
                &pts,
                None,
            )
        })
        .collect();
    html! {
        section.measurement aria-labelledby=(format!("m-{}", k.code)) {
            h2 #(format!("m-{}", k.code)) { (k.name) }
            @for c in &charts { (c) }
            table {
                caption { (text_with(lang, "results.history-caption", &[("name", &k.name)])) }
                thead { tr {
                    th scope="col" { (text(lang, "field.date")) }
                    @for c in &k.columns { th scope="col" { (c.label) } }
                } }
                tbody {
                    @for (when, vals) in &k.rows {
                        tr {
                            td { (fhir_date(when)) }
                            @for (c, v) in k.columns.iter().zip(vals) {
                                td.num { @if let Some((x, d)) = v { (value_text(*x, *d, &c.unit)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The detail page of one measurement.
pub fn detail(lang: Lang, obs: &Value) -> Markup {
    let redacted = is_redacted(obs);
    html! {
        article.item {
            h1 { @if redacted { (text(lang, "journal.untitled")) } @else { (name(lang, obs.get("code"))) } }
            dl.facts {
                @if let Some(d) = first_date(obs, &DATES) { dt { (text(lang, "field.date")) } dd { (d) } }
                @if !redacted {
                    @for (c, v) in values(lang, obs) {
                        @if let Some((x, d)) = v { dt { (c.label) } dd { (value_text(x, d, &c.unit)) } }
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

    fn bp(when: &str, sys: f64, dia: f64) -> Value {
        json!({"code": {"coding": [{"code": "85354-9"}]}, "effectiveDateTime": when, "device": {},
               "component": [
                 {"code": {"coding": [{"code": "8480-6"}]}, "valueQuantity": {"value": sys, "unit": "mm[Hg]"}},
                 {"code": {"coding": [{"code": "8462-4"}]}, "valueQuantity": {"value": dia, "unit": "mm[Hg]"}}]})
    }

    fn weight(when: &str, kg: f64) -> Value {
        json!({"code": {"coding": [{"code": "29463-7"}]}, "effectiveDateTime": when, "device": {},
               "valueQuantity": {"value": kg, "unit": "kg"}})
    }

    #[test]
    fn blood_pressure_has_two_columns_and_rows_newest_first() {
        let obs = [
            bp("2026-11-19T07:30:00+01:00", 132.0, 79.0),
            weight("2026-11-20T07:30:00+01:00", 82.5),
            bp("2026-11-21T07:30:00+01:00", 134.0, 80.0),
            json!({"meta": {"security": [{"code": "REDACTED"}]}, "code": {"coding": [{"code": "masked"}]}}),
        ];
        let k = kinds(Lang::Nb, &obs);
        let names: Vec<&str> = k.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["Blodtrykk", "Vekt"]);
        let cols: Vec<&str> = k[0].columns.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(cols, ["Systolisk", "Diastolisk"]);
        let first: Vec<Option<f64>> = k[0].rows[0].1.iter().map(|v| v.map(|x| x.0)).collect();
        assert_eq!(first, [Some(134.0), Some(80.0)]);
        assert_eq!(k[0].rows.len(), 2);
        assert_eq!(summary(Lang::Nb, &obs[0]).as_deref(), Some("132/79 mmHg"));
        let html = kind_section(Lang::Nb, &k[0]).into_string();
        assert_eq!(html.matches("<svg").count(), 2, "{html}");
        assert_eq!(html.matches("<tr>").count(), 3);
        assert!(html.contains("134 mmHg"), "{html}");
        let w = kinds(
            Lang::Nb,
            &[weight("2026-11-01", 82.0), weight("2026-11-02", 83.5)],
        );
        let shown: Vec<usize> = w[0]
            .rows
            .iter()
            .filter_map(|(_, r)| r[0])
            .map(|v| v.1)
            .collect();
        assert_eq!(shown, [1, 1]);
    }
}
