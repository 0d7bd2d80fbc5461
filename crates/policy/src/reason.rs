//! Reason codes: why a decision came out as it did (§ 12).
//!
//! Why an enum with a string form: callers log, test and explain the string
//! (`parent.youth.default-closed`, `deferred.results.until:2026-12-01`), while the
//! decision itself stays `Copy` and allocation-free. Codes are stable: add new ones,
//! never rename. The date in a deferral code is the Oslo calendar day the item opens;
//! the exact instant is [`Reason::opens_at`].
use std::fmt;

use chrono::{DateTime, Utc};

use crate::grant::Strength;
use crate::label::Label;
use crate::level::oslo_today;

/// Why a citizen's candidate relation does not hold (§ 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// `RelatedPerson.active` is false.
    ParentInactive,
    /// No parental responsibility in force now.
    NoResponsibility,
    /// No person with parental responsibility lives at the child's home address.
    AddressRule,
    /// The child or this parent has a confidential address.
    ConfidentialAddress,
    /// The patient (grantor) is under 16, now or when the proxy was granted.
    GrantorUnder16,
    GrantorAgeUnknown,
    /// The proxy is under 18.
    ProxyUnder18,
    ProxyAgeUnknown,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::ParentInactive => "relation.parent.inactive",
            Refusal::NoResponsibility => "relation.parent.no-responsibility",
            Refusal::AddressRule => "relation.parent.address-rule",
            Refusal::ConfidentialAddress => "relation.parent.confidential-address",
            Refusal::GrantorUnder16 => "relation.proxy.grantor-under-16",
            Refusal::GrantorAgeUnknown => "relation.proxy.grantor-age-unknown",
            Refusal::ProxyUnder18 => "relation.proxy.under-18",
            Refusal::ProxyAgeUnknown => "relation.proxy.age-unknown",
        }
    }
}

/// Which deferral of § 7 holds an item back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deferral {
    /// Results: issued + D days.
    Results,
    /// Referral to a paediatric / child-psychiatry unit: received + D days.
    Paediatric,
    /// A NORU label with its opening date.
    Label,
}

/// The reason of a decision. See docs/access-policy.md for the full list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    Directory,
    CitizenLowAssurance,
    NoRelation,
    Relation(Refusal),
    SelfAdult,
    SelfYoung,
    SelfChild,
    SelfAgeUnknown,
    SelfOwnRule,
    YouthNoConsent,
    YouthNoConsentDemographics,
    YouthMetadata,
    YouthFull,
    YouthOpenedReferral,
    YouthDialogParticipant,
    YouthDialogNotParticipant,
    YouthRegister,
    YouthAccessLog,
    ParentChild,
    ParentYouthClosed,
    ParentYouthBefore12,
    ParentYouthOpenedReferral,
    ParentYouthSharedMedication,
    ParentYouthNameAge,
    ParentYouthAccessLog,
    ParentSixteenPlus,
    ParentAgeUnknown,
    ParentOnlyYouth,
    ProxyFull,
    ProxyLimitedOpen,
    ProxyLimitedClosed,
    ProxyLimitedNameOnly,
    ProxyLimitedAccessLog,
    AccessLogAboutUnknown,
    Label(Label),
    LabelUnknown,
    Deferred {
        kind: Deferral,
        until: DateTime<Utc>,
    },
    EmergencyLock,
    Lockdown,
    DenyParents,
    SelfDenyResults,
    Block {
        shield: bool,
        strength: Strength,
    },
    Reservation,
    GrantUnreadable,
    /// The stored facts of an item could not be read: fail closed.
    ItemUnreadable,
    PractitionerOwnOrg,
    PractitionerReferralHolder,
    PractitionerCareRelationship,
    PractitionerEmergency,
    PractitionerEmergencySoftBlock,
    PractitionerNoCareRelationship,
    PractitionerAccessLogOtherOrg,
    /// Another organisation's shared care plan without the patient's sharing consent.
    PractitionerPlanNotShared,
    SystemOwnOrg,
    SystemNoScope,
    SystemOtherOrg,
    SystemResearch,
    /// A citizen's unsent form answer (draft): the filler's side only.
    FormDraftCitizenOnly,
    /// A record the store keeps for its own dedicated operation.
    StoreRecord,
}

