//! The plain-JSON pieces of digital dialog (issue 5 § 4): the thread (a Task of kind
//! `dialog`), a message (a Communication `partOf` the thread), the state machine of
//! the unit's inbox, the promised answer time and the unit's dialog settings.
//!
//! Why apart from the operations (`dialog.rs`, `dialog_unit.rs`): these are pure and
//! unit-tested here; the operations only read, decide and commit. The model is written
//! down in docs/dialog.md.
use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use serde_json::{json, Value};

use super::booking_parts::rule;
use crate::error::StoreError;

/// `Task.businessStatus` codes of a thread: the unit inbox's states.
pub const DIALOG_STATUS_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/dialog-status";
/// Second coding of `Task.code`: `helsekontakt`, `standard` or `flexible`.
pub const DIALOG_TYPE_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/dialog-type";
/// `Task.performerType` coding naming the assigned practitioner by HPR number, so the
/// assignment is searchable (`Task?performer=<system>|<hpr>`).
pub const ASSIGNEE_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/dialog-assignee";
/// `Task.extension` (valueDateTime): when the unit first answered.
pub const FIRST_ANSWER_URL: &str =
    "https://nordlys.no/fhir/StructureDefinition/dialog-first-answer";
/// `Task.extension` (valueDateTime): when the unit promised to have answered.
pub const ANSWER_DUE_URL: &str = "https://nordlys.no/fhir/StructureDefinition/dialog-answer-due";
/// `Organization.extension` (valueBoolean): the unit offers digital dialog.
pub const DIALOG_OFFERED_URL: &str = "https://nordlys.no/fhir/StructureDefinition/dialog-offered";
/// `Organization.extension` (valueInteger): the unit's promised answer time in working days.
pub const ANSWER_DAYS_URL: &str = "https://nordlys.no/fhir/StructureDefinition/dialog-answer-days";
/// Used when the unit names no answer time.
pub const DEFAULT_ANSWER_DAYS: i64 = 3;

/// The four states of a thread in the unit's inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogStatus {
    New,
    InProgress,
    Answered,
    Closed,
}

impl DialogStatus {
    pub const ALL: [DialogStatus; 4] = [
        DialogStatus::New,
        DialogStatus::InProgress,
        DialogStatus::Answered,
        DialogStatus::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DialogStatus::New => "new",
            DialogStatus::InProgress => "in-progress",
            DialogStatus::Answered => "answered",
            DialogStatus::Closed => "closed",
        }
    }

    pub fn parse(code: &str) -> Option<DialogStatus> {
        DialogStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// `Task.status` for the state: only a closed thread is done; an answered one may
    /// still get the citizen's reply.
    pub fn task_status(self) -> &'static str {
        match self {
            DialogStatus::New => "requested",
            DialogStatus::InProgress | DialogStatus::Answered => "in-progress",
            DialogStatus::Closed => "completed",
        }
    }

    /// The state after a message from the citizen's side: an answered thread needs the
    /// unit again (in progress if someone has it, else new).
    pub fn after_citizen_message(self, assigned: bool) -> DialogStatus {
        match self {
            DialogStatus::Answered if assigned => DialogStatus::InProgress,
            DialogStatus::Answered => DialogStatus::New,
            s => s,
        }
    }
}

fn fmt(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `t` plus `days` working days (Monday–Friday; public holidays are not known here).
pub fn add_working_days(t: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    let mut out = t;
    let mut left = days.max(0);
    while left > 0 {
        out += Duration::days(1);
        if !matches!(out.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    out
}

/// What a thread needs of the receiving unit's Organization.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitInfo {
    pub id: String,
    pub orgnr: Option<String>,
    pub name: String,
    pub phone: Option<String>,
    pub offers_dialog: bool,
    pub answer_days: i64,
}

fn extension<'a>(r: &'a Value, url: &str) -> Option<&'a Value> {
    r.get("extension")
        .and_then(Value::as_array)?
        .iter()
        .find(|e| e.get("url").and_then(Value::as_str) == Some(url))
}

/// Reads a unit's dialog settings from its Organization.
pub fn unit_info(id: &str, org: &Value) -> UnitInfo {
    let orgnr = org
        .get("identifier")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|i| i.get("system").and_then(Value::as_str) == Some(nordlys_policy::ORGNR_SYSTEM))
        .and_then(|i| i.get("value").and_then(Value::as_str))
        .map(str::to_string);
    let phone = org
        .get("telecom")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|t| t.get("system").and_then(Value::as_str) == Some("phone"))
        .and_then(|t| t.get("value").and_then(Value::as_str))
        .map(str::to_string);
    UnitInfo {
        id: id.to_string(),
        orgnr,
        name: org
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_string(),
        phone,
        offers_dialog: extension(org, DIALOG_OFFERED_URL)
            .and_then(|e| e.get("valueBoolean"))
            .and_then(Value::as_bool)
            == Some(true),
        answer_days: extension(org, ANSWER_DAYS_URL)
            .and_then(|e| e.get("valueInteger"))
            .and_then(Value::as_i64)
            .filter(|d| (0..=60).contains(d))
            .unwrap_or(DEFAULT_ANSWER_DAYS),
    }
}

