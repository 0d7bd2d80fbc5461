//! Facts about a patient and the people registered around them (§ 3, contract.md).
//!
//! Why separate from relations: the facts are read once per patient from Patient and
//! RelatedPerson JSON; which relation a given citizen has is then a cheap computation
//! for each principal and each `now`.
use chrono::NaiveDate;
use nordlys_fhir::ids::birth_date_from_national_id;
use serde_json::Value;

use crate::json::{codings, each, has_coding, normalise_ref, str_at, Span};

/// Fødselsnummer.
pub const FNR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.1";
/// D-nummer.
pub const DNR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.2";
/// HPR number (health personnel).
pub const HPR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.4";
/// Organisation number.
pub const ORGNR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.101";
/// The parental-responsibility extension on RelatedPerson.
pub const PARENTAL_RESPONSIBILITY_URL: &str =
    "https://nordlys.no/fhir/StructureDefinition/parental-responsibility";
const ROLE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
const CONFIDENTIALITY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

/// A home address, normalised so two registrations of the same place compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeAddress {
    /// Lower-cased lines and postal code (or city), whitespace collapsed.
    pub key: String,
    /// `Address.period`; always when absent.
    pub period: Span,
}

/// One RelatedPerson of the patient.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedFacts {
    /// `RelatedPerson/id`.
    pub reference: String,
    pub national_id: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// Relationship PRN, MTH or FTH.
    pub parent: bool,
    /// `RelatedPerson.active` is not `false`.
    pub active: bool,
    /// Periods of parental responsibility (extension value `true`).
    pub responsibility: Vec<Span>,
    pub home_addresses: Vec<HomeAddress>,
    pub confidential: bool,
}

/// What the policy knows about a patient.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientFacts {
    /// `Patient/id`.
    pub reference: String,
    /// `birthDate`, else the date the national id encodes.
    pub birth_date: Option<NaiveDate>,
    /// Fødselsnummer and D-nummer values.
    pub national_ids: Vec<String>,
    pub home_addresses: Vec<HomeAddress>,
    /// `meta.security` v3-Confidentiality R (or V).
    pub confidential: bool,
    pub related: Vec<RelatedFacts>,
}

impl PatientFacts {
    /// Is `pid` one of the patient's national ids?
    pub fn has_national_id(&self, pid: &str) -> bool {
        self.national_ids.iter().any(|n| n == pid)
    }
    /// The RelatedPerson with this reference.
    pub fn related_person(&self, reference: &str) -> Option<&RelatedFacts> {
        self.related.iter().find(|r| r.reference == reference)
    }
}

/// Reads the patient and those RelatedPersons whose `patient` is this patient.
pub fn patient_facts(patient: &Value, related_persons: &[Value]) -> PatientFacts {
    let reference = format!("Patient/{}", str_at(patient, "id").unwrap_or(""));
    let national_ids = national_ids(patient);
    let birth_date = birth_date(patient, &national_ids);
    let related = related_persons
        .iter()
        .filter(|rp| str_at(rp, "resourceType") == Some("RelatedPerson"))
        .filter(|rp| {
            rp.get("patient")
                .and_then(|p| str_at(p, "reference"))
                .map(normalise_ref)
                .as_deref()
                == Some(&reference)
        })
        .map(related_facts)
        .collect();
    PatientFacts {
        home_addresses: home_addresses(patient),
        confidential: confidential(patient),
        reference,
        birth_date,
        national_ids,
        related,
    }
}

fn related_facts(rp: &Value) -> RelatedFacts {
    let ids = national_ids(rp);
    let parent = codings(rp.get("relationship"))
        .iter()
        .any(|(s, c)| *s == ROLE_SYSTEM && matches!(*c, "PRN" | "MTH" | "FTH"));
    RelatedFacts {
        reference: format!("RelatedPerson/{}", str_at(rp, "id").unwrap_or("")),
        birth_date: birth_date(rp, &ids),
        national_id: ids.into_iter().next(),
        parent,
        active: rp.get("active").and_then(Value::as_bool) != Some(false),
        responsibility: responsibility(rp),
        home_addresses: home_addresses(rp),
        confidential: confidential(rp),
    }
}

fn national_ids(r: &Value) -> Vec<String> {
    each(r.get("identifier"))
        .filter(|i| matches!(str_at(i, "system"), Some(FNR_SYSTEM | DNR_SYSTEM)))
        .filter_map(|i| str_at(i, "value"))
        .map(str::to_string)
        .collect()
}

fn birth_date(r: &Value, ids: &[String]) -> Option<NaiveDate> {
    str_at(r, "birthDate")
        .and_then(|b| NaiveDate::parse_from_str(b, "%Y-%m-%d").ok())
        .or_else(|| ids.iter().find_map(|i| birth_date_from_national_id(i)))
}

fn confidential(r: &Value) -> bool {
    let meta = r.get("meta").unwrap_or(&Value::Null);
    has_coding(meta.get("security"), CONFIDENTIALITY_SYSTEM, "R")
        || has_coding(meta.get("security"), CONFIDENTIALITY_SYSTEM, "V")
}

