//! What the citizen can fill in: forms a unit or study asked for ("Skjema å fylle
//! ut", `form-request` Tasks), drafts to continue, the forms on offer (active
//! Questionnaires), and the "Fyll ut skjema" links on a letter or appointment page.
//!
//! Why links carry session handles: like every portal page, no id appears in an
//! address; the fill page resolves the handles in the citizen's own session.
use std::collections::HashMap;

use maud::{html, Markup};
use nordlys_policy::TASK_KIND_SYSTEM;
use serde_json::Value;

use super::common::search_any;
use crate::fetch::{handles, items, PortalError};
use crate::i18n::text;
use crate::session::Citizen;
use crate::view::str_at;
use crate::PortalState;

/// Questionnaire ids by canonical URL (plain and `url|version`).
async fn ids_by_url(
    state: &PortalState,
    citizen: &Citizen,
    urls: &[&str],
) -> Result<HashMap<String, String>, PortalError> {
    let plain: Vec<&str> = urls
        .iter()
        .map(|u| u.split('|').next().unwrap_or(u))
        .collect();
    let found = search_any(state, citizen, "Questionnaire", "url", plain, 4).await?;
    let mut out = HashMap::new();
    for (id, q) in found {
        if let Some(url) = str_at(&q, "/url") {
            out.insert(url.to_owned(), id.clone());
            if let Some(v) = str_at(&q, "/version") {
                out.insert(format!("{url}|{v}"), id);
            }
        }
    }
    Ok(out)
}

fn title(q: &Value) -> String {
    str_at(q, "/title")
        .or_else(|| str_at(q, "/name"))
        .unwrap_or("")
        .to_owned()
}

/// The part of the forms tile above the list of sent forms.
pub async fn extra(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
    drafts: &[(String, Value)],
) -> Result<Markup, PortalError> {
    let lang = citizen.lang;
    let code = format!("{TASK_KIND_SYSTEM}|form-request");
    let requests = items(
        state,
        citizen,
        "Task",
        "patient",
        patient_id,
        &[("code", &code), ("status", "requested")],
    )
    .await?;
    let offered = search_any(
        state,
        citizen,
        "Questionnaire",
        "status",
        vec!["active"],
        50,
    )
    .await?;
    let names: HashMap<&str, String> = offered
        .iter()
        .map(|(id, q)| (id.as_str(), title(q)))
        .collect();
    let urls: Vec<&str> = drafts
        .iter()
        .filter_map(|(_, d)| str_at(d, "/questionnaire"))
        .collect();
    let by_url = ids_by_url(state, citizen, &urls).await?;

    // (questionnaire id, label, draft ref, request ref)
    let mut links: Vec<(String, String, Option<String>, Option<String>)> = Vec::new();
    for (s, t) in &requests {
        let Some(qid) = requested(t) else { continue };
        let label = names
            .get(qid.as_str())
            .cloned()
            .or_else(|| str_at(t, "/description").map(str::to_owned))
            .unwrap_or_default();
        links.push((qid, label, None, Some(format!("Task/{}", s.id))));
    }
    let n_requests = links.len();
    for (id, d) in drafts {
        let Some(qid) = str_at(d, "/questionnaire").and_then(|u| {
            by_url
                .get(u)
                .or_else(|| by_url.get(u.split('|').next().unwrap_or(u)))
        }) else {
            continue;
        };
        let label = names.get(qid.as_str()).cloned().unwrap_or_default();
        links.push((
            qid.clone(),
            label,
            Some(format!("QuestionnaireResponse/{id}")),
            None,
        ));
    }
    let n_drafts = links.len() - n_requests;
    let mut available: Vec<(&String, &Value)> = offered.iter().map(|(id, q)| (id, q)).collect();
    available.sort_by_key(|(_, q)| title(q));
    for (id, q) in &available {
        links.push(((*id).clone(), title(q), None, None));
    }
    let mut refs: Vec<String> = Vec::new();
    for (qid, _, d, r) in &links {
        refs.push(format!("Questionnaire/{qid}"));
        refs.push(
            d.clone()
                .or_else(|| r.clone())
                .unwrap_or_else(|| format!("Questionnaire/{qid}")),
        );
    }
    let hs = handles(state, citizen, &refs);
    let href = |i: usize| {
        let (_, _, d, r) = &links[i];
        let q = hs.get(2 * i).cloned().unwrap_or_default();
        let other = hs.get(2 * i + 1).cloned().unwrap_or_default();
        match (d, r) {
            (Some(_), _) => format!("/forms/{q}?draft={other}"),
            (_, Some(_)) => format!("/forms/{q}?request={other}"),
            _ => format!("/forms/{q}"),
        }
    };
    let section = |key: &'static str, range: std::ops::Range<usize>, link_key: &'static str| {
        html! {
            @if !range.is_empty() {
                section.forms-offer {
                    h2 { (text(lang, key)) }
                    ul.offers {
                        @for i in range {
                            li.offer { a href=(href(i)) { span.form-title { (links[i].1) } } " " span.action { (text(lang, link_key)) } }
                        }
                    }
                }
            }
        }
    };
    Ok(html! {
        (section("forms.requested", 0..n_requests, "forms.fill"))
        (section("forms.drafts", n_requests..n_requests + n_drafts, "forms.continue"))
        (section("forms.new", n_requests + n_drafts..links.len(), "forms.fill"))
        h2 { (text(lang, "forms.sent")) }
    })
}

/// The Questionnaire id a `form-request` Task asks for.
pub fn requested(task: &Value) -> Option<String> {
    let focus = str_at(task, "/focus/reference");
    let input = task
        .get("input")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|i| str_at(i, "/valueReference/reference"));
    focus
        .or(input)?
        .strip_prefix("Questionnaire/")
        .map(str::to_owned)
}

/// "Fyll ut skjema" links for the Questionnaires a letter (`context.related`) or an
/// appointment (`supportingInformation`) refers to.
pub async fn fill_links(state: &PortalState, citizen: &Citizen, resource: &Value) -> Markup {
    let refs: Vec<&str> = ["/context/related", "/supportingInformation"]
        .iter()
        .filter_map(|p| resource.pointer(p).and_then(Value::as_array))
        .flatten()
        .filter_map(|r| str_at(r, "/reference"))
        .filter(|r| r.starts_with("Questionnaire/"))
        .collect();
    if refs.is_empty() {
        return html! {};
    }
    let ids: Vec<&str> = refs
        .iter()
        .filter_map(|r| r.strip_prefix("Questionnaire/"))
        .collect();
    let found = search_any(state, citizen, "Questionnaire", "_id", ids, 1)
        .await
        .unwrap_or_default();
    if found.is_empty() {
        return html! {};
    }
    let hs = handles(
        state,
        citizen,
        &found
            .iter()
            .map(|(id, _)| format!("Questionnaire/{id}"))
            .collect::<Vec<_>>(),
    );
    html! {
        section.forms-linked {
            h2 { (text(citizen.lang, "forms.linked")) }
            ul { @for ((_, q), h) in found.iter().zip(&hs) {
                li { a.button href=(format!("/forms/{h}")) { (text(citizen.lang, "forms.fill")) ": " (title(q)) } }
            } }
        }
    }
}
