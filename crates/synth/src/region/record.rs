//! One patient's record: the Patient, referrals with onward referrals and the
//! encounters, notes and letters linked to them, GP notes (20–200 journal documents in
//! all, skewed towards the low end), appointments past and future, and a message thread;
//! results, plans, medication and vaccinations come from `clinical`.
//!
//! Why linked this way: the per-referral rules (parent access, the 10-day deferral for
//! paediatrics and child psychiatry) follow `basedOn`, `replaces`, `context.related` and
//! encounters, so generated data must use every one of these links.
use chrono::{Datelike, NaiveDate, Weekday};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::clinical;
use super::directory::{fxhash, GpOffice, Hospital};
use super::words::{referral_reason, GP_NOTES, WARDS, WARD_NOTES};
use crate::items::{Appt, Doc, Encounter, Referral};
use crate::make::{patient, Clock, Person};

/// The patient being generated and their surroundings.
pub(crate) struct Subject<'a> {
    /// Patient number (`p-000123`).
    pub n: usize,
    pub person: &'a Person,
    pub age: u32,
    pub gp: &'a GpOffice,
    pub hospital: &'a Hospital,
    pub confidential: bool,
    pub clock: Clock,
}

impl Subject<'_> {
    pub fn id(&self) -> String {
        format!("p-{:06}", self.n)
    }
    pub fn reference(&self) -> String {
        format!("Patient/{}", self.id())
    }
    /// Days of record history: since birth, at most 12 years, at least 1.
    pub fn span(&self) -> i64 {
        (self.clock.today - self.person.birth)
            .num_days()
            .clamp(1, 12 * 365)
    }
    /// The patient's own GP.
    pub fn gp_practitioner(&self) -> String {
        self.gp.unit.practitioner(self.n)
    }
}

/// What the household needs to know to make grants about this patient.
#[derive(Debug, Clone, Default)]
pub(crate) struct Facts {
    /// (`ServiceRequest/…` at the end of a referral chain, the receiving practitioner,
    /// the receiving legal entity's organisation number)
    pub referrals: Vec<(String, String, String)>,
}

/// Per-patient id counters, so ids are positional and stable.
pub(crate) struct Seq {
    n: usize,
    counters: [u32; 8],
}

impl Seq {
    fn next(&mut self, slot: usize) -> u32 {
        self.counters[slot] += 1;
        self.counters[slot]
    }
    fn make(&mut self, prefix: &str, slot: usize, width: usize) -> String {
        let k = self.next(slot);
        format!("{prefix}-{:06}-{k:0width$}", self.n)
    }
    pub fn doc(&mut self) -> String {
        self.make("doc", 0, 4)
    }
    pub fn sr(&mut self) -> String {
        self.make("sr", 1, 2)
    }
    pub fn enc(&mut self) -> String {
        self.make("enc", 2, 2)
    }
    pub fn appt(&mut self) -> String {
        self.make("appt", 3, 2)
    }
    pub fn comm(&mut self) -> String {
        self.make("comm", 4, 2)
    }
    pub fn dr(&mut self) -> String {
        self.make("dr", 5, 3)
    }
    pub fn letter(&mut self) -> String {
        self.make("letter", 6, 2)
    }
    /// Anything else: `<prefix>-000123-<k>`.
    pub fn other(&mut self, prefix: &str) -> String {
        let k = self.next(7);
        format!("{prefix}-{:06}-{k}", self.n)
    }
}

/// A weekday `days` ahead (Saturday and Sunday move to Monday).
pub(crate) fn ahead(clock: Clock, days: i64) -> NaiveDate {
    let d = clock.day(-days);
    match d.weekday() {
        Weekday::Sat => clock.day(-days - 2),
        Weekday::Sun => clock.day(-days - 1),
        _ => d,
    }
}

