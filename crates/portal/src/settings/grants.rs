//! The Consent resources a citizen's settings write, in exactly the shape of
//! contract.md § "Grants are Consent resources".
//!
//! Why pure functions with no store in sight: the shape is the contract between the
//! portal and the policy engine, so it is unit-tested here field by field and parsed
//! back with [`nordlys_policy::grant_from_consent`]. Whether the citizen *may* write
//! the rule is not decided here — the store checks every grant against
//! access-policy.md § 8/§ 10 when it is written.
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Europe::Oslo;
use nordlys_policy::{
    Category, GrantKind, ProxyScope, Strength, ACCESS_LEVEL_SYSTEM, CATEGORY_SYSTEM, DNR_SYSTEM,
    FNR_SYSTEM, GRANT_KIND_SYSTEM, HPR_SYSTEM,
};
use serde_json::{json, Value};

const SCOPE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
const ACT_CODE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const ROLE_CODE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";

/// When a rule is in force: from `start` (else from now) to the end of `end` (else
/// until lifted). Dates are Norwegian calendar days; the policy reads a date `end` as
/// the whole day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
}

/// Whom a block is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// Every health worker outside the organisation that produced the item.
    All,
    /// One health worker, by HPR number.
    Hpr(String),
}

/// `2026-11-20T10:00:00+01:00`: the moment in Norwegian time, as the contract writes it.
pub fn oslo_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Oslo)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The performer for the patient setting a rule about themself.
pub fn patient_performer(patient_id: &str) -> Value {
    json!({"reference": format!("Patient/{patient_id}")})
}

/// A reference to a person by national id (fødselsnummer or D-nummer): how a parent
/// signs a parental consent and how a proxy is named (the policy's `names_citizen`).
pub fn person_by_national_id(pid: &str) -> Value {
    let d_number = nordlys_fhir::ids::parse_national_id(pid).is_ok_and(|n| n.is_d_number);
    let system = if d_number { DNR_SYSTEM } else { FNR_SYSTEM };
    json!({"identifier": {"system": system, "value": pid}})
}

fn role(code: &str) -> Value {
    json!({"coding": [{"system": ROLE_CODE_SYSTEM, "code": code}]})
}

fn action(code: &str) -> Value {
    json!([{"coding": [{"system": ACCESS_LEVEL_SYSTEM, "code": code}]}])
}

fn classes(categories: &[Category]) -> Option<Value> {
    (!categories.is_empty()).then(|| {
        categories
            .iter()
            .map(|c| json!({"system": CATEGORY_SYSTEM, "code": c.code()}))
            .collect()
    })
}

/// The parts every grant has; `provision` gets `type` and `period` here.
fn consent(
    kind: GrantKind,
    patient_id: &str,
    performer: Value,
    now: DateTime<Utc>,
    period: Period,
    mut provision: serde_json::Map<String, Value>,
) -> Value {
    let recorded = oslo_time(now);
    let mut p = json!({"start": period.start.map_or(recorded.clone(), |d| d.to_string())});
    if let Some(end) = period.end {
        p["end"] = json!(end.to_string());
    }
    let (provision_type, rule) = if kind.is_deny() {
        ("deny", "OPTOUT")
    } else {
        ("permit", "OPTIN")
    };
    provision.insert("type".into(), json!(provision_type));
    provision.insert("period".into(), p);
    json!({
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"system": SCOPE_SYSTEM, "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": GRANT_KIND_SYSTEM, "code": kind.code()}]}],
        "patient": {"reference": format!("Patient/{patient_id}")},
        "dateTime": recorded,
        "performer": [performer],
        "policyRule": {"coding": [{"system": ACT_CODE_SYSTEM, "code": rule}]},
        "provision": Value::Object(provision),
    })
}

fn provision(entries: &[(&str, Option<Value>)]) -> serde_json::Map<String, Value> {
    entries
        .iter()
        .filter_map(|(k, v)| v.clone().map(|v| ((*k).to_owned(), v)))
        .collect()
}

