//! FHIR date, dateTime and instant values as inclusive millisecond ranges.
//!
//! Why ranges: a FHIR date has a precision (`2024`, `2024-03`, `2024-03-05T10:00Z`),
//! and R4 search compares the implicit range of the stored value with that of the
//! query value. Storing `[low, high]` makes every prefix a pair of integer comparisons
//! in SQL. A value without a time zone is read as UTC (R4 leaves it to the server).
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// The inclusive range `[low, high]` in ms since the epoch that a FHIR date/dateTime/
/// instant value covers; `None` if it is not a valid value.
pub fn date_range(value: &str) -> Option<(i64, i64)> {
    let v = value.trim();
    if v.len() == 4 {
        let y: i32 = v.parse().ok()?;
        let start = NaiveDate::from_ymd_opt(y, 1, 1)?;
        let end = NaiveDate::from_ymd_opt(y + 1, 1, 1)?;
        return Some(day_span(start, end));
    }
    if v.len() == 7 {
        let (y, m) = v.split_once('-')?;
        let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
        let start = NaiveDate::from_ymd_opt(y, m, 1)?;
        let end = if m == 12 {
            NaiveDate::from_ymd_opt(y + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(y, m + 1, 1)?
        };
        return Some(day_span(start, end));
    }
    if v.len() == 10 {
        let d = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()?;
        return Some(day_span(d, d.succ_opt()?));
    }
    // dateTime with time: with or without seconds/fraction/zone.
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        let ms = t.with_timezone(&Utc).timestamp_millis();
        let has_fraction = v.contains('.');
        return Some(if has_fraction {
            (ms, ms)
        } else {
            (ms, ms + 999)
        });
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, fmt) {
            let ms = Utc.from_utc_datetime(&t).timestamp_millis();
            let span = if fmt.ends_with("%M") {
                59_999
            } else if v.contains('.') {
                0
            } else {
                999
            };
            return Some((ms, ms + span));
        }
    }
    // `2024-03-05T10:00+01:00` (minutes precision with zone).
    if v.len() > 16 {
        let (head, zone) = v.split_at(16);
        if let Ok(t) = DateTime::parse_from_rfc3339(&format!("{head}:00{zone}")) {
            let ms = t.with_timezone(&Utc).timestamp_millis();
            return Some((ms, ms + 59_999));
        }
    }
    None
}

fn day_span(start: NaiveDate, end_exclusive: NaiveDate) -> (i64, i64) {
    let low = Utc
        .from_utc_datetime(&start.and_time(NaiveTime::MIN))
        .timestamp_millis();
    let high = Utc
        .from_utc_datetime(&end_exclusive.and_time(NaiveTime::MIN))
        .timestamp_millis()
        - 1;
    (low, high)
}

/// Is this a syntactically valid FHIR `date` (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`)?
pub fn is_fhir_date(value: &str) -> bool {
    matches!(value.len(), 4 | 7 | 10) && date_range(value).is_some()
}

/// Whole years between `birth` and `on` (the age on that day).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// `t + days`, saturating.
pub fn plus_days(t: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    t.checked_add_signed(Duration::days(days)).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precisions_cover_their_range() {
        let (lo, hi) = date_range("2024").unwrap_or_default();
        assert_eq!(hi - lo + 1, 366 * 86_400_000);
        let (lo, hi) = date_range("2024-02").unwrap_or_default();
        assert_eq!(hi - lo + 1, 29 * 86_400_000);
        let (lo, hi) = date_range("2024-02-03").unwrap_or_default();
        assert_eq!(hi - lo + 1, 86_400_000);
        assert_eq!(
            date_range("2024-02-03T10:00:00Z").map(|(l, h)| h - l),
            Some(999)
        );
        assert_eq!(
            date_range("2024-02-03T10:00:00.123+01:00").map(|(l, h)| h - l),
            Some(0)
        );
        assert!(date_range("2024-13").is_none());
        assert!(date_range("yesterday").is_none());
    }

    #[test]
    fn age_changes_on_the_birthday() {
        let b = NaiveDate::from_ymd_opt(2013, 11, 22).unwrap_or_default();
        assert_eq!(
            age_on(b, NaiveDate::from_ymd_opt(2025, 11, 21).unwrap_or_default()),
            11
        );
        assert_eq!(
            age_on(b, NaiveDate::from_ymd_opt(2025, 11, 22).unwrap_or_default()),
            12
        );
    }
}
