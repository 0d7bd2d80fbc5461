//! Citizens: the patient, parents, foster parents, guardians and proxies (§§ 5–8).
//!
//! Why this order of steps: what closes an item for every citizen (grant errors,
//! emergency lock, withholding labels, lockdown) comes first and cannot be opened by
//! anything; then what closes it for one relation (NORN_FORANS, NORN_UNGDOM,
//! deny-parents, self-deny-results); then the § 6 table with opened referrals; then
//! deferrals, which only matter if the table would show the item; NORN_FOR last, as a
//! cap. A principal with several relations gets the most any one of them allows.
use super::context::Ctx;
use super::deferral::deferral;
use super::Decision;
use crate::grant::{GrantKind, ProxyScope};
use crate::label::{Label, YouthSharing};
use crate::level::{birthday, oslo_day_start, AgeBand, Category, Level};
use crate::principal::{Principal, SecurityLevel};
use crate::reason::Reason;
use crate::relation::{names_citizen, Relation, RelationKind};

/// The column of the § 6 table a relation falls into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    SelfSixteen(AgeBand),
    YouthConsent,
    YouthNoConsent,
    SelfChild,
    SelfUnknown,
    ParentChild,
    ParentYouth,
    ParentSixteen,
    ParentUnknown,
    ProxyFull,
    ProxyLimited,
}

impl Role {
    fn is_self(self) -> bool {
        matches!(
            self,
            Role::SelfSixteen(_)
                | Role::YouthConsent
                | Role::YouthNoConsent
                | Role::SelfChild
                | Role::SelfUnknown
        )
    }
    fn is_parent(self) -> bool {
        matches!(
            self,
            Role::ParentChild | Role::ParentYouth | Role::ParentSixteen | Role::ParentUnknown
        )
    }
}

pub(crate) fn decide(ctx: &Ctx, level: SecurityLevel) -> Decision {
    if level < SecurityLevel::High {
        return Decision::none(Reason::CitizenLowAssurance);
    }
    let mut best: Option<Decision> = None;
    let mut refusal = None;
    for rel in ctx.input.relations {
        if let Some(r) = rel.refusal {
            refusal.get_or_insert(r);
            continue;
        }
        let d = for_relation(ctx, rel);
        if best.is_none_or(|b| d.level > b.level) {
            best = Some(d);
        }
    }
    best.unwrap_or_else(|| Decision::none(refusal.map_or(Reason::NoRelation, Reason::Relation)))
}

fn role_of(ctx: &Ctx, rel: &Relation) -> Role {
    match rel.kind {
        RelationKind::Myself => match ctx.band {
            None => Role::SelfUnknown,
            Some(AgeBand::Child) => Role::SelfChild,
            Some(AgeBand::Youth) if parental_consent(ctx) => Role::YouthConsent,
            Some(AgeBand::Youth) => Role::YouthNoConsent,
            Some(b) => Role::SelfSixteen(b),
        },
        RelationKind::Guardian => Role::ParentChild,
        RelationKind::Parent | RelationKind::FosterParent => match ctx.band {
            None => Role::ParentUnknown,
            Some(AgeBand::Child) => Role::ParentChild,
            Some(AgeBand::Youth) => Role::ParentYouth,
            Some(_) => Role::ParentSixteen,
        },
        RelationKind::Proxy(ProxyScope::Full) => Role::ProxyFull,
        RelationKind::Proxy(ProxyScope::Limited) => Role::ProxyLimited,
    }
}

