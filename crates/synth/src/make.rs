//! Small builders for the FHIR R4 JSON both generators emit: codings, references,
//! `meta` with labels and source, times in Norwegian local time, people.
//!
//! Why builders and not typed models: the server keeps resources as JSON, and the
//! generators must write exactly the encodings of contract.md. Keeping each shape in one
//! function makes the demo and the region agree, and keeps the element names that the
//! R4 definitions require (status, subject, …) in one reviewed place.
use chrono::{Datelike, Months, NaiveDate, NaiveTime, TimeDelta, TimeZone, Weekday};
use chrono_tz::Europe::Oslo;
use serde_json::{json, Value};

use crate::codes::*;

/// Dates and times relative to the generator's `today` (never the clock).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    pub today: NaiveDate,
}

impl Clock {
    /// The day `days_ago` before today (negative: in the future).
    pub fn day(&self, days_ago: i64) -> NaiveDate {
        self.today
            .checked_sub_signed(TimeDelta::days(days_ago))
            .unwrap_or(self.today)
    }
    /// `YYYY-MM-DD` of [`Clock::day`].
    pub fn date(&self, days_ago: i64) -> String {
        self.day(days_ago).format("%Y-%m-%d").to_string()
    }
    /// An instant at local time `h:m` in Europe/Oslo, with its offset.
    pub fn at(&self, days_ago: i64, h: u32, m: u32) -> String {
        local_time(self.day(days_ago), h, m)
    }
}

/// `date` at `h:m` Europe/Oslo as an RFC 3339 instant (`2026-11-20T10:00:00+01:00`).
pub(crate) fn local_time(date: NaiveDate, h: u32, m: u32) -> String {
    let t = NaiveTime::from_hms_opt(h % 24, m % 60, 0).unwrap_or(NaiveTime::MIN);
    match Oslo.from_local_datetime(&date.and_time(t)).earliest() {
        Some(local) => local.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        None => format!(
            "{}T{:02}:{:02}:00Z",
            date.format("%Y-%m-%d"),
            h % 24,
            m % 60
        ),
    }
}

/// The birth date of someone who is `years` old and had the birthday `days_since`
/// days ago (keep `days_since` below 365 so the age is exactly `years`).
pub(crate) fn born(today: NaiveDate, years: u32, days_since: i64) -> NaiveDate {
    let anniversary = today
        .checked_sub_months(Months::new(12 * years))
        .unwrap_or(today);
    anniversary
        .checked_sub_signed(TimeDelta::days(days_since))
        .unwrap_or(anniversary)
}

/// The first valid synthetic (Tenor, month + 80) fødselsnummer for `birth` at or after
/// `start` in the individual-number series, with the parity that encodes the gender.
pub(crate) fn synthetic_fnr(birth: NaiveDate, start: u16, female: bool, d_number: bool) -> String {
    use chrono::Datelike;
    use nordlys_fhir::ids::{generate_dnr, generate_fnr, individual_range};
    let range = individual_range(birth.year()).unwrap_or(0..=499);
    let (lo, hi) = (*range.start(), *range.end());
    let span = hi - lo + 1;
    for step in 0..span {
        let individual = lo + (start.wrapping_add(step)) % span;
        if (individual % 2 == 0) != female {
            continue;
        }
        let made = if d_number {
            generate_dnr(birth, individual, true)
        } else {
            generate_fnr(birth, individual, true)
        };
        if let Some(id) = made {
            return id;
        }
    }
    String::new()
}

pub(crate) fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({"system": system, "code": code, "display": display})
}

/// A CodeableConcept with one coding and its display as text.
pub(crate) fn cc(system: &str, code: &str, display: &str) -> Value {
    json!({"coding": [coding(system, code, display)], "text": display})
}

pub(crate) fn text_cc(text: &str) -> Value {
    json!({ "text": text })
}

pub(crate) fn reference(target: &str) -> Value {
    json!({ "reference": target })
}

