//! Test results (prøvesvar): DiagnosticReports of the patient, grouped by kind —
//! laboratory (biochemistry), microbiology, pathology, radiology.
//!
//! Where what is shown, and why: the list page carries, above the list of all
//! reports, one section per kind. The laboratory section is the history per
//! analysis ([`super::analyses`]: chart + table for each LOINC code, across reports),
//! because that is what people follow over time; the other kinds show each report's
//! conclusion, date and performer, because a pathology or imaging answer is read as
//! one text. A report's detail page shows its own values. Deferred results are not
//! in the store's answer at all, and items at metadata level (`is_redacted`) show
//! their title and date but no conclusion and no values.
use std::collections::HashMap;

use maud::{html, Markup};
use serde_json::Value;

use super::analyses::{analyses, history};
use super::names::{lookup, references_at, Names};
use super::{ListPage, Row};
use crate::fetch::{handles, items, PortalError};
use crate::i18n::{text, text_with, Lang};
use crate::session::Citizen;
use crate::view::{concept_text, first_date, has_coding, is_redacted, sort_date};
use crate::PortalState;

const V2_0074: &str = "http://terminology.hl7.org/CodeSystem/v2-0074";
const DATES: [&str; 2] = ["/effectiveDateTime", "/issued"];

/// The kind of a report, in the order the page shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Lab,
    Microbiology,
    Pathology,
    Radiology,
    Other,
}

impl Kind {
    pub fn key(self) -> &'static str {
        match self {
            Kind::Lab => "results.kind-lab",
            Kind::Microbiology => "results.kind-micro",
            Kind::Pathology => "results.kind-pathology",
            Kind::Radiology => "results.kind-radiology",
            Kind::Other => "results.kind-other",
        }
    }

    /// The short word for the list's badge.
    pub fn badge(self) -> &'static str {
        match self {
            Kind::Lab => "results.badge-lab",
            Kind::Microbiology => "results.badge-micro",
            Kind::Pathology => "results.badge-pathology",
            Kind::Radiology => "results.badge-radiology",
            Kind::Other => "results.badge-other",
        }
    }
}

/// The kind by the report's v2-0074 diagnostic service section.
pub fn kind(report: &Value) -> Kind {
    let any = |codes: &[&str]| {
        codes
            .iter()
            .any(|c| has_coding(report.get("category"), V2_0074, c))
    };
    if any(&["MB", "MCB", "VR", "PAR", "MYC"]) {
        Kind::Microbiology
    } else if any(&["SP", "PAT", "CP", "CG", "OSL"]) {
        Kind::Pathology
    } else if any(&[
        "RAD", "RX", "CT", "NMR", "NMS", "US", "RUS", "VUS", "OUS", "CUS",
    ]) {
        Kind::Radiology
    } else if any(&[
        "LAB", "CH", "HM", "SR", "IMM", "BLB", "CHEM", "HEM", "TX", "SC",
    ]) {
        Kind::Lab
    } else {
        Kind::Other
    }
}

/// Reports (reference, JSON) grouped by kind, kinds in page order, each newest first.
pub fn by_kind(reports: &[(String, Value)]) -> Vec<(Kind, Vec<&(String, Value)>)> {
    let mut groups: Vec<(Kind, Vec<&(String, Value)>)> = Vec::new();
    for r in reports {
        let k = kind(&r.1);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, list)) => list.push(r),
            None => groups.push((k, vec![r])),
        }
    }
    groups.sort_by_key(|(k, _)| *k);
    for (_, list) in &mut groups {
        list.sort_by(|a, b| {
            super::series::newest_first(&sort_date(&a.1, &DATES), &sort_date(&b.1, &DATES))
        });
    }
    groups
}

pub fn title_of(lang: Lang, r: &Value) -> String {
    concept_text(r.get("code")).unwrap_or_else(|| text(lang, "journal.untitled").to_owned())
}

