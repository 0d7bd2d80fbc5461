//! Small, forgiving readers over FHIR JSON (`serde_json::Value`).
//!
//! Why forgiving: extraction must never panic on odd input; a missing or wrongly typed
//! element simply yields nothing, and the policy's defaults are the strict ones, so a
//! missing fact can only make an item *less* visible (documented per fact).
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use crate::level::oslo_day_start;

/// `v[key]` as a string.
pub(crate) fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The elements of `v` if it is an array, or `v` itself if it is a single value.
pub(crate) fn each(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    let (one, many) = match v {
        Some(Value::Array(a)) => (None, a.as_slice()),
        Some(Value::Null) | None => (None, &[][..]),
        Some(other) => (Some(other), &[][..]),
    };
    one.into_iter().chain(many.iter())
}

/// The `reference` strings of a Reference or an array of References under `key`.
pub(crate) fn refs_at(v: &Value, key: &str) -> Vec<String> {
    each(v.get(key))
        .filter_map(|r| str_at(r, "reference"))
        .map(normalise_ref)
        .collect()
}

/// Reduces `https://host/fhir/Patient/1/_history/2` and `Patient/1` to `Patient/1`.
pub(crate) fn normalise_ref(r: &str) -> String {
    let r = r.split("/_history/").next().unwrap_or(r);
    let parts: Vec<&str> = r.rsplitn(3, '/').collect();
    if parts.len() >= 2 {
        format!("{}/{}", parts[1], parts[0])
    } else {
        r.to_string()
    }
}

/// The `(system, code)` pairs of a CodeableConcept, a Coding, or arrays of either.
pub(crate) fn codings(v: Option<&Value>) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    for cc in each(v) {
        if let Some(code) = str_at(cc, "code") {
            out.push((str_at(cc, "system").unwrap_or(""), code));
        }
        for c in each(cc.get("coding")) {
            if let Some(code) = str_at(c, "code") {
                out.push((str_at(c, "system").unwrap_or(""), code));
            }
        }
    }
    out
}

/// Does any coding under `v` have this system and code?
pub(crate) fn has_coding(v: Option<&Value>, system: &str, code: &str) -> bool {
    codings(v).iter().any(|(s, c)| *s == system && *c == code)
}

/// The inclusive millisecond range a FHIR date/dateTime/instant covers. A value
/// without a time (`2026`, `2026-03`, `2026-03-05`) is a calendar period in
/// Europe/Oslo, the patients' own calendar: "dated before the 12th birthday" and a
/// period ending `2026-12-31` mean Norwegian days. Values with a time keep their zone.
pub(crate) fn range_of(s: &str) -> Option<(i64, i64)> {
    let v = s.trim();
    let (lo, hi) = nordlys_fhir::time::date_range(v)?;
    if !matches!(v.len(), 4 | 7 | 10) {
        return Some((lo, hi));
    }
    let first = from_ms(lo).date_naive();
    let after = from_ms(hi).date_naive().succ_opt()?;
    Some((
        oslo_day_start(first).timestamp_millis(),
        oslo_day_start(after).timestamp_millis() - 1,
    ))
}

/// The first instant a FHIR date/dateTime value covers.
pub(crate) fn instant(s: &str) -> Option<DateTime<Utc>> {
    range_of(s).and_then(|(lo, _)| Utc.timestamp_millis_opt(lo).single())
}

/// Milliseconds to an instant (saturating at the representable range).
pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(if ms < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// A time span `[start, end]` in ms, inclusive; open ends are `i64::MIN` / `i64::MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Span {
    /// Unbounded on both sides.
    pub const ALWAYS: Span = Span {
        start_ms: i64::MIN,
        end_ms: i64::MAX,
    };

    /// A FHIR Period: `start` counts from its first instant, `end` to its last (a date
    /// `end` covers that whole day). `None` if a present bound does not parse.
    pub fn from_period(p: &Value) -> Option<Span> {
        let start_ms = match p.get("start") {
            None | Some(Value::Null) => i64::MIN,
            Some(s) => range_of(s.as_str()?)?.0,
        };
        let end_ms = match p.get("end") {
            None | Some(Value::Null) => i64::MAX,
            Some(e) => range_of(e.as_str()?)?.1,
        };
        Some(Span { start_ms, end_ms })
    }

    pub fn contains(self, ms: i64) -> bool {
        self.start_ms <= ms && ms <= self.end_ms
    }
    pub fn overlaps(self, other: Span) -> bool {
        self.start_ms <= other.end_ms && other.start_ms <= self.end_ms
    }
    pub fn covers(self, other: Span) -> bool {
        self.start_ms <= other.start_ms && other.end_ms <= self.end_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_normalised() {
        assert_eq!(
            normalise_ref("https://x.no/fhir/Patient/1/_history/2"),
            "Patient/1"
        );
        assert_eq!(normalise_ref("Patient/1"), "Patient/1");
        assert_eq!(normalise_ref("#c1"), "#c1");
        let v = json!({"basedOn": [{"reference": "ServiceRequest/r1"}, {"display": "x"}], "encounter": {"reference": "Encounter/e"}});
        assert_eq!(
            refs_at(&v, "basedOn"),
            vec!["ServiceRequest/r1".to_string()]
        );
        assert_eq!(refs_at(&v, "encounter"), vec!["Encounter/e".to_string()]);
    }

    #[test]
    fn codings_read_concepts_and_arrays() {
        let v = json!([{"coding": [{"system": "s", "code": "a"}]}, {"coding": [{"code": "b"}]}]);
        assert_eq!(codings(Some(&v)), vec![("s", "a"), ("", "b")]);
        assert!(has_coding(Some(&v), "s", "a"));
        assert!(!has_coding(Some(&v), "s", "b"));
    }

    #[test]
    fn periods_cover_whole_days_at_the_end() {
        let s = Span::from_period(&json!({"start": "2026-01-01", "end": "2026-01-31"})).unwrap();
        assert_eq!(s.end_ms - s.start_ms + 1, 31 * 86_400_000);
        assert_eq!(Span::from_period(&json!({})), Some(Span::ALWAYS));
        // 2026-01-01 starts at Oslo midnight (23:00 UTC the day before).
        assert_eq!(
            s.start_ms,
            Utc.with_ymd_and_hms(2025, 12, 31, 23, 0, 0)
                .unwrap()
                .timestamp_millis()
        );
        // Summer days are 22:00–22:00 UTC.
        assert_eq!(
            range_of("2026-07-01").map(|r| r.0),
            Some(
                Utc.with_ymd_and_hms(2026, 6, 30, 22, 0, 0)
                    .unwrap()
                    .timestamp_millis()
            )
        );
        assert_eq!(
            range_of("2026-07-01T10:00:00Z").map(|r| r.1 - r.0),
            Some(999)
        );
        assert_eq!(Span::from_period(&json!({"start": "soon"})), None);
    }
}