impl Reason {
    /// The code without any `:argument` (stable; what tests match on).
    pub fn prefix(&self) -> &'static str {
        use Reason::*;
        match self {
            Directory => "directory",
            CitizenLowAssurance => "citizen.low-assurance",
            NoRelation => "citizen.no-relation",
            Relation(r) => r.code(),
            SelfAdult => "self.adult",
            SelfYoung => "self.young",
            SelfChild => "self.child",
            SelfAgeUnknown => "self.age-unknown",
            SelfOwnRule => "self.own-rule",
            YouthNoConsent => "youth.no-consent",
            YouthNoConsentDemographics => "youth.no-consent.demographics",
            YouthMetadata => "youth.default-metadata",
            YouthFull => "youth.full",
            YouthOpenedReferral => "youth.opened-referral",
            YouthDialogParticipant => "youth.dialog.participant",
            YouthDialogNotParticipant => "youth.dialog.not-participant",
            YouthRegister => "youth.register",
            YouthAccessLog => "youth.access-log",
            ParentChild => "parent.child",
            ParentYouthClosed => "parent.youth.default-closed",
            ParentYouthBefore12 => "parent.youth.before-12",
            ParentYouthOpenedReferral => "parent.youth.opened-referral",
            ParentYouthSharedMedication => "parent.youth.shared-medication",
            ParentYouthNameAge => "parent.youth.name-age",
            ParentYouthAccessLog => "parent.youth.access-log",
            ParentSixteenPlus => "parent.16plus.closed",
            ParentAgeUnknown => "parent.age-unknown",
            ParentOnlyYouth => "parent.only-youth",
            ProxyFull => "proxy.full",
            ProxyLimitedOpen => "proxy.limited.open",
            ProxyLimitedClosed => "proxy.limited.closed",
            ProxyLimitedNameOnly => "proxy.limited.name-only",
            ProxyLimitedAccessLog => "proxy.limited.access-log",
            AccessLogAboutUnknown => "access-log.about-unknown",
            Label(l) => label_code(*l),
            LabelUnknown => "label.unknown",
            Deferred {
                kind: Deferral::Results,
                ..
            } => "deferred.results.until",
            Deferred {
                kind: Deferral::Paediatric,
                ..
            } => "deferred.paediatric.until",
            Deferred {
                kind: Deferral::Label,
                ..
            } => "deferred.label.until",
            EmergencyLock => "lock.emergency",
            Lockdown => "lockdown",
            DenyParents => "deny-parents",
            SelfDenyResults => "self-deny-results",
            Block {
                shield: false,
                strength: Strength::Soft,
            } => "block.soft",
            Block {
                shield: false,
                strength: Strength::Hard,
            } => "block.hard",
            Block {
                shield: true,
                strength: Strength::Soft,
            } => "shield.soft",
            Block {
                shield: true,
                strength: Strength::Hard,
            } => "shield.hard",
            Reservation => "reservation",
            GrantUnreadable => "grant.unreadable",
            ItemUnreadable => "item.unreadable",
            PractitionerOwnOrg => "practitioner.own-org",
            PractitionerReferralHolder => "practitioner.referral-holder",
            PractitionerCareRelationship => "practitioner.care-relationship",
            PractitionerEmergency => "practitioner.emergency",
            PractitionerEmergencySoftBlock => "practitioner.emergency.soft-block",
            PractitionerNoCareRelationship => "practitioner.no-care-relationship",
            PractitionerAccessLogOtherOrg => "practitioner.access-log.other-org",
            PractitionerPlanNotShared => "practitioner.plan-not-shared",
            SystemOwnOrg => "system.own-org",
            SystemNoScope => "system.scope",
            SystemOtherOrg => "system.other-org",
            SystemResearch => "system.research",
            FormDraftCitizenOnly => "forms.draft.citizen-only",
            StoreRecord => "store-record",
        }
    }

    /// The full code, e.g. `deferred.results.until:2026-12-01`.
    pub fn code(&self) -> String {
        self.to_string()
    }

    /// For a deferral: the instant the item opens.
    pub fn opens_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Reason::Deferred { until, .. } => Some(*until),
            _ => None,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Deferred { until, .. } => write!(
                f,
                "{}:{}",
                self.prefix(),
                oslo_today(*until).format("%Y-%m-%d")
            ),
            _ => f.write_str(self.prefix()),
        }
    }
}

