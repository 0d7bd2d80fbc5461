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
use maud::{html, Markup};
use serde_json::Value;

use super::{ListPage, Row};
use crate::fetch::{items, PortalError};
use crate::i18n::{fhir_date, text, text_with, Lang};
use crate::session::Citizen;
use crate::view::str_at;
use crate::PortalState;
use who::{who, Who};

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
    /// What kinds of items it was about (text keys, sorted, each once).
    pub kinds: Vec<&'static str>,
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
            kinds: kinds(event),
        }
    }
}

/// The text key of the kind of item a resource type is (as the tiles name them).
fn kind_key(resource_type: &str) -> &'static str {
    match resource_type {
        "DocumentReference" | "Binary" | "Encounter" | "Procedure" | "ImagingStudy" => {
            "accesslog.kind.documents"
        }
        "DiagnosticReport" | "Observation" | "Specimen" => "tile.results",
        "ServiceRequest" => "tile.referrals",
        "Appointment" => "tile.appointments",
        "Communication" => "tile.messages",
        "QuestionnaireResponse" => "tile.forms",
        "CarePlan" | "Goal" | "Condition" | "CareTeam" => "tile.careplan",
        "MedicationRequest" | "MedicationStatement" | "MedicationDispense" => "tile.medication",
        "Immunization" => "tile.vaccinations",
        "Patient" | "RelatedPerson" => "accesslog.kind.demographics",
        "Consent" => "accesslog.kind.consent",
        _ => "accesslog.kind.other",
    }
}

/// The kinds of the items an event names; the patient entity alone means the
/// patient's own details were looked at.
fn kinds(event: &Value) -> Vec<&'static str> {
    let types: Vec<&str> = event
        .get("entity")
        .and_then(Value::as_array)
        .map(|es| {
            es.iter()
                .filter(|e| e.get("role").is_none())
                .filter_map(|e| str_at(e, "/what/reference")?.split('/').next())
                .collect()
        })
        .unwrap_or_default();
    let mut keys: Vec<&'static str> = if types.is_empty() {
        vec![kind_key("Patient")]
    } else {
        types.into_iter().map(kind_key).collect()
    };
    keys.sort_unstable();
    keys.dedup();
    keys
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
    } else if names.citizens.contains_key(p) {
        // A relative of the patient is never the patient.
        true
    } else {
        names.patient_known && names.patient_pid.as_ref() != Some(p)
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
                        tr class=[e.emergency.then_some("emergency")] {
                            td { (fhir_date(&e.recorded)) }
                            th scope="row" { (person(lang, citizen, names, patient_name, &e.agent)) }
                            td { (text(lang, role_key(&e.agent))) }
                            td { (e.orgnr.as_ref().and_then(|o| names.organisations.get(o)).cloned().unwrap_or_default()) }
                            td {
                                (text(lang, action_key(&e.action)))
                                @if !e.kinds.is_empty() {
                                    ": " (e.kinds.iter().map(|k| text(lang, k)).collect::<Vec<_>>().join(", "))
                                }
                            }
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

#[path = "accesslog_who.rs"]
mod who;
