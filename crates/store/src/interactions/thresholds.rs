//! Home measurements (DHO, issue 6 § 4): the treating team's thresholds per patient and
//! what a reading that crosses one asks of the unit — pure, no I/O.
//!
//! Why a Goal: a threshold is a per-patient target the team sets and the patient may
//! see ("your blood pressure should stay under 160"); FHIR's Goal has exactly
//! `target.measure` (the LOINC code) with `detailRange` (the band), belongs to the
//! patient's record and is owned by the unit that set it — which is also the unit whose
//! inbox gets the Task. The Task's id is derived from (patient, code, unit), so a burst
//! of readings over the line gives ONE open Task, not one per reading.
use chrono::{DateTime, SecondsFormat, Utc};
use nordlys_policy::{ORGNR_SYSTEM, TASK_KIND_SYSTEM};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// `Goal.category` marking a measurement threshold.
pub const THRESHOLD_CATEGORY_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/goal-category";
pub const THRESHOLD_CATEGORY_CODE: &str = "measurement-threshold";
const LOINC: &str = "http://loinc.org";

/// One band: readings of `code` outside `[low, high]` cross it.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub code: String,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// The unit (orgnr) that set it: the Task goes to its inbox.
    pub unit: Option<String>,
}

/// A reading over a band.
#[derive(Debug, Clone, PartialEq)]
pub struct Crossing {
    pub code: String,
    pub value: f64,
    pub limit: f64,
    pub above: bool,
    pub priority: &'static str,
    pub unit: Option<String>,
}

/// The bands of a threshold Goal (an active one with the threshold category).
pub fn bands_of(goal: &Value, unit: Option<&str>) -> Vec<Band> {
    let active = !matches!(
        goal.get("lifecycleStatus").and_then(Value::as_str),
        Some("cancelled" | "completed" | "rejected" | "entered-in-error")
    );
    if !active {
        return Vec::new();
    }
    let mut out = Vec::new();
    for t in goal
        .get("target")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let range = t.get("detailRange");
        let at = |k: &str| {
            range
                .and_then(|r| r.get(k))
                .and_then(|q| q.get("value"))
                .and_then(Value::as_f64)
        };
        let (low, high) = (at("low"), at("high"));
        if low.is_none() && high.is_none() {
            continue;
        }
        for code in loinc_codes(t.get("measure")) {
            out.push(Band {
                code,
                low,
                high,
                unit: unit.map(str::to_string),
            });
        }
    }
    out
}

fn loinc_codes(concept: Option<&Value>) -> Vec<String> {
    concept
        .and_then(|c| c.get("coding"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| c.get("system").and_then(Value::as_str) == Some(LOINC))
        .filter_map(|c| c.get("code").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// `(LOINC code, value)` of an Observation and of its components (blood pressure's
/// systolic 8480-6 and diastolic 8462-4).
pub fn readings(obs: &Value) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let mut add = |part: &Value| {
        if let Some(v) = part.pointer("/valueQuantity/value").and_then(Value::as_f64) {
            for code in loinc_codes(part.get("code")) {
                out.push((code, v));
            }
        }
    };
    add(obs);
    for c in obs
        .get("component")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        add(c);
    }
    out
}

/// Priority by how far past the limit, relative to it: under 10 % routine, under 25 %
/// urgent, else asap (`stat` is left to people).
pub fn priority(value: f64, limit: f64) -> &'static str {
    let off = if limit.abs() > f64::EPSILON {
        ((value - limit) / limit).abs()
    } else {
        (value - limit).abs()
    };
    if off < 0.10 {
        "routine"
    } else if off < 0.25 {
        "urgent"
    } else {
        "asap"
    }
}

/// The crossings of one reading set against the bands.
pub fn crossings(bands: &[Band], obs: &Value) -> Vec<Crossing> {
    let mut out = Vec::new();
    for (code, value) in readings(obs) {
        for b in bands.iter().filter(|b| b.code == code) {
            let over = b.high.filter(|h| value > *h).map(|h| (h, true));
            let under = b.low.filter(|l| value < *l).map(|l| (l, false));
            if let Some((limit, above)) = over.or(under) {
                out.push(Crossing {
                    code: code.clone(),
                    value,
                    limit,
                    above,
                    priority: priority(value, limit),
                    unit: b.unit.clone(),
                });
            }
        }
    }
    out
}

/// Rank of a Task priority (higher is more pressing).
pub fn rank(priority: &str) -> u8 {
    match priority {
        "stat" => 3,
        "asap" => 2,
        "urgent" => 1,
        _ => 0,
    }
}

/// The one Task id per (patient, code, unit).
pub fn task_id(patient_id: &str, code: &str, unit: Option<&str>) -> String {
    let mut h = Sha256::new();
    h.update(patient_id.as_bytes());
    h.update([0]);
    h.update(code.as_bytes());
    h.update([0]);
    h.update(unit.unwrap_or("").as_bytes());
    let hex: String = h
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("mt-{hex}")
}

