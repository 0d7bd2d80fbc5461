//! Who may write which grant (§ 8 "set by", § 10).
//!
//! Why checked here and not in the API: the same table that says what a grant does
//! says who sets it; keeping both in one crate means a new kind cannot be added
//! without deciding who may write it. Messages go to the author as they are.
use chrono::{DateTime, Utc};
use nordlys_fhir::ids::birth_date_from_national_id;

use crate::error::GrantError;
use crate::grant::{Actor, Grant, GrantKind};
use crate::level::{oslo_today, AgeBand};
use crate::patient::{PatientFacts, DNR_SYSTEM, FNR_SYSTEM, HPR_SYSTEM, ORGNR_SYSTEM};
use crate::relation::{names_citizen, Relation, RelationKind};

/// Who is writing a grant.
#[derive(Debug, Clone, Copy)]
pub enum Author<'a> {
    /// A citizen, with their relations to the patient (from [`crate::relations`]).
    Citizen {
        pid: &'a str,
        relations: &'a [Relation],
    },
    /// Health personnel.
    Practitioner { hpr: &'a str, orgnr: &'a str },
    /// An administrator (foster parents, guardians).
    Administrator,
    /// A system client. Systems write no grants (stricter reading; see docs).
    System { orgnr: &'a str },
}

/// May `author` write (create, or write a new version of) `grant` about `patient`?
pub fn may_write_grant(
    author: &Author,
    grant: &Grant,
    patient: &PatientFacts,
    now: DateTime<Utc>,
) -> Result<(), GrantError> {
    let kind = grant.kind.code();
    if grant.kind == GrantKind::Unreadable {
        return Err(forbidden(kind, "this kind cannot be written"));
    }
    if grant.patient.as_deref() != Some(patient.reference.as_str()) {
        return Err(incomplete(
            kind,
            format!("Consent.patient must be {}", patient.reference),
        ));
    }
    check_shape(grant)?;
    match author {
        Author::Citizen { pid, relations } => citizen(pid, relations, grant, patient, now),
        Author::Practitioner { hpr, orgnr } => clinician(hpr, orgnr, grant),
        Author::Administrator => match grant.kind {
            GrantKind::FosterParent | GrantKind::LacksCapacity => performer_is_staff(grant),
            _ => Err(forbidden(
                kind,
                "an administrator sets only foster-parent and lacks-capacity grants",
            )),
        },
        Author::System { .. } => Err(forbidden(
            kind,
            "systems cannot write grants; a person must set them",
        )),
    }
}

/// May `author` replace `old` by `new` (revoking is a new version with status inactive)?
/// The author must be allowed both versions, the kind must stay, and a citizen-set
/// grant keeps its performer.
pub fn may_change_grant(
    author: &Author,
    old: &Grant,
    new: &Grant,
    patient: &PatientFacts,
    now: DateTime<Utc>,
) -> Result<(), GrantError> {
    if old.kind != new.kind {
        return Err(forbidden(
            new.kind.code(),
            "the kind of a grant cannot change; revoke it and write a new one",
        ));
    }
    may_write_grant(author, old, patient, now)?;
    may_write_grant(author, new, patient, now)?;
    if matches!(author, Author::Citizen { .. }) && old.performers != new.performers {
        return Err(wrong_performer(
            new.kind.code(),
            "only the person who set this rule can change it",
        ));
    }
    Ok(())
}

fn check_shape(g: &Grant) -> Result<(), GrantError> {
    let kind = g.kind.code();
    match g.kind {
        GrantKind::ParentAccess | GrantKind::YouthAccess | GrantKind::Release
            if g.data.is_empty() =>
        {
            Err(incomplete(
                kind,
                "provision.data must name the referral or item",
            ))
        }
        GrantKind::ParentAccess if g.level.is_none() => Err(incomplete(
            kind,
            "provision.action must be metadata or full",
        )),
        GrantKind::Proxy if g.proxy_scope.is_none() => {
            Err(incomplete(kind, "provision.action must be full or limited"))
        }
        GrantKind::Proxy | GrantKind::FosterParent | GrantKind::LacksCapacity
            if g.actors.is_empty() || g.actors.iter().any(Actor::is_role_only) =>
        {
            Err(incomplete(kind, "provision.actor must name the person"))
        }
        GrantKind::Research if g.actors.is_empty() => Err(incomplete(
            kind,
            "provision.actor must name the research organisation",
        )),
        _ => Ok(()),
    }
}