/// Addresses with `use` = `home` (addresses without `use` do not count: stricter).
fn home_addresses(r: &Value) -> Vec<HomeAddress> {
    each(r.get("address"))
        .filter(|a| str_at(a, "use") == Some("home"))
        .filter_map(|a| {
            let period = match a.get("period") {
                Some(p) => Span::from_period(p)?,
                None => Span::ALWAYS,
            };
            let mut parts: Vec<String> = each(a.get("line"))
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            match str_at(a, "postalCode").or_else(|| str_at(a, "city")) {
                Some(p) => parts.push(p.to_string()),
                None => return None,
            }
            let key = parts
                .join(" ")
                .to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            (!parts.is_empty()).then_some(HomeAddress { key, period })
        })
        .collect()
}

/// Periods of parental responsibility. Accepted encodings (see docs/access-policy.md):
/// a complex extension with sub-extensions `value` (valueBoolean) and `period`
/// (valuePeriod); or `valueBoolean` on the extension itself with the period in a
/// `period` sub-extension or in `RelatedPerson.period`. No period means "always".
/// An unreadable period drops that extension (no responsibility: stricter).
fn responsibility(rp: &Value) -> Vec<Span> {
    let mut out = Vec::new();
    for ext in
        each(rp.get("extension")).filter(|e| str_at(e, "url") == Some(PARENTAL_RESPONSIBILITY_URL))
    {
        let subs: Vec<&Value> = each(ext.get("extension")).collect();
        let value = ext
            .get("valueBoolean")
            .and_then(Value::as_bool)
            .or_else(|| {
                subs.iter()
                    .filter(|s| matches!(str_at(s, "url"), Some("value" | "responsibility")))
                    .find_map(|s| s.get("valueBoolean").and_then(Value::as_bool))
            });
        if value != Some(true) {
            continue;
        }
        let period = subs
            .iter()
            .find(|s| str_at(s, "url") == Some("period"))
            .and_then(|s| s.get("valuePeriod"))
            .or_else(|| ext.get("valuePeriod"))
            .or_else(|| rp.get("period"));
        match period {
            None => out.push(Span::ALWAYS),
            Some(p) => out.extend(Span::from_period(p)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_patient_and_parents() {
        let p = json!({"resourceType": "Patient", "id": "c13",
            "identifier": [{"system": FNR_SYSTEM, "value": "22911350029"}],
            "address": [{"use": "home", "line": ["Storgata  1"], "postalCode": "9008"},
                        {"line": ["Postboks 3"], "postalCode": "9000"}]});
        let mother = json!({"resourceType": "RelatedPerson", "id": "mother", "patient": {"reference": "Patient/c13"},
            "identifier": [{"system": FNR_SYSTEM, "value": "13097248022"}],
            "relationship": [{"coding": [{"system": ROLE_SYSTEM, "code": "MTH"}]}],
            "extension": [{"url": PARENTAL_RESPONSIBILITY_URL, "extension": [
                {"url": "value", "valueBoolean": true}, {"url": "period", "valuePeriod": {"start": "2013-11-22"}}]}],
            "address": [{"use": "home", "line": ["storgata 1"], "postalCode": "9008"}],
            "meta": {"security": [{"system": CONFIDENTIALITY_SYSTEM, "code": "R"}]}});
        let other = json!({"resourceType": "RelatedPerson", "id": "x", "patient": {"reference": "Patient/other"}});
        let f = patient_facts(&p, &[mother, other]);
        assert_eq!(f.reference, "Patient/c13");
        assert_eq!(f.birth_date, NaiveDate::from_ymd_opt(2013, 11, 22));
        assert_eq!(f.home_addresses.len(), 1);
        assert_eq!(f.home_addresses[0].key, "storgata 1 9008");
        assert_eq!(f.related.len(), 1);
        let m = &f.related[0];
        assert_eq!(m.reference, "RelatedPerson/mother");
        assert_eq!(m.national_id.as_deref(), Some("13097248022"));
        assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(1972, 9, 13));
        assert!(m.parent && m.active && m.confidential);
        assert_eq!(m.responsibility.len(), 1);
        assert_eq!(m.home_addresses[0].key, f.home_addresses[0].key);
        assert!(!f.confidential);
    }

    #[test]
    fn responsibility_encodings() {
        let simple = json!({"extension": [{"url": PARENTAL_RESPONSIBILITY_URL, "valueBoolean": true}],
            "period": {"end": "2020-01-01"}});
        let spans = responsibility(&simple);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].start_ms, i64::MIN);
        let denied =
            json!({"extension": [{"url": PARENTAL_RESPONSIBILITY_URL, "valueBoolean": false}]});
        assert_eq!(responsibility(&denied).len(), 0);
        let bad = json!({"extension": [{"url": PARENTAL_RESPONSIBILITY_URL, "valueBoolean": true,
            "extension": [{"url": "period", "valuePeriod": {"start": "never"}}]}]});
        assert_eq!(responsibility(&bad).len(), 0);
    }
}
