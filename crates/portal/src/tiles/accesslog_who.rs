//! Names for the access log: who the national ids of its agents are.
//!
//! Why a module of its own: the log table is simple, the name lookups are not — one
//! identifier search per kind of agent, each best-effort (a refusal leaves a name
//! unknown instead of failing the page), and citizens resolved as "you", the patient
//! or one of the patient's RelatedPersons, never shown by their id.
use std::collections::HashMap;

use serde_json::Value;

use super::{Agent, Entry, FNR, HPR, ORGNR};
use crate::session::Citizen;
use crate::view::str_at;
use crate::PortalState;
use nordlys_policy::RelationKind;

/// Names of people and organisations by identifier value, per system.
#[derive(Default)]
pub struct Who {
    pub practitioners: HashMap<String, String>,
    pub organisations: HashMap<String, String>,
    pub citizens: HashMap<String, String>,
    /// The patient's own fødselsnummer, when known.
    pub patient_pid: Option<String>,
    /// Whether `patient_pid` is settled (known, or known to be none of the agents).
    pub patient_known: bool,
    /// The viewer is the patient (not acting for someone).
    pub myself: bool,
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
) -> Option<Vec<(String, Value)>> {
    if values.is_empty() {
        return Some(Vec::new());
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
        return None;
    };
    let found = found
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
        .collect();
    Some(found)
}

fn name(resource: &Value) -> Option<String> {
    match resource.get("name") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(_)) => Some(crate::view::human_name(resource)).filter(|n| !n.is_empty()),
        _ => None,
    }
}

pub async fn who(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
    entries: &[Entry],
) -> Who {
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
    for (v, r) in by_identifier(state, citizen, "Practitioner", HPR, &hprs, &[])
        .await
        .unwrap_or_default()
    {
        out.practitioners.extend(name(&r).map(|n| (v, n)));
    }
    // A legal entity may have several units with its number: the top one names it.
    for (v, r) in by_identifier(state, citizen, "Organization", ORGNR, &orgs, &[])
        .await
        .unwrap_or_default()
    {
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
        out.patient_known = true;
    }
    let patient_ref = format!("Patient/{patient_id}");
    if !pids.is_empty() && !myself {
        // Whether one of these citizens is the patient: a search for the patient with
        // their ids answers it without reading the patient's own id otherwise.
        let id = [("_id", patient_id.to_owned())];
        if let Some(found) = by_identifier(state, citizen, "Patient", FNR, &pids, &id).await {
            out.patient_known = true;
            out.patient_pid = found
                .into_iter()
                .map(|(v, _)| v)
                .find(|v| pids.contains(&v));
        }
    }
    let unknown: Vec<&String> = pids
        .into_iter()
        .filter(|p| out.patient_pid.as_ref() != Some(*p))
        .collect();
    let related = [("patient", patient_ref)];
    for (v, r) in by_identifier(state, citizen, "RelatedPerson", FNR, &unknown, &related)
        .await
        .unwrap_or_default()
    {
        out.citizens.extend(name(&r).map(|n| (v, n)));
    }
    out
}