/// The decision for one relation that holds.
pub(crate) fn for_relation(ctx: &Ctx, rel: &Relation) -> Decision {
    let role = role_of(ctx, rel);
    if ctx.covered_by(GrantKind::Unreadable) {
        return Decision::none(Reason::GrantUnreadable);
    }
    if ctx.covered_by(GrantKind::EmergencyLock) {
        return Decision::none(Reason::EmergencyLock);
    }
    if let Some(l) = ctx.labels.iter().find(|l| l.withholds_from_all_citizens()) {
        return Decision::none(Reason::Label(l));
    }
    if ctx.unknown_label {
        return Decision::none(Reason::LabelUnknown);
    }
    if ctx.labels.contains(Label::Noru) && ctx.deferred_until.is_none() {
        return Decision::none(Reason::Label(Label::Noru));
    }
    let own_rule_viewer = matches!(
        role,
        Role::SelfSixteen(_) | Role::YouthConsent | Role::ProxyFull
    );
    if ctx.item.is_grant() && own_rule_viewer {
        return Decision::full(Reason::SelfOwnRule);
    }
    if ctx.covered_by(GrantKind::Lockdown) {
        // The patient's own demographics stay at metadata (name, birth date) under
        // their own lockdown: they must still reach their record to see why it is
        // closed and to lift it (like "youth, no consent: demographics").
        if ctx.cat == Category::Demographics && matches!(role, Role::SelfSixteen(_)) {
            return Decision::metadata(Reason::Lockdown);
        }
        return Decision::none(Reason::Lockdown);
    }
    if role.is_parent() {
        if ctx.labels.contains(Label::NornForans) {
            return Decision::none(Reason::Label(Label::NornForans));
        }
        if ctx.item.youth_sharing == Some(YouthSharing::OnlyYouth) {
            return Decision::none(Reason::ParentOnlyYouth);
        }
        if denied_to_parent(ctx, rel) {
            return Decision::none(Reason::DenyParents);
        }
    }
    if role.is_self() && ctx.band == Some(AgeBand::Youth) && ctx.labels.contains(Label::NornUngdom)
    {
        return Decision::none(Reason::Label(Label::NornUngdom));
    }
    if (role.is_self() || matches!(role, Role::ProxyFull | Role::ProxyLimited))
        && ctx.cat == Category::Results
        && ctx.covered_by(GrantKind::SelfDenyResults)
    {
        return Decision::none(Reason::SelfDenyResults);
    }
    let mut d = table(ctx, rel, role);
    if d.level > Level::None {
        if let Some(deferred) = deferral(ctx) {
            return Decision::none(deferred);
        }
    }
    if ctx.labels.contains(Label::NornFor) && d.level > Level::Metadata {
        d = Decision::metadata(Reason::Label(Label::NornFor));
    }
    d
}

/// The § 6 table (before labels, deferrals and locks).
fn table(ctx: &Ctx, rel: &Relation, role: Role) -> Decision {
    use Category::*;
    let cat = ctx.cat;
    match role {
        Role::SelfSixteen(AgeBand::Adult) => Decision::full(Reason::SelfAdult),
        Role::SelfSixteen(_) => Decision::full(Reason::SelfYoung),
        Role::SelfChild => Decision::none(Reason::SelfChild),
        Role::SelfUnknown => Decision::none(Reason::SelfAgeUnknown),
        Role::YouthNoConsent if cat == Demographics => {
            Decision::full(Reason::YouthNoConsentDemographics)
        }
        Role::YouthNoConsent => Decision::none(Reason::YouthNoConsent),
        Role::YouthConsent => match cat {
            Documents | Letters | Results | Forms | Plans | Measurements | CriticalInfo => {
                if opened_for_youth(ctx) == Level::Full {
                    Decision::full(Reason::YouthOpenedReferral)
                } else {
                    Decision::metadata(Reason::YouthMetadata)
                }
            }
            Referrals | Appointments | Demographics => Decision::full(Reason::YouthFull),
            Dialog if ctx.item.participants.contains(&ctx.input.patient.reference) => {
                Decision::full(Reason::YouthDialogParticipant)
            }
            Dialog => Decision::new(
                ctx.input.config.youth_dialog_non_participant,
                Reason::YouthDialogNotParticipant,
            ),
            Medication | Vaccination => Decision::full(Reason::YouthRegister),
            AccessLog => access_log(ctx, rel, Reason::YouthAccessLog),
        },
        Role::ParentChild => Decision::full(Reason::ParentChild),
        Role::ParentSixteen => Decision::none(Reason::ParentSixteenPlus),
        Role::ParentUnknown => Decision::none(Reason::ParentAgeUnknown),
        Role::ParentYouth => parent_of_youth(ctx, rel),
        Role::ProxyFull => Decision::full(Reason::ProxyFull),
        Role::ProxyLimited => match cat {
            Letters | Referrals | Appointments | Dialog => Decision::full(Reason::ProxyLimitedOpen),
            AccessLog => access_log(ctx, rel, Reason::ProxyLimitedAccessLog),
            Demographics => Decision::metadata(Reason::ProxyLimitedNameOnly),
            _ => Decision::none(Reason::ProxyLimitedClosed),
        },
    }
}