/// `meta` with the producing organisation (see [`SOURCE_PREFIX`]) and item labels.
pub(crate) fn meta(source_orgnr: Option<&str>, labels: &[&str]) -> Value {
    let mut m = json!({});
    if let Some(org) = source_orgnr {
        m["source"] = json!(format!("{SOURCE_PREFIX}{org}"));
    }
    if !labels.is_empty() {
        let security: Vec<Value> = labels.iter().map(|c| label(c)).collect();
        m["security"] = Value::Array(security);
    }
    m
}

/// `meta` of a NORU item: the label and the date it opens.
pub(crate) fn meta_deferred(source_orgnr: &str, until: &str) -> Value {
    let mut m = meta(Some(source_orgnr), &["NORU"]);
    m["extension"] = json!([{"url": DEFERRED_UNTIL_URL, "valueDateTime": until}]);
    m
}

pub(crate) fn label(code: &str) -> Value {
    let display = match code {
        "N" => "Normal",
        "NORN_FOR" => "Eldre enn elektronisk innsyn",
        "NORN_FORANS" => "Nektet innsyn for foreldre",
        "NORN_UNGDOM" => "Nektet innsyn for ungdom",
        "NORU" => "Utsatt innsyn",
        _ => code,
    };
    coding(LABEL_SYSTEM, code, display)
}

/// A person's name, address and national id, shared by Patient and RelatedPerson.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub given: String,
    pub family: String,
    pub female: bool,
    pub birth: NaiveDate,
    pub pid: String,
    pub address: Address,
}

#[derive(Debug, Clone)]
pub(crate) struct Address {
    pub line: String,
    pub postal_code: String,
    pub city: String,
}

impl Address {
    pub fn new(line: &str, postal_code: &str, city: &str) -> Self {
        Address {
            line: line.into(),
            postal_code: postal_code.into(),
            city: city.into(),
        }
    }
    pub fn json(&self) -> Value {
        json!({"use": "home", "type": "physical", "line": [self.line], "postalCode": self.postal_code,
               "city": self.city, "country": "NO"})
    }
}

impl Person {
    pub fn identifier(&self) -> Value {
        let d_number = self.pid.as_bytes().first().is_some_and(|b| *b >= b'4');
        let system = if d_number { DNR_SYSTEM } else { FNR_SYSTEM };
        json!({"use": "official", "system": system, "value": self.pid})
    }
    pub fn name(&self) -> Value {
        json!([{"use": "official", "family": self.family, "given": [self.given]}])
    }
    pub fn gender(&self) -> &'static str {
        if self.female {
            "female"
        } else {
            "male"
        }
    }
}

/// A Patient; `confidential` puts the v3-Confidentiality `R` label on it.
pub(crate) fn patient(
    id: &str,
    p: &Person,
    gp: Option<&str>,
    source: &str,
    confidential: bool,
) -> Value {
    let mut r = json!({
        "resourceType": "Patient", "id": id, "meta": meta(Some(source), &[]),
        "identifier": [p.identifier()], "active": true, "name": p.name(),
        "gender": p.gender(), "birthDate": p.birth.format("%Y-%m-%d").to_string(),
        "address": [p.address.json()],
    });
    if let Some(gp) = gp {
        r["generalPractitioner"] = json!([reference(gp)]);
    }
    if confidential {
        r["meta"]["security"] = json!([coding(CONFIDENTIALITY_SYSTEM, "R", "restricted")]);
    }
    r
}