/// The 422 a citizen gets where dialog is not possible, telling where to call instead.
pub fn call_instead(unit: &str, phone: Option<&str>, why: &str) -> StoreError {
    let call = match phone {
        Some(p) => format!("please call {unit} on {p}"),
        None => format!("please call {unit}"),
    };
    rule("Task.businessStatus", format!("{why}; {call}"))
}

/// A new thread (`Task` of kind dialog) from the citizen (`requester`) to the unit.
pub struct NewThreadTask<'a> {
    pub patient_id: &'a str,
    pub unit: &'a UnitInfo,
    pub requester: Value,
    pub topic: &'a str,
    pub kind: &'a str,
    pub referral: Option<&'a str>,
    pub now: DateTime<Utc>,
}

/// The citizen-written items carry the do-not-notify tag: nobody is told of their own
/// message (the unit's answers are announced as usual).
fn quiet_meta() -> Value {
    json!({"tag": [{"system": nordlys_policy::NOTIFICATION_TAG_SYSTEM, "code": "do-not-notify"}]})
}

pub fn thread_task(t: &NewThreadTask) -> Value {
    let mut owner =
        json!({"reference": format!("Organization/{}", t.unit.id), "display": t.unit.name});
    if let Some(nr) = &t.unit.orgnr {
        owner["identifier"] = json!({"system": nordlys_policy::ORGNR_SYSTEM, "value": nr});
    }
    let due = add_working_days(t.now, t.unit.answer_days);
    let mut task = json!({
        "resourceType": "Task", "meta": quiet_meta(),
        "status": DialogStatus::New.task_status(), "intent": "order", "priority": "routine",
        "code": {"coding": [
            {"system": nordlys_policy::TASK_KIND_SYSTEM, "code": "dialog"},
            {"system": DIALOG_TYPE_SYSTEM, "code": t.kind}], "text": "Dialog"},
        "businessStatus": status_concept(DialogStatus::New),
        "description": t.topic,
        "for": {"reference": format!("Patient/{}", t.patient_id)},
        "owner": owner, "requester": t.requester,
        "authoredOn": fmt(t.now), "lastModified": fmt(t.now),
        "extension": [{"url": ANSWER_DUE_URL, "valueDateTime": fmt(due)}],
    });
    if let Some(r) = t.referral {
        task["basedOn"] = json!([{"reference": format!("ServiceRequest/{r}")}]);
    }
    task
}

fn status_concept(s: DialogStatus) -> Value {
    json!({"coding": [{"system": DIALOG_STATUS_SYSTEM, "code": s.code()}], "text": s.code()})
}

/// The thread's state (a thread without one counts as new).
pub fn status_of(task: &Value) -> DialogStatus {
    task.pointer("/businessStatus/coding")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| c.get("system").and_then(Value::as_str) == Some(DIALOG_STATUS_SYSTEM))
        .find_map(|c| {
            c.get("code")
                .and_then(Value::as_str)
                .and_then(DialogStatus::parse)
        })
        .unwrap_or(DialogStatus::New)
}

/// Is this Task a dialog thread?
pub fn is_thread(task: &Value) -> bool {
    task.get("resourceType").and_then(Value::as_str) == Some("Task")
        && task
            .pointer("/code/coding")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|c| {
                c.get("system").and_then(Value::as_str) == Some(nordlys_policy::TASK_KIND_SYSTEM)
                    && c.get("code").and_then(Value::as_str) == Some("dialog")
            })
}

/// `task` in state `s` (Task.status follows), modified `now`.
pub fn with_dialog_status(task: &Value, s: DialogStatus, now: DateTime<Utc>) -> Value {
    let mut t = task.clone();
    t["businessStatus"] = status_concept(s);
    t["status"] = json!(s.task_status());
    t["lastModified"] = json!(fmt(now));
    t
}

