//! Results with history, plans, medication, vaccinations and home measurements for one
//! region patient.
//!
//! Why these rates: every service tile should have data for most patients, and the rare
//! cases the policy handles specially must still occur in a region of 1,000 — a result
//! issued yesterday (about 8 % of patients), a radiology result deferred longer with
//! NORU (2 %), medication marked for the youth only or shared (30 % of youths).
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::record::{Seq, Subject};
use crate::care::*;
use crate::codes::{ICD10, SNOMED};
use crate::make::cc;
use crate::results::*;

const ADULT_PANELS: &[&[Analyte]] = &[
    &[HBA1C, CREATININE, CHOLESTEROL],
    &[HB, FERRITIN, CRP],
    &[TSH],
    &[CHOLESTEROL, LDL, GLUCOSE],
];

const CONDITIONS: &[(&str, &str)] = &[
    ("E11.9", "Diabetes mellitus type 2"),
    ("I10", "Essensiell hypertensjon"),
    ("J44.9", "Kronisk obstruktiv lungesykdom"),
    ("I50.9", "Hjertesvikt"),
    ("F32.1", "Moderat depressiv episode"),
    ("M17.9", "Kneartrose"),
];

pub(crate) fn clinical(rng: &mut ChaCha8Rng, s: &Subject, seq: &mut Seq, out: &mut Vec<Value>) {
    lab_history(rng, s, seq, out);
    imaging_and_more(rng, s, seq, out);
    if (s.age >= 40 && rng.random_bool(0.15)) || rng.random_bool(0.03) {
        plan(rng, s, seq, out);
    }
    medication(rng, s, seq, out);
    vaccinations(rng, s, seq, out);
    if s.age >= 70 && rng.random_bool(0.1) {
        home_measurements(rng, s, seq, out);
    }
}

fn lab_history(rng: &mut ChaCha8Rng, s: &Subject, seq: &mut Seq, out: &mut Vec<Value>) {
    let panel: &[Analyte] = if s.age < 18 {
        &[HB, CRP]
    } else if s.age >= 70 {
        &[NT_PROBNP, CREATININE, POTASSIUM]
    } else {
        ADULT_PANELS[rng.random_range(0..ADULT_PANELS.len())]
    };
    let count = if s.age < 18 {
        rng.random_range(1..=4)
    } else {
        rng.random_range(2..=10)
    } as i64;
    let span = s.span();
    let lab = s.hospital.ward("lab");
    let mut level: Vec<f64> = panel
        .iter()
        .map(|a| (a.low + a.high) / 2.0 * rng.random_range(0.7..1.3))
        .collect();
    let yesterday = rng.random_bool(0.08);
    for k in 0..count {
        let mut day = (span * (count - k) / (count + 1)).max(2);
        if yesterday && k == count - 1 {
            day = 1;
        }
        let dr = seq.dr();
        let results = panel
            .iter()
            .enumerate()
            .map(|(j, a)| {
                level[j] *= rng.random_range(0.9..1.1);
                Obs {
                    id: format!("obs-{}-{}", &dr[3..], j + 1),
                    finding: Finding::Quantity(*a, level[j]),
                }
            })
            .collect();
        let based_on = (k == count - 1 && rng.random_bool(0.5)).then(|| {
            let req = seq.sr();
            let r = crate::items::Referral {
                id: req.clone(),
                patient: s.reference(),
                authored: s.clock.at(day + 1, 9, 0),
                requester: s.gp_practitioner(),
                performer: lab.org_ref(),
                what: "Blodprøver".into(),
                reason: "Kontroll".into(),
                status: "completed",
                source: s.gp.unit.orgnr.clone(),
                requisition: true,
                ..Default::default()
            };
            out.push(r.json());
            format!("ServiceRequest/{req}")
        });
        out.extend(
            Report {
                id: dr,
                patient: s.reference(),
                code: ("11502-2", "Laboratory report"),
                section: "LAB",
                effective: s.clock.at(day, 8, 0),
                issued: s.clock.at(day, 14, 0),
                performer: lab.org_ref(),
                results,
                based_on,
                source: lab.orgnr.clone(),
                ..Default::default()
            }
            .resources(),
        );
    }
}