/// A RelatedPerson with relationship codes; `responsibility_from` adds the
/// parental-responsibility extension with `RelatedPerson.period` as its period.
pub(crate) fn related_person(
    id: &str,
    patient_id: &str,
    p: &Person,
    relationships: &[&str],
    responsibility_from: Option<NaiveDate>,
    source: &str,
) -> Value {
    let rel: Vec<Value> = relationships
        .iter()
        .map(|c| cc(ROLE_CODE_SYSTEM, c, role_display(c)))
        .collect();
    let mut r = json!({
        "resourceType": "RelatedPerson", "id": id, "meta": meta(Some(source), &[]),
        "identifier": [p.identifier()], "active": true,
        "patient": reference(&format!("Patient/{patient_id}")),
        "relationship": rel, "name": p.name(), "gender": p.gender(),
        "birthDate": p.birth.format("%Y-%m-%d").to_string(), "address": [p.address.json()],
    });
    if let Some(from) = responsibility_from {
        r["extension"] = json!([{"url": PARENTAL_RESPONSIBILITY_URL, "valueBoolean": true}]);
        r["period"] = json!({"start": from.format("%Y-%m-%d").to_string()});
    }
    r
}

pub(crate) fn role_display(code: &str) -> &'static str {
    match code {
        "PRN" => "parent",
        "MTH" => "mother",
        "FTH" => "father",
        "PRNFOST" => "foster parent",
        "GUARD" => "guardian",
        "SON" => "natural son",
        "DAU" => "natural daughter",
        "POWATT" => "power of attorney",
        "ONESELF" => "self",
        _ => "related person",
    }
}

/// The display of a unit type code of [`UNIT_TYPE_SYSTEM`].
pub(crate) fn unit_type_display(code: &str) -> &'static str {
    match code {
        "hospital" => "Helseforetak",
        "paediatrics" => "Barnesykdommer",
        "child-psychiatry" => "Barne- og ungdomspsykiatri",
        "medicine" => "Indremedisin",
        "laboratory" => "Laboratoriemedisin",
        "microbiology" => "Mikrobiologi",
        "radiology" => "Radiologi",
        "pathology" => "Patologi",
        "surgery" => "Kirurgi",
        "cardiology" => "Hjertesykdommer",
        "general-practice" => "Allmennlegepraksis",
        "home-care" => "Hjemmetjeneste",
        _ => "Annet",
    }
}

/// The next `n` weekdays after `today`.
pub(crate) fn next_weekdays(today: NaiveDate, n: usize) -> Vec<NaiveDate> {
    (1..60)
        .filter_map(|d| today.checked_add_signed(TimeDelta::days(d)))
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .take(n)
        .collect()
}

/// Plain text as the base64 `data` of an attachment.
pub(crate) fn text_attachment(title: &str, text: &str, created: &str) -> Value {
    json!({"contentType": "text/plain; charset=utf-8", "language": "nb",
           "data": crate::pdf::base64(text.as_bytes()), "title": title, "creation": created})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn local_time_has_the_oslo_offset_of_the_season() {
        assert_eq!(
            local_time(d(2026, 1, 15), 9, 30),
            "2026-01-15T09:30:00+01:00"
        );
        assert_eq!(
            local_time(d(2026, 7, 15), 9, 30),
            "2026-07-15T09:30:00+02:00"
        );
    }

    #[test]
    fn born_gives_the_exact_age_also_on_29_february() {
        for today in [d(2028, 2, 29), d(2027, 1, 1), d(2026, 12, 31)] {
            for (years, since) in [(13, 0), (13, 1), (8, 364), (80, 200)] {
                let b = born(today, years, since);
                assert_eq!(
                    nordlys_fhir::time::age_on(b, today),
                    years as i32,
                    "{today} {years} {since}"
                );
            }
        }
    }

    #[test]
    fn synthetic_ids_validate_and_carry_the_gender() {
        let b = d(2012, 7, 3);
        let f = synthetic_fnr(b, 17, true, false);
        let id = nordlys_fhir::ids::parse_national_id(&f).unwrap();
        assert_eq!(
            (id.birth_date, id.is_female(), id.is_d_number),
            (b, true, false)
        );
        let m = synthetic_fnr(b, 17, false, true);
        let id = nordlys_fhir::ids::parse_national_id(&m).unwrap();
        assert_eq!(
            (id.birth_date, id.is_female(), id.is_d_number),
            (b, false, true)
        );
    }
}
