//! Formats of the R4 primitive types, as the regexes in the spec define them.
//!
//! Why strict here and lenient in `crate::time`: `time::date_range` reads whatever a
//! search query or legacy data offers (no zone, minutes only), but what we store must
//! be valid R4: a dateTime with a time has seconds and a zone, an instant always has
//! both. Hand-written checks keep the crate free of a regex engine.
use chrono::NaiveDate;
use serde_json::Value;

use crate::defs::model::Prim;
use crate::reference::is_valid_id;

/// R4: "strings SHALL NOT exceed 1 MB".
const MAX_STRING: usize = 1024 * 1024;

/// `Ok` if `v` is a valid JSON representation of primitive type `p`.
pub(super) fn check(p: Prim, v: &Value) -> Result<(), String> {
    let ok = match p {
        Prim::Boolean => {
            return v
                .is_boolean()
                .then_some(())
                .ok_or_else(|| "must be true or false".to_owned())
        }
        Prim::Decimal => {
            return v
                .is_number()
                .then_some(())
                .ok_or_else(|| "must be a JSON number".to_owned())
        }
        Prim::Integer | Prim::PositiveInt | Prim::UnsignedInt => return integer(p, v),
        _ => {
            let Some(s) = v.as_str() else {
                return Err(format!("must be a JSON string ({})", p.name()));
            };
            if s.is_empty() {
                return Err("must not be empty".to_owned());
            }
            if s.len() > MAX_STRING && !matches!(p, Prim::Base64Binary | Prim::Xhtml) {
                return Err("is longer than 1 MB".to_owned());
            }
            string_format(p, s)
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!("is not a valid {}", p.name()))
    }
}

fn integer(p: Prim, v: &Value) -> Result<(), String> {
    let n = v
        .as_i64()
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or_else(|| format!("must be a 32-bit integer ({})", p.name()))?;
    match p {
        Prim::PositiveInt if n < 1 => Err("must be at least 1 (positiveInt)".to_owned()),
        Prim::UnsignedInt if n < 0 => Err("must not be negative (unsignedInt)".to_owned()),
        _ => Ok(()),
    }
}

fn string_format(p: Prim, s: &str) -> bool {
    match p {
        Prim::String | Prim::Markdown => true,
        Prim::Code => is_code(s),
        Prim::Id => is_valid_id(s),
        Prim::Uri | Prim::Url | Prim::Canonical => !s.chars().any(char::is_whitespace),
        Prim::Oid => is_oid(s),
        Prim::Uuid => is_uuid(s),
        Prim::Date => is_date(s),
        Prim::DateTime => is_date_time(s),
        Prim::Instant => s.len() > 10 && is_date_time(s),
        Prim::Time => is_time(s.as_bytes()),
        Prim::Base64Binary => is_base64(s),
        Prim::Xhtml => s.trim_start().starts_with("<div"),
        Prim::Boolean | Prim::Decimal | Prim::Integer | Prim::PositiveInt | Prim::UnsignedInt => {
            false
        }
    }
}

/// `[^\s]+(\s[^\s]+)*`: no leading, trailing or doubled whitespace.
fn is_code(s: &str) -> bool {
    let mut prev_ws = true;
    for c in s.chars() {
        let ws = c.is_whitespace();
        if ws && prev_ws {
            return false;
        }
        prev_ws = ws;
    }
    !prev_ws
}

/// `urn:oid:[0-2](\.(0|[1-9][0-9]*))+`
fn is_oid(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("urn:oid:") else {
        return false;
    };
    let mut arcs = rest.split('.');
    let first_ok = matches!(arcs.next(), Some("0" | "1" | "2"));
    let mut n = 0;
    let rest_ok = arcs.all(|a| {
        n += 1;
        !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()) && (a == "0" || !a.starts_with('0'))
    });
    first_ok && rest_ok && n > 0
}