fn citizen(
    pid: &str,
    relations: &[Relation],
    g: &Grant,
    patient: &PatientFacts,
    now: DateTime<Utc>,
) -> Result<(), GrantError> {
    let kind = g.kind.code();
    let band = patient.birth_date.map(|b| AgeBand::on(b, oslo_today(now)));
    let is_self = relations
        .iter()
        .any(|r| r.holds() && r.kind == RelationKind::Myself);
    let parent = relations
        .iter()
        .find(|r| r.holds() && matches!(r.kind, RelationKind::Parent | RelationKind::FosterParent));
    let self_16 = is_self && band.is_some_and(AgeBand::is_sixteen_plus);
    let under_16 = band.is_some_and(|b| b < AgeBand::Young);
    let performed_by_self = || performer_is_patient(g, patient, pid);
    let performed_by = |rel: &Relation| performer_is_related(g, rel, pid);
    match g.kind {
        GrantKind::ParentalConsent => match parent {
            Some(rel) if under_16 => performed_by(rel),
            Some(_) => Err(forbidden(kind, "parental consent is needed only before the patient turns 16")),
            None => Err(forbidden(kind, "only a parent with parental responsibility gives parental consent")),
        },
        GrantKind::DenyParents => {
            if is_self && band.is_some_and(|b| b >= AgeBand::Youth) {
                return performed_by_self();
            }
            match parent {
                Some(rel) => {
                    let only_self = !g.actors.is_empty()
                        && g.actors.iter().all(|a| {
                            !a.is_role_only() && ((a.reference.is_some() && a.reference == rel.related_person) || names_citizen(a, pid, patient))
                        });
                    if only_self {
                        performed_by(rel)
                    } else {
                        Err(forbidden(kind, "a parent may deny only their own access; provision.actor must name that parent alone"))
                    }
                }
                None => Err(forbidden(kind, "set by the patient from 12, or by a parent for their own access")),
            }
        }
        GrantKind::SelfDenyResults | GrantKind::Lockdown | GrantKind::Block | GrantKind::Reservation | GrantKind::Proxy => {
            if !is_self {
                return Err(forbidden(kind, "only the patient sets this rule about themself"));
            }
            if !self_16 {
                return Err(forbidden(kind, "only a patient aged 16 or older sets this rule"));
            }
            if g.kind == GrantKind::Proxy {
                proxy_is_adult(g, patient, now)?;
            }
            performed_by_self()
        }
        // Sharing the care plan is the patient's choice like research: from 16 by the
        // patient, before 16 by a parent (docs/careplan.md).
        GrantKind::Research | GrantKind::CareplanSharing => {
            if self_16 {
                performed_by_self()
            } else if let (Some(rel), true) = (parent, under_16) {
                performed_by(rel)
            } else {
                Err(forbidden(kind, "set by the patient from 16, or by a parent for a child under 16"))
            }
        }
        GrantKind::ParentAccess if parent.is_some() => Err(forbidden(
            kind,
            "a parent cannot grant parent access; the treating unit opens a referral for parents after talking to the youth",
        )),
        _ => Err(forbidden(kind, "this rule is set by health personnel, not by citizens")),
    }
}

fn clinician(hpr: &str, orgnr: &str, g: &Grant) -> Result<(), GrantError> {
    let kind = g.kind.code();
    match g.kind {
        GrantKind::ParentAccess
        | GrantKind::YouthAccess
        | GrantKind::EmergencyLock
        | GrantKind::Shield
        | GrantKind::Release
        | GrantKind::FosterParent
        | GrantKind::LacksCapacity => {
            performer_is_staff(g)?;
            let names_author = g.performers.iter().any(|p| match &p.identifier {
                Some((s, v)) if s == HPR_SYSTEM => v == hpr,
                Some((s, v)) if s == ORGNR_SYSTEM => v == orgnr,
                _ => true,
            });
            if names_author {
                Ok(())
            } else {
                Err(wrong_performer(
                    kind,
                    "the performer must be the practitioner writing the grant",
                ))
            }
        }
        _ => Err(forbidden(
            kind,
            "this rule is set by the patient (or a parent), not by health personnel",
        )),
    }
}

