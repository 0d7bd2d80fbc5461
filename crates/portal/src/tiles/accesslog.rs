//! Access log (innsynslogg): "who has looked at my record" — a table of the
//! AuditEvents about the patient that the store returns to this citizen (the policy
//! decides which, access-policy.md § 6), newest first.
//!
//! Why names are looked up: the store records agents by national ids only (HPR
//! number, organisation number, fødselsnummer — see `nordlys_store`'s
//! `audit::event`), which a citizen cannot read. Practitioners and organisations are
//! directory data, found with one identifier search each. A citizen agent is "you",
//! the patient, or one of the patient's RelatedPersons (one search each, made only
//! when an unknown citizen appears, and logged like any other read); anyone else stays
//! "a citizen" without their id. "On whose behalf": a citizen's entry about a patient
//! who is not themself was made acting for that patient. Emergency access is the
//! `ETREAT` purpose, or the store's "emergency access" marker.
use std::collections::HashMap;

use maud::{html, Markup};
use serde_json::Value;

use super::{ListPage, Row};
use crate::fetch::{items, PortalError};
use crate::i18n::{fhir_date, text, text_with, Lang};
use crate::session::Citizen;
use crate::view::str_at;
use crate::PortalState;
use nordlys_policy::RelationKind;

pub const FNR: &str = "urn:oid:2.16.578.1.12.4.1.4.1";
pub const HPR: &str = "urn:oid:2.16.578.1.12.4.1.4.4";
pub const ORGNR: &str = "urn:oid:2.16.578.1.12.4.1.4.101";
const ON_BEHALF_URL: &str = "https://nordlys.no/fhir/StructureDefinition/on-behalf-of";
/// Most entries shown (the newest); the log of a long life is long.
const SHOWN: usize = 200;

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agent {
    Citizen(String),
    Practitioner(String),
    System(String),
    Unknown,
}

/// One entry as the table shows it, before names are filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub recorded: String,
    pub agent: Agent,
    pub orgnr: Option<String>,
    pub purpose: Option<String>,
    pub emergency: bool,
    /// The action: `read`, `search-type`, `create`…
    pub action: String,
    pub on_behalf_extension: Option<String>,
}

fn identifier(who: Option<&Value>, system: &str) -> Option<String> {
    let id = who?.get("identifier")?;
    (str_at(id, "/system") == Some(system)).then(|| str_at(id, "/value").map(str::to_owned))?
}

fn code_of(concept: Option<&Value>) -> Option<&str> {
    concept?
        .get("coding")?
        .as_array()?
        .iter()
        .find_map(|c| str_at(c, "/code"))
}

impl Entry {
    pub fn of(event: &Value) -> Entry {
        let agents: Vec<&Value> = event
            .get("agent")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let requestor = agents
            .iter()
            .find(|a| a.get("requestor").and_then(Value::as_bool) == Some(true))
            .or_else(|| agents.first());
        let agent = match requestor {
            Some(a) => {
                let who = a.get("who");
                if let Some(pid) = identifier(who, FNR) {
                    Agent::Citizen(pid)
                } else if let Some(hpr) = identifier(who, HPR) {
                    Agent::Practitioner(hpr)
                } else if let Some(d) = who.and_then(|w| str_at(w, "/display")) {
                    Agent::System(d.to_owned())
                } else {
                    Agent::Unknown
                }
            }
            None => Agent::Unknown,
        };
        let orgnr = agents.iter().find_map(|a| identifier(a.get("who"), ORGNR));
        let purpose = event
            .get("purposeOfEvent")
            .and_then(Value::as_array)
            .and_then(|p| p.iter().find_map(|c| code_of(Some(c))))
            .map(str::to_owned);
        let emergency = purpose.as_deref() == Some("ETREAT")
            || str_at(event, "/outcomeDesc") == Some("emergency access");
        let on_behalf_extension = requestor
            .and_then(|a| a.get("extension"))
            .and_then(Value::as_array)
            .and_then(|xs| xs.iter().find(|x| str_at(x, "/url") == Some(ON_BEHALF_URL)))
            .and_then(|x| str_at(x, "/valueString"))
            .map(str::to_owned);
        Entry {
            recorded: str_at(event, "/recorded").unwrap_or("").to_owned(),
            agent,
            orgnr,
            purpose,
            emergency,
            action: event
                .pointer("/subtype/0/code")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            on_behalf_extension,
        }
    }
}

fn action_key(action: &str) -> &'static str {
    match action {
        "read" | "vread" => "accesslog.action.read",
        "search-type" | "search-system" | "operation" => "accesslog.action.search",
        "history-instance" => "accesslog.action.history",
        "create" => "accesslog.action.create",
        "update" | "patch" => "accesslog.action.update",
        "delete" => "accesslog.action.delete",
        _ => "accesslog.action.other",
    }
}

