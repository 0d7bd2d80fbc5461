//! Pure pieces of the shared care plan (DBEP): which parts a patient may change, the
//! Provenance of a change, and the marker that keeps one active plan per patient.
//!
//! Why pure and apart: the store operation (`careplan.rs`) only wires reads, the gate
//! and one commit; what a change may touch and what it records is decided here and
//! unit-tested without a database.
use chrono::{DateTime, SecondsFormat, Utc};
use nordlys_policy::{Principal, FNR_SYSTEM, HPR_SYSTEM, ORGNR_SYSTEM};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// `Basic.code` of the one-active-plan marker.
pub const MARKER_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/careplan-marker";
/// Extension on the marker naming the active plan.
pub const MARKER_PLAN_URL: &str = "https://nordlys.no/fhir/StructureDefinition/active-careplan";

/// An active plan holds the patient's one marker.
pub fn is_active(plan: &Value) -> bool {
    plan.get("status").and_then(Value::as_str) == Some("active")
}

/// The marker's id: one per patient, so two active plans of a patient collide on it.
pub fn marker_id(patient_id: &str) -> String {
    let digest = Sha256::digest(patient_id.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("careplan-active-{hex}")
}

/// The marker resource for `patient_id`'s active plan `plan_id`.
pub fn marker(patient_id: &str, plan_id: &str) -> Value {
    json!({
        "resourceType": "Basic",
        "id": marker_id(patient_id),
        "code": {"coding": [{"system": MARKER_SYSTEM, "code": "active-shared-careplan"}]},
        "subject": {"reference": format!("Patient/{patient_id}")},
        "extension": [{"url": MARKER_PLAN_URL,
            "valueReference": {"reference": format!("CarePlan/{plan_id}")}}]
    })
}

/// The plan a marker names, if the body is a one-active-plan marker at all.
pub fn marked_plan(marker: &Value) -> Option<String> {
    let is_marker = marker.get("resourceType").and_then(Value::as_str) == Some("Basic")
        && marker
            .pointer("/code/coding")
            .and_then(Value::as_array)
            .is_some_and(|cs| {
                cs.iter()
                    .any(|c| c.get("system").and_then(Value::as_str) == Some(MARKER_SYSTEM))
            });
    if !is_marker {
        return None;
    }
    marker
        .get("extension")
        .and_then(Value::as_array)?
        .iter()
        .find(|e| e.get("url").and_then(Value::as_str) == Some(MARKER_PLAN_URL))?
        .pointer("/valueReference/reference")
        .and_then(Value::as_str)?
        .strip_prefix("CarePlan/")
        .map(str::to_string)
}

/// The Provenance of one change: the new plan version, who did it (and for which
/// organisation), when, and whether it was a creation or an update.
pub fn provenance(
    id: &str,
    plan_id: &str,
    version: i64,
    patient_id: &str,
    principal: &Principal,
    now: DateTime<Utc>,
    activity: &str,
) -> Value {
    let (who, on_behalf_of) = match principal {
        Principal::Practitioner { hpr, orgnr, .. } => (
            json!({"identifier": {"system": HPR_SYSTEM, "value": hpr}}),
            Some(json!({"identifier": {"system": ORGNR_SYSTEM, "value": orgnr}})),
        ),
        Principal::System {
            client_id, orgnr, ..
        } => (
            json!({"identifier": {"system": ORGNR_SYSTEM, "value": orgnr},
                "display": client_id}),
            None,
        ),
        Principal::Citizen { pid, .. } => (
            json!({"identifier": {"system": FNR_SYSTEM, "value": pid}}),
            None,
        ),
    };
    let mut agent = json!({
        "type": {"coding": [{"system":
            "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
            "code": "author"}]},
        "who": who,
    });
    if let Some(org) = on_behalf_of {
        agent["onBehalfOf"] = org;
    }
    json!({
        "resourceType": "Provenance",
        "id": id,
        "target": [
            {"reference": format!("CarePlan/{plan_id}/_history/{version}")},
            {"reference": format!("Patient/{patient_id}")}
        ],
        "recorded": now.to_rfc3339_opts(SecondsFormat::Millis, true),
        "activity": {"coding": [{"system":
            "http://terminology.hl7.org/CodeSystem/v3-DataOperation", "code": activity}]},
        "agent": [agent]
    })
}

/// A patient changes only their own parts of the plan: measures they perform, goals
/// they expressed (incl. "what matters to you") and notes they wrote. Everything else
/// must be exactly as in `old`. `Err` says what was touched.
pub fn patient_may_change(old: &Value, new: &Value, patient_ref: &str) -> Result<(), String> {
    if strip_patient_parts(old, patient_ref) == strip_patient_parts(new, patient_ref) {
        Ok(())
    } else {
        Err("a patient changes only their own measures, goals and notes in the plan".into())
    }
}

fn names(v: Option<&Value>, patient_ref: &str) -> bool {
    let one = |r: &Value| r.get("reference").and_then(Value::as_str) == Some(patient_ref);
    match v {
        Some(Value::Array(a)) => !a.is_empty() && a.iter().all(one),
        Some(r) => one(r),
        None => false,
    }
}

/// The plan without the patient's own parts, `meta` and `text`.
fn strip_patient_parts(plan: &Value, patient_ref: &str) -> Value {
    let mut p = plan.clone();
    let Some(map) = p.as_object_mut() else {
        return p;
    };
    map.remove("meta");
    map.remove("text");
    let mut own_goals: Vec<String> = Vec::new();
    if let Some(Value::Array(contained)) = map.get_mut("contained") {
        contained.retain(|c| {
            let own = c.get("resourceType").and_then(Value::as_str) == Some("Goal")
                && names(c.get("expressedBy"), patient_ref);
            if own {
                if let Some(id) = c.get("id").and_then(Value::as_str) {
                    own_goals.push(format!("#{id}"));
                }
            }
            !own
        });
    }
    if let Some(Value::Array(goals)) = map.get_mut("goal") {
        goals.retain(|g| {
            !g.get("reference")
                .and_then(Value::as_str)
                .is_some_and(|r| own_goals.iter().any(|o| o == r))
        });
    }
    if let Some(Value::Array(acts)) = map.get_mut("activity") {
        acts.retain(|a| !names(a.pointer("/detail/performer"), patient_ref));
    }
    if let Some(Value::Array(notes)) = map.get_mut("note") {
        notes.retain(|n| !names(n.get("authorReference"), patient_ref));
    }
    for key in ["contained", "goal", "activity", "note"] {
        if map
            .get(key)
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            map.remove(key);
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_names_its_plan() {
        assert_eq!(
            marked_plan(&marker("p", "plan-1")).as_deref(),
            Some("plan-1")
        );
        let mut other = marker("p", "plan-1");
        other["code"] = json!({"text": "x"});
        assert_eq!(marked_plan(&other), None);
        assert_eq!(marked_plan(&json!({"resourceType": "Task"})), None);
    }

    fn plan() -> Value {
        json!({"resourceType": "CarePlan", "id": "p", "status": "active", "intent": "plan",
            "subject": {"reference": "Patient/a"}, "description": "KOLS",
            "meta": {"versionId": "1"},
            "contained": [{"resourceType": "Goal", "id": "g1", "lifecycleStatus": "active",
                "description": {"text": "Gå til butikken"},
                "subject": {"reference": "Patient/a"},
                "expressedBy": {"reference": "Patient/a"}}],
            "goal": [{"reference": "#g1"}],
            "activity": [
                {"detail": {"status": "in-progress", "description": "Inhalasjon",
                    "performer": [{"identifier": {"system": ORGNR_SYSTEM, "value": "983974899"}}]}},
                {"detail": {"status": "in-progress", "description": "Gå tur",
                    "performer": [{"reference": "Patient/a"}]}}]})
    }

    #[test]
    fn the_patient_edits_own_goals_measures_and_notes() {
        let old = plan();
        let mut new = plan();
        new["contained"][0]["description"]["text"] = json!("Gå til hytta");
        new["activity"][1]["detail"]["description"] = json!("Gå lang tur");
        new["note"] = json!([{"text": "Bra uke", "authorReference": {"reference": "Patient/a"}}]);
        new["meta"] = json!({"versionId": "7"});
        assert_eq!(patient_may_change(&old, &new, "Patient/a"), Ok(()));
        // A new goal of their own, too.
        if let Some(c) = new["contained"].as_array_mut() {
            c.push(
                json!({"resourceType": "Goal", "id": "g2", "lifecycleStatus": "active",
                "description": {"text": "Sove bedre"}, "subject": {"reference": "Patient/a"},
                "expressedBy": {"reference": "Patient/a"}}),
            );
        }
        if let Some(g) = new["goal"].as_array_mut() {
            g.push(json!({"reference": "#g2"}));
        }
        assert_eq!(patient_may_change(&old, &new, "Patient/a"), Ok(()));
    }

    #[test]
    fn the_patient_does_not_touch_the_clinicians_parts() {
        let old = plan();
        let mut new = plan();
        new["activity"][0]["detail"]["description"] = json!("Ingenting");
        assert!(patient_may_change(&old, &new, "Patient/a").is_err());
        let mut new = plan();
        new["description"] = json!("Frisk");
        assert!(patient_may_change(&old, &new, "Patient/a").is_err());
        // Another person's goal is not the patient's.
        let mut new = plan();
        new["contained"][0]["expressedBy"] = json!({"reference": "Practitioner/x"});
        assert!(patient_may_change(&old, &new, "Patient/a").is_err());
        // Removing a clinician's measure is a change too.
        let mut new = plan();
        if let Some(a) = new["activity"].as_array_mut() {
            a.remove(0);
        }
        assert!(patient_may_change(&old, &new, "Patient/a").is_err());
    }

    #[test]
    fn one_marker_per_patient() {
        assert_eq!(marker_id("a"), marker_id("a"));
        assert_ne!(marker_id("a"), marker_id("b"));
        assert!(marker_id(&"x".repeat(64)).len() <= 64);
        assert_eq!(marker("a", "p")["subject"]["reference"], "Patient/a");
    }

    #[test]
    fn provenance_names_the_version_and_the_agent() {
        let who = Principal::Practitioner {
            hpr: "565501872".into(),
            orgnr: "974760673".into(),
            purpose: None,
        };
        let p = provenance("v", "p", 3, "a", &who, Utc::now(), "UPDATE");
        assert_eq!(p["target"][0]["reference"], "CarePlan/p/_history/3");
        assert_eq!(p["agent"][0]["who"]["identifier"]["value"], "565501872");
        assert_eq!(
            p["agent"][0]["onBehalfOf"]["identifier"]["value"],
            "974760673"
        );
    }
}
