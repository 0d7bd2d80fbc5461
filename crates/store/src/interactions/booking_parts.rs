//! The pieces of a booking that are plain JSON: reading a Slot and its Schedule,
//! building the Appointment, and the unit's cancellation deadline.
//!
//! Why apart from the operations (`booking.rs`): these are pure and unit-tested here;
//! the operations only read, decide and commit.
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::error::StoreError;

/// Extension (on a Schedule, or on a HealthcareService among its actors) giving how
/// many hours before the start a citizen may still cancel or change (an integer).
pub const CANCEL_DEADLINE_URL: &str =
    "https://nordlys.no/fhir/StructureDefinition/cancel-deadline-hours";
/// Used when neither the Schedule nor its service names a deadline.
pub const DEFAULT_DEADLINE_HOURS: i64 = 24;

/// A 422 with a business-rule issue: a rule of booking was broken.
pub(crate) fn rule(expression: &str, msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(vec![nordlys_fhir::Issue {
        severity: nordlys_fhir::IssueSeverity::Error,
        code: "business-rule",
        expression: expression.into(),
        diagnostics: msg.into(),
    }])
}

/// The 409 every loser of a race gets (and whoever asks for a slot already taken).
pub(crate) fn taken() -> StoreError {
    StoreError::Conflict(
        "the time was just taken: someone else booked this slot; choose another time".into(),
    )
}

/// What a booking needs from a Slot.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SlotInfo {
    pub status: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// `Schedule/id`.
    pub schedule: Option<String>,
}

fn instant(v: Option<&Value>) -> Option<DateTime<Utc>> {
    let s = v?.as_str()?;
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Reads the fields a booking needs; a Slot without a start and end cannot be booked.
pub(crate) fn slot_info(slot: &Value) -> Result<SlotInfo, StoreError> {
    let (Some(start), Some(end)) = (instant(slot.get("start")), instant(slot.get("end"))) else {
        return Err(rule("Slot.start", "the slot has no readable start and end"));
    };
    Ok(SlotInfo {
        status: slot
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        start,
        end,
        schedule: slot
            .pointer("/schedule/reference")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

/// `resource` with `status` replaced.
pub(crate) fn with_status(resource: &Value, status: &str) -> Value {
    let mut r = resource.clone();
    r["status"] = json!(status);
    r
}

/// The references of a Schedule's actors (practitioner, location, service).
pub(crate) fn schedule_actors(schedule: &Value) -> Vec<String> {
    schedule
        .get("actor")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("reference").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// The Appointment a booking writes: booked, for the slot's time, with the patient and
/// the schedule's actors as participants.
pub(crate) fn appointment(
    patient_id: &str,
    slot_id: &str,
    slot: &SlotInfo,
    schedule: &Value,
    now: DateTime<Utc>,
) -> Value {
    let mut participants = vec![
        json!({"actor": {"reference": format!("Patient/{patient_id}")},
        "required": "required", "status": "accepted"}),
    ];
    for actor in schedule_actors(schedule) {
        let required = if actor.starts_with("Location/") {
            "information-only"
        } else {
            "required"
        };
        participants.push(
            json!({"actor": {"reference": actor}, "required": required, "status": "accepted"}),
        );
    }
    let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut a = json!({
        "resourceType": "Appointment", "status": "booked",
        "start": fmt(slot.start), "end": fmt(slot.end),
        "minutesDuration": (slot.end - slot.start).num_minutes().max(1),
        "slot": [{"reference": format!("Slot/{slot_id}")}],
        "created": now.format("%Y-%m-%d").to_string(),
        "participant": participants,
    });
    if let Some(st) = schedule.get("serviceType").filter(|v| v.is_array()) {
        a["serviceType"] = st.clone();
    }
    if let Some(c) = schedule.get("comment").and_then(Value::as_str) {
        a["description"] = json!(c);
    }
    a
}

/// The deadline extension's value on a resource, if it carries a sensible one.
pub(crate) fn deadline_hours(resource: &Value) -> Option<i64> {
    resource
        .get("extension")
        .and_then(Value::as_array)?
        .iter()
        .find(|e| e.get("url").and_then(Value::as_str) == Some(CANCEL_DEADLINE_URL))?
        .get("valueInteger")
        .and_then(Value::as_i64)
        .filter(|h| (0..=24 * 60).contains(h))
}

/// Refuses a citizen's change or cancellation after the deadline (422).
pub(crate) fn check_deadline(
    start: DateTime<Utc>,
    hours: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if now + Duration::hours(hours) > start {
        return Err(rule(
            "Appointment.start",
            format!(
                "too late to cancel or change: the unit takes changes until {hours} hours before the start; please call the unit"
            ),
        ));
    }
    Ok(())
}

/// `Type/id` → id, when the type matches.
pub(crate) fn id_of<'a>(reference: &'a str, resource_type: &str) -> Option<&'a str> {
    reference
        .strip_prefix(resource_type)
        .and_then(|r| r.strip_prefix('/'))
        .filter(|id| super::prepare::is_valid_id(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        instant(Some(&json!(s))).unwrap_or_else(|| panic!("bad instant {s}"))
    }

    #[test]
    fn appointment_from_slot_and_schedule() {
        let slot = slot_info(&json!({"resourceType": "Slot", "status": "free",
            "schedule": {"reference": "Schedule/s1"},
            "start": "2030-01-02T09:00:00+01:00", "end": "2030-01-02T09:20:00+01:00"}))
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(slot.schedule.as_deref(), Some("Schedule/s1"));
        let schedule = json!({"resourceType": "Schedule", "comment": "Time hos fastlege",
            "actor": [{"reference": "Practitioner/gp"}, {"reference": "Location/l"}]});
        let a = appointment("p1", "slot1", &slot, &schedule, t("2029-12-01T00:00:00Z"));
        assert_eq!(a["start"], "2030-01-02T08:00:00Z");
        assert_eq!(a["minutesDuration"], 20);
        assert_eq!(a["slot"][0]["reference"], "Slot/slot1");
        assert_eq!(a["participant"][0]["actor"]["reference"], "Patient/p1");
        assert_eq!(a["participant"][1]["actor"]["reference"], "Practitioner/gp");
        assert_eq!(a["participant"][2]["required"], "information-only");
        assert_eq!(a["description"], "Time hos fastlege");
        assert!(nordlys_fhir::validate_resource(&a).is_ok());
    }

    #[test]
    fn slot_without_times_is_a_rule_error() {
        assert!(matches!(
            slot_info(&json!({"resourceType": "Slot", "status": "free"})),
            Err(StoreError::Invalid(_))
        ));
    }

    #[test]
    fn deadline_from_extension_and_check() {
        let s = json!({"extension": [{"url": CANCEL_DEADLINE_URL, "valueInteger": 48}]});
        assert_eq!(deadline_hours(&s), Some(48));
        assert_eq!(deadline_hours(&json!({})), None);
        let start = t("2030-01-03T10:00:00Z");
        assert!(check_deadline(start, 24, t("2030-01-02T09:59:00Z")).is_ok());
        assert!(check_deadline(start, 24, t("2030-01-02T10:01:00Z")).is_err());
        assert!(check_deadline(start, 48, t("2030-01-02T09:59:00Z")).is_err());
    }

    #[test]
    fn ids_of_references() {
        assert_eq!(id_of("Slot/a-1", "Slot"), Some("a-1"));
        assert_eq!(id_of("Schedule/a", "Slot"), None);
        assert_eq!(id_of("Slot/", "Slot"), None);
    }
}
