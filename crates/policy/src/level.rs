//! Levels, categories and age bands: the vocabulary of access-policy.md §§ 1, 3 and 4.
//!
//! Why small `Copy` types and a bit set: a decision runs once per item and must stay
//! well under 2 µs, so nothing here allocates; categories of a grant are a `u16` mask.
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Oslo;
use serde::{Deserialize, Serialize};

/// How much of an item a principal sees (§ 1), ordered `None < Metadata < Full`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The item does not exist for this principal.
    #[default]
    None,
    /// Listed, with type/title/date/organisation/status, no clinical content.
    Metadata,
    /// Everything.
    Full,
}

impl Level {
    /// The code used in Consent `provision.action` (`metadata`, `full`) and in docs.
    pub fn code(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Metadata => "metadata",
            Level::Full => "full",
        }
    }

    /// Parses `none`, `metadata` or `full`.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "none" => Some(Level::None),
            "metadata" => Some(Level::Metadata),
            "full" => Some(Level::Full),
            _ => None,
        }
    }
}

/// The 14 categories of § 4. Every patient item belongs to exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Documents,
    Letters,
    Results,
    Referrals,
    Appointments,
    Dialog,
    Forms,
    Plans,
    Measurements,
    CriticalInfo,
    Medication,
    Vaccination,
    AccessLog,
    Demographics,
}

impl Category {
    /// All categories, in § 4 order.
    pub const ALL: [Category; 14] = [
        Category::Documents,
        Category::Letters,
        Category::Results,
        Category::Referrals,
        Category::Appointments,
        Category::Dialog,
        Category::Forms,
        Category::Plans,
        Category::Measurements,
        Category::CriticalInfo,
        Category::Medication,
        Category::Vaccination,
        Category::AccessLog,
        Category::Demographics,
    ];

    /// The code of system `https://nordlys.no/fhir/CodeSystem/category`.
    pub fn code(self) -> &'static str {
        match self {
            Category::Documents => "documents",
            Category::Letters => "letters",
            Category::Results => "results",
            Category::Referrals => "referrals",
            Category::Appointments => "appointments",
            Category::Dialog => "dialog",
            Category::Forms => "forms",
            Category::Plans => "plans",
            Category::Measurements => "measurements",
            Category::CriticalInfo => "critical-info",
            Category::Medication => "medication",
            Category::Vaccination => "vaccination",
            Category::AccessLog => "access-log",
            Category::Demographics => "demographics",
        }
    }

    /// Parses a category code (see [`Category::code`]).
    pub fn from_code(code: &str) -> Option<Self> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of categories (a grant's `provision.class`), as a bit mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CategorySet(u16);

impl CategorySet {
    /// The empty set (for grants: "no restriction by category").
    pub const EMPTY: CategorySet = CategorySet(0);

    pub fn insert(&mut self, c: Category) {
        self.0 |= c.bit();
    }
    pub fn contains(self, c: Category) -> bool {
        self.0 & c.bit() != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The members, in § 4 order.
    pub fn iter(self) -> impl Iterator<Item = Category> {
        Category::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

impl FromIterator<Category> for CategorySet {
    fn from_iter<I: IntoIterator<Item = Category>>(iter: I) -> Self {
        let mut s = CategorySet::EMPTY;
        for c in iter {
            s.insert(c);
        }
        s
    }
}

/// Age bands of § 3: child < 12, youth 12–15, young 16–17, adult 18+.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgeBand {
    Child,
    Youth,
    Young,
    Adult,
}

impl AgeBand {
    /// The band of a person born on `birth`, on the day `today` (Europe/Oslo).
    pub fn on(birth: NaiveDate, today: NaiveDate) -> AgeBand {
        match nordlys_fhir::time::age_on(birth, today) {
            a if a < 12 => AgeBand::Child,
            a if a < 16 => AgeBand::Youth,
            a if a < 18 => AgeBand::Young,
            _ => AgeBand::Adult,
        }
    }

    /// 16 or older ("self 16+" in § 6).
    pub fn is_sixteen_plus(self) -> bool {
        self >= AgeBand::Young
    }
}

/// Today's date in Europe/Oslo at the instant `now` (the age bands' clock).
pub fn oslo_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Oslo).date_naive()
}

/// The instant a day starts in Europe/Oslo (midnight never falls in a DST gap there).
pub fn oslo_day_start(day: NaiveDate) -> DateTime<Utc> {
    let local = day.and_time(NaiveTime::MIN);
    match Oslo.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => Utc.from_utc_datetime(&local),
    }
}

/// The day a person born on `birth` turns `years`; 29 February births have their
/// birthday on 1 March in other years, matching `nordlys_fhir::time::age_on`.
pub fn birthday(birth: NaiveDate, years: i32) -> NaiveDate {
    let y = birth.year() + years;
    NaiveDate::from_ymd_opt(y, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, 3, 1))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn band_changes_on_the_birthday() {
        let b = d(2013, 11, 22);
        assert_eq!(AgeBand::on(b, d(2025, 11, 21)), AgeBand::Child);
        assert_eq!(AgeBand::on(b, d(2025, 11, 22)), AgeBand::Youth);
        assert_eq!(AgeBand::on(b, d(2029, 11, 21)), AgeBand::Youth);
        assert_eq!(AgeBand::on(b, d(2029, 11, 22)), AgeBand::Young);
        assert_eq!(AgeBand::on(b, d(2031, 11, 22)), AgeBand::Adult);
    }

    #[test]
    fn oslo_today_differs_from_utc_near_midnight() {
        let t = Utc.with_ymd_and_hms(2026, 11, 21, 23, 30, 0).unwrap();
        assert_eq!(oslo_today(t), d(2026, 11, 22));
        let summer = Utc.with_ymd_and_hms(2026, 6, 30, 22, 30, 0).unwrap();
        assert_eq!(oslo_today(summer), d(2026, 7, 1));
        assert_eq!(
            oslo_day_start(d(2026, 7, 1)),
            Utc.with_ymd_and_hms(2026, 6, 30, 22, 0, 0).unwrap()
        );
    }

    #[test]
    fn leap_day_birthday_is_first_of_march() {
        assert_eq!(birthday(d(2012, 2, 29), 12), d(2024, 2, 29));
        assert_eq!(birthday(d(2012, 2, 29), 13), d(2025, 3, 1));
    }

    #[test]
    fn category_codes_round_trip_and_sets_work() {
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), Some(c));
        }
        let s: CategorySet = [Category::Results, Category::Letters].into_iter().collect();
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![Category::Letters, Category::Results]
        );
        assert!(!s.contains(Category::Documents));
        assert!(Level::None < Level::Metadata && Level::Metadata < Level::Full);
    }
}
