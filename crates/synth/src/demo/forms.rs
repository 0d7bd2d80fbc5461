//! The demo region's forms (issue 6 § 2): the built-in journal-copy request and
//! feedback form (received by UNN), a respiratory triage form (received by Ingrid's GP
//! office), and one request from the GP office asking Ingrid to fill in the triage form
//! before her next visit ("Skjema å fylle ut").
//!
//! Why the Questionnaires carry `meta.source` of their unit: the owner organisation is
//! who published them, and the built-in `receiving-unit` extension names the unit that
//! receives the answers.
use nordlys_fhir::ids::ORGNR_SYSTEM;
use nordlys_forms::builtin;
use serde_json::json;

use super::Ctx;
use crate::make::meta;

/// `nordlys_policy::TASK_KIND_SYSTEM` (synth does not depend on the policy crate).
const TASK_KIND_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/task-kind";

/// The ids of the demo's forms.
pub const JOURNAL_COPY: &str = "skjema-journalkopi";
pub const FEEDBACK: &str = "skjema-tilbakemelding";
pub const TRIAGE: &str = "skjema-luftveier";

pub(crate) fn forms(ctx: &mut Ctx) {
    let unn = ctx.orgnr("org-unn");
    let gp = ctx.orgnr("org-gp-tromso");
    for (mut q, org) in [
        (builtin::journal_copy(JOURNAL_COPY, "org-unn"), &unn),
        (builtin::feedback(FEEDBACK, "org-unn"), &unn),
        (builtin::triage(TRIAGE, "org-gp-tromso"), &gp),
    ] {
        q["meta"] = meta(Some(org), &[]);
        ctx.push(q);
    }
    let authored = ctx.c.at(1, 9, 0);
    ctx.push(json!({
        "resourceType": "Task", "id": "form-request-mother-1", "meta": meta(Some(&gp), &[]),
        "status": "requested", "intent": "order", "priority": "routine",
        "code": {"coding": [{"system": TASK_KIND_SYSTEM, "code": "form-request"}], "text": "Skjema å fylle ut"},
        "description": "Fyll ut skjemaet om luftveisplager før timen hos fastlegen",
        "for": {"reference": "Patient/mother"},
        "focus": {"reference": format!("Questionnaire/{TRIAGE}")},
        "owner": {"reference": "Organization/org-gp-tromso", "identifier": {"system": ORGNR_SYSTEM, "value": gp}},
        "requester": {"reference": "Organization/org-gp-tromso"},
        "authoredOn": authored
    }));
}