/// `block` (sperring): all health personnel or one by HPR number; soft or hard;
/// optionally only some categories and a period.
pub fn block(
    patient_id: &str,
    who: &Blocked,
    strength: Strength,
    categories: &[Category],
    period: Period,
    now: DateTime<Utc>,
) -> Value {
    // "Everyone" is no actor at all: FHIR requires `actor.reference`, so a role-only
    // actor does not validate, and the policy reads a closing grant without actors
    // as naming every practitioner.
    let actor = match who {
        Blocked::All => None,
        Blocked::Hpr(hpr) => Some(json!([{"role": role("PROV"),
            "reference": {"identifier": {"system": HPR_SYSTEM, "value": hpr}}}])),
    };
    let strength = match strength {
        Strength::Soft => "soft",
        Strength::Hard => "hard",
    };
    let p = provision(&[
        ("actor", actor),
        ("action", Some(action(strength))),
        ("class", classes(categories)),
    ]);
    consent(
        GrantKind::Block,
        patient_id,
        patient_performer(patient_id),
        now,
        period,
        p,
    )
}

/// A rule about the patient alone (`self-deny-results`, `lockdown`, `reservation`),
/// set by the patient, optionally for some categories.
pub fn own_rule(
    kind: GrantKind,
    patient_id: &str,
    categories: &[Category],
    period: Period,
    now: DateTime<Utc>,
) -> Value {
    let p = provision(&[("class", classes(categories))]);
    consent(
        kind,
        patient_id,
        patient_performer(patient_id),
        now,
        period,
        p,
    )
}

/// `deny-parents`, set by the youth: all parents (a closing grant without actors
/// names every parent; see [`block`] for why not a role-only actor), optionally
/// some categories.
pub fn deny_parents(patient_id: &str, categories: &[Category], now: DateTime<Utc>) -> Value {
    let p = provision(&[("class", classes(categories))]);
    consent(
        GrantKind::DenyParents,
        patient_id,
        patient_performer(patient_id),
        now,
        Period::default(),
        p,
    )
}

/// `proxy` (fullmakt) from the patient to the holder of national id `proxy_pid`.
pub fn proxy(
    patient_id: &str,
    proxy_pid: &str,
    scope: ProxyScope,
    period: Period,
    now: DateTime<Utc>,
) -> Value {
    let mut actor = json!({"role": role("POWATT")});
    actor["reference"] = person_by_national_id(proxy_pid);
    let p = provision(&[
        ("actor", Some(json!([actor]))),
        ("action", Some(action(scope_code(scope)))),
    ]);
    consent(
        GrantKind::Proxy,
        patient_id,
        patient_performer(patient_id),
        now,
        period,
        p,
    )
}

fn scope_code(scope: ProxyScope) -> &'static str {
    match scope {
        ProxyScope::Full => "full",
        ProxyScope::Limited => "limited",
    }
}

/// `parental-consent` for the child `child_id`, signed by the parent `parent_pid`.
pub fn parental_consent(child_id: &str, parent_pid: &str, now: DateTime<Utc>) -> Value {
    let actor =
        json!({"role": role("ONESELF"), "reference": {"reference": format!("Patient/{child_id}")}});
    let p = provision(&[("actor", Some(json!([actor])))]);
    consent(
        GrantKind::ParentalConsent,
        child_id,
        person_by_national_id(parent_pid),
        now,
        Period::default(),
        p,
    )
}

/// `careplan-sharing`: the plan is shared with every organisation in its team that
/// has a care relationship (no actors). Signed by the patient (`performer` from
/// [`patient_performer`]) or a parent (`performer` from [`person_by_national_id`]);
/// which of them may is the policy's answer (`may_write_grant`).
pub fn careplan_sharing(patient_id: &str, performer: Value, now: DateTime<Utc>) -> Value {
    consent(
        GrantKind::CareplanSharing,
        patient_id,
        performer,
        now,
        Period::default(),
        serde_json::Map::new(),
    )
}

/// The next version of a stored grant: what the store keeps itself (version, time)
/// is left out, everything else is kept as it was.
fn next_version(stored: &Value) -> Value {
    let mut v = stored.clone();
    if let Some(meta) = v.get_mut("meta").and_then(Value::as_object_mut) {
        meta.remove("versionId");
        meta.remove("lastUpdated");
        if meta.is_empty() {
            if let Some(o) = v.as_object_mut() {
                o.remove("meta");
            }
        }
    }
    v
}

/// Lifting a rule: a new version with `status` `inactive` (history is kept).
pub fn lifted(stored: &Value) -> Value {
    let mut v = next_version(stored);
    v["status"] = json!("inactive");
    v
}

/// Limiting a proxy: a new version with `provision.action` `limited`.
pub fn limited(stored: &Value) -> Value {
    let mut v = next_version(stored);
    if let Some(p) = v.get_mut("provision").and_then(Value::as_object_mut) {
        p.insert("action".into(), action("limited"));
    }
    v
}

#[cfg(test)]
#[path = "grants_tests.rs"]
mod tests;