fn purpose_key(code: &str) -> &'static str {
    match code {
        "TREAT" => "accesslog.purpose.treat",
        "ETREAT" => "accesslog.purpose.emergency",
        "HPAYMT" | "HOPERAT" => "accesslog.purpose.admin",
        "PATRQT" => "accesslog.purpose.patient",
        "HQUALIMP" | "HRESCH" => "accesslog.purpose.quality",
        _ => "accesslog.purpose.other",
    }
}

/// Names of people and organisations by identifier value, per system.
#[derive(Default)]
struct Who {
    practitioners: HashMap<String, String>,
    organisations: HashMap<String, String>,
    citizens: HashMap<String, String>,
    /// The patient's own fødselsnummer, when known.
    patient_pid: Option<String>,
    /// The viewer is the patient (not acting for someone).
    myself: bool,
}

/// One identifier search; `(value, resource)` per match. Best-effort: a refusal
/// leaves the names unknown rather than failing the page.
async fn by_identifier(
    state: &PortalState,
    citizen: &Citizen,
    resource_type: &str,
    system: &str,
    values: &[&String],
    extra: &[(&str, String)],
) -> Vec<(String, Value)> {
    if values.is_empty() {
        return Vec::new();
    }
    let joined: Vec<String> = values.iter().map(|v| format!("{system}|{v}")).collect();
    let mut params = vec![
        ("identifier".to_owned(), joined.join(",")),
        ("_count".to_owned(), (values.len() * 4).to_string()),
    ];
    params.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let found = match state.store.parse_search(resource_type, &params, false) {
        Ok(request) => state.store.search(&citizen.ctx, &request).await,
        Err(e) => Err(e),
    };
    let Ok(found) = found else {
        tracing::debug!(resource_type, "access log name lookup refused");
        return Vec::new();
    };
    found
        .matches
        .iter()
        .filter_map(|s| serde_json::from_str::<Value>(&s.body).ok())
        .flat_map(|r| {
            let ids: Vec<String> = r
                .get("identifier")
                .and_then(Value::as_array)
                .map(|ids| {
                    ids.iter()
                        .filter(|i| str_at(i, "/system") == Some(system))
                        .filter_map(|i| str_at(i, "/value").map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            ids.into_iter().map(move |v| (v, r.clone()))
        })
        .collect()
}

fn name(resource: &Value) -> Option<String> {
    match resource.get("name") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(_)) => Some(crate::view::human_name(resource)).filter(|n| !n.is_empty()),
        _ => None,
    }
}

async fn who(state: &PortalState, citizen: &Citizen, patient_id: &str, entries: &[Entry]) -> Who {
    let mut out = Who::default();
    let mut hprs: Vec<&String> = Vec::new();
    let mut orgs: Vec<&String> = Vec::new();
    let mut pids: Vec<&String> = Vec::new();
    for e in entries {
        match &e.agent {
            Agent::Practitioner(h) if !hprs.contains(&h) => hprs.push(h),
            Agent::Citizen(p) if *p != citizen.session.pid && !pids.contains(&p) => pids.push(p),
            _ => {}
        }
        if let Some(o) = e.orgnr.as_ref().filter(|o| !orgs.contains(o)) {
            orgs.push(o);
        }
    }
    for (v, r) in by_identifier(state, citizen, "Practitioner", HPR, &hprs, &[]).await {
        out.practitioners.extend(name(&r).map(|n| (v, n)));
    }
    // A legal entity may have several units with its number: the top one names it.
    for (v, r) in by_identifier(state, citizen, "Organization", ORGNR, &orgs, &[]).await {
        if let Some(n) = name(&r) {
            let top = r.get("partOf").is_none();
            if top || !out.organisations.contains_key(&v) {
                out.organisations.insert(v, n);
            }
        }
    }
    let myself = citizen
        .patient()
        .is_some_and(|p| p.relation == RelationKind::Myself);
    out.myself = myself;
    if myself {
        out.patient_pid = Some(citizen.session.pid.clone());
    }
    let patient_ref = format!("Patient/{patient_id}");
    if !pids.is_empty() && !myself {
        let id = [("_id", patient_id.to_owned())];
        if let Some((v, _)) = by_identifier(state, citizen, "Patient", FNR, &pids, &id)
            .await
            .into_iter()
            .next()
        {
            out.patient_pid = Some(v);
        }
    }
    let unknown: Vec<&String> = pids
        .into_iter()
        .filter(|p| out.patient_pid.as_ref() != Some(*p))
        .collect();
    let related = [("patient", patient_ref)];
    for (v, r) in by_identifier(state, citizen, "RelatedPerson", FNR, &unknown, &related).await {
        out.citizens.extend(name(&r).map(|n| (v, n)));
    }
    out
}

pub async fn list(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
) -> Result<ListPage, PortalError> {
    let lang = citizen.lang;
    let found = items(
        state,
        citizen,
        "AuditEvent",
        "patient",
        patient_id,
        &[("_sort", "-date")],
    )
    .await?;
    let mut entries: Vec<Entry> = found.iter().map(|(_, e)| Entry::of(e)).collect();
    entries.sort_by(|a, b| b.recorded.cmp(&a.recorded));
    let total = entries.len();
    entries.truncate(SHOWN);
    if entries.is_empty() {
        return Ok(ListPage {
            rows: Vec::<Row>::new(),
            extra: None,
        });
    }
    let names = who(state, citizen, patient_id, &entries).await;
    let patient_name = citizen
        .patient()
        .map(|p| p.name.clone())
        .unwrap_or_default();
    Ok(ListPage {
        rows: Vec::new(),
        extra: Some(table(lang, citizen, &entries, &names, &patient_name, total)),
    })
}

fn person(lang: Lang, citizen: &Citizen, names: &Who, patient_name: &str, agent: &Agent) -> String {
    match agent {
        Agent::Citizen(p) if *p == citizen.session.pid => text(lang, "accesslog.you").to_owned(),
        Agent::Citizen(p) if names.patient_pid.as_ref() == Some(p) => patient_name.to_owned(),
        Agent::Citizen(p) => names
            .citizens
            .get(p)
            .cloned()
            .unwrap_or_else(|| text(lang, "accesslog.a-citizen").to_owned()),
        Agent::Practitioner(h) => names
            .practitioners
            .get(h)
            .cloned()
            .unwrap_or_else(|| text(lang, "accesslog.a-practitioner").to_owned()),
        Agent::System(s) => s.clone(),
        Agent::Unknown => text(lang, "accesslog.unknown").to_owned(),
    }
}

fn role_key(agent: &Agent) -> &'static str {
    match agent {
        Agent::Citizen(_) => "accesslog.role.citizen",
        Agent::Practitioner(_) => "accesslog.role.practitioner",
        Agent::System(_) => "accesslog.role.system",
        Agent::Unknown => "accesslog.unknown",
    }
}