fn label_code(l: Label) -> &'static str {
    match l {
        Label::N => "label.N",
        Label::NornFfl => "label.NORN_FFL",
        Label::NornKut => "label.NORN_KUT",
        Label::NornFfh => "label.NORN_FFH",
        Label::NornFpb => "label.NORN_FPB",
        Label::NornAll => "label.NORN_ALL",
        Label::NornAng => "label.NORN_ANG",
        Label::NornEpo => "label.NORN_EPO",
        Label::NornFor => "label.NORN_FOR",
        Label::NornForans => "label.NORN_FORANS",
        Label::NornUngdom => "label.NORN_UNGDOM",
        Label::Noru => "label.NORU",
        Label::Nors => "label.NORS",
    }
}

/// Every reason code prefix this build can produce (for docs and explanations).
pub fn all_reason_prefixes() -> Vec<&'static str> {
    use Reason::*;
    let t = DateTime::<Utc>::MIN_UTC;
    let mut v: Vec<Reason> = vec![
        Directory,
        CitizenLowAssurance,
        NoRelation,
        SelfAdult,
        SelfYoung,
        SelfChild,
        SelfAgeUnknown,
        SelfOwnRule,
        YouthNoConsent,
        YouthNoConsentDemographics,
        YouthMetadata,
        YouthFull,
        YouthOpenedReferral,
        YouthDialogParticipant,
        YouthDialogNotParticipant,
        YouthRegister,
        YouthAccessLog,
        ParentChild,
        ParentYouthClosed,
        ParentYouthBefore12,
        ParentYouthOpenedReferral,
        ParentYouthSharedMedication,
        ParentYouthNameAge,
        ParentYouthAccessLog,
        ParentSixteenPlus,
        ParentAgeUnknown,
        ParentOnlyYouth,
        ProxyFull,
        ProxyLimitedOpen,
        ProxyLimitedClosed,
        ProxyLimitedNameOnly,
        ProxyLimitedAccessLog,
        AccessLogAboutUnknown,
        LabelUnknown,
        EmergencyLock,
        Lockdown,
        DenyParents,
        SelfDenyResults,
        Reservation,
        GrantUnreadable,
        ItemUnreadable,
        PractitionerOwnOrg,
        PractitionerReferralHolder,
        PractitionerCareRelationship,
        PractitionerEmergency,
        PractitionerEmergencySoftBlock,
        PractitionerNoCareRelationship,
        PractitionerAccessLogOtherOrg,
        PractitionerPlanNotShared,
        SystemOwnOrg,
        SystemNoScope,
        SystemOtherOrg,
        SystemResearch,
        FormDraftCitizenOnly,
        StoreRecord,
    ];
    v.extend(
        [
            Refusal::ParentInactive,
            Refusal::NoResponsibility,
            Refusal::AddressRule,
            Refusal::ConfidentialAddress,
            Refusal::GrantorUnder16,
            Refusal::GrantorAgeUnknown,
            Refusal::ProxyUnder18,
            Refusal::ProxyAgeUnknown,
        ]
        .map(Relation),
    );
    v.extend(
        [Deferral::Results, Deferral::Paediatric, Deferral::Label]
            .map(|kind| Deferred { kind, until: t }),
    );
    for shield in [false, true] {
        for strength in [Strength::Soft, Strength::Hard] {
            v.push(Block { shield, strength });
        }
    }
    v.extend(
        crate::label::Label::ALL
            .into_iter()
            .filter(|l| *l != crate::label::Label::N)
            .map(Reason::Label),
    );
    v.iter().map(Reason::prefix).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn deferral_codes_carry_the_oslo_day() {
        let until = Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap();
        let r = Reason::Deferred {
            kind: Deferral::Results,
            until,
        };
        assert_eq!(r.code(), "deferred.results.until:2026-12-01");
        assert_eq!(r.opens_at(), Some(until));
        assert_eq!(Reason::Label(Label::NornForans).code(), "label.NORN_FORANS");
        assert_eq!(
            Reason::Block {
                shield: false,
                strength: Strength::Hard
            }
            .code(),
            "block.hard"
        );
    }

    #[test]
    fn prefixes_are_unique() {
        let all = all_reason_prefixes();
        let mut sorted = all.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), all.len());
        assert_eq!(all.len(), 82);
    }
}
