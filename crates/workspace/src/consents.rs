//! The Consent resources and label changes a clinician writes, in exactly the shape
//! of contract.md § "Grants are Consent resources" and § "Data the policy reads".
//!
//! Why pure functions: the shapes are the contract with the policy engine, so they
//! are unit-tested here and parsed back with [`nordlys_policy::grant_from_consent`].
//! Whether this practitioner *may* write them is not decided here: the store checks
//! every grant against access-policy.md § 8/§ 10 and every label change as an update
//! of the item (only its owner organisation may change it).
//!
//! The conversation with the youth before opening a referral for parents is recorded
//! as `Consent.verification` (R4: "verified with the patient"): `verified` true,
//! `verifiedWith` the youth's Patient, `verificationDate` when the clinician confirmed
//! it. It is the standard element for "this was confirmed with the person", needs no
//! extension, and the store keeps it in the grant's history.
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Europe::Oslo;
use nordlys_policy::{
    GrantKind, Label, Level, Strength, ACCESS_LEVEL_SYSTEM, CATEGORY_SYSTEM, DEFERRED_UNTIL_URL,
    DNR_SYSTEM, FNR_SYSTEM, GRANT_KIND_SYSTEM, HPR_SYSTEM, LABEL_SYSTEM,
};
use serde_json::{json, Map, Value};

const SCOPE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
const ACT_CODE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const ROLE_CODE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";

/// The practitioner writing: HPR number, name as the directory has it.
#[derive(Debug, Clone)]
pub struct Author {
    pub hpr: String,
    pub name: String,
}

/// The moment in Norwegian time, as the contract writes it.
pub fn oslo_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Oslo)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn performer(a: &Author) -> Value {
    json!({"identifier": {"system": HPR_SYSTEM, "value": a.hpr}, "display": a.name})
}

fn role(code: &str) -> Value {
    json!({"coding": [{"system": ROLE_CODE_SYSTEM, "code": code}]})
}

fn action(code: &str) -> Value {
    json!([{"coding": [{"system": ACCESS_LEVEL_SYSTEM, "code": code}]}])
}

/// A person named by national id (a foster parent or guardian without a record here).
fn by_national_id(pid: &str) -> Value {
    let d = nordlys_fhir::ids::parse_national_id(pid).is_ok_and(|n| n.is_d_number);
    json!({"identifier": {"system": if d { DNR_SYSTEM } else { FNR_SYSTEM }, "value": pid}})
}

/// The parts every grant has.
fn consent(
    kind: GrantKind,
    patient_id: &str,
    author: &Author,
    now: DateTime<Utc>,
    mut provision: Map<String, Value>,
) -> Value {
    let recorded = oslo_time(now);
    let (t, rule) = if kind.is_deny() {
        ("deny", "OPTOUT")
    } else {
        ("permit", "OPTIN")
    };
    provision.insert("type".into(), json!(t));
    provision.insert("period".into(), json!({"start": recorded}));
    json!({
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"system": SCOPE_SYSTEM, "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": GRANT_KIND_SYSTEM, "code": kind.code()}]}],
        "patient": {"reference": format!("Patient/{patient_id}")},
        "dateTime": recorded,
        "performer": [performer(author)],
        "policyRule": {"coding": [{"system": ACT_CODE_SYSTEM, "code": rule}]},
        "provision": Value::Object(provision),
    })
}