/// The list: every report as a row, and the sections per kind above it.
pub async fn list(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
) -> Result<ListPage, PortalError> {
    let lang = citizen.lang;
    let found = items(
        state,
        citizen,
        "DiagnosticReport",
        "subject",
        patient_id,
        &[],
    )
    .await?;
    let reports: Vec<(String, Value)> = found
        .into_iter()
        .map(|(s, v)| (format!("DiagnosticReport/{}", s.id), v))
        .collect();
    let values: Vec<Value> = reports.iter().map(|(_, v)| v.clone()).collect();
    let names = lookup(state, citizen, references_at(&values, &["/performer"])).await?;
    let rows = reports
        .iter()
        .map(|(reference, r)| Row {
            reference: reference.clone(),
            sort: sort_date(r, &DATES),
            date: first_date(r, &DATES),
            title: title_of(lang, r),
            detail: names.of(r.pointer("/performer/0")),
            badges: vec![text(lang, kind(r).badge()).to_owned()],
            metadata_only: is_redacted(r),
        })
        .collect();
    let groups = by_kind(&reports);
    let lab = if groups.iter().any(|(k, _)| *k == Kind::Lab) {
        let obs = items(
            state,
            citizen,
            "Observation",
            "subject",
            patient_id,
            &[("category", "laboratory")],
        )
        .await?;
        let obs: Vec<Value> = obs.into_iter().map(|(_, v)| v).collect();
        Some(analyses(&obs))
    } else {
        None
    };
    let refs: Vec<String> = groups
        .iter()
        .filter(|(k, _)| *k != Kind::Lab)
        .flat_map(|(_, list)| list.iter().map(|(r, _)| r.clone()))
        .collect();
    let links: HashMap<String, String> = refs
        .iter()
        .cloned()
        .zip(handles(state, citizen, &refs))
        .collect();
    let extra = html! {
        @for (k, list) in &groups {
            section.kind aria-labelledby=(format!("kind-{}", *k as u8)) {
                h2 #(format!("kind-{}", *k as u8)) { (text(lang, k.key())) }
                @if *k == Kind::Lab {
                    @if let Some((all, hidden)) = &lab {
                        @if all.is_empty() { p { (text(lang, "results.no-values")) } }
                        @for a in all { (history(lang, a)) }
                        @if *hidden > 0 {
                            p.note { (text_with(lang, "results.metadata-values", &[("n", &hidden.to_string())])) }
                        }
                    }
                } @else {
                    @for (reference, r) in list {
                        (card(lang, r, &names, links.get(reference).map(String::as_str)))
                    }
                }
            }
        }
    };
    Ok(ListPage {
        rows,
        extra: (!groups.is_empty()).then_some(extra),
    })
}

/// A pathology, microbiology or imaging report in short: title, date, performer, conclusion.
fn card(lang: Lang, r: &Value, names: &Names, handle: Option<&str>) -> Markup {
    html! {
        article.report {
            h3 {
                @match handle {
                    Some(h) => a href=(format!("/tiles/results/{h}")) { (title_of(lang, r)) },
                    None => (title_of(lang, r)),
                }
            }
            (facts_of(lang, r, names))
            @if is_redacted(r) {
                p.note { (text(lang, "item.metadata-badge")) }
            } @else if let Some(c) = r.get("conclusion").and_then(Value::as_str) {
                p.conclusion lang="nb" { (c) }
            }
        }
    }
}

pub fn facts_of(lang: Lang, r: &Value, names: &Names) -> Markup {
    html! {
        dl.facts {
            dt { (text(lang, "field.type")) } dd { (text(lang, kind(r).key())) }
            @if let Some(d) = first_date(r, &["/effectiveDateTime"]) {
                dt { (text(lang, "results.taken")) } dd { (d) }
            }
            @if let Some(d) = first_date(r, &["/issued"]) {
                dt { (text(lang, "results.issued")) } dd { (d) }
            }
            @if let Some(p) = names.of(r.pointer("/performer/0")) {
                dt { (text(lang, "results.performer")) } dd { (p) }
            }
        }
    }
}

pub use super::results_detail::detail;