/// `urn:uuid:` + lower-case 8-4-4-4-12 hex.
fn is_uuid(s: &str) -> bool {
    let Some(u) = s.strip_prefix("urn:uuid:") else {
        return false;
    };
    let groups: Vec<&str> = u.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| {
            g.len() == n
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

fn digits(b: &[u8], n: usize) -> Option<u32> {
    if b.len() < n || !b[..n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        b[..n]
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0')),
    )
}

/// `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (a real calendar day, year 0001–9999).
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(y) = digits(b, 4) else { return false };
    if y == 0 {
        return false;
    }
    match b.len() {
        4 => true,
        7 => b[4] == b'-' && digits(&b[5..], 2).is_some_and(|m| (1..=12).contains(&m)),
        10 => {
            b[4] == b'-'
                && b[7] == b'-'
                && match (digits(&b[5..], 2), digits(&b[8..], 2)) {
                    (Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d).is_some(),
                    _ => false,
                }
        }
        _ => false,
    }
}

/// `hh:mm:ss(.f+)?` with 24 hours and leap second 60.
fn is_time(b: &[u8]) -> bool {
    let (Some(h), Some(m), Some(sec)) = (
        digits(b, 2),
        digits(b.get(3..).unwrap_or(&[]), 2),
        digits(b.get(6..).unwrap_or(&[]), 2),
    ) else {
        return false;
    };
    if b[2] != b':' || b[5] != b':' || h > 23 || m > 59 || sec > 60 {
        return false;
    }
    match &b[8..] {
        [] => true,
        [b'.', frac @ ..] => !frac.is_empty() && frac.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// A date, or a full date and time with seconds and a zone.
fn is_date_time(s: &str) -> bool {
    let Some((date, time)) = s.split_once('T') else {
        return is_date(s);
    };
    if date.len() != 10 || !is_date(date) {
        return false;
    }
    let (clock, zone) = if let Some(c) = time.strip_suffix('Z') {
        (c, None)
    } else if time.len() > 6 && matches!(time.as_bytes()[time.len() - 6], b'+' | b'-') {
        let (c, z) = time.split_at(time.len() - 6);
        (c, Some(z))
    } else {
        return false;
    };
    let zone_ok = zone.is_none_or(|z| {
        let z = z.as_bytes();
        z[3] == b':' && matches!((digits(&z[1..], 2), digits(&z[4..], 2)), (Some(h), Some(m)) if h < 14 && m < 60 || h == 14 && m == 0)
    });
    zone_ok && is_time(clock.as_bytes())
}

/// Base64 characters (and whitespace), in groups of four, `=` only as padding.
fn is_base64(s: &str) -> bool {
    let mut n = 0usize;
    let mut pad = 0usize;
    for b in s.bytes() {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            b'=' => pad += 1,
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' if pad == 0 => {}
            _ => return false,
        }
        n += 1;
    }
    matches!(n % 4, 0) && pad <= 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(p: Prim, v: Value) -> bool {
        check(p, &v).is_ok()
    }

    #[test]
    fn numbers_and_booleans() {
        assert!(ok(Prim::Boolean, json!(true)));
        assert!(!ok(Prim::Boolean, json!("true")));
        assert!(ok(Prim::Integer, json!(-5)));
        assert!(!ok(Prim::Integer, json!(1.5)));
        assert!(!ok(Prim::Integer, json!(3_000_000_000i64)));
        assert!(!ok(Prim::PositiveInt, json!(0)));
        assert!(ok(Prim::UnsignedInt, json!(0)));
        assert!(!ok(Prim::UnsignedInt, json!(-1)));
        assert!(ok(Prim::Decimal, json!(0.1)));
        assert!(!ok(Prim::Decimal, json!("0.1")));
    }

    #[test]
    fn strings_codes_ids_uris() {
        assert!(!ok(Prim::String, json!("")));
        assert!(ok(Prim::String, json!(" x ")));
        assert!(ok(Prim::Code, json!("a b")));
        assert!(!ok(Prim::Code, json!(" a")));
        assert!(!ok(Prim::Code, json!("a  b")));
        assert!(!ok(Prim::Id, json!("a_b")));
        assert!(!ok(Prim::Uri, json!("a b")));
        assert!(ok(Prim::Oid, json!("urn:oid:2.16.578.1.12.4.1.4.1")));
        assert!(!ok(Prim::Oid, json!("urn:oid:2.016")));
        assert!(ok(
            Prim::Uuid,
            json!("urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0")
        ));
        assert!(!ok(
            Prim::Uuid,
            json!("urn:uuid:0C3151BD-1cbf-4d64-b04d-cd9187a4c6e0")
        ));
        assert!(ok(Prim::Base64Binary, json!("aGVsbG8=")));
        assert!(!ok(Prim::Base64Binary, json!("aGVsbG8")));
        assert!(!ok(Prim::Base64Binary, json!("a=bc")));
        assert!(ok(
            Prim::Xhtml,
            json!("<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>")
        ));
    }

    #[test]
    fn dates_and_times() {
        for good in [
            "2024",
            "2024-02",
            "2024-02-29",
            "2024-02-29T10:00:00Z",
            "2024-02-29T23:59:60.123+14:00",
        ] {
            assert!(ok(Prim::DateTime, json!(good)), "{good}");
        }
        for bad in [
            "24",
            "2023-02-29",
            "2024-13",
            "2024-02-29T10:00Z",
            "2024-02-29T10:00:00",
            "0000",
            "2024-1-01",
        ] {
            assert!(!ok(Prim::DateTime, json!(bad)), "{bad}");
        }
        assert!(ok(Prim::Date, json!("2024-02-29")));
        assert!(!ok(Prim::Date, json!("2024-02-29T10:00:00Z")));
        assert!(ok(Prim::Instant, json!("2024-02-29T10:00:00.5-03:00")));
        assert!(!ok(Prim::Instant, json!("2024-02-29")));
        assert!(ok(Prim::Time, json!("23:59:59.9")));
        assert!(!ok(Prim::Time, json!("24:00:00")));
    }
}