/// Generates the record of `s` into `out`.
pub(crate) fn record(rng: &mut ChaCha8Rng, s: &Subject, out: &mut Vec<Value>) -> Facts {
    let mut seq = Seq {
        n: s.n,
        counters: [0; 8],
    };
    let gp_pr = s.gp_practitioner();
    out.push(patient(
        &s.id(),
        s.person,
        Some(&gp_pr),
        &s.gp.unit.orgnr,
        s.confidential,
    ));
    // u^2.5 skews towards 20; sqrt and * are exact IEEE operations, unlike powf, so the
    // count is the same on every platform.
    let u = rng.random::<f64>();
    let n_docs = 20 + (180.0 * u * u * u.sqrt()) as usize;
    let mut facts = Facts::default();
    let mut hospital_docs = 0;
    for k in 0..rng.random_range(1..=3) {
        hospital_docs += referral(rng, s, k, &mut seq, &mut facts, out);
    }
    for _ in hospital_docs..n_docs {
        let days = rng.random_range(1..=s.span());
        let (title, text) = GP_NOTES[rng.random_range(0..GP_NOTES.len())];
        let id = seq.doc();
        let mut d = Doc {
            patient: s.reference(),
            date: s
                .clock
                .at(days, rng.random_range(8..16), rng.random_range(0..60)),
            kind: ("11488-4", "Consult note"),
            title: title.into(),
            author: s.gp.unit.practitioner(rng.random_range(0..3)),
            custodian: s.gp.unit.org_ref(),
            source: s.gp.unit.orgnr.clone(),
            text: text.into(),
            labels: if days > 10 * 365 {
                vec!["NORN_FOR"]
            } else {
                vec![]
            },
            ..Default::default()
        };
        if rng.random_bool(0.05) {
            d.pdf_binary = Some(id.replace("doc-", "bin-"));
        }
        d.id = id;
        push_doc(d, out);
    }
    super::contact::gp_appointments(rng, s, &mut seq, out);
    if s.age >= 12 && rng.random_bool(0.4) {
        super::contact::thread(rng, s, &mut seq, out);
    }
    clinical::clinical(rng, s, &mut seq, out);
    facts
}

fn push_doc(d: Doc, out: &mut Vec<Value>) {
    if let Some(b) = d.binary() {
        out.push(b);
    }
    out.push(d.json());
}