fn parent_of_youth(ctx: &Ctx, rel: &Relation) -> Decision {
    use Category::*;
    let closed = Decision::none(Reason::ParentYouthClosed);
    match ctx.cat {
        Documents | Letters | Results => {
            let opened = opened_for_parent(ctx, rel);
            if before_twelfth_birthday(ctx) {
                Decision::full(Reason::ParentYouthBefore12)
            } else if opened > Level::None {
                Decision::new(opened, Reason::ParentYouthOpenedReferral)
            } else {
                closed
            }
        }
        Referrals | Appointments | Dialog if opened_for_parent(ctx, rel) > Level::None => {
            Decision::full(Reason::ParentYouthOpenedReferral)
        }
        Forms | Plans | Measurements | CriticalInfo => match opened_for_parent(ctx, rel) {
            Level::None => closed,
            l => Decision::new(l, Reason::ParentYouthOpenedReferral),
        },
        Medication if ctx.item.youth_sharing == Some(YouthSharing::Shared) => {
            Decision::full(Reason::ParentYouthSharedMedication)
        }
        AccessLog => access_log(ctx, rel, Reason::ParentYouthAccessLog),
        Demographics => Decision::metadata(Reason::ParentYouthNameAge),
        _ => closed,
    }
}

/// Access-log entries whose visibility follows the audited item: at most the level the
/// same relation has for that item.
fn access_log(ctx: &Ctx, rel: &Relation, reason: Reason) -> Decision {
    let Some(actx) = ctx.audited.and_then(|a| ctx.for_item(a)) else {
        return match ctx.audited {
            // The audited item is directory data: visible to everyone.
            Some(_) => Decision::full(reason),
            None => Decision::none(Reason::AccessLogAboutUnknown),
        };
    };
    let level = for_relation(&actx, rel).level;
    Decision::new(level, reason)
}

/// Dated (latest possible instant of the item date) before the Oslo day the patient
/// turned 12.
fn before_twelfth_birthday(ctx: &Ctx) -> bool {
    ctx.input
        .patient
        .birth_date
        .is_some_and(|b| ctx.item.date.end_ms < oslo_day_start(birthday(b, 12)).timestamp_millis())
}

/// The highest level of in-force `parent-access` grants naming this parent and covering
/// the item.
fn opened_for_parent(ctx: &Ctx, rel: &Relation) -> Level {
    let default = ctx.input.config.parent_access_default_level;
    ctx.grants(GrantKind::ParentAccess)
        .filter(|g| names_parent(ctx, g, rel, false) && ctx.covers(g))
        .map(|g| g.level.unwrap_or(default))
        .max()
        .unwrap_or(Level::None)
}

fn opened_for_youth(ctx: &Ctx) -> Level {
    let default = ctx.input.config.youth_access_default_level;
    ctx.grants(GrantKind::YouthAccess)
        .filter(|g| ctx.covers(g))
        .map(|g| g.level.unwrap_or(default))
        .max()
        .unwrap_or(Level::None)
}

fn denied_to_parent(ctx: &Ctx, rel: &Relation) -> bool {
    ctx.grants(GrantKind::DenyParents)
        .any(|g| names_parent(ctx, g, rel, true) && ctx.covers(g))
}

/// Does grant `g` name this parent? A role-only actor (PRN) names all parents. A
/// grant without actors names all parents if it closes (`deny`), nobody if it opens.
fn names_parent(ctx: &Ctx, g: &crate::grant::Grant, rel: &Relation, closing: bool) -> bool {
    if g.actors.is_empty() {
        return closing;
    }
    let pid = match ctx.input.principal {
        Principal::Citizen { pid, .. } => pid.as_str(),
        _ => "",
    };
    g.actors.iter().any(|a| {
        (a.is_role_only() && (closing || a.role.as_deref() == Some("PRN")))
            || (a.reference.is_some() && a.reference == rel.related_person)
            || names_citizen(a, pid, ctx.input.patient)
    })
}

/// An in-force `parental-consent` given by a parent who holds responsibility now (or a
/// foster parent named by an in-force grant).
fn parental_consent(ctx: &Ctx) -> bool {
    let patient = ctx.input.patient;
    ctx.grants(GrantKind::ParentalConsent).any(|g| {
        g.performers.iter().any(|p| {
            let by_parent = p
                .reference
                .as_deref()
                .and_then(|r| patient.related_person(r))
                .is_some_and(|rp| {
                    rp.parent
                        && rp.active
                        && rp.responsibility.iter().any(|s| s.contains(ctx.now_ms))
                });
            let by_foster = ctx.grants(GrantKind::FosterParent).any(|f| {
                f.actors.iter().any(|a| {
                    (a.reference.is_some() && a.reference == p.reference)
                        || (a.identifier.is_some() && a.identifier == p.identifier)
                })
            });
            by_parent || by_foster
        })
    })
}