fn imaging_and_more(rng: &mut ChaCha8Rng, s: &Subject, seq: &mut Seq, out: &mut Vec<Value>) {
    let span = s.span();
    if rng.random_bool(0.25) {
        let ward = s.hospital.ward("rad");
        let noru = rng.random_bool(0.08);
        let day = if noru { 2 } else { rng.random_range(1..=span) };
        out.extend(
            Report {
                id: seq.dr(),
                patient: s.reference(),
                code: ("18748-4", "Diagnostic imaging study"),
                section: "RAD",
                effective: s.clock.at(day, 11, 0),
                issued: s.clock.at(day, 15, 0),
                performer: ward.practitioner(s.n),
                conclusion: Some("Ingen sikre patologiske funn.".into()),
                source: ward.orgnr.clone(),
                deferred_until: noru.then(|| s.clock.at(-rng.random_range(5..30), 12, 0)),
                ..Default::default()
            }
            .resources(),
        );
    }
    if s.age >= 18 && rng.random_bool(0.08) {
        let ward = s.hospital.ward("pat");
        let day = rng.random_range(1..=span);
        out.extend(
            Report {
                id: seq.dr(),
                patient: s.reference(),
                code: ("11526-1", "Pathology study"),
                section: "SP",
                effective: s.clock.at(day + 7, 10, 0),
                issued: s.clock.at(day, 13, 0),
                performer: ward.practitioner(s.n),
                conclusion: Some("Hudbiopsi: benign forandring.".into()),
                source: ward.orgnr.clone(),
                ..Default::default()
            }
            .resources(),
        );
    }
    if rng.random_bool(0.12) {
        let ward = s.hospital.ward("mikro");
        let day = rng.random_range(1..=span);
        let dr = seq.dr();
        let growth = rng.random_bool(0.4);
        let value = if growth {
            cc(SNOMED, "80166006", "Streptococcus pyogenes")
        } else {
            cc(SNOMED, "264868006", "No growth")
        };
        out.extend(
            Report {
                id: dr.clone(),
                patient: s.reference(),
                code: ("18725-2", "Microbiology studies (set)"),
                section: "MB",
                effective: s.clock.at(day, 9, 0),
                issued: s.clock.at(day, 16, 0),
                performer: ward.practitioner(s.n),
                results: vec![Obs {
                    id: format!("obs-{}-1", &dr[3..]),
                    finding: Finding::Coded {
                        loinc: "626-2",
                        display: "Bacteria identified in Throat by Culture",
                        value,
                    },
                }],
                source: ward.orgnr.clone(),
                ..Default::default()
            }
            .resources(),
        );
    }
}

fn plan(rng: &mut ChaCha8Rng, s: &Subject, seq: &mut Seq, out: &mut Vec<Value>) {
    let (code, display) = CONDITIONS[rng.random_range(0..CONDITIONS.len())];
    let gp = s.gp_practitioner();
    let src = &s.gp.unit.orgnr;
    let start = s.clock.date(rng.random_range(1..=s.span()));
    let patient = s.reference();
    let cond = seq.other("cond");
    let goal_id = seq.other("goal");
    out.push(condition(
        &cond, &patient, ICD10, code, display, &start, &gp, src,
    ));
    out.push(goal(
        &goal_id,
        &patient,
        "Det som er viktig for meg: å klare meg selv hjemme",
        &patient,
        &start,
        src,
    ));
    out.push(care_plan(
        &seq.other("careplan"),
        &patient,
        "Behandlings- og egenbehandlingsplan",
        display,
        &start,
        &gp,
        None,
        &[format!("Condition/{cond}")],
        &[format!("Goal/{goal_id}")],
        &[
            Measure {
                what: "Kontroll hos fastlege hver tredje måned",
                performer: &gp,
            },
            Measure {
                what: "Gå tur hver dag",
                performer: &patient,
            },
        ],
        src,
    ));
}