/// One referral (maybe forwarded), its encounters, notes, letter and next appointment;
/// returns the number of journal documents made.
fn referral(
    rng: &mut ChaCha8Rng,
    s: &Subject,
    k: usize,
    seq: &mut Seq,
    facts: &mut Facts,
    out: &mut Vec<Value>,
) -> usize {
    let span = s.span();
    let ward_key = if s.age < 16 {
        if s.age >= 6 && rng.random_bool(0.25) {
            "bup"
        } else {
            "barn"
        }
    } else if rng.random_bool(0.5) {
        "med"
    } else {
        "kir"
    };
    let recent = k == 0 && rng.random_bool(0.1);
    let authored = if recent {
        rng.random_range(2..=8).min(span)
    } else {
        rng.random_range(15.min(span)..=span)
    };
    let ward = s.hospital.ward(ward_key);
    let first = seq.sr();
    let mut r = Referral {
        id: first.clone(),
        patient: s.reference(),
        authored: s.clock.at(authored, 9, 0),
        requester: s.gp_practitioner(),
        performer: ward.org_ref(),
        what: format!(
            "Henvisning til {}",
            WARDS
                .iter()
                .find(|w| w.0 == ward_key)
                .map(|w| w.2)
                .unwrap_or("spesialist")
        ),
        reason: referral_reason(ward_key).into(),
        status: if authored < 180 {
            "active"
        } else {
            "completed"
        },
        source: s.gp.unit.orgnr.clone(),
        ..Default::default()
    };
    let (mut last, mut last_ward, mut last_authored) = (first.clone(), ward, authored);
    if authored > 3 && rng.random_bool(0.25) {
        let onward_key = match ward_key {
            "barn" => "bup",
            "bup" => "barn",
            "med" => "kir",
            _ => "med",
        };
        let onward_ward = s.hospital.ward(onward_key);
        let onward_authored = authored - rng.random_range(1..=(authored - 1).min(30));
        let replaces = rng.random_bool(0.5);
        let onward = Referral {
            id: seq.sr(),
            patient: s.reference(),
            authored: s.clock.at(onward_authored, 13, 0),
            requester: ward.practitioner(0),
            performer: onward_ward.org_ref(),
            what: format!("Videre henvisning: {}", referral_reason(onward_key)),
            reason: referral_reason(ward_key).into(),
            status: r.status,
            based_on: (!replaces).then(|| format!("ServiceRequest/{first}")),
            replaces: replaces.then(|| format!("ServiceRequest/{first}")),
            source: ward.orgnr.clone(),
            ..Default::default()
        };
        if replaces {
            r.status = "revoked";
        }
        out.push(r.json());
        (last, last_ward, last_authored) = (onward.id.clone(), onward_ward, onward_authored);
        out.push(onward.json());
    } else {
        out.push(r.json());
    }
    let last_ref = format!("ServiceRequest/{last}");
    let mut docs = 0;
    if last_authored > 2 {
        let letter_day = last_authored - 1;
        push_doc(
            Doc {
                id: seq.letter(),
                patient: s.reference(),
                date: s.clock.at(letter_day, 12, 0),
                kind: ("51852-2", "Letter"),
                title: "Innkalling til poliklinisk time".into(),
                author: last_ward.practitioner(0),
                custodian: last_ward.org_ref(),
                source: last_ward.orgnr.clone(),
                text: "Du er henvist og har fått time. Se timeavtaler for tid og sted.".into(),
                related: vec![last_ref.clone()],
                letter: true,
                ..Default::default()
            },
            out,
        );
        for e in 0..rng.random_range(1..=3) {
            let day = rng.random_range(1..last_authored);
            let enc = seq.enc();
            let video = rng.random_bool(0.1);
            out.push(
                Encounter {
                    id: enc.clone(),
                    patient: s.reference(),
                    class: if video { "VR" } else { "AMB" },
                    what: "Poliklinisk konsultasjon".into(),
                    start: s.clock.at(day, 10, 0),
                    end: s.clock.at(day, 11, 0),
                    provider: last_ward.org_ref(),
                    practitioner: last_ward.practitioner(e),
                    based_on: Some(last_ref.clone()),
                    source: last_ward.orgnr.clone(),
                }
                .json(),
            );
            let (title, text) = WARD_NOTES[rng.random_range(0..WARD_NOTES.len())];
            let refused =
                (12..=15).contains(&s.age) && last_ward.key == "bup" && rng.random_bool(0.25);
            push_doc(
                Doc {
                    id: seq.doc(),
                    patient: s.reference(),
                    date: s.clock.at(day, 11, 30),
                    kind: ("11506-3", "Progress note"),
                    title: title.into(),
                    author: last_ward.practitioner(e),
                    custodian: last_ward.org_ref(),
                    source: last_ward.orgnr.clone(),
                    text: text.into(),
                    encounter: Some(format!("Encounter/{enc}")),
                    related: vec![last_ref.clone()],
                    labels: if refused { vec!["NORN_FORANS"] } else { vec![] },
                    ..Default::default()
                },
                out,
            );
            docs += 1;
        }
    }
    if last_authored < 180 && rng.random_bool(0.6) {
        let video = rng.random_bool(0.2);
        let appt = seq.appt();
        out.push(
            Appt {
                id: appt.clone(),
                patient: s.reference(),
                date: ahead(s.clock, rng.random_range(1..=40)),
                hour: rng.random_range(8..15),
                minute: 15 * rng.random_range(0..4),
                minutes: 30,
                status: "booked",
                practitioner: last_ward.practitioner(0),
                location: last_ward.location_ref(),
                what: "Poliklinisk time".into(),
                based_on: Some(last_ref.clone()),
                slot: None,
                video: video.then(|| {
                    format!(
                        "https://video.nordlys.no/m/{:012x}",
                        fxhash(&appt) & 0xffff_ffff_ffff
                    )
                }),
                source: last_ward.orgnr.clone(),
            }
            .json(),
        );
    }
    facts
        .referrals
        .push((last_ref, last_ward.practitioner(0), last_ward.orgnr.clone()));
    docs
}
