//! Parameter values: comma lists with escapes, prefixes, and one value → [`Condition`].
use nordlys_fhir::ParamType;

use crate::error::{StoreError, StoreResult};
use crate::search::parse::date_value;
use crate::search::{Condition, Prefix, StrMode, SystemMatch, UriMode};

/// Splits `a,b\,c` into `["a", "b,c"]`; `\|` and `\$` stay escaped for the token split.
pub(crate) fn split_values(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(',') => cur.push(','),
                Some(n) => {
                    cur.push('\\');
                    cur.push(n);
                }
                None => cur.push('\\'),
            },
            ',' => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn unescape(s: &str) -> String {
    s.replace("\\|", "|")
        .replace("\\$", "$")
        .replace("\\\\", "\\")
}

/// Splits at the first unescaped `|`.
fn split_pipe(v: &str) -> Option<(String, String)> {
    let bytes = v.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] == b'|' {
            return Some((unescape(&v[..i]), v[i + 1..].to_string()));
        }
        i += 1;
    }
    None
}

/// `ge2020` → (Ge, "2020"); no prefix → Eq.
pub(crate) fn prefix_of(v: &str) -> (Prefix, &str) {
    let table = [
        ("eq", Prefix::Eq),
        ("ne", Prefix::Ne),
        ("gt", Prefix::Gt),
        ("lt", Prefix::Lt),
        ("ge", Prefix::Ge),
        ("le", Prefix::Le),
        ("sa", Prefix::Sa),
        ("eb", Prefix::Eb),
        ("ap", Prefix::Ap),
    ];
    for (p, prefix) in table {
        if let Some(rest) = v.strip_prefix(p) {
            if rest.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') {
                return (prefix, rest);
            }
        }
    }
    (Prefix::Eq, v)
}

fn bad(msg: String) -> StoreError {
    StoreError::BadRequest(msg)
}

/// The implicit range of a decimal by its precision: `100` → [99.5, 100.5).
fn number_range(s: &str, code: &str) -> StoreResult<(f64, f64)> {
    let value: f64 = s
        .trim()
        .parse()
        .map_err(|_| bad(format!("{code}: '{s}' is not a number")))?;
    if !value.is_finite() {
        return Err(bad(format!("{code}: '{s}' is not a finite number")));
    }
    let decimals = s.split_once('.').map_or(0, |(_, f)| f.len()).min(15);
    let half = 0.5 * 10f64.powi(-i32::try_from(decimals).unwrap_or(15));
    Ok((value - half, value + half))
}

/// One value of a parameter of `kind` with an optional modifier.
pub(crate) fn condition(
    kind: ParamType,
    modifier: Option<&str>,
    v: &str,
    code: &str,
    targets: &[String],
) -> StoreResult<Condition> {
    let unsupported = |m: &str| {
        bad(format!(
            "modifier :{m} is not supported on '{code}' ({kind:?})"
        ))
    };
    if v.is_empty() {
        return Err(bad(format!("'{code}' has an empty value")));
    }
    Ok(match kind {
        ParamType::String => {
            let mode = match modifier {
                None => StrMode::Prefix,
                Some("exact") => StrMode::Exact,
                Some("contains") => StrMode::Contains,
                Some(m) => return Err(unsupported(m)),
            };
            Condition::Str {
                mode,
                value: unescape(v),
            }
        }
        ParamType::Token => {
            match modifier {
                None | Some("not") => {}
                Some(m) => return Err(unsupported(m)),
            }
            match split_pipe(v) {
                None => Condition::Token {
                    system: SystemMatch::Any,
                    code: Some(unescape(v)),
                },
                Some((sys, c)) => {
                    let code = if c.is_empty() {
                        None
                    } else {
                        Some(unescape(&c))
                    };
                    let system = if sys.is_empty() {
                        SystemMatch::None
                    } else {
                        SystemMatch::Is(sys)
                    };
                    if code.is_none() && system == SystemMatch::None {
                        return Err(bad(format!("'{code:?}': '|' alone is not a token")));
                    }
                    Condition::Token { system, code }
                }
            }
        }
        ParamType::Reference => {
            let type_mod = match modifier {
                None => None,
                Some(t) if targets.iter().any(|x| x == t) => Some(t.to_string()),
                Some(m) => return Err(unsupported(m)),
            };
            if v.contains("://") {
                return Ok(Condition::ReferenceUrl(v.to_string()));
            }
            match v.split_once('/') {
                Some((t, id)) if !id.is_empty() && !id.contains('/') => {
                    if !targets.is_empty() && !targets.iter().any(|x| x == t) {
                        return Err(bad(format!("'{code}' cannot refer to {t}")));
                    }
                    Condition::Reference {
                        target_type: Some(t.to_string()),
                        id: id.to_string(),
                    }
                }
                Some(_) => return Err(bad(format!("'{code}': '{v}' is not a reference"))),
                None => Condition::Reference {
                    target_type: type_mod,
                    id: v.to_string(),
                },
            }
        }
        ParamType::Date => {
            if let Some(m) = modifier {
                return Err(unsupported(m));
            }
            Condition::Date(date_value(v)?)
        }
        ParamType::Number => {
            if let Some(m) = modifier {
                return Err(unsupported(m));
            }
            let (prefix, rest) = prefix_of(v);
            let (low, high) = number_range(rest, code)?;
            Condition::Number { prefix, low, high }
        }
        ParamType::Quantity => {
            if let Some(m) = modifier {
                return Err(unsupported(m));
            }
            let (prefix, rest) = prefix_of(v);
            let mut parts = rest.splitn(3, '|');
            let num = parts.next().unwrap_or_default();
            let system = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
            let unit = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
            let (low, high) = number_range(num, code)?;
            Condition::Quantity {
                prefix,
                low,
                high,
                system,
                code: unit,
            }
        }
        ParamType::Uri => {
            let mode = match modifier {
                None => UriMode::Exact,
                Some("below") => UriMode::Below,
                Some("above") => UriMode::Above,
                Some(m) => return Err(unsupported(m)),
            };
            Condition::Uri {
                mode,
                value: v.to_string(),
            }
        }
        ParamType::Composite | ParamType::Special => {
            return Err(StoreError::NotSupported(format!(
                "search parameter '{code}' is not supported"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_commas_but_not_escaped_ones() {
        assert_eq!(
            split_values("a,b\\,c"),
            vec!["a".to_string(), "b,c".to_string()]
        );
    }

    #[test]
    fn token_forms() {
        let c = condition(
            ParamType::Token,
            None,
            "http://loinc.org|1234-5",
            "code",
            &[],
        );
        assert_eq!(
            c.ok(),
            Some(Condition::Token {
                system: SystemMatch::Is("http://loinc.org".into()),
                code: Some("1234-5".into())
            })
        );
        let c = condition(ParamType::Token, None, "|x", "code", &[]);
        assert_eq!(
            c.ok(),
            Some(Condition::Token {
                system: SystemMatch::None,
                code: Some("x".into())
            })
        );
    }

    #[test]
    fn number_precision_range() {
        let Ok(Condition::Number { low, high, .. }) =
            condition(ParamType::Number, None, "100", "n", &[])
        else {
            panic!("not a number condition")
        };
        assert!((low - 99.5).abs() < 1e-9 && (high - 100.5).abs() < 1e-9);
    }

    #[test]
    fn prefixes() {
        assert_eq!(prefix_of("ge2020-01"), (Prefix::Ge, "2020-01"));
        assert_eq!(prefix_of("2020"), (Prefix::Eq, "2020"));
        assert_eq!(prefix_of("eq"), (Prefix::Eq, "eq"));
    }
}
