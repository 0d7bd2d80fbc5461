//! § 8 × § 9: a clinician sets rules only about what they themself may see.
//!
//! Why a rule of its own: `may_write_grant` checks who sets which kind (a clinician
//! sets `parent-access`, `foster-parent`, …) but not about whom. Without this, a
//! practitioner with no care relationship — who sees nothing of the patient — could
//! open a 13-year-old's psychiatric referral to a parent, or name themself a foster
//! parent's national id, by one POST. So the store decides the grant's patient and
//! every item it names for the author, and asks this function: items named must be
//! seen in full (the unit's own, the referral held, or a care relationship asserted),
//! an item is *opened* (parent-access, youth-access, release) only by the unit that
//! produced it or holds the referral, and a grant about the whole patient needs the
//! patient seen at all.
use crate::decide::Decision;
use crate::error::GrantError;
use crate::grant::GrantKind;
use crate::level::Level;
use crate::reason::Reason;

/// May a practitioner write an active grant of `kind` when the policy decides the
/// patient (`patient`, `None` if the Patient resource is missing) and each item the
/// grant names (`items`, `None` for one that does not exist) as given?
pub fn may_grant_reach(
    kind: GrantKind,
    patient: Option<&Decision>,
    items: &[Option<Decision>],
) -> Result<(), GrantError> {
    let forbidden = |message: &str| GrantError::Forbidden {
        kind: kind.code(),
        message: message.into(),
    };
    if items.is_empty() {
        return match patient {
            Some(d) if d.level != Level::None => Ok(()),
            _ => Err(forbidden(
                "you set rules only for a patient you have a care relationship with",
            )),
        };
    }
    if !items
        .iter()
        .all(|d| d.as_ref().is_some_and(|d| d.level == Level::Full))
    {
        return Err(forbidden(
            "you set rules only on items you may see in full (your unit's, or with a care relationship)",
        ));
    }
    // Opening an item (to parents, to the youth, before its deferral ends) is the call
    // of the unit that produced it or holds the referral — the one that talked to the
    // youth — not of anyone who asserts a care relationship. Closing is anyone's.
    let opens = matches!(
        kind,
        GrantKind::ParentAccess | GrantKind::YouthAccess | GrantKind::Release
    );
    let responsible = |d: &Option<Decision>| {
        d.as_ref().is_some_and(|d| {
            matches!(
                d.reason,
                Reason::PractitionerOwnOrg | Reason::PractitionerReferralHolder
            )
        })
    };
    if opens && !items.iter().all(responsible) {
        return Err(forbidden(
            "only the unit that wrote the item or holds the referral opens it",
        ));
    }
    Ok(())
}

/// May a practitioner or system write who is related to a patient (a RelatedPerson: parent,
/// guardian) when the policy decides the patient as given (`None`: not decided)?
/// Only with the patient seen: a parent named on the record sees what a parent sees
/// (§ 3), so naming one is as much an access rule as a grant.
pub fn may_relate(patient: Option<&Decision>) -> bool {
    patient.is_some_and(|d| d.level != Level::None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(level: Level, reason: Reason) -> Decision {
        Decision::new(level, reason)
    }

    #[test]
    fn items_named_must_be_seen_in_full() {
        let full = d(Level::Full, Reason::PractitionerOwnOrg);
        let none = d(Level::None, Reason::PractitionerNoCareRelationship);
        let k = GrantKind::ParentAccess;
        assert_eq!(may_grant_reach(k, None, &[Some(full)]), Ok(()));
        assert!(may_grant_reach(k, Some(&full), &[Some(full), Some(none)]).is_err());
        assert!(may_grant_reach(k, Some(&full), &[None]).is_err());
    }

    #[test]
    fn opening_is_for_the_producing_or_holding_unit_closing_for_anyone_who_sees() {
        let care = d(Level::Full, Reason::PractitionerCareRelationship);
        let holder = d(Level::Full, Reason::PractitionerReferralHolder);
        for k in [
            GrantKind::ParentAccess,
            GrantKind::YouthAccess,
            GrantKind::Release,
        ] {
            assert!(may_grant_reach(k, Some(&care), &[Some(care)]).is_err());
            assert_eq!(may_grant_reach(k, Some(&care), &[Some(holder)]), Ok(()));
        }
        let lock = GrantKind::EmergencyLock;
        assert_eq!(may_grant_reach(lock, Some(&care), &[Some(care)]), Ok(()));
    }

    #[test]
    fn relating_someone_needs_the_patient_seen() {
        let none = d(Level::None, Reason::PractitionerNoCareRelationship);
        let care = d(Level::Full, Reason::PractitionerCareRelationship);
        assert!(!may_relate(Some(&none)));
        assert!(!may_relate(None));
        assert!(may_relate(Some(&care)));
    }

    #[test]
    fn a_grant_about_the_whole_patient_needs_the_patient_seen() {
        let k = GrantKind::FosterParent;
        let none = d(Level::None, Reason::PractitionerNoCareRelationship);
        let care = d(Level::Full, Reason::PractitionerCareRelationship);
        assert!(may_grant_reach(k, Some(&none), &[]).is_err());
        assert!(may_grant_reach(k, None, &[]).is_err());
        assert_eq!(may_grant_reach(k, Some(&care), &[]), Ok(()));
    }
}