fn performer_is_staff(g: &Grant) -> Result<(), GrantError> {
    let ok = !g.performers.is_empty()
        && g.performers.iter().all(|p| {
            p.reference.as_deref().is_some_and(|r| {
                r.starts_with("Practitioner/")
                    || r.starts_with("PractitionerRole/")
                    || r.starts_with("Organization/")
            }) || p
                .identifier
                .as_ref()
                .is_some_and(|(s, _)| s == HPR_SYSTEM || s == ORGNR_SYSTEM)
        });
    if ok {
        Ok(())
    } else {
        Err(wrong_performer(
            g.kind.code(),
            "the performer must be a Practitioner, PractitionerRole or Organization",
        ))
    }
}

fn performer_is_patient(g: &Grant, patient: &PatientFacts, pid: &str) -> Result<(), GrantError> {
    let ok = !g.performers.is_empty()
        && g.performers.iter().all(|p| {
            p.reference.as_deref() == Some(patient.reference.as_str())
                || p.identifier
                    .as_ref()
                    .is_some_and(|(s, v)| (s == FNR_SYSTEM || s == DNR_SYSTEM) && v == pid)
        });
    if ok {
        Ok(())
    } else {
        Err(wrong_performer(
            g.kind.code(),
            format!("the performer must be the patient ({})", patient.reference),
        ))
    }
}

fn performer_is_related(g: &Grant, rel: &Relation, pid: &str) -> Result<(), GrantError> {
    let ok = !g.performers.is_empty()
        && g.performers.iter().all(|p| {
            (p.reference.is_some() && p.reference == rel.related_person)
                || p.identifier
                    .as_ref()
                    .is_some_and(|(s, v)| (s == FNR_SYSTEM || s == DNR_SYSTEM) && v == pid)
        });
    if ok {
        Ok(())
    } else {
        Err(wrong_performer(
            g.kind.code(),
            "the performer must be the parent writing the grant (their RelatedPerson)",
        ))
    }
}

/// Every named proxy resolves to a national id whose holder is 18 or older today.
fn proxy_is_adult(g: &Grant, patient: &PatientFacts, now: DateTime<Utc>) -> Result<(), GrantError> {
    let today = oslo_today(now);
    for a in &g.actors {
        let pid = match (&a.identifier, &a.reference) {
            (Some((s, v)), _) if s == FNR_SYSTEM || s == DNR_SYSTEM => Some(v.as_str()),
            (_, Some(r)) => patient
                .related_person(r)
                .and_then(|rp| rp.national_id.as_deref()),
            _ => None,
        };
        let Some(pid) = pid else {
            return Err(incomplete(
                "proxy",
                "the proxy must be identified by a national id",
            ));
        };
        match birth_date_from_national_id(pid) {
            Some(b) if AgeBand::on(b, today) == AgeBand::Adult => {}
            Some(_) => return Err(forbidden("proxy", "a proxy must be 18 or older")),
            None => {
                return Err(incomplete(
                    "proxy",
                    "the proxy's national id encodes no birth date",
                ))
            }
        }
    }
    Ok(())
}

fn forbidden(kind: &'static str, message: impl Into<String>) -> GrantError {
    GrantError::Forbidden {
        kind,
        message: message.into(),
    }
}
fn wrong_performer(kind: &'static str, message: impl Into<String>) -> GrantError {
    GrantError::WrongPerformer {
        kind,
        message: message.into(),
    }
}
fn incomplete(kind: &'static str, message: impl Into<String>) -> GrantError {
    GrantError::Incomplete {
        kind,
        message: message.into(),
    }
}
