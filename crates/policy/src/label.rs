//! Item labels of Volven 9603 (access-policy.md § 5) and the youth-sharing tag.
//!
//! Why a closed enum plus an "unknown" flag: a code of system 9603 that this build does
//! not know might be a new kind of withholding; the strict reading treats it as
//! withheld from citizens (`label.unknown`) instead of ignoring it.
use serde::{Deserialize, Serialize};

/// The code system of item labels.
pub const LABEL_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.1.9603";
/// The `meta` extension carrying a NORU label's opening date.
pub const DEFERRED_UNTIL_URL: &str = "https://nordlys.no/fhir/StructureDefinition/deferred-until";
/// The `meta.tag` system for medication shared with parents or kept for the youth.
pub const YOUTH_SHARING_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/youth-sharing";

/// One Volven 9603 label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Label {
    N,
    NornFfl,
    NornKut,
    NornFfh,
    NornFpb,
    NornAll,
    NornAng,
    NornEpo,
    NornFor,
    NornForans,
    NornUngdom,
    Noru,
    Nors,
}

impl Label {
    pub const ALL: [Label; 13] = [
        Label::N,
        Label::NornFfl,
        Label::NornKut,
        Label::NornFfh,
        Label::NornFpb,
        Label::NornAll,
        Label::NornAng,
        Label::NornEpo,
        Label::NornFor,
        Label::NornForans,
        Label::NornUngdom,
        Label::Noru,
        Label::Nors,
    ];

    /// The Volven code.
    pub fn code(self) -> &'static str {
        match self {
            Label::N => "N",
            Label::NornFfl => "NORN_FFL",
            Label::NornKut => "NORN_KUT",
            Label::NornFfh => "NORN_FFH",
            Label::NornFpb => "NORN_FPB",
            Label::NornAll => "NORN_ALL",
            Label::NornAng => "NORN_ANG",
            Label::NornEpo => "NORN_EPO",
            Label::NornFor => "NORN_FOR",
            Label::NornForans => "NORN_FORANS",
            Label::NornUngdom => "NORN_UNGDOM",
            Label::Noru => "NORU",
            Label::Nors => "NORS",
        }
    }

    pub fn from_code(code: &str) -> Option<Label> {
        Label::ALL.into_iter().find(|l| l.code() == code)
    }

    /// Withheld from the patient and every representative (§ 5-1 and NORN_EPO).
    pub fn withholds_from_all_citizens(self) -> bool {
        matches!(
            self,
            Label::NornFfl
                | Label::NornKut
                | Label::NornFfh
                | Label::NornFpb
                | Label::NornAll
                | Label::NornAng
                | Label::NornEpo
        )
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// The labels on one item, as a bit mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct LabelSet(u16);

impl LabelSet {
    pub const EMPTY: LabelSet = LabelSet(0);
    pub fn insert(&mut self, l: Label) {
        self.0 |= l.bit();
    }
    pub fn contains(self, l: Label) -> bool {
        self.0 & l.bit() != 0
    }
    pub fn union(self, other: LabelSet) -> LabelSet {
        LabelSet(self.0 | other.0)
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The members in [`Label::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Label> {
        Label::ALL.into_iter().filter(move |l| self.contains(*l))
    }
}

impl FromIterator<Label> for LabelSet {
    fn from_iter<I: IntoIterator<Item = Label>>(iter: I) -> Self {
        let mut s = LabelSet::EMPTY;
        for l in iter {
            s.insert(l);
        }
        s
    }
}

/// `meta.tag` youth-sharing on medication items (contract.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum YouthSharing {
    /// "bare du": never shown to parents.
    OnlyYouth,
    /// "delt": a parent of a youth sees it.
    Shared,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_withholding_is_the_seven() {
        for l in Label::ALL {
            assert_eq!(Label::from_code(l.code()), Some(l));
        }
        let withheld: Vec<&str> = Label::ALL
            .into_iter()
            .filter(|l| l.withholds_from_all_citizens())
            .map(Label::code)
            .collect();
        assert_eq!(
            withheld,
            ["NORN_FFL", "NORN_KUT", "NORN_FFH", "NORN_FPB", "NORN_ALL", "NORN_ANG", "NORN_EPO"]
        );
        let s: LabelSet = [Label::Noru, Label::N].into_iter().collect();
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![Label::N, Label::Noru]);
    }
}
