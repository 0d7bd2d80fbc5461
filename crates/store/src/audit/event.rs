//! Building the AuditEvent (R4) for one access: who (person, role, organisation), on
//! whose behalf, purpose (with the emergency flag), what, when and the outcome.
use chrono::{DateTime, Utc};
use nordlys_policy::{Principal, Purpose};
use serde_json::{json, Value};

use crate::context::RequestContext;
use crate::model::{format_instant, ResourceKey};

const FNR: &str = "urn:oid:2.16.578.1.12.4.1.4.1";
const HPR: &str = "urn:oid:2.16.578.1.12.4.1.4.4";
const ORGNR: &str = "urn:oid:2.16.578.1.12.4.1.4.101";
/// Extension carrying the policy's reason code on an event.
pub const REASON_URL: &str = "https://nordlys.no/fhir/StructureDefinition/access-reason";

/// The FHIR interaction logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Read,
    Vread,
    Search,
    History,
    Everything,
    Create,
    Update,
    Delete,
}

impl AuditAction {
    fn interaction(self) -> &'static str {
        match self {
            AuditAction::Read => "read",
            AuditAction::Vread => "vread",
            AuditAction::Search => "search-type",
            AuditAction::History => "history-instance",
            AuditAction::Everything => "operation",
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
        }
    }
    /// AuditEvent.action: C, R, U, D, E.
    fn code(self) -> &'static str {
        match self {
            AuditAction::Create => "C",
            AuditAction::Update => "U",
            AuditAction::Delete => "D",
            AuditAction::Everything | AuditAction::Search => "E",
            _ => "R",
        }
    }
}

/// Success, or a refusal (the policy said no, or the principal may not do this).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditOutcome {
    Success,
    Refused,
}

/// What to log about one access to one patient's data.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub action: AuditAction,
    pub patient_id: String,
    /// The items returned or written (capped by the caller for huge searches).
    pub entities: Vec<ResourceKey>,
    pub outcome: AuditOutcome,
    /// The policy's reason code, where one decision explains the event.
    pub reason: Option<String>,
    /// The person the citizen acts for, when not themself (`Patient/...` or a display).
    pub on_behalf_of: Option<String>,
}

fn agent(ctx: &RequestContext) -> Value {
    match &ctx.principal {
        Principal::Citizen { pid, .. } => json!({
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "PAT"}]},
            "who": {"identifier": {"system": FNR, "value": pid}},
            "requestor": true
        }),
        Principal::Practitioner { hpr, .. } => json!({
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "PROV"}]},
            "who": {"identifier": {"system": HPR, "value": hpr}},
            "requestor": true
        }),
        Principal::System { client_id, .. } => json!({
            "type": {"coding": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110150"}]},
            "who": {"display": client_id},
            "requestor": true
        }),
    }
}

/// The AuditEvent for `record`, recorded at `now`.
pub fn audit_event(ctx: &RequestContext, record: &AuditRecord, now: DateTime<Utc>) -> Value {
    let mut agents = vec![agent(ctx)];
    if let Some(org) = ctx.principal.orgnr() {
        agents.push(json!({
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/extra-security-role-type", "code": "datacollector"}]},
            "who": {"identifier": {"system": ORGNR, "value": org}},
            "requestor": false
        }));
    }
    let mut entities = vec![json!({
        "what": {"reference": format!("Patient/{}", record.patient_id)},
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1"},
        "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1"}
    })];
    for k in &record.entities {
        if k.resource_type == "Patient" && k.id == record.patient_id {
            continue;
        }
        entities.push(json!({"what": {"reference": format!("{}/{}", k.resource_type, k.id)}}));
    }
    let mut event = json!({
        "resourceType": "AuditEvent",
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest"},
        "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": record.action.interaction()}],
        "action": record.action.code(),
        "recorded": format_instant(now),
        "outcome": match record.outcome { AuditOutcome::Success => "0", AuditOutcome::Refused => "4" },
        "agent": agents,
        "source": {"observer": {"display": "nordlys"}, "type": [{"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "4"}]},
        "entity": entities
    });
    if let Some(p) = ctx.purpose {
        event["purposeOfEvent"] = json!([{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": p.code()}]}]);
        // The practitioner's stated reason (emergency access must give one) is the
        // text of the purpose: R4's own place for "why, in words" on this element.
        if let Some(reason) = &ctx.reason {
            event["purposeOfEvent"][0]["text"] = json!(reason);
        }
        if p == Purpose::EmergencyTreat {
            event["outcomeDesc"] = json!("emergency access");
        }
    }
    if let Some(who) = &record.on_behalf_of {
        if let Some(a) = event["agent"].get_mut(0) {
            a["extension"] = json!([{"url": "https://nordlys.no/fhir/StructureDefinition/on-behalf-of", "valueString": who}]);
        }
    }
    if let Some(r) = &record.reason {
        event["extension"] = json!([{"url": REASON_URL, "valueString": r}]);
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> AuditRecord {
        AuditRecord {
            action: AuditAction::Read,
            patient_id: "p-1".into(),
            entities: Vec::new(),
            outcome: AuditOutcome::Success,
            reason: None,
            on_behalf_of: None,
        }
    }

    #[test]
    fn the_stated_reason_is_the_purpose_text() {
        let mut ctx = RequestContext::new(Principal::Practitioner {
            hpr: "565501872".into(),
            orgnr: "983974899".into(),
            purpose: Some(Purpose::EmergencyTreat),
        });
        ctx.reason = Some("Bevisstløs i akuttmottak".into());
        let e = audit_event(&ctx, &record(), Utc::now());
        assert_eq!(e["purposeOfEvent"][0]["coding"][0]["code"], "ETREAT");
        assert_eq!(e["purposeOfEvent"][0]["text"], "Bevisstløs i akuttmottak");
        assert_eq!(e["outcomeDesc"], "emergency access");
        ctx.reason = None;
        let e = audit_event(&ctx, &record(), Utc::now());
        assert!(e["purposeOfEvent"][0].get("text").is_none());
    }
}
