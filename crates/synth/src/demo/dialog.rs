//! Digital dialog in the demo (issue 5 § 4, docs/dialog.md): the medical outpatient
//! clinic and BUP offer dialog (with a phone number and a promised answer time), Ola
//! has a course of care at the clinic with a named Helsekontakt, one answered thread
//! with the clinic, and Kari (13) a new thread with BUP on her referral.
//!
//! Why hand-written JSON here: the demo crate knows no store; the codes and extension
//! addresses are those of `nordlys_store::dialog` (a store test checks a demo thread
//! reads as one).
use serde_json::{json, Value};

use super::directory::UNN_ORGNR;
use super::Ctx;
use crate::make::meta;

const TASK_KIND: &str = "https://nordlys.no/fhir/CodeSystem/task-kind";
const STATUS: &str = "https://nordlys.no/fhir/CodeSystem/dialog-status";
const TYPE: &str = "https://nordlys.no/fhir/CodeSystem/dialog-type";
const ASSIGNEE: &str = "https://nordlys.no/fhir/CodeSystem/dialog-assignee";
const DUE: &str = "https://nordlys.no/fhir/StructureDefinition/dialog-answer-due";
const FIRST: &str = "https://nordlys.no/fhir/StructureDefinition/dialog-first-answer";
/// On an Organization: offers dialog / promised answer time in working days.
pub(crate) const OFFERED: &str = "https://nordlys.no/fhir/StructureDefinition/dialog-offered";
pub(crate) const ANSWER_DAYS: &str =
    "https://nordlys.no/fhir/StructureDefinition/dialog-answer-days";
/// Units that offer digital dialog in the demo.
pub(crate) const DIALOG_UNITS: [&str; 2] = ["org-unn-med", "org-unn-bup"];

/// The dialog settings and phone number a demo organisation carries.
pub(crate) fn unit_settings(id: &str, org: &mut Value) {
    org["telecom"] = json!([{"system": "phone", "value": "77 62 60 00", "use": "work"}]);
    if DIALOG_UNITS.contains(&id) {
        org["extension"] = json!([{"url": OFFERED, "valueBoolean": true},
                                  {"url": ANSWER_DAYS, "valueInteger": 3}]);
    }
}

struct Thread<'a> {
    id: &'a str,
    patient: &'a str,
    patient_name: &'a str,
    unit: (&'a str, &'a str),
    topic: &'a str,
    referral: &'a str,
    status: (&'a str, &'a str),
    authored: String,
    due: String,
    answered: Option<String>,
    assignee: Option<(&'a str, &'a str)>,
}

fn task(t: &Thread) -> Value {
    let mut ext = vec![json!({"url": DUE, "valueDateTime": t.due})];
    if let Some(a) = &t.answered {
        ext.push(json!({"url": FIRST, "valueDateTime": a}));
    }
    let mut task = json!({
        "resourceType": "Task", "id": t.id, "meta": meta(Some(UNN_ORGNR), &[]),
        "status": t.status.1, "intent": "order", "priority": "routine",
        "code": {"coding": [{"system": TASK_KIND, "code": "dialog"}, {"system": TYPE, "code": "standard"}], "text": "Dialog"},
        "businessStatus": {"coding": [{"system": STATUS, "code": t.status.0}], "text": t.status.0},
        "description": t.topic, "basedOn": [{"reference": t.referral}],
        "for": {"reference": t.patient, "display": t.patient_name},
        "owner": {"reference": format!("Organization/{}", t.unit.0), "display": t.unit.1},
        "requester": {"reference": t.patient},
        "authoredOn": t.authored, "lastModified": t.answered.clone().unwrap_or(t.authored.clone()),
        "extension": ext,
    });
    if let Some((hpr, name)) = t.assignee {
        task["performerType"] =
            json!([{"coding": [{"system": ASSIGNEE, "code": hpr, "display": name}], "text": name}]);
    }
    task
}

