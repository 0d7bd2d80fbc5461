//! Contact for a research study (issue 6 § 6): a study may send a participant
//! questionnaires and letters, and only while that participant's research consent for
//! that study is in force.
//!
//! Why here and not in a handler: "may this organisation write this item" is the
//! policy's question (`may_write` answers the own-organisation part); the consent is a
//! grant like any other, so the same parsed grants the decision reads answer this too,
//! and a withdrawal (a new `inactive` version) closes the contact on the next request.
//!
//! An item is *sent for a study* when it names `ResearchStudy/{id}` where a request or a
//! letter says what it is about: `Task.basedOn` (a `form-request`) or
//! `DocumentReference.context.related` (a letter). Such an item is written only by an
//! organisation that an in-force `research` grant of the item's patient names as actor
//! and whose `provision.data` names that study. Closing writes (a Task `cancelled`,
//! `completed`, `failed` or `rejected`, a document `entered-in-error`) stay open to the
//! owner, so a study can still take back what it sent after a withdrawal.
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::grant::{Grant, GrantKind};
use crate::json::{refs_at, str_at};
use crate::ORGNR_SYSTEM;

/// Why a study may not send an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StudyRefusal {
    /// The item names a study but no patient.
    NoParticipant { study: String },
    /// No research consent of the patient in force for this study naming the writer.
    NoConsent { study: String },
}

impl std::fmt::Display for StudyRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StudyRefusal::NoParticipant { study } => {
                write!(f, "an item sent for {study} must name the participant")
            }
            StudyRefusal::NoConsent { study } => write!(
                f,
                "the patient has no research consent in force for {study} naming your \
                 organisation: a study contacts consenting participants only"
            ),
        }
    }
}

/// The studies an item is sent for (`ResearchStudy/{id}`), in order, without repeats.
pub fn studies_named(resource: &Value) -> Vec<String> {
    let mut out: Vec<String> = match str_at(resource, "resourceType") {
        Some("Task") => refs_at(resource, "basedOn"),
        Some("DocumentReference") => {
            refs_at(resource.get("context").unwrap_or(&Value::Null), "related")
        }
        _ => Vec::new(),
    };
    out.retain(|r| r.starts_with("ResearchStudy/"));
    out.dedup();
    out
}

/// A write that only closes what was sent (always allowed to the owner).
fn closing(resource: &Value) -> bool {
    let status = str_at(resource, "status").unwrap_or("");
    match str_at(resource, "resourceType") {
        Some("Task") => matches!(status, "cancelled" | "completed" | "failed" | "rejected"),
        Some("DocumentReference") => status == "entered-in-error",
        _ => false,
    }
}

