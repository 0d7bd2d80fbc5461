//! Practitioners (§ 9) and systems.
//!
//! Why the producing organisation comes first: its own record is never blocked,
//! deferred or reserved against it. Everyone else needs a care relationship, and then
//! the patient's blocks, the clinician's shields and a reservation can close items;
//! only emergency purpose passes a *soft* block, and that is always notified.
//!
//! Systems (the spec is silent; stricter reading): a system sees its own organisation's
//! items in full if its scopes allow reading the type, and another organisation's only
//! through an in-force `research` grant naming its organisation — never through a
//! block or reservation. Otherwise `none`.
use super::context::Ctx;
use super::Decision;
use crate::grant::{Grant, GrantKind, Strength};
use crate::label::Label;
use crate::level::Category;
use crate::patient::{HPR_SYSTEM, ORGNR_SYSTEM};
use crate::principal::Purpose;
use crate::reason::Reason;

pub(crate) fn practitioner(
    ctx: &Ctx,
    hpr: &str,
    orgnr: &str,
    purpose: Option<Purpose>,
) -> Decision {
    if ctx.item.owner_org.as_deref() == Some(orgnr) {
        return Decision::full(Reason::PractitionerOwnOrg);
    }
    if holds_referral(ctx, orgnr) {
        return Decision::full(Reason::PractitionerReferralHolder);
    }
    if ctx.cat == Category::AccessLog {
        return Decision::none(Reason::PractitionerAccessLogOtherOrg);
    }
    let Some(purpose) = purpose else {
        return Decision::none(Reason::PractitionerNoCareRelationship);
    };
    // A shared care plan is the author organisation's alone until the patient consents
    // to sharing it (docs/careplan.md); emergency purpose does not open it either.
    if ctx.item.shared_plan && !crate::plan::shared_with(ctx, orgnr) {
        return Decision::none(Reason::PractitionerPlanNotShared);
    }
    if ctx.covered_by(GrantKind::Unreadable) {
        return Decision::none(Reason::GrantUnreadable);
    }
    if reserved(ctx) {
        return Decision::none(Reason::Reservation);
    }
    if ctx.labels.contains(Label::Nors) {
        return Decision::none(Reason::Label(Label::Nors));
    }
    let mut soft: Option<bool> = None;
    for g in ctx
        .input
        .grants
        .iter()
        .filter(|g| matches!(g.kind, GrantKind::Block | GrantKind::Shield))
    {
        if !g.in_force(ctx.now_ms) || !names_practitioner(ctx, g, hpr, orgnr) || !ctx.covers(g) {
            continue;
        }
        let shield = g.kind == GrantKind::Shield;
        // A block without strength is hard: the stricter reading.
        match g.strength.unwrap_or(Strength::Hard) {
            Strength::Hard => {
                return Decision::none(Reason::Block {
                    shield,
                    strength: Strength::Hard,
                })
            }
            Strength::Soft => {
                soft.get_or_insert(shield);
            }
        }
    }
    let emergency = purpose == Purpose::EmergencyTreat;
    match (soft, emergency) {
        (Some(shield), false) => Decision::none(Reason::Block {
            shield,
            strength: Strength::Soft,
        }),
        (Some(_), true) => Decision {
            notify_patient: true,
            ..Decision::full(Reason::PractitionerEmergencySoftBlock)
        },
        (None, true) => Decision {
            notify_patient: true,
            ..Decision::full(Reason::PractitionerEmergency)
        },
        (None, false) => Decision::full(Reason::PractitionerCareRelationship),
    }
}

