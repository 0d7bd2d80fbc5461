//! The shared care plan (DBEP, issue 6 § 3) and who may write which item.
//!
//! Why here: a shared plan is the one kind of item that organisations other than its
//! author write, and whether they even see it depends on the patient's consent to
//! sharing. Both are access questions, so they live beside `decide` and the store only
//! asks ([`may_write`]). The rules, in short (docs/careplan.md):
//! * another organisation sees a CarePlan (and the Provenance of its changes) only
//!   while a `careplan-sharing` consent is in force — no actors: every organisation
//!   with a care relationship; actors: the named organisations only;
//! * a practitioner of another organisation writes the plan when they see it in full
//!   through an ordinary care relationship (not emergency) and their organisation is in
//!   the plan's care team (author, contributor or responsible for a measure);
//! * everything else is written by its own organisation only; citizens write grants
//!   here and everything else through the store's dedicated operations (§ 10).
use serde_json::Value;

use crate::decide::context::Ctx;
use crate::decide::Decision;
use crate::grant::GrantKind;
use crate::item::ItemFacts;
use crate::json::{each, refs_at, str_at};
use crate::level::Level;
use crate::patient::ORGNR_SYSTEM;
use crate::principal::Principal;
use crate::reason::Reason;

/// The grant-kind code of the patient's consent to sharing the care plan.
pub const CAREPLAN_SHARING: &str = "careplan-sharing";

/// A CarePlan, or a Provenance recording a change of one.
pub(crate) fn is_shared_plan(resource_type: &str, r: &Value) -> bool {
    match resource_type {
        "CarePlan" => true,
        "Provenance" => each(r.get("target"))
            .filter_map(|t| str_at(t, "reference"))
            .any(|t| t.starts_with("CarePlan/")),
        _ => false,
    }
}

/// References and identifier values of a CarePlan's author, contributors and the
/// performers of its measures.
pub(crate) fn team_of(resource_type: &str, r: &Value) -> Vec<String> {
    if resource_type != "CarePlan" {
        return Vec::new();
    }
    let details: Vec<&Value> = each(r.get("activity"))
        .filter_map(|a| a.get("detail"))
        .collect();
    let mut people: Vec<&Value> = each(r.get("author")).collect();
    people.extend(each(r.get("contributor")));
    people.extend(details.iter().flat_map(|d| each(d.get("performer"))));
    let mut team: Vec<String> = refs_at(r, "author");
    team.extend(refs_at(r, "contributor"));
    team.extend(details.iter().flat_map(|d| refs_at(d, "performer")));
    team.extend(
        people
            .into_iter()
            .filter_map(|p| p.get("identifier"))
            .filter_map(|i| str_at(i, "value"))
            .map(str::to_string),
    );
    team.sort();
    team.dedup();
    team
}

/// Is an in-force sharing consent covering this item open to `orgnr`?
pub(crate) fn shared_with(ctx: &Ctx, orgnr: &str) -> bool {
    ctx.grants(GrantKind::CareplanSharing).any(|g| {
        ctx.covers(g)
            && (g.actors.is_empty()
                || g.actors.iter().any(|a| {
                    a.identifier
                        .as_ref()
                        .is_some_and(|(s, v)| s == ORGNR_SYSTEM && v == orgnr)
                        || a.reference
                            .as_deref()
                            .is_some_and(|r| ctx.input.principal_refs.iter().any(|p| p == r))
                }))
    })
}

/// May `principal` write (create, update, delete) an item with these facts, given the
/// decision the same principal gets for it? `principal_refs` as in
/// [`crate::DecisionInput`].
pub fn may_write(
    principal: &Principal,
    principal_refs: &[String],
    item: &ItemFacts,
    decision: Decision,
) -> bool {
    // The access log is the server's; a store record (notification preferences) is
    // written only by its dedicated operation.
    if item.resource_type == "AuditEvent" || item.store_record {
        return false;
    }
    match principal {
        Principal::Citizen { .. } => item.resource_type == "Consent",
        Principal::System { orgnr, .. } => own(item, orgnr),
        Principal::Practitioner { orgnr, .. } => {
            own(item, orgnr)
                || (item.resource_type == "CarePlan"
                    && item.shared_plan
                    && decision.level == Level::Full
                    && decision.reason == Reason::PractitionerCareRelationship
                    && item
                        .plan_team
                        .iter()
                        .any(|m| m == orgnr || principal_refs.iter().any(|p| p == m)))
        }
    }
}

/// Why a care-plan hand-over is refused ([`may_hand_over`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOverRefusal {
    /// Only the organisation responsible for the plan hands it over.
    NotResponsible,
    /// A plan is handed to another organisation, not to the one holding it.
    SameOrganisation,
    /// The receiver would not see the plan: the patient's careplan-sharing consent
    /// does not cover it (or a block or reservation closes the plan to it).
    ReceiverNotCovered,
}

