//! What the citizen side sees of each item: for the patient and for every person
//! who may relate to them (parents, foster parents, guardians, proxies), the level
//! and the reason, in plain words ("Pasienten: utsatt til 04.12.2026 · Anne
//! (forelder): stengt").
//!
//! Why from `explain_many`: the answer must be the one the portal would give those
//! people at this instant, so it comes from the same gate (one gate per person for
//! the whole page, not one per item and person). The persons are found the way the
//! notification outbox finds them: the patient's national ids, the RelatedPersons'
//! and the actors of representation grants; the gate says whether each relation holds.
use std::collections::BTreeMap;

use maud::{html, Markup};
use nordlys_policy::{
    Level, Principal, Reason, RelationKind, SecurityLevel, DNR_SYSTEM, FNR_SYSTEM,
};
use nordlys_store::{Explanation, RequestContext, StoreResult};
use serde_json::Value;

use crate::i18n::{date, has, text, text_with, Lang};
use crate::WorkspaceState;

/// A citizen who may relate to the patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub pid: String,
    /// A name if the record has one (RelatedPerson.name), else empty.
    pub name: String,
    pub is_patient: bool,
}

fn national_ids(v: &Value) -> Vec<String> {
    v["identifier"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter(|i| i["system"] == FNR_SYSTEM || i["system"] == DNR_SYSTEM)
                .filter_map(|i| i["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn name_of(v: &Value) -> String {
    let n = &v["name"][0];
    let given: Vec<&str> = n["given"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    [
        given.join(" "),
        n["family"].as_str().unwrap_or("").to_owned(),
    ]
    .join(" ")
    .trim()
    .to_owned()
}

async fn search(
    state: &WorkspaceState,
    ctx: &RequestContext,
    resource_type: &str,
    params: &[(&str, &str)],
) -> StoreResult<Vec<Value>> {
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let request = state.store.parse_search(resource_type, &params, false)?;
    Ok(state
        .store
        .search(ctx, &request)
        .await?
        .matches
        .iter()
        .filter_map(|m| serde_json::from_str(&m.body).ok())
        .collect())
}

/// The patient and everyone who may relate to them, as the practitioner sees them.
pub async fn persons(
    state: &WorkspaceState,
    ctx: &RequestContext,
    patient: &Value,
) -> StoreResult<Vec<Person>> {
    let id = patient["id"].as_str().unwrap_or("");
    let reference = format!("Patient/{id}");
    let mut out: Vec<Person> = national_ids(patient)
        .into_iter()
        .map(|pid| Person {
            pid,
            name: name_of(patient),
            is_patient: true,
        })
        .collect();
    for rp in search(
        state,
        ctx,
        "RelatedPerson",
        &[("patient", &reference), ("_count", "100")],
    )
    .await?
    {
        for pid in national_ids(&rp) {
            out.push(Person {
                pid,
                name: name_of(&rp),
                is_patient: false,
            });
        }
    }
    let category = ["proxy", "foster-parent", "lacks-capacity"]
        .map(|k| format!("{}|{k}", nordlys_policy::GRANT_KIND_SYSTEM))
        .join(",");
    for grant in search(
        state,
        ctx,
        "Consent",
        &[
            ("patient", &reference),
            ("category", &category),
            ("_count", "100"),
        ],
    )
    .await?
    {
        for actor in grant["provision"]["actor"].as_array().into_iter().flatten() {
            let ident = &actor["reference"]["identifier"];
            if ident["system"] == FNR_SYSTEM || ident["system"] == DNR_SYSTEM {
                if let Some(pid) = ident["value"].as_str() {
                    let name = actor["reference"]["display"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned();
                    out.push(Person {
                        pid: pid.to_owned(),
                        name,
                        is_patient: false,
                    });
                }
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|p| seen.insert(p.pid.clone()));
    Ok(out)
}

/// What each person sees of each item (`Type/id` → one explanation per person).
pub async fn explain_all(
    state: &WorkspaceState,
    ctx: &RequestContext,
    patient_id: &str,
    items: &[String],
    people: &[Person],
) -> StoreResult<BTreeMap<String, Vec<Explanation>>> {
    let principals: Vec<Principal> = people
        .iter()
        .map(|p| Principal::Citizen {
            pid: p.pid.clone(),
            level: SecurityLevel::High,
        })
        .collect();
    Ok(state
        .store
        .explain_many(ctx, patient_id, items, &principals)
        .await?
        .into_iter()
        .collect())
}

/// "Anne Nilsen (forelder)" or "Pasienten".
fn who(lang: Lang, person: &Person, e: &Explanation) -> String {
    if person.is_patient {
        return text(lang, "family.patient").to_owned();
    }
    let kind = e
        .relations
        .iter()
        .find(|r| r.holds())
        .or(e.relations.first())
        .map(|r| r.kind);
    let role = match kind {
        Some(RelationKind::Parent) => text(lang, "family.parent"),
        Some(RelationKind::FosterParent) => text(lang, "family.foster-parent"),
        Some(RelationKind::Guardian) => text(lang, "family.guardian"),
        Some(RelationKind::Proxy(_)) => text(lang, "family.proxy"),
        Some(RelationKind::Myself) => text(lang, "family.patient"),
        None => text(lang, "family.no-relation"),
    };
    if person.name.is_empty() {
        role.to_owned()
    } else {
        format!("{} ({role})", person.name)
    }
}

/// The plain words of one decision: "utsatt til 04.12.2026", "stengt: merket NORN_FORANS".
pub fn words(lang: Lang, e: &Explanation) -> (String, &'static str) {
    let reason = &e.decision.reason;
    let key = format!("reason.{}", reason.prefix());
    let why = if has(&key) {
        let until = reason
            .opens_at()
            .or(e.opens_at)
            .map(date)
            .unwrap_or_default();
        text_with(lang, &key, &[("date", &until)])
    } else {
        reason.code()
    };
    let (level, class) = match e.decision.level {
        Level::Full => ("level.full", "open"),
        Level::Metadata => ("level.metadata", "open"),
        Level::None if matches!(reason, Reason::Deferred { .. }) => ("level.deferred", "deferred"),
        Level::None => ("level.none", "closed"),
    };
    (format!("{}: {why}", text(lang, level)), class)
}

/// One table cell: every person's view, separated by " · ".
pub fn cell(lang: Lang, people: &[Person], explanations: Option<&Vec<Explanation>>) -> Markup {
    let Some(list) = explanations else {
        return html! { (text(lang, "family.unknown")) };
    };
    html! {
        @for (i, (person, e)) in people.iter().zip(list).enumerate() {
            @if i > 0 { " · " }
            @let (w, class) = words(lang, e);
            span class=(class) { (who(lang, person, e)) ": " (w) }
        }
    }
}
