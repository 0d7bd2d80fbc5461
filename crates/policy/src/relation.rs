//! How a citizen relates to a patient (§ 3), computed from data, never from the token.
//!
//! Why candidates with refusals instead of a plain list: "why can't the mother see
//! anything?" must have an answer (`relation.parent.address-rule`), so a relation that
//! almost holds is kept with the rule it fails; `decide` only uses those that hold.
use chrono::{DateTime, Utc};
use nordlys_fhir::ids::birth_date_from_national_id;

use crate::grant::{Actor, Grant, GrantKind, ProxyScope};
use crate::level::{oslo_today, AgeBand};
use crate::patient::{PatientFacts, DNR_SYSTEM, FNR_SYSTEM};
use crate::reason::Refusal;

/// The kind of relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationKind {
    /// The principal is the patient.
    Myself,
    /// A parent with responsibility, passing the address and confidentiality rules.
    Parent,
    /// Named by a `foster-parent` grant: treated as a parent.
    FosterParent,
    /// Named by a `lacks-capacity` grant: treated as the parent of a child under 12.
    Guardian,
    /// Named by a `proxy` grant (fullmakt).
    Proxy(ProxyScope),
}

impl RelationKind {
    /// Parent, foster parent or guardian: the rules "for parents" apply.
    pub fn is_parent_like(self) -> bool {
        matches!(
            self,
            RelationKind::Parent | RelationKind::FosterParent | RelationKind::Guardian
        )
    }
}

/// One relation of a principal to a patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub kind: RelationKind,
    /// The RelatedPerson that denotes the principal, if any.
    pub related_person: Option<String>,
    /// The grant (Consent) the relation rests on, for grant-based kinds.
    pub grant: Option<String>,
    /// `Some`: the relation does not hold, and why.
    pub refusal: Option<Refusal>,
}

impl Relation {
    pub fn holds(&self) -> bool {
        self.refusal.is_none()
    }
}

/// The relations of citizen `pid` to `patient` that hold at `now`.
pub fn relations(
    pid: &str,
    patient: &PatientFacts,
    grants: &[Grant],
    now: DateTime<Utc>,
) -> Vec<Relation> {
    relation_candidates(pid, patient, grants, now)
        .into_iter()
        .filter(Relation::holds)
        .collect()
}

/// Every relation `pid` might have to `patient`, with the rule it fails if it fails.
/// Pass this to `DecisionInput::relations` so that a refused relation is explained.
pub fn relation_candidates(
    pid: &str,
    patient: &PatientFacts,
    grants: &[Grant],
    now: DateTime<Utc>,
) -> Vec<Relation> {
    let now_ms = now.timestamp_millis();
    let today = oslo_today(now);
    let mut out = Vec::new();
    if patient.has_national_id(pid) {
        out.push(Relation {
            kind: RelationKind::Myself,
            related_person: None,
            grant: None,
            refusal: None,
        });
    }
    for rp in patient
        .related
        .iter()
        .filter(|r| r.parent && r.national_id.as_deref() == Some(pid))
    {
        let refusal = if !rp.active {
            Some(Refusal::ParentInactive)
        } else if !rp.responsibility.iter().any(|s| s.contains(now_ms)) {
            Some(Refusal::NoResponsibility)
        } else if patient.confidential || rp.confidential {
            Some(Refusal::ConfidentialAddress)
        } else if !address_rule(patient, now_ms) {
            Some(Refusal::AddressRule)
        } else {
            None
        };
        out.push(Relation {
            kind: RelationKind::Parent,
            related_person: Some(rp.reference.clone()),
            grant: None,
            refusal,
        });
    }
    for g in grants.iter().filter(|g| g.in_force(now_ms)) {
        let kind = match g.kind {
            GrantKind::FosterParent => RelationKind::FosterParent,
            GrantKind::LacksCapacity => RelationKind::Guardian,
            GrantKind::Proxy => RelationKind::Proxy(g.proxy_scope.unwrap_or(ProxyScope::Limited)),
            _ => continue,
        };
        let Some(actor) = g.actors.iter().find(|a| names_citizen(a, pid, patient)) else {
            continue;
        };
        let refusal = if g.kind == GrantKind::Proxy {
            proxy_refusal(pid, patient, g, today)
        } else {
            None
        };
        out.push(Relation {
            kind,
            related_person: actor
                .reference
                .clone()
                .filter(|r| r.starts_with("RelatedPerson/")),
            grant: g.id.clone(),
            refusal,
        });
    }
    out
}

/// Does this actor name the citizen `pid` (by national id, or by a RelatedPerson of
/// the patient carrying that id)? A role-only actor names nobody in particular.
pub fn names_citizen(actor: &Actor, pid: &str, patient: &PatientFacts) -> bool {
    if let Some((system, value)) = &actor.identifier {
        if (system == FNR_SYSTEM || system == DNR_SYSTEM) && value == pid {
            return true;
        }
    }
    match &actor.reference {
        Some(r) if r.starts_with("RelatedPerson/") => {
            patient
                .related_person(r)
                .and_then(|rp| rp.national_id.as_deref())
                == Some(pid)
        }
        Some(r) if r.starts_with("Patient/") => {
            *r == patient.reference && patient.has_national_id(pid)
        }
        _ => false,
    }
}

/// At least one person with parental responsibility now is registered (home address in
/// force now) at the child's current home address.
pub fn address_rule(patient: &PatientFacts, now_ms: i64) -> bool {
    let child: Vec<&str> = patient
        .home_addresses
        .iter()
        .filter(|a| a.period.contains(now_ms))
        .map(|a| a.key.as_str())
        .collect();
    patient
        .related
        .iter()
        .filter(|r| r.parent && r.active && r.responsibility.iter().any(|s| s.contains(now_ms)))
        .flat_map(|r| r.home_addresses.iter())
        .any(|a| a.period.contains(now_ms) && child.contains(&a.key.as_str()))
}

fn proxy_refusal(
    pid: &str,
    patient: &PatientFacts,
    g: &Grant,
    today: chrono::NaiveDate,
) -> Option<Refusal> {
    let Some(birth) = patient.birth_date else {
        return Some(Refusal::GrantorAgeUnknown);
    };
    let granted_on = g.recorded.map(oslo_today).unwrap_or(today);
    if !AgeBand::on(birth, today).is_sixteen_plus()
        || !AgeBand::on(birth, granted_on).is_sixteen_plus()
    {
        return Some(Refusal::GrantorUnder16);
    }
    match birth_date_from_national_id(pid) {
        None => Some(Refusal::ProxyAgeUnknown),
        Some(b) if AgeBand::on(b, today) != AgeBand::Adult => Some(Refusal::ProxyUnder18),
        Some(_) => None,
    }
}

/// Whom a citizen may act for: every patient (with its grants) to which `pid` has a
/// relation that holds now, other than themself, with those relations.
pub fn representable<'a>(
    pid: &str,
    patients: &'a [(PatientFacts, Vec<Grant>)],
    now: DateTime<Utc>,
) -> Vec<(&'a PatientFacts, Vec<Relation>)> {
    patients
        .iter()
        .filter_map(|(p, grants)| {
            let rels: Vec<Relation> = relations(pid, p, grants, now)
                .into_iter()
                .filter(|r| r.kind != RelationKind::Myself)
                .collect();
            (!rels.is_empty()).then_some((p, rels))
        })
        .collect()
}