fn medication(rng: &mut ChaCha8Rng, s: &Subject, seq: &mut Seq, out: &mut Vec<Value>) {
    let adult = [
        METFORMIN,
        ATORVASTATIN,
        AMLODIPIN,
        LEVOTHYROXIN,
        PARACETAMOL,
        FUROSEMID,
    ];
    let gp = s.gp_practitioner();
    let src = &s.gp.unit.orgnr;
    let patient = s.reference();
    let count = if s.age >= 18 {
        rng.random_range(0..=3)
    } else {
        usize::from(rng.random_bool(0.2))
    };
    for _ in 0..count {
        let drug = if s.age >= 18 {
            adult[rng.random_range(0..adult.len())]
        } else {
            PENICILLIN
        };
        let when = s.clock.at(rng.random_range(1..=s.span()), 11, 0);
        out.push(prescription(
            &seq.other("medreq"),
            &patient,
            drug,
            &when,
            &gp,
            None,
            src,
        ));
    }
    if (12..=17).contains(&s.age) && rng.random_bool(0.3) {
        let (drug, tag) = if rng.random_bool(0.5) {
            (SERTRALIN, "only-youth")
        } else {
            (CETIRIZIN, "shared")
        };
        let since = s.clock.date(rng.random_range(1..=200));
        out.push(statement(
            &seq.other("medst"),
            &patient,
            drug,
            &since,
            &since,
            &gp,
            Some(tag),
            src,
        ));
    }
}

fn vaccinations(rng: &mut ChaCha8Rng, s: &Subject, seq: &mut Seq, out: &mut Vec<Value>) {
    let gp = s.gp_practitioner();
    let src = &s.gp.unit.orgnr;
    let patient = s.reference();
    if s.age < 18 {
        let programme: [(Vaccine, u32, u32); 7] = [
            (V_DTAP_IPV_HIB_HEPB, 3, 1),
            (V_DTAP_IPV_HIB_HEPB, 5, 2),
            (V_DTAP_IPV_HIB_HEPB, 12, 3),
            (V_MMR, 15, 1),
            (V_DTAP_IPV, 84, 1),
            (V_MMR, 132, 2),
            (V_HPV, 146, 1),
        ];
        for (vaccine, months, dose) in programme {
            let Some(date) = s
                .person
                .birth
                .checked_add_months(chrono::Months::new(months))
            else {
                continue;
            };
            if date < s.clock.today {
                let d = date.format("%Y-%m-%d").to_string();
                out.push(immunization(
                    &seq.other("imm"),
                    &patient,
                    vaccine,
                    &d,
                    &gp,
                    dose,
                    src,
                ));
            }
        }
    } else {
        if rng.random_bool(0.4) {
            let d = s.clock.date(rng.random_range(30..=200));
            out.push(immunization(
                &seq.other("imm"),
                &patient,
                V_INFLUENZA,
                &d,
                &gp,
                1,
                src,
            ));
        }
        if s.age >= 65 && rng.random_bool(0.5) {
            let d = s.clock.date(rng.random_range(200..=2000));
            out.push(immunization(
                &seq.other("imm"),
                &patient,
                V_PNEUMO,
                &d,
                &gp,
                1,
                src,
            ));
        }
    }
}

fn home_measurements(rng: &mut ChaCha8Rng, s: &Subject, seq: &mut Seq, out: &mut Vec<Value>) {
    let hc = &s.hospital.home_care;
    let patient = s.reference();
    let dev = seq.other("dev");
    out.push(device(
        &dev,
        &patient,
        &hc.org_ref(),
        "Personvekt",
        &hc.orgnr,
    ));
    let mut kg = rng.random_range(60.0..95.0);
    for day in 1..=10 {
        kg += rng.random_range(-0.4..0.4);
        let when = s.clock.at(day, 7, 30);
        out.push(vital(
            &seq.other("vital"),
            &patient,
            &format!("Device/{dev}"),
            &when,
            Vital::Weight(kg),
            &hc.orgnr,
        ));
    }
}