/// The `measurement-threshold` Task in the unit's inbox about `observation`. `owner`
/// is Reference `Organization/{org_id}` (the inbox is `Task?owner=Organization/{id}`)
/// with the unit's orgnr as its identifier too; only the identifier when no stored
/// Organization carries the orgnr.
pub fn task(
    id: &str,
    patient_id: &str,
    observation: &str,
    c: &Crossing,
    org_id: Option<&str>,
    now: DateTime<Utc>,
) -> Value {
    let side = if c.above { "over" } else { "under" };
    let mut t = json!({
        "resourceType": "Task", "id": id, "status": "requested", "intent": "order",
        "priority": c.priority,
        "code": {"coding": [{"system": TASK_KIND_SYSTEM, "code": "measurement-threshold"}]},
        "businessStatus": {"text": "threshold-crossed"},
        "description": format!("Måling {} = {} er {side} grensen {}", c.code, c.value, c.limit),
        "for": {"reference": format!("Patient/{patient_id}")},
        "focus": {"reference": observation},
        "authoredOn": now.to_rfc3339_opts(SecondsFormat::Millis, true),
        "input": [{"type": {"coding": [{"system": LOINC, "code": c.code}]},
            "valueQuantity": {"value": c.value}}]
    });
    if let Some(unit) = &c.unit {
        t["owner"] = json!({"identifier": {"system": ORGNR_SYSTEM, "value": unit}});
        if let Some(org) = org_id {
            t["owner"]["reference"] = json!(format!("Organization/{org}"));
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goal() -> Value {
        json!({"resourceType": "Goal", "lifecycleStatus": "active",
            "target": [
                {"measure": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                 "detailRange": {"low": {"value": 90}, "high": {"value": 160}}},
                {"measure": {"coding": [{"system": LOINC, "code": "59408-5"}]},
                 "detailRange": {"low": {"value": 92}}}]})
    }

    fn bp(sys: f64, dia: f64) -> Value {
        json!({"resourceType": "Observation", "code": {"coding": [{"system": LOINC, "code": "85354-9"}]},
            "component": [
                {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]}, "valueQuantity": {"value": sys}},
                {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]}, "valueQuantity": {"value": dia}}]})
    }

    #[test]
    fn bands_and_readings() {
        let b = bands_of(&goal(), Some("983974899"));
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].high, Some(160.0));
        assert_eq!(b[1].low, Some(92.0));
        assert_eq!(readings(&bp(150.0, 80.0)).len(), 2);
        let mut done = goal();
        done["lifecycleStatus"] = json!("completed");
        assert!(bands_of(&done, None).is_empty());
    }

    #[test]
    fn crossings_with_priority_by_distance() {
        let b = bands_of(&goal(), Some("983974899"));
        assert!(crossings(&b, &bp(150.0, 95.0)).is_empty());
        let c = crossings(&b, &bp(170.0, 95.0));
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].priority, c[0].above), ("routine", true));
        assert_eq!(crossings(&b, &bp(190.0, 95.0))[0].priority, "urgent");
        assert_eq!(crossings(&b, &bp(210.0, 95.0))[0].priority, "asap");
        let spo2 = json!({"resourceType": "Observation",
            "code": {"coding": [{"system": LOINC, "code": "59408-5"}]}, "valueQuantity": {"value": 85}});
        let c = crossings(&b, &spo2);
        assert_eq!((c[0].priority, c[0].above), ("routine", false));
    }

    /// Finding 11g: the owner is the unit's Organization, found by `Task?owner=`.
    #[test]
    fn task_owner_is_the_units_organization() {
        let b = bands_of(&goal(), Some("983974899"));
        let c = &crossings(&b, &bp(170.0, 95.0))[0];
        let t = task("mt-x", "p", "Observation/o", c, Some("unn"), Utc::now());
        assert_eq!(t["owner"]["reference"], "Organization/unn");
        assert_eq!(t["owner"]["identifier"]["value"], "983974899");
        let t = task("mt-x", "p", "Observation/o", c, None, Utc::now());
        assert!(t["owner"].get("reference").is_none());
    }

    #[test]
    fn one_task_per_patient_code_and_unit() {
        assert_eq!(
            task_id("a", "8480-6", Some("1")),
            task_id("a", "8480-6", Some("1"))
        );
        assert_ne!(
            task_id("a", "8480-6", Some("1")),
            task_id("a", "8462-4", Some("1"))
        );
        assert!(task_id("a", "x", None).len() <= 64);
        assert!(rank("asap") > rank("urgent") && rank("urgent") > rank("routine"));
    }
}
