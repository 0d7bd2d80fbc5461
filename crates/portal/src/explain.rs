//! Why a tile is closed or a period hidden, in plain words — from the policy's
//! reason codes, never from the items.
//!
//! Why probes: the explanation is the policy's decision for a *hypothetical* item
//! of the tile's kind dated today (see [`nordlys_store::FhirStore::probe`]). It
//! depends only on the rules that apply to this person and this viewer (age band,
//! relation, grants, deferral), so it reads the same whether the record holds
//! nothing, one hidden item or a hundred: "parents of 12–15-year-olds see this only
//! when the treating unit has opened it", never "there is something you cannot see".
use chrono::{DateTime, Utc};
use nordlys_policy::{Decision, Level, Reason};
use serde_json::{json, Value};

use crate::i18n::{self, text, text_with, Lang};

/// The hypothetical item a tile's notice is decided on.
pub fn probe_item(tile: &str, patient_id: &str, now: DateTime<Utc>) -> Option<Value> {
    let subject = json!({"reference": format!("Patient/{patient_id}")});
    let today = now.to_rfc3339();
    let date = &today[..10];
    Some(match tile {
        "journal" => json!({"resourceType": "DocumentReference", "status": "current",
            "subject": subject, "date": today, "content": [{"attachment": {"contentType": "text/plain"}}]}),
        "letters" => json!({"resourceType": "DocumentReference", "status": "current",
            "subject": subject, "date": today,
            "category": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/document-category", "code": "letter"}]}],
            "content": [{"attachment": {"contentType": "text/plain"}}]}),
        "results" => json!({"resourceType": "DiagnosticReport", "status": "final",
            "code": {"text": "-"}, "subject": subject, "issued": today, "effectiveDateTime": today}),
        "referrals" => json!({"resourceType": "ServiceRequest", "status": "active",
            "intent": "order", "subject": subject, "authoredOn": today}),
        "appointments" => json!({"resourceType": "Appointment", "status": "booked",
            "start": today, "participant": [{"actor": subject, "status": "accepted"}]}),
        "messages" => json!({"resourceType": "Communication", "status": "completed",
            "subject": subject, "sent": today}),
        "forms" => json!({"resourceType": "QuestionnaireResponse", "status": "completed",
            "subject": subject, "authored": today}),
        "careplan" => json!({"resourceType": "CarePlan", "status": "active",
            "intent": "plan", "subject": subject, "created": today}),
        "measurements" => json!({"resourceType": "Observation", "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
            "code": {"text": "-"}, "subject": subject, "effectiveDateTime": today,
            "device": {"display": "-"}}),
        "medication" => json!({"resourceType": "MedicationStatement", "status": "active",
            "subject": subject, "dateAsserted": today, "medicationCodeableConcept": {"text": "-"}}),
        "vaccinations" => json!({"resourceType": "Immunization", "status": "completed",
            "patient": subject, "occurrenceDateTime": date, "vaccineCode": {"text": "-"}}),
        // The access log follows the items each entry names; a hypothetical entry
        // names nothing, so its notice would say nothing true. The list speaks.
        _ => return None,
    })
}

/// The notice for a tile from its probe's decision: `None` when a new item of this
/// kind would be shown in full.
pub fn notice(lang: Lang, decision: &Decision) -> Option<String> {
    if decision.level == Level::Full {
        return None;
    }
    Some(reason_text(lang, &decision.reason))
}

/// Plain words for a reason code (`reason.<prefix>` in the language files), with
/// the opening date filled in for deferrals.
pub fn reason_text(lang: Lang, reason: &Reason) -> String {
    let key = reason_key(reason.prefix());
    let date = reason
        .opens_at()
        .map(|t| i18n::date(nordlys_policy::oslo_today(t)))
        .unwrap_or_default();
    text_with(lang, &key, &[("date", &date)])
}

/// The text key for a reason prefix: its own (`reason.parent.child`), else its
/// family's (`reason.label` for every Volven label), else the general one.
fn reason_key(prefix: &str) -> String {
    let own = format!("reason.{prefix}");
    if i18n::has(&own) {
        return own;
    }
    let family = format!("reason.{}", prefix.split('.').next().unwrap_or(prefix));
    if i18n::has(&family) {
        return family;
    }
    "reason.other".to_owned()
}

/// Words for a metadata-level item's detail page.
pub fn metadata_only(lang: Lang) -> &'static str {
    text(lang, "item.metadata-only")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every reason a citizen can meet has its own words (not the general fallback).
    #[test]
    fn every_citizen_reason_has_words() {
        let missing: Vec<&str> = nordlys_policy::all_reason_prefixes()
            .into_iter()
            .filter(|p| {
                !p.starts_with("practitioner.") && !p.starts_with("system.") && *p != "directory"
            })
            .filter(|p| reason_key(p) == "reason.other")
            .collect();
        assert!(missing.is_empty(), "no words for {missing:?}");
    }

    #[test]
    fn probes_are_valid_fhir() {
        let now = Utc::now();
        for tile in crate::tiles::SLUGS {
            let Some(item) = probe_item(tile, "p1", now) else {
                continue;
            };
            let issues = nordlys_fhir::validate_resource_all(&item);
            let errors: Vec<_> = issues
                .iter()
                .filter(|i| i.severity == nordlys_fhir::IssueSeverity::Error)
                .collect();
            assert!(errors.is_empty(), "{tile}: {errors:?}");
        }
    }
}
