//! Parsing `Reference.reference` strings.
//!
//! Why one parser: the validator (is it well-formed?), index extraction (which type
//! and id does it point to?) and `resolve() is X` in FHIRPath must agree on what
//! `Patient/1`, `https://host/fhir/Patient/1/_history/2`, `#contained` and
//! `urn:uuid:…` mean.

/// The parts of a reference string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref<'a> {
    /// `Patient/123`, optionally `/_history/2`.
    Relative {
        resource_type: &'a str,
        id: &'a str,
        version: Option<&'a str>,
    },
    /// `Patient?identifier=…`: a conditional reference inside a transaction Bundle.
    Conditional {
        resource_type: &'a str,
        query: &'a str,
    },
    /// An absolute URL; `resource_type`/`id` when it ends in `Type/id[/_history/v]`.
    Absolute {
        url: &'a str,
        resource_type: Option<&'a str>,
        id: Option<&'a str>,
    },
    /// `#id` (or `#` for the container itself).
    Contained(&'a str),
    /// `urn:uuid:…` or `urn:oid:…` (Bundle-internal identities).
    Urn(&'a str),
    Invalid,
}

impl<'a> Ref<'a> {
    pub fn resource_type(&self) -> Option<&'a str> {
        match *self {
            Ref::Relative { resource_type, .. } | Ref::Conditional { resource_type, .. } => {
                Some(resource_type)
            }
            Ref::Absolute { resource_type, .. } => resource_type,
            _ => None,
        }
    }

    pub fn id(&self) -> Option<&'a str> {
        match *self {
            Ref::Relative { id, .. } => Some(id),
            Ref::Absolute { id, .. } => id,
            _ => None,
        }
    }
}

/// FHIR `id`: `[A-Za-z0-9\-\.]{1,64}`.
pub fn is_valid_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// Looks like a resource type name (`Patient`): the caller checks it is a known one.
fn is_type_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) if i > 0 => {
            let scheme = &s[..i];
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        }
        _ => false,
    }
}

/// `Type/id` or `Type/id/_history/v` at the end of `path`.
fn type_and_id(path: &str) -> Option<(&str, &str, Option<&str>)> {
    let (path, version) = match path.split_once("/_history/") {
        Some((p, v)) if is_valid_id(v) => (p, Some(v)),
        Some(_) => return None,
        None => (path, None),
    };
    let (head, id) = path.rsplit_once('/')?;
    let ty = head.rsplit('/').next()?;
    (is_type_name(ty) && is_valid_id(id)).then_some((ty, id, version))
}

pub fn parse(s: &str) -> Ref<'_> {
    if let Some(id) = s.strip_prefix('#') {
        return if id.is_empty() || is_valid_id(id) {
            Ref::Contained(id)
        } else {
            Ref::Invalid
        };
    }
    if s.is_empty() || s.chars().any(char::is_whitespace) {
        return Ref::Invalid;
    }
    if s.starts_with("urn:uuid:") || s.starts_with("urn:oid:") {
        return Ref::Urn(s);
    }
    if has_scheme(s) {
        let path = s.split(['?', '#']).next().unwrap_or(s);
        let parts = type_and_id(path);
        return Ref::Absolute {
            url: s,
            resource_type: parts.map(|p| p.0),
            id: parts.map(|p| p.1),
        };
    }
    if let Some((ty, query)) = s.split_once('?') {
        return if is_type_name(ty) {
            Ref::Conditional {
                resource_type: ty,
                query,
            }
        } else {
            Ref::Invalid
        };
    }
    match type_and_id(s) {
        // Relative means exactly `Type/id[/_history/v]`, no leading path.
        Some((ty, id, version)) if s.starts_with(ty) => Ref::Relative {
            resource_type: ty,
            id,
            version,
        },
        _ => Ref::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        assert_eq!(
            parse("Patient/p-1"),
            Ref::Relative {
                resource_type: "Patient",
                id: "p-1",
                version: None
            }
        );
        assert_eq!(
            parse("Patient/p-1/_history/3"),
            Ref::Relative {
                resource_type: "Patient",
                id: "p-1",
                version: Some("3")
            }
        );
        assert_eq!(
            parse("https://x.no/fhir/Observation/o.2"),
            Ref::Absolute {
                url: "https://x.no/fhir/Observation/o.2",
                resource_type: Some("Observation"),
                id: Some("o.2")
            }
        );
        assert_eq!(
            parse("http://hl7.org/fhir/ValueSet/x|4.0"),
            Ref::Absolute {
                url: "http://hl7.org/fhir/ValueSet/x|4.0",
                resource_type: None,
                id: None
            }
        );
        assert_eq!(parse("#med1"), Ref::Contained("med1"));
        assert_eq!(
            parse("urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"),
            Ref::Urn("urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0")
        );
        assert_eq!(
            parse("Patient?identifier=a|b"),
            Ref::Conditional {
                resource_type: "Patient",
                query: "identifier=a|b"
            }
        );
        assert_eq!(parse("Patient/"), Ref::Invalid);
        assert_eq!(parse("patient/1"), Ref::Invalid);
        assert_eq!(parse("x/Patient/1"), Ref::Invalid);
        assert_eq!(parse("Patient/1 2"), Ref::Invalid);
        assert_eq!(parse("Patient/a_b"), Ref::Invalid);
        assert_eq!(parse("#bad id"), Ref::Invalid);
    }

    #[test]
    fn id_rule() {
        assert!(is_valid_id("a-Z.9"));
        assert!(is_valid_id(&"a".repeat(64)));
        assert!(!is_valid_id(&"a".repeat(65)));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("a_b"));
    }
}