pub(crate) fn system(ctx: &Ctx, orgnr: &str, scopes: &[String]) -> Decision {
    if !scopes
        .iter()
        .any(|s| scope_reads(s, &ctx.item.resource_type))
    {
        return Decision::none(Reason::SystemNoScope);
    }
    if ctx.item.owner_org.as_deref() == Some(orgnr) || holds_referral(ctx, orgnr) {
        return Decision::full(Reason::SystemOwnOrg);
    }
    if ctx.covered_by(GrantKind::Unreadable) {
        return Decision::none(Reason::GrantUnreadable);
    }
    let research = ctx.grants(GrantKind::Research).any(|g| {
        names_org(ctx, g, orgnr)
            && (!matches!(ctx.cat, Category::Demographics | Category::AccessLog)
                || g.categories.contains(ctx.cat))
            && ctx.covers(g)
    });
    if !research {
        return Decision::none(Reason::SystemOtherOrg);
    }
    if reserved(ctx) {
        return Decision::none(Reason::Reservation);
    }
    if ctx.labels.contains(Label::Nors) {
        return Decision::none(Reason::Label(Label::Nors));
    }
    for g in ctx
        .input
        .grants
        .iter()
        .filter(|g| matches!(g.kind, GrantKind::Block | GrantKind::Shield))
    {
        if g.in_force(ctx.now_ms) && ctx.covers(g) {
            let strength = g.strength.unwrap_or(Strength::Hard);
            return Decision::none(Reason::Block {
                shield: g.kind == GrantKind::Shield,
                strength,
            });
        }
    }
    Decision::full(Reason::SystemResearch)
}

/// The item is a referral whose receiver (performer) is this organisation.
fn holds_referral(ctx: &Ctx, orgnr: &str) -> bool {
    ctx.item.is_referral()
        && ctx
            .item
            .receivers
            .iter()
            .any(|r| r == orgnr || ctx.input.principal_refs.iter().any(|p| p == r))
}

/// Results from another organisation while a reservation is in force.
fn reserved(ctx: &Ctx) -> bool {
    ctx.cat == Category::Results && ctx.covered_by(GrantKind::Reservation)
}

/// A block or shield names this practitioner: no actors or a role-only actor (all
/// practitioners), the HPR number, a reference the caller resolved to the principal,
/// `Practitioner/<hpr>`, or the practitioner's organisation.
fn names_practitioner(ctx: &Ctx, g: &Grant, hpr: &str, orgnr: &str) -> bool {
    g.actors.is_empty()
        || g.actors.iter().any(|a| {
            a.is_role_only()
                || a.identifier.as_ref().is_some_and(|(s, v)| {
                    (s == HPR_SYSTEM && v == hpr) || (s == ORGNR_SYSTEM && v == orgnr)
                })
                || a.reference.as_deref().is_some_and(|r| {
                    r.strip_prefix("Practitioner/") == Some(hpr)
                        || ctx.input.principal_refs.iter().any(|p| p == r)
                })
        })
}

/// A research grant names this organisation (by orgnr or a resolved reference).
fn names_org(ctx: &Ctx, g: &Grant, orgnr: &str) -> bool {
    g.actors.iter().any(|a| {
        a.identifier
            .as_ref()
            .is_some_and(|(s, v)| s == ORGNR_SYSTEM && v == orgnr)
            || a.reference
                .as_deref()
                .is_some_and(|r| ctx.input.principal_refs.iter().any(|p| p == r))
    })
}

/// Does a SMART scope allow reading `resource_type`? `system/T.read`, `system/*.read`,
/// `system/*.*`, and v2 `system/T.rs` style permission letters.
pub(crate) fn scope_reads(scope: &str, resource_type: &str) -> bool {
    let Some(rest) = scope.strip_prefix("system/") else {
        return false;
    };
    let Some((ty, perm)) = rest.split_once('.') else {
        return false;
    };
    let perm = perm.split('?').next().unwrap_or(perm);
    let type_ok = ty == "*" || ty == resource_type;
    let perm_ok = perm == "read"
        || perm == "*"
        || (perm.contains('r') && !perm.is_empty() && perm.chars().all(|c| "cruds".contains(c)));
    type_ok && perm_ok
}

#[cfg(test)]
mod tests {
    use super::scope_reads;

    #[test]
    fn scopes() {
        assert!(scope_reads("system/*.read", "Observation"));
        assert!(scope_reads("system/Observation.rs", "Observation"));
        assert!(scope_reads("system/*.*", "Patient"));
        assert!(!scope_reads("system/Observation.write", "Observation"));
        assert!(!scope_reads("system/Patient.read", "Observation"));
        assert!(!scope_reads("patient/*.read", "Observation"));
        assert!(!scope_reads("system/*.cud", "Observation"));
    }
}
