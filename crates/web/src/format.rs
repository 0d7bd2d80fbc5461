//! Dates and numbers written the Norwegian way in every language (dd.mm.åååå,
//! `kl.` times in Norwegian time, decimal comma), as Helsenorge does.
//!
//! Why in every language: a date or a lab value must read the same whichever
//! language a patient or clinician chose, so nobody misreads 05.11 as 11 May.
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Oslo;

/// `21.11.2026`.
pub fn date(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// `21.11.2026 kl. 14:05` in Norwegian time (`kl.` is written in every language).
pub fn date_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Oslo)
        .format("%d.%m.%Y kl. %H:%M")
        .to_string()
}

/// The Norwegian calendar day of an instant.
pub fn oslo_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Oslo).date_naive()
}

/// A FHIR date or dateTime as written to a person: date only when that is all there is.
pub fn fhir_date(s: &str) -> String {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return date_time(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d") {
        return date(d);
    }
    s.to_owned()
}

/// `1 234,5`: decimal comma, no-break space between thousands.
pub fn number(value: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, value.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('\u{a0}');
        }
        grouped.push(ch);
    }
    let sign = if value < 0.0 { "−" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_formats() {
        assert_eq!(number(1234.5, 1), "1\u{a0}234,5");
        assert_eq!(number(7.0, 0), "7");
        assert_eq!(number(-0.25, 2), "−0,25");
        assert_eq!(fhir_date("2026-11-05"), "05.11.2026");
        assert_eq!(fhir_date("2026-07-01T10:00:00Z"), "01.07.2026 kl. 12:00");
        assert_eq!(fhir_date("soon"), "soon");
    }

    #[test]
    fn instants_are_norwegian_time() {
        let t = DateTime::parse_from_rfc3339("2026-12-04T23:05:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(date(oslo_date(t)), "05.12.2026");
        assert_eq!(date_time(t), "05.12.2026 kl. 00:05");
    }
}
