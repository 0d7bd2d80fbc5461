//! What test results and home measurements share: values over time, drawn as a
//! chart and written as a table.
//!
//! Why both a chart and a table: the chart shows the trend at a glance, the table
//! carries the exact numbers for everyone, screen-reader users included (WCAG 1.1.1,
//! 1.3.1). The chart is drawn from the same samples as the table, oldest to newest
//! left to right, while the table lists newest first — the order people look for.
use chrono::{DateTime, NaiveDate};
use maud::Markup;
use serde_json::Value;

use crate::chart::{line_chart, Point};
use crate::i18n;
use crate::page::raw;

/// Seconds since the epoch of a FHIR date or dateTime (for the chart's x axis).
pub fn instant_secs(s: &str) -> Option<f64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp() as f64);
    }
    let d = NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(12, 0, 0)?.and_utc().timestamp() as f64)
}

/// Orders two FHIR dates newest first, by instant (offsets differ within one series),
/// then by text.
pub fn newest_first(a: &str, b: &str) -> std::cmp::Ordering {
    let secs = |s: &str| instant_secs(s).unwrap_or(f64::NEG_INFINITY);
    secs(b).total_cmp(&secs(a)).then_with(|| b.cmp(a))
}

/// How many decimals a JSON number was written with (at most 3), so 5.0 stays "5,0".
pub fn decimals(v: Option<&Value>) -> usize {
    v.map(Value::to_string)
        .and_then(|s| s.split_once('.').map(|(_, f)| f.len()))
        .unwrap_or(0)
        .min(3)
}

/// A Quantity's number and decimals.
pub fn number(q: Option<&Value>) -> Option<(f64, usize)> {
    let v = q?.get("value")?;
    Some((v.as_f64()?, decimals(Some(v))))
}

/// A UCUM unit as people write it (`mm[Hg]` → `mmHg`, `ug/L` → `µg/L`).
pub fn unit_text(unit: &str) -> String {
    let u = unit.replace(['[', ']'], "");
    match u.strip_prefix('u') {
        Some(rest) if rest.starts_with(['g', 'm', 'L']) => format!("µ{rest}"),
        _ => u,
    }
}

/// `12,5 g/dL`.
pub fn value_text(value: f64, decimals: usize, unit: &str) -> String {
    format!("{} {}", i18n::number(value, decimals), unit_text(unit))
        .trim_end()
        .to_owned()
}

/// A line chart of (when, value) samples given newest first, with an optional
/// reference band; `None` when fewer than two samples have a usable date (one point
/// is no trend, and the table says it better).
pub fn chart(label: &str, samples: &[(&str, f64)], band: Option<(f64, f64)>) -> Option<Markup> {
    let mut points: Vec<Point> = samples
        .iter()
        .filter_map(|(when, y)| {
            Some(Point {
                x: instant_secs(when)?,
                y: *y,
            })
        })
        .collect();
    if points.len() < 2 {
        return None;
    }
    points.sort_by(|a, b| a.x.total_cmp(&b.x));
    Some(raw(line_chart(label, &points, band)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_units_and_dates() {
        assert_eq!(decimals(Some(&json!(5.0))), 1);
        assert_eq!(decimals(Some(&json!(12))), 0);
        assert_eq!(number(Some(&json!({"value": 2.25}))), Some((2.25, 2)));
        assert_eq!(unit_text("mm[Hg]"), "mmHg");
        assert_eq!(unit_text("ug/L"), "µg/L");
        assert_eq!(unit_text("umol/L"), "µmol/L");
        assert_eq!(unit_text("m[IU]/L"), "mIU/L");
        assert_eq!(value_text(4.8, 1, "m[IU]/L"), "4,8 mIU/L");
        assert!(instant_secs("2026-01-02T08:00:00+01:00") < instant_secs("2026-01-03"));
        assert_eq!(instant_secs("soon"), None);
        // 08:30+02:00 is earlier than 08:00+01:00 although it sorts later as text.
        assert_eq!(
            newest_first("2026-06-01T08:30:00+02:00", "2026-06-01T08:00:00+01:00"),
            std::cmp::Ordering::Greater
        );
    }

    #[test]
    fn chart_needs_two_dated_points_and_draws_oldest_first() {
        assert!(chart("x", &[("2026-01-01", 1.0)], None).is_none());
        let svg = chart(
            "x",
            &[("2026-01-03", 3.0), ("2026-01-01", 1.0)],
            Some((0.0, 4.0)),
        )
        .map(Markup::into_string)
        .unwrap_or_default();
        assert_eq!(svg.matches("<circle").count(), 2);
        // Oldest (value 1, low on the chart) is drawn leftmost.
        assert!(svg.contains(r#"points="8.0,"#), "{svg}");
    }
}