/// On whose behalf a citizen acted: the patient, when the agent is not the patient
/// (the viewer acting for someone, or another citizen whose id is not the patient's).
fn on_behalf(
    names: &Who,
    viewer_pid: &str,
    patient_name: &str,
    patient_id: &str,
    e: &Entry,
) -> Option<String> {
    if let Some(x) = &e.on_behalf_extension {
        return (x == &format!("Patient/{patient_id}")).then(|| patient_name.to_owned());
    }
    let Agent::Citizen(p) = &e.agent else {
        return None;
    };
    let acting_for = if p == viewer_pid {
        !names.myself
    } else {
        names.patient_pid.as_ref().is_some_and(|own| own != p)
    };
    acting_for.then(|| patient_name.to_owned())
}

fn table(
    lang: Lang,
    citizen: &Citizen,
    entries: &[Entry],
    names: &Who,
    patient_name: &str,
    total: usize,
) -> Markup {
    let patient_id = citizen
        .patient()
        .map(|p| p.patient_id.as_str())
        .unwrap_or("");
    html! {
        p.count { (text_with(lang, "list.count", &[("n", &total.to_string())])) }
        @if total > entries.len() {
            p { (text_with(lang, "accesslog.newest", &[("n", &entries.len().to_string())])) }
        }
        div.table-wrap {
            table.accesslog {
                caption { (text(lang, "accesslog.caption")) }
                thead { tr {
                    th scope="col" { (text(lang, "accesslog.time")) }
                    th scope="col" { (text(lang, "accesslog.person")) }
                    th scope="col" { (text(lang, "accesslog.role")) }
                    th scope="col" { (text(lang, "field.organisation")) }
                    th scope="col" { (text(lang, "accesslog.what")) }
                    th scope="col" { (text(lang, "accesslog.purpose")) }
                    th scope="col" { (text(lang, "accesslog.on-behalf")) }
                } }
                tbody {
                    @for e in entries {
                        tr.emergency[e.emergency] {
                            td { (fhir_date(&e.recorded)) }
                            th scope="row" { (person(lang, citizen, names, patient_name, &e.agent)) }
                            td { (text(lang, role_key(&e.agent))) }
                            td { (e.orgnr.as_ref().and_then(|o| names.organisations.get(o)).cloned().unwrap_or_default()) }
                            td { (text(lang, action_key(&e.action))) }
                            td {
                                @if let Some(p) = &e.purpose { (text(lang, purpose_key(p))) }
                                @if e.emergency { " " strong.badge.emergency { (text(lang, "accesslog.emergency")) } }
                            }
                            td { (on_behalf(names, &citizen.session.pid, patient_name, patient_id, e).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "accesslog_tests.rs"]
mod tests;