/// The HPR number of the assigned practitioner, if any.
pub fn assignee(task: &Value) -> Option<(String, String)> {
    task.get("performerType")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|cc| {
            cc.get("coding")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .find(|c| c.get("system").and_then(Value::as_str) == Some(ASSIGNEE_SYSTEM))
        .map(|c| {
            let code = c.get("code").and_then(Value::as_str).unwrap_or_default();
            let display = c.get("display").and_then(Value::as_str).unwrap_or(code);
            (code.to_string(), display.to_string())
        })
}

/// `task` assigned to the practitioner `hpr` (shown as `display`).
pub fn with_assignee(task: &Value, hpr: &str, display: &str) -> Value {
    let mut t = task.clone();
    t["performerType"] = json!([{"coding": [{"system": ASSIGNEE_SYSTEM, "code": hpr, "display": display}], "text": display}]);
    t
}

/// Records the first answer time (kept if already set).
pub fn with_first_answer(task: &Value, now: DateTime<Utc>) -> Value {
    let mut t = task.clone();
    if extension(task, FIRST_ANSWER_URL).is_some() {
        return t;
    }
    let ext = json!({"url": FIRST_ANSWER_URL, "valueDateTime": fmt(now)});
    match t.get_mut("extension").and_then(Value::as_array_mut) {
        Some(list) => list.push(ext),
        None => t["extension"] = json!([ext]),
    }
    t
}

/// An instant extension of a thread (answer due, first answer).
pub fn instant_ext(task: &Value, url: &str) -> Option<DateTime<Utc>> {
    extension(task, url)
        .and_then(|e| e.get("valueDateTime"))
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Is a flexible dialog's period (`restriction.period`) over, or not begun, at `now`?
pub fn outside_period(task: &Value, now: DateTime<Utc>) -> bool {
    let at = |k: &str| {
        task.pointer(&format!("/restriction/period/{k}"))
            .and_then(Value::as_str)
            .and_then(nordlys_fhir::time::date_range)
    };
    let now_ms = now.timestamp_millis();
    at("start").is_some_and(|(start, _)| now_ms < start)
        || at("end").is_some_and(|(_, end)| now_ms > end)
}

/// The `Task.for` patient id.
pub fn patient_of(task: &Value) -> Option<&str> {
    task.pointer("/for/reference")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("Patient/"))
}

/// Is this reference (a Communication's sender) on the citizen's side of a thread?
pub fn is_citizen_side(reference: &Value) -> bool {
    let r = reference
        .get("reference")
        .and_then(Value::as_str)
        .unwrap_or_default();
    r.starts_with("Patient/")
        || r.starts_with("RelatedPerson/")
        || (r.is_empty() && reference.get("type").and_then(Value::as_str) == Some("RelatedPerson"))
}

/// One message of a thread, ready to be written.
pub struct NewMessageBody<'a> {
    pub task: &'a Value,
    pub task_id: &'a str,
    pub sender: Value,
    pub recipient: Value,
    pub text: &'a str,
    /// `contentAttachment` values (already pointing at their Binary).
    pub attachments: Vec<Value>,
    pub now: DateTime<Utc>,
}

pub fn message(m: &NewMessageBody) -> Value {
    let patient = patient_of(m.task).unwrap_or_default();
    let mut payload = Vec::new();
    if !m.text.trim().is_empty() {
        payload.push(json!({"contentString": m.text}));
    }
    payload.extend(
        m.attachments
            .iter()
            .map(|a| json!({"contentAttachment": a})),
    );
    let mut c = json!({
        "resourceType": "Communication", "status": "completed",
        "partOf": [{"reference": format!("Task/{}", m.task_id)}],
        "subject": {"reference": format!("Patient/{patient}")},
        "sender": m.sender, "recipient": [m.recipient],
        "sent": fmt(m.now), "payload": payload,
    });
    if let Some(topic) = m.task.get("description").and_then(Value::as_str) {
        c["topic"] = json!({"text": topic});
    }
    // The thread's referral link, so § 6 (a parent of a youth: only on an opened
    // referral) decides each message as it decides the thread.
    if let Some(b) = m.task.get("basedOn").filter(|b| b.is_array()) {
        c["basedOn"] = b.clone();
    }
    if is_citizen_side(&m.sender) {
        c["meta"] = quiet_meta();
    }
    c
}

/// `communication` marked read (`received`) at `now`.
pub fn with_received(communication: &Value, now: DateTime<Utc>) -> Value {
    let mut c = communication.clone();
    c["received"] = json!(fmt(now));
    c
}