impl std::fmt::Display for HandOverRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HandOverRefusal::NotResponsible => {
                "only the responsible organisation hands the plan over"
            }
            HandOverRefusal::SameOrganisation => "the plan is handed to another organisation",
            HandOverRefusal::ReceiverNotCovered => {
                "the patient's consent to sharing the care plan does not cover the receiving organisation"
            }
        })
    }
}

/// May the plan pass from `from_orgnr` to `to_orgnr`? Checked when the hand-over is
/// proposed (`from` is the proposer) and again when it is accepted (`from` is the
/// proposer named on the Task, `to` the acceptor), since responsibility or consent may
/// have changed meanwhile. `responsible` is the plan's responsible organisation now;
/// `to_decision` is what a treating practitioner of `to_orgnr` (ordinary care
/// relationship, no emergency) gets for the plan — it must be full through its own
/// organisation or an ordinary care relationship, which for another organisation's
/// plan means a sharing consent covers it (a held referral alone does not: a receiver
/// must keep seeing the plan it becomes responsible for).
pub fn may_hand_over(
    responsible: Option<&str>,
    from_orgnr: &str,
    to_orgnr: &str,
    to_decision: Decision,
) -> Result<(), HandOverRefusal> {
    if responsible != Some(from_orgnr) {
        return Err(HandOverRefusal::NotResponsible);
    }
    if from_orgnr == to_orgnr {
        return Err(HandOverRefusal::SameOrganisation);
    }
    let covered = to_decision.level == Level::Full
        && matches!(
            to_decision.reason,
            Reason::PractitionerOwnOrg | Reason::PractitionerCareRelationship
        );
    if !covered {
        return Err(HandOverRefusal::ReceiverNotCovered);
    }
    Ok(())
}

/// The organisation's own item. An item with no owner organisation is "own" to
/// everyone only when it is directory data (no § 6 category, § 4): a patient's item
/// without an owner (a citizen's form draft, a store-kept record) is nobody's to
/// write through the ordinary paths.
fn own(item: &ItemFacts, orgnr: &str) -> bool {
    match item.owner_org.as_deref() {
        Some(owner) => owner == orgnr,
        None => item.category.is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan() -> Value {
        json!({"resourceType": "CarePlan", "id": "p", "status": "active", "intent": "plan",
            "subject": {"reference": "Patient/a"},
            "author": {"identifier": {"system": ORGNR_SYSTEM, "value": "983974899"}},
            "contributor": [{"reference": "Organization/gp"}],
            "activity": [{"detail": {"status": "in-progress",
                "performer": [{"identifier": {"system": ORGNR_SYSTEM, "value": "974760673"}}]}}]})
    }

    #[test]
    fn team_collects_author_contributors_and_performers() {
        assert_eq!(
            team_of("CarePlan", &plan()),
            vec!["974760673", "983974899", "Organization/gp"]
        );
        assert!(team_of("Goal", &plan()).is_empty());
    }

    #[test]
    fn provenance_of_a_plan_is_part_of_it() {
        let prov = json!({"resourceType": "Provenance",
            "target": [{"reference": "CarePlan/p/_history/2"}, {"reference": "Patient/a"}]});
        assert!(is_shared_plan("Provenance", &prov));
        let other = json!({"resourceType": "Provenance", "target": [{"reference": "Patient/a"}]});
        assert!(!is_shared_plan("Provenance", &other));
    }

    #[test]
    fn writers() {
        let now = chrono::Utc::now();
        let facts = crate::item_facts(&plan(), now, Some("983974899"));
        let care = Decision::full(Reason::PractitionerCareRelationship);
        let gp = |org: &str| Principal::Practitioner {
            hpr: "1".into(),
            orgnr: org.into(),
            purpose: None,
        };
        assert!(may_write(&gp("983974899"), &[], &facts, care));
        assert!(may_write(&gp("974760673"), &[], &facts, care));
        // Not in the team, unless a reference names the organisation.
        assert!(!may_write(&gp("111111111"), &[], &facts, care));
        assert!(may_write(
            &gp("111111111"),
            &["Organization/gp".into()],
            &facts,
            care
        ));
        // Emergency access or a hidden plan never writes.
        let emergency = Decision::full(Reason::PractitionerEmergency);
        assert!(!may_write(&gp("974760673"), &[], &facts, emergency));
        let hidden = Decision::none(Reason::PractitionerPlanNotShared);
        assert!(!may_write(&gp("974760673"), &[], &facts, hidden));
        let system = Principal::System {
            client_id: "x".into(),
            orgnr: "974760673".into(),
            scopes: vec![],
        };
        assert!(!may_write(&system, &[], &facts, care));
    }
}
