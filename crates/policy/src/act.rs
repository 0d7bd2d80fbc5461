//! § 10 "Acting, not only reading": what a citizen may do for a patient, not only see.
//!
//! Why a function of the decision and not a table of its own: the spec says a citizen
//! may write only what the same rules let them see in full, so the answer must follow
//! every rule of §§ 3–8 (age bands, opened referrals, proxies, locks) without a second
//! copy of them. The store asks `decide` about the item the action would write (the new
//! Appointment, the cancelled one) and then this function.
use crate::decide::Decision;
use crate::level::Level;
use crate::principal::Principal;

/// What a citizen acting on an item of a patient may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActRefusal {
    /// The item is hidden from the principal: answer as if the patient were unknown.
    Hidden,
    /// Seen, but not in full (metadata): the principal may look, not act.
    SeenOnly,
}

/// May a citizen act (book, change, cancel an appointment; send, answer, comment)
/// on an item the policy decided `decision` for? Only at `full` (§ 10). Health
/// personnel and systems act on their own organisation's items, which the store checks
/// by owner; for them this answers `Ok` and leaves that check to the caller.
pub fn may_act(principal: &Principal, decision: &Decision) -> Result<(), ActRefusal> {
    if !matches!(principal, Principal::Citizen { .. }) {
        return Ok(());
    }
    match decision.level {
        Level::Full => Ok(()),
        Level::Metadata => Err(ActRefusal::SeenOnly),
        Level::None => Err(ActRefusal::Hidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reason::Reason;
    use crate::SecurityLevel;

    fn citizen() -> Principal {
        Principal::Citizen {
            pid: "01010112345".into(),
            level: SecurityLevel::High,
        }
    }

    #[test]
    fn citizens_act_only_on_what_they_see_in_full() {
        let c = citizen();
        assert_eq!(
            may_act(&c, &Decision::new(Level::Full, Reason::ParentChild)),
            Ok(())
        );
        assert_eq!(
            may_act(&c, &Decision::new(Level::Metadata, Reason::YouthMetadata)),
            Err(ActRefusal::SeenOnly)
        );
        assert_eq!(
            may_act(&c, &Decision::new(Level::None, Reason::ParentSixteenPlus)),
            Err(ActRefusal::Hidden)
        );
    }

    #[test]
    fn organisations_are_left_to_the_owner_check() {
        let s = Principal::System {
            client_id: "x".into(),
            orgnr: "983974899".into(),
            scopes: vec![],
        };
        assert_eq!(
            may_act(&s, &Decision::new(Level::None, Reason::NoRelation)),
            Ok(())
        );
    }
}