/// One message of a thread: (id, sent, sender, recipient, text, read at).
type Line<'a> = (&'a str, String, &'a str, &'a str, &'a str, Option<String>);

fn message(t: &Thread, l: &Line) -> Value {
    let (id, sent, sender, recipient, text, received) = l;
    let mut m = json!({
        "resourceType": "Communication", "id": id, "meta": meta(Some(UNN_ORGNR), &[]),
        "status": "completed", "partOf": [{"reference": format!("Task/{}", t.id)}],
        "basedOn": [{"reference": t.referral}], "subject": {"reference": t.patient},
        "topic": {"text": t.topic}, "sent": sent,
        "sender": {"reference": sender}, "recipient": [{"reference": recipient}],
        "payload": [{"contentString": text}],
    });
    if let Some(r) = received {
        m["received"] = json!(r);
    }
    m
}

/// Ola's Helsekontakt and thread, Kari's new thread.
pub(crate) fn dialog(ctx: &mut Ctx) {
    ctx.push(json!({
        "resourceType": "EpisodeOfCare", "id": "eoc-adult-med", "meta": meta(Some(UNN_ORGNR), &[]),
        "status": "active", "patient": {"reference": "Patient/adult"},
        "managingOrganization": {"reference": "Organization/org-unn-med"},
        "referralRequest": [{"reference": "ServiceRequest/referral-adult-1"}],
        "period": {"start": ctx.c.day(140).format("%Y-%m-%d").to_string()},
        "careManager": {"reference": "Practitioner/med-doctor", "display": "Thomas Lie"},
    }));
    let ola = Thread {
        id: "dialog-adult-1",
        patient: "Patient/adult",
        patient_name: "Ola Pedersen",
        unit: ("org-unn-med", "Medisinsk poliklinikk, UNN Tromsø"),
        topic: "Spørsmål om insulindosen",
        referral: "ServiceRequest/referral-adult-1",
        status: ("answered", "in-progress"),
        authored: ctx.c.at(4, 8, 10),
        due: ctx.c.at(0, 8, 10),
        answered: Some(ctx.c.at(3, 13, 40)),
        assignee: Some(("8823410", "Thomas Lie")),
    };
    let lines: [Line; 2] = [
        ("dialog-adult-1-1", ola.authored.clone(), "Patient/adult", "Organization/org-unn-med",
         "Jeg har fått føling to netter på rad. Skal jeg redusere langtidsinsulinet?", Some(ctx.c.at(3, 13, 30))),
        ("dialog-adult-1-2", ctx.c.at(3, 13, 40), "Practitioner/med-doctor", "Patient/adult",
         "Reduser kveldsdosen med 2 enheter og mål blodsukkeret kl. 03 i tre netter. Send oss verdiene her.", None),
    ];
    push_thread(ctx, &ola, &lines);
    let kari = Thread {
        id: "dialog-child-13-1",
        patient: "Patient/child-13",
        patient_name: "Kari Nilsen",
        unit: (
            "org-unn-bup",
            "BUP Tromsø (barne- og ungdomspsykiatrisk poliklinikk)",
        ),
        topic: "Neste samtale",
        referral: "ServiceRequest/referral-1",
        status: ("new", "requested"),
        authored: ctx.c.at(1, 19, 5),
        due: ctx.c.at(-2, 19, 5),
        answered: None,
        assignee: None,
    };
    let lines: [Line; 1] = [(
        "dialog-child-13-1-1",
        kari.authored.clone(),
        "Patient/child-13",
        "Organization/org-unn-bup",
        "Kan jeg flytte neste samtale til etter skoletid?",
        None,
    )];
    push_thread(ctx, &kari, &lines);
}

fn push_thread(ctx: &mut Ctx, t: &Thread, lines: &[Line]) {
    ctx.push(task(t));
    for l in lines {
        ctx.push(message(t, l));
    }
}
