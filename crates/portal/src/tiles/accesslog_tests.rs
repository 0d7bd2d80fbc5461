//! Reading the store's own AuditEvents (built by `nordlys_store::audit::audit_event`).
use super::*;
use chrono::Utc;
use nordlys_policy::{Principal, Purpose, SecurityLevel};
use nordlys_store::audit::{audit_event, AuditAction, AuditOutcome, AuditRecord};
use nordlys_store::model::ResourceKey;
use nordlys_store::RequestContext;

fn event(principal: Principal, action: AuditAction, on_behalf: Option<&str>) -> Value {
    let ctx = RequestContext::new(principal);
    let record = AuditRecord {
        action,
        patient_id: "child-13".into(),
        entities: vec![ResourceKey::new("DocumentReference", "d1")],
        outcome: AuditOutcome::Success,
        reason: None,
        on_behalf_of: on_behalf.map(str::to_owned),
    };
    audit_event(&ctx, &record, Utc::now())
}

#[test]
fn practitioner_emergency_read() {
    let e = Entry::of(&event(
        Principal::Practitioner {
            hpr: "4512876".into(),
            orgnr: "983974899".into(),
            purpose: Some(Purpose::EmergencyTreat),
        },
        AuditAction::Read,
        None,
    ));
    assert_eq!(e.agent, Agent::Practitioner("4512876".into()));
    assert_eq!(e.orgnr.as_deref(), Some("983974899"));
    assert_eq!(e.purpose.as_deref(), Some("ETREAT"));
    assert!(e.emergency);
    assert_eq!(action_key(&e.action), "accesslog.action.read");
    assert_eq!(e.kinds, vec!["accesslog.kind.documents"]);
    assert_eq!(purpose_key("ETREAT"), "accesslog.purpose.emergency");

    let treat = Entry::of(&event(
        Principal::Practitioner {
            hpr: "1".into(),
            orgnr: "2".into(),
            purpose: Some(Purpose::Treat),
        },
        AuditAction::Search,
        None,
    ));
    assert!(!treat.emergency);
    assert_eq!(action_key(&treat.action), "accesslog.action.search");
}

#[test]
fn citizens_and_systems_and_on_behalf() {
    let c = Entry::of(&event(
        Principal::Citizen {
            pid: "30898210029".into(),
            level: SecurityLevel::High,
        },
        AuditAction::Read,
        Some("Patient/child-13"),
    ));
    assert_eq!(c.agent, Agent::Citizen("30898210029".into()));
    assert_eq!(c.orgnr, None);
    assert_eq!(c.purpose, None);
    assert_eq!(c.on_behalf_extension.as_deref(), Some("Patient/child-13"));
    let mut only_patient = event(
        Principal::Citizen {
            pid: "1".into(),
            level: SecurityLevel::High,
        },
        AuditAction::Search,
        None,
    );
    if let Some(es) = only_patient["entity"].as_array_mut() {
        es.truncate(1);
    }
    assert_eq!(
        Entry::of(&only_patient).kinds,
        vec!["accesslog.kind.demographics"]
    );
    let s = Entry::of(&event(
        Principal::System {
            client_id: "dips-unn".into(),
            orgnr: "983974899".into(),
            scopes: vec![],
        },
        AuditAction::Create,
        None,
    ));
    assert_eq!(s.agent, Agent::System("dips-unn".into()));
    assert_eq!(action_key(&s.action), "accesslog.action.create");

    // Without the extension: the viewer acting for someone acted on their behalf;
    // another citizen did when their id is not the patient's.
    let mut names = Who {
        patient_pid: Some("14871371270".into()),
        patient_known: true,
        myself: false,
        ..Who::default()
    };
    let plain = |pid: &str| Entry {
        on_behalf_extension: None,
        agent: Agent::Citizen(pid.into()),
        ..c.clone()
    };
    let viewer = "30898210029";
    assert_eq!(
        on_behalf(&names, viewer, "Kari", "child-13", &plain(viewer)),
        Some("Kari".into())
    );
    assert_eq!(
        on_behalf(&names, viewer, "Kari", "child-13", &plain("14871371270")),
        None
    );
    assert_eq!(
        on_behalf(&names, viewer, "Kari", "child-13", &plain("05858013722")),
        Some("Kari".into())
    );
    // Nobody among the agents is the patient: the father acted for her.
    names.patient_pid = None;
    assert_eq!(
        on_behalf(&names, viewer, "Kari", "child-13", &plain("05858013722")),
        Some("Kari".into())
    );
    // Not known (the lookup was refused): nothing is claimed.
    names.patient_known = false;
    assert_eq!(
        on_behalf(&names, viewer, "Kari", "child-13", &plain("05858013722")),
        None
    );
    names.myself = true;
    names.patient_pid = Some(viewer.into());
    assert_eq!(
        on_behalf(&names, viewer, "Ingrid", "mother", &plain(viewer)),
        None
    );
    assert_eq!(
        on_behalf(&names, viewer, "Kari", "child-13", &c),
        Some("Kari".into())
    );
    assert_eq!(on_behalf(&names, viewer, "Emma", "child-8", &c), None);
}
