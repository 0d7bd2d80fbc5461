//! The demo region that `nordlys demo` loads: a small, fixed cast that exercises every
//! rule of access-policy.md, with ages computed from `today` so the 13-year-old is 13
//! whenever the demo runs.
//!
//! Why fixed people rather than random ones: the login page, the docs, manual testing
//! and the policy tests all talk about "Kari, 13" and "her mother"; the cast is described
//! person by person in `crates/synth/README.md`. Every birth date is `today` minus a
//! whole number of years minus fewer than 365 days, so the stated ages hold on every
//! day, leap days included. All national ids are synthetic (Tenor style, month + 80).
mod appointment_rules;
mod dialog;
mod directory;
mod family;
mod forms;
mod kari;
mod ola;
mod others;
mod pedersen;
mod staff;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

pub use directory::UNN_ORGNR;

use crate::items::{Doc, Message};
use crate::make::{born, synthetic_fnr, Address, Clock, Person};
use crate::results::Report;

/// Everything `nordlys demo` needs: the resources to load and who can log in.
#[derive(Debug, Clone, Serialize)]
pub struct DemoRegion {
    pub today: NaiveDate,
    /// FHIR R4 resources, each with a stable id; directory data first.
    pub resources: Vec<Value>,
    /// Citizens for the development login page.
    pub persons: Vec<DemoPerson>,
    pub practitioners: Vec<DemoPractitioner>,
    /// Record-system clients (system tokens).
    pub systems: Vec<DemoSystem>,
}

/// A citizen of the demo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoPerson {
    /// Stable key (also the Patient id when the person has a record).
    pub key: String,
    /// Given name and age, e.g. "Kari, 13".
    pub display: String,
    /// Who this is and what the demo shows with them, e.g. "Kari's mother".
    pub role: String,
    /// Synthetic fødselsnummer (the `pid` of a citizen token).
    pub pid: String,
    pub age: i32,
    pub birth_date: NaiveDate,
    /// Keys of the persons this one may act for (parent, foster parent, guardian, proxy).
    pub acts_for: Vec<String>,
    /// `Patient/<key>` when the person has an own record.
    pub patient: Option<String>,
}

/// Health personnel of the demo (practitioner tokens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoPractitioner {
    /// Also the Practitioner id.
    pub key: String,
    pub display: String,
    pub hpr: String,
    /// The legal entity (what the token's orgnr claim carries).
    pub orgnr: String,
    /// The unit's Organization id.
    pub unit: String,
    pub unit_name: String,
}

/// A record-system client of the demo (system tokens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoSystem {
    pub key: String,
    pub display: String,
    pub client_id: String,
    pub orgnr: String,
    pub scope: String,
}

/// Builds the demo region for `today`.
pub fn demo_region(today: NaiveDate) -> DemoRegion {
    let mut ctx = Ctx {
        c: Clock { today },
        out: Vec::new(),
        persons: Vec::new(),
    };
    ctx.out.extend(directory::organisations());
    let (practitioners, practitioner_list) = staff::practitioners();
    ctx.out.extend(practitioners);
    family::nilsen(&mut ctx);
    others::foster(&mut ctx);
    pedersen::proxy(&mut ctx);
    others::guardian(&mut ctx);
    forms::forms(&mut ctx);
    appointment_rules::rules(&mut ctx);
    dialog::dialog(&mut ctx);
    let mut resources = ctx.out;
    resources.iter_mut().for_each(crate::tidy);
    DemoRegion {
        today,
        resources,
        persons: ctx.persons,
        practitioners: practitioner_list,
        systems: staff::systems(),
    }
}

/// The state the demo builders share.
pub(crate) struct Ctx {
    pub c: Clock,
    pub out: Vec<Value>,
    pub persons: Vec<DemoPerson>,
}

/// How to make one demo person.
pub(crate) struct Who<'a> {
    pub key: &'a str,
    pub given: &'a str,
    pub family: &'a str,
    pub female: bool,
    pub years: u32,
    /// Days since the last birthday (below 365).
    pub days_since: i64,
    pub address: &'a Address,
    pub role: &'a str,
    pub acts_for: &'a [&'a str],
    pub has_record: bool,
}

impl Ctx {
    /// Creates the person (synthetic id, birth date from today) and lists them.
    pub fn person(&mut self, w: Who) -> Person {
        let birth = born(self.c.today, w.years, w.days_since);
        let start = 100 + 37 * self.persons.len() as u16;
        let pid = synthetic_fnr(birth, start, w.female, false);
        self.persons.push(DemoPerson {
            key: w.key.to_string(),
            display: format!("{}, {}", w.given, w.years),
            role: w.role.to_string(),
            pid: pid.clone(),
            age: nordlys_fhir::time::age_on(birth, self.c.today),
            birth_date: birth,
            acts_for: w.acts_for.iter().map(|s| s.to_string()).collect(),
            patient: w.has_record.then(|| format!("Patient/{}", w.key)),
        });
        Person {
            given: w.given.to_string(),
            family: w.family.to_string(),
            female: w.female,
            birth,
            pid,
            address: w.address.clone(),
        }
    }

    pub fn push(&mut self, v: Value) {
        self.out.push(v);
    }

    /// A document, preceded by its PDF Binary if it has one.
    pub fn doc(&mut self, d: Doc) {
        if let Some(b) = d.binary() {
            self.out.push(b);
        }
        self.out.push(d.json());
    }

    pub fn report(&mut self, r: Report) {
        self.out.extend(r.resources());
    }

    /// `Organization/<id>`'s legal-entity organisation number.
    pub fn orgnr(&self, org_id: &str) -> String {
        directory::orgnr(org_id)
    }
}

/// The date `days` after `from` (for dates relative to a birth).
pub(crate) fn after(from: NaiveDate, months: u32, days: i64) -> String {
    let d = from
        .checked_add_months(chrono::Months::new(months))
        .unwrap_or(from);
    let d = d
        .checked_add_signed(chrono::TimeDelta::days(days))
        .unwrap_or(d);
    d.format("%Y-%m-%d").to_string()
}

/// The `n`-th weekday after today, for future appointments.
pub(crate) fn weekday(today: NaiveDate, n: usize) -> NaiveDate {
    crate::make::next_weekdays(today, n + 1)
        .get(n)
        .copied()
        .unwrap_or(today)
}

pub(crate) use directory::schedule_with_slots;

/// One message: (id, days ago, sender, recipient, text, producing orgnr if not a citizen).
pub(crate) type ThreadLine<'a> = (&'a str, i64, &'a str, &'a str, &'a str, Option<&'a str>);

/// Pushes a thread; each message answers the one before.
pub(crate) fn message_thread(
    ctx: &mut Ctx,
    patient: &str,
    topic: &str,
    thread: &[ThreadLine],
    based_on: Option<&str>,
) {
    let mut previous: Option<String> = None;
    for (i, (id, days, sender, recipient, text, source)) in thread.iter().enumerate() {
        let m = Message {
            id: id.to_string(),
            patient: patient.into(),
            sent: ctx.c.at(*days, 12 + i as u32, 5),
            sender: sender.to_string(),
            recipient: recipient.to_string(),
            topic: topic.into(),
            text: text.to_string(),
            in_response_to: previous.clone(),
            based_on: based_on.map(String::from),
            source: source.map(String::from),
        };
        ctx.push(m.json());
        previous = Some(format!("Communication/{id}"));
    }
}