/// May the organisation `orgnr` (known also as `principal_refs`) write `resource`, for
/// `patient` with these `grants`, at `now`? Items that name no study: yes (this rule
/// says nothing about them).
pub fn may_send_for_study(
    orgnr: &str,
    principal_refs: &[String],
    resource: &Value,
    patient: Option<&str>,
    grants: &[Grant],
    now: DateTime<Utc>,
) -> Result<(), StudyRefusal> {
    if closing(resource) {
        return Ok(());
    }
    let now_ms = now.timestamp_millis();
    for study in studies_named(resource) {
        let Some(patient) = patient else {
            return Err(StudyRefusal::NoParticipant { study });
        };
        let consented = grants.iter().any(|g| {
            g.kind == GrantKind::Research
                && g.in_force(now_ms)
                && g.patient
                    .as_deref()
                    .is_none_or(|p| p == format!("Patient/{patient}"))
                && g.data.iter().any(|d| d.reference == study)
                && g.actors.iter().any(|a| {
                    a.identifier
                        .as_ref()
                        .is_some_and(|(s, v)| s == ORGNR_SYSTEM && v == orgnr)
                        || a.reference
                            .as_deref()
                            .is_some_and(|r| principal_refs.iter().any(|p| p == r))
                })
        });
        if !consented {
            return Err(StudyRefusal::NoConsent { study });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grant_from_consent;
    use serde_json::json;

    const STUDY_ORG: &str = "999888771";

    fn consent(status: &str, org: &str, study: &str) -> Grant {
        let c = json!({"resourceType": "Consent", "id": "c1", "status": status,
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}]},
            "category": [{"coding": [{"system": crate::GRANT_KIND_SYSTEM, "code": "research"}]}],
            "patient": {"reference": "Patient/kari"},
            "provision": {"type": "permit",
                "actor": [{"reference": {"identifier": {"system": ORGNR_SYSTEM, "value": org}}}],
                "data": [{"meaning": "instance", "reference": {"reference": study}}]}});
        grant_from_consent(&c).unwrap_or_else(|e| panic!("{e}"))
    }

    fn request(status: &str, based_on: &str) -> Value {
        json!({"resourceType": "Task", "status": status, "intent": "order",
            "basedOn": [{"reference": based_on}], "for": {"reference": "Patient/kari"}})
    }

    fn letter(related: &str) -> Value {
        json!({"resourceType": "DocumentReference", "status": "current",
            "context": {"related": [{"reference": related}]}})
    }

    /// (what, writer org, item, patient, grants → allowed?)
    type Row<'a> = (&'a str, &'a str, Value, Option<&'a str>, Vec<Grant>, bool);

    #[test]
    fn table() {
        let heart = "ResearchStudy/heart";
        let active = || vec![consent("active", STUDY_ORG, heart)];
        #[rustfmt::skip]
        let rows: Vec<Row> = vec![
            ("request, consent in force",            STUDY_ORG, request("requested", heart), Some("kari"), active(), true),
            ("letter, consent in force",             STUDY_ORG, letter(heart),               Some("kari"), active(), true),
            ("request, no consent",                  STUDY_ORG, request("requested", heart), Some("kari"), vec![],   false),
            ("letter, no consent",                   STUDY_ORG, letter(heart),               Some("kari"), vec![],   false),
            ("request, consent withdrawn",           STUDY_ORG, request("requested", heart), Some("kari"), vec![consent("inactive", STUDY_ORG, heart)], false),
            ("request, consent declined",            STUDY_ORG, request("requested", heart), Some("kari"), vec![consent("rejected", STUDY_ORG, heart)], false),
            ("request, consent to another study",    STUDY_ORG, request("requested", heart), Some("kari"), vec![consent("active", STUDY_ORG, "ResearchStudy/sleep")], false),
            ("request, another organisation writes", "974760673", request("requested", heart), Some("kari"), active(), false),
            ("request, no patient",                  STUDY_ORG, request("requested", heart), None,         active(), false),
            ("cancelling after withdrawal",          STUDY_ORG, request("cancelled", heart), Some("kari"), vec![],   true),
            ("request naming no study",              STUDY_ORG, request("requested", "Task/x"), Some("kari"), vec![], true),
            ("letter naming a form, no study",       STUDY_ORG, letter("Questionnaire/q"),   Some("kari"), vec![],   true),
        ];
        let now = chrono::Utc::now();
        for (what, org, item, patient, grants, allowed) in rows {
            let got = may_send_for_study(org, &[], &item, patient, &grants, now);
            assert_eq!(got.is_ok(), allowed, "{what}: {got:?}");
        }
    }

    #[test]
    fn studies_are_found_where_the_item_says_what_it_is_about() {
        assert_eq!(
            studies_named(&request("requested", "ResearchStudy/a")),
            ["ResearchStudy/a"]
        );
        assert_eq!(
            studies_named(&letter("ResearchStudy/b")),
            ["ResearchStudy/b"]
        );
        let obs =
            json!({"resourceType": "Observation", "basedOn": [{"reference": "ResearchStudy/a"}]});
        assert!(studies_named(&obs).is_empty());
    }
}
