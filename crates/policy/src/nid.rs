//! Birth dates from Norwegian national ids (fødselsnummer, D-nummer, synthetic ids).
//!
//! Why private: `nordlys_fhir::ids` (another part of the project) owns identifier
//! validation; when this crate was written it was still a stub, so the policy carries
//! its own small decoder — § 3 needs a birth date when `Patient.birthDate` is missing and
//! the proxy's age comes only from their id. Control digits are *not* checked here: ids
//! are validated at intake (a bad one is a 422) and tokens carry checked ids.
use chrono::NaiveDate;

/// The birth date a national id encodes, or `None` if it encodes none.
///
/// Handles D-numbers (day + 40), H-numbers and NAV synthetic ids (month + 40) and
/// Skatteetaten's Tenor synthetic ids (month + 80); the century comes from the
/// individual number (digits 7–9) as the population register defines it.
pub(crate) fn birth_date_from_national_id(id: &str) -> Option<NaiveDate> {
    let b = id.as_bytes();
    if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |i: usize| u32::from(b[i] - b'0');
    let mut day = n(0) * 10 + n(1);
    let mut month = n(2) * 10 + n(3);
    let yy = (n(4) * 10 + n(5)) as i32;
    let individual = n(6) * 100 + n(7) * 10 + n(8);
    if day > 40 {
        day -= 40;
    }
    if month > 80 {
        month -= 80;
    } else if month > 40 {
        month -= 40;
    }
    let century = match individual {
        0..=499 => 1900,
        500..=749 if yy >= 54 => 1800,
        500..=999 if yy <= 39 => 2000,
        900..=999 if yy >= 40 => 1900,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(century + yy, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn decodes_the_kinds_of_id() {
        assert_eq!(birth_date_from_national_id("13097248022"), d(1972, 9, 13));
        // D-number: day + 40.
        assert_eq!(birth_date_from_national_id("53097248016"), d(1972, 9, 13));
        // Tenor synthetic: month + 80; born 2013 (individual number 5xx, yy 13).
        assert_eq!(birth_date_from_national_id("22911350012"), d(2013, 11, 22));
        // NAV synthetic: month + 40.
        assert_eq!(birth_date_from_national_id("22511350012"), d(2013, 11, 22));
        // 1800s and 1940+ with individual number 9xx.
        assert_eq!(birth_date_from_national_id("01018560012"), d(1885, 1, 1));
        assert_eq!(birth_date_from_national_id("01014595012"), d(1945, 1, 1));
    }

    #[test]
    fn rejects_what_encodes_no_date() {
        assert_eq!(birth_date_from_national_id("1309724802"), None);
        assert_eq!(birth_date_from_national_id("1309724802x"), None);
        assert_eq!(birth_date_from_national_id("32137248022"), None);
        // individual number 7xx with yy 40–53 is not allocated.
        assert_eq!(birth_date_from_national_id("01014575012"), None);
    }
}