fn provision(entries: Vec<(&str, Value)>) -> Map<String, Value> {
    entries
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

fn data(reference: &str, related: bool) -> Value {
    json!([{"meaning": if related { "related" } else { "instance" }, "reference": {"reference": reference}}])
}

/// `parent-access` on a referral for the named parents (`RelatedPerson/…`), after
/// the conversation with the youth (recorded as `verification`).
pub fn parent_access(
    patient_id: &str,
    referral: &str,
    parents: &[String],
    level: Level,
    author: &Author,
    now: DateTime<Utc>,
) -> Value {
    let actors: Vec<Value> = parents
        .iter()
        .map(|r| json!({"role": role("PRN"), "reference": {"reference": r}}))
        .collect();
    let code = if level == Level::Full {
        "full"
    } else {
        "metadata"
    };
    let p = provision(vec![
        ("actor", Value::Array(actors)),
        ("action", action(code)),
        ("data", data(referral, true)),
    ]);
    let mut c = consent(GrantKind::ParentAccess, patient_id, author, now, p);
    c["verification"] = json!([{
        "verified": true,
        "verifiedWith": {"reference": format!("Patient/{patient_id}")},
        "verificationDate": oslo_time(now),
    }]);
    c
}

/// `youth-access` on a referral: the youth sees everything linked in full.
pub fn youth_access(
    patient_id: &str,
    referral: &str,
    author: &Author,
    now: DateTime<Utc>,
) -> Value {
    let actor = json!([{"role": role("ONESELF"), "reference": {"reference": format!("Patient/{patient_id}")}}]);
    let p = provision(vec![
        ("actor", actor),
        ("action", action("full")),
        ("data", data(referral, true)),
    ]);
    consent(GrantKind::YouthAccess, patient_id, author, now, p)
}

/// `release` of one item (a result): its automatic deferral ends now.
pub fn release(patient_id: &str, item: &str, author: &Author, now: DateTime<Utc>) -> Value {
    let p = provision(vec![("data", data(item, false))]);
    consent(GrantKind::Release, patient_id, author, now, p)
}

/// `emergency-lock` (akuttsperre): on a referral and all linked, or the whole patient.
pub fn emergency_lock(
    patient_id: &str,
    referral: Option<&str>,
    author: &Author,
    now: DateTime<Utc>,
) -> Value {
    let entries = referral
        .map(|r| vec![("data", data(r, true))])
        .unwrap_or_default();
    consent(
        GrantKind::EmergencyLock,
        patient_id,
        author,
        now,
        provision(entries),
    )
}

/// `shield` (skjerming) of the patient's results from all practitioners outside the
/// producing organisation, soft (yields to emergency access) or hard.
pub fn shield_results(
    patient_id: &str,
    strength: Strength,
    author: &Author,
    now: DateTime<Utc>,
) -> Value {
    let s = if strength == Strength::Hard {
        "hard"
    } else {
        "soft"
    };
    let class = json!([{"system": CATEGORY_SYSTEM, "code": "results"}]);
    consent(
        GrantKind::Shield,
        patient_id,
        author,
        now,
        provision(vec![("action", action(s)), ("class", class)]),
    )
}

/// `foster-parent` or `lacks-capacity` (guardian) for the person with national id `pid`.
pub fn representative(
    kind: GrantKind,
    patient_id: &str,
    pid: &str,
    author: &Author,
    now: DateTime<Utc>,
) -> Value {
    let code = if kind == GrantKind::FosterParent {
        "PRNFOST"
    } else {
        "GUARD"
    };
    let mut actor = json!({"role": role(code)});
    actor["reference"] = by_national_id(pid);
    consent(
        kind,
        patient_id,
        author,
        now,
        provision(vec![("actor", json!([actor])), ("action", action("full"))]),
    )
}

/// The next version of a stored resource: version and time left to the store.
pub fn next_version(stored: &Value) -> Value {
    let mut v = stored.clone();
    if let Some(meta) = v.get_mut("meta").and_then(Value::as_object_mut) {
        meta.remove("versionId");
        meta.remove("lastUpdated");
        // An empty object is not valid FHIR.
        if meta.is_empty() {
            if let Some(o) = v.as_object_mut() {
                o.remove("meta");
            }
        }
    }
    v
}

/// Revoking a grant: a new version with `status` `inactive` (history is kept).
pub fn revoked(stored: &Value) -> Value {
    let mut v = next_version(stored);
    v["status"] = json!("inactive");
    v
}

/// The Volven 9603 labels on an item.
pub fn labels(item: &Value) -> Vec<String> {
    item["meta"]["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["system"] == LABEL_SYSTEM)
        .filter_map(|c| c["code"].as_str().map(str::to_owned))
        .collect()
}

/// The item with `label` set (once); for NORU with its opening date (`until`, the
/// start of that Norwegian day) in the `deferred-until` extension on `meta`.
pub fn with_label(item: &Value, label: Label, until: Option<NaiveDate>) -> Value {
    let mut v = next_version(&without_label(item, label));
    let meta = v
        .as_object_mut()
        .map(|o| o.entry("meta").or_insert_with(|| json!({})));
    let Some(meta) = meta.and_then(Value::as_object_mut) else {
        return v;
    };
    let security = meta.entry("security").or_insert_with(|| json!([]));
    if let Some(list) = security.as_array_mut() {
        list.push(json!({"system": LABEL_SYSTEM, "code": label.code()}));
    }
    if let (Label::Noru, Some(day)) = (label, until) {
        let start = nordlys_policy::oslo_day_start(day);
        let ext = meta.entry("extension").or_insert_with(|| json!([]));
        if let Some(list) = ext.as_array_mut() {
            list.push(json!({"url": DEFERRED_UNTIL_URL, "valueDateTime": oslo_time(start)}));
        }
    }
    v
}

/// The item without `label` (and, for NORU, without its date).
pub fn without_label(item: &Value, label: Label) -> Value {
    let mut v = next_version(item);
    let Some(meta) = v.get_mut("meta").and_then(Value::as_object_mut) else {
        return v;
    };
    if let Some(list) = meta.get_mut("security").and_then(Value::as_array_mut) {
        list.retain(|c| !(c["system"] == LABEL_SYSTEM && c["code"] == label.code()));
        if list.is_empty() {
            meta.remove("security");
        }
    }
    if label == Label::Noru {
        if let Some(list) = meta.get_mut("extension").and_then(Value::as_array_mut) {
            list.retain(|e| e["url"] != DEFERRED_UNTIL_URL);
            if list.is_empty() {
                meta.remove("extension");
            }
        }
    }
    v
}

#[cfg(test)]
#[path = "consents_tests.rs"]
mod tests;