/// The id of the dialog Task a Communication is `partOf`, if any.
pub fn thread_of(communication: &Value) -> Option<String> {
    communication
        .get("partOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("reference").and_then(Value::as_str))
        .find_map(|r| super::booking_parts::id_of(r, "Task").map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn unit() -> UnitInfo {
        unit_info(
            "ward",
            &json!({"resourceType": "Organization", "name": "BUP Tromsø",
                "identifier": [{"system": nordlys_policy::ORGNR_SYSTEM, "value": "983974899"}],
                "telecom": [{"system": "phone", "value": "77 62 60 00"}],
                "extension": [{"url": DIALOG_OFFERED_URL, "valueBoolean": true},
                              {"url": ANSWER_DAYS_URL, "valueInteger": 2}]}),
        )
    }

    #[test]
    fn working_days_skip_weekends() {
        // Friday 2026-12-04 + 3 working days = Wednesday 2026-12-09.
        assert_eq!(
            add_working_days(t("2026-12-04T10:00:00Z"), 3),
            t("2026-12-09T10:00:00Z")
        );
        assert_eq!(
            add_working_days(t("2026-12-07T10:00:00Z"), 0),
            t("2026-12-07T10:00:00Z")
        );
    }

    #[test]
    fn unit_settings_and_defaults() {
        let u = unit();
        assert_eq!((u.offers_dialog, u.answer_days), (true, 2));
        assert_eq!(u.phone.as_deref(), Some("77 62 60 00"));
        assert_eq!(u.orgnr.as_deref(), Some("983974899"));
        let bare = unit_info("x", &json!({"resourceType": "Organization"}));
        assert_eq!(
            (bare.offers_dialog, bare.answer_days),
            (false, DEFAULT_ANSWER_DAYS)
        );
    }

    #[test]
    fn thread_and_message_are_valid_and_linked() {
        let u = unit();
        let task = thread_task(&NewThreadTask {
            patient_id: "p1",
            unit: &u,
            requester: json!({"reference": "Patient/p1"}),
            topic: "Spørsmål om medisin",
            kind: "standard",
            referral: Some("ref-1"),
            now: t("2026-12-04T10:00:00Z"),
        });
        assert!(nordlys_fhir::validate_resource(&task).is_ok(), "{task}");
        assert!(is_thread(&task));
        assert_eq!(status_of(&task), DialogStatus::New);
        assert_eq!(
            instant_ext(&task, ANSWER_DUE_URL),
            Some(t("2026-12-08T10:00:00Z"))
        );
        let mut with_id = task.clone();
        with_id["id"] = json!("t1");
        let msg = message(&NewMessageBody {
            task: &with_id,
            task_id: "t1",
            sender: json!({"reference": "Patient/p1"}),
            recipient: json!({"reference": "Organization/ward"}),
            text: "Hei",
            attachments: vec![
                json!({"contentType": "application/pdf", "url": "Binary/b1", "size": 10}),
            ],
            now: t("2026-12-04T10:00:00Z"),
        });
        assert!(nordlys_fhir::validate_resource(&msg).is_ok(), "{msg}");
        assert_eq!(msg["basedOn"][0]["reference"], "ServiceRequest/ref-1");
        assert_eq!(thread_of(&msg).as_deref(), Some("t1"));
        assert_eq!(msg["meta"]["tag"][0]["code"], "do-not-notify");
    }

    #[test]
    fn state_machine() {
        use DialogStatus::*;
        assert_eq!(Answered.after_citizen_message(false), New);
        assert_eq!(Answered.after_citizen_message(true), InProgress);
        assert_eq!(InProgress.after_citizen_message(true), InProgress);
        assert_eq!(Closed.task_status(), "completed");
        let task = json!({"resourceType": "Task"});
        let s = with_dialog_status(&task, Answered, t("2026-12-04T10:00:00Z"));
        assert_eq!(status_of(&s), Answered);
        let once = with_first_answer(&s, t("2026-12-04T10:00:00Z"));
        let twice = with_first_answer(&once, t("2026-12-05T10:00:00Z"));
        assert_eq!(
            instant_ext(&twice, FIRST_ANSWER_URL),
            Some(t("2026-12-04T10:00:00Z"))
        );
        let a = with_assignee(&task, "565501872", "Lege Lise");
        assert_eq!(assignee(&a), Some(("565501872".into(), "Lege Lise".into())));
    }

    #[test]
    fn flexible_period() {
        let task = json!({"restriction": {"period": {"start": "2026-12-01", "end": "2026-12-10"}}});
        assert!(!outside_period(&task, t("2026-12-10T12:00:00Z")));
        assert!(outside_period(&task, t("2026-12-11T00:00:00Z")));
        assert!(outside_period(&task, t("2026-11-30T00:00:00Z")));
        assert!(!outside_period(&json!({}), t("2030-01-01T00:00:00Z")));
    }
}
