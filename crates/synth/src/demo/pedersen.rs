//! Ola Pedersen (41) in Tromsø, with diabetes, and his father Nils (80) in Bodø, with
//! heart failure and COPD, who gave Ola a full proxy (fullmakt).
//!
//! Why: Ola carries the results cases — a lab history over two years, a result issued
//! yesterday (deferred), a pathology result released early by a clinician, a radiology
//! result deferred longer with NORU — plus a video appointment and a dialog with his GP.
//! Nils carries the shared care plan (DBEP), home measurements from a Device, and shows
//! a proxy reading and writing on someone's behalf.
use super::{message_thread, schedule_with_slots, weekday, Ctx, Who};
use crate::care::*;
use crate::codes::ICD10;
use crate::items::{Appt, Doc, Encounter, Grant};
use crate::make::{patient, related_person, Address};
use crate::results::*;

pub(crate) fn proxy(ctx: &mut Ctx) {
    let tromso = Address::new("Skippergata 20", "9008", "Tromsø");
    let bodo = Address::new("Rønvikveien 8", "8012", "Bodø");
    let ola = ctx.person(Who {
        key: "adult",
        given: "Ola",
        family: "Pedersen",
        female: false,
        years: 41,
        days_since: 77,
        address: &tromso,
        role: "Adult with diabetes; full proxy for his father Nils",
        acts_for: &["elderly-father"],
        has_record: true,
    });
    let nils = ctx.person(Who {
        key: "elderly-father", given: "Nils", family: "Pedersen", female: false, years: 80, days_since: 222, address: &bodo,
        role: "Ola's father: heart failure and COPD, care plan and home measurements; gave Ola a proxy",
        acts_for: &[], has_record: true,
    });
    let gp_tromso = ctx.orgnr("org-gp-tromso");
    let gp_bodo = ctx.orgnr("org-gp-bodo");
    ctx.push(patient(
        "adult",
        &ola,
        Some("Practitioner/gp-tromso"),
        &gp_tromso,
        false,
    ));
    ctx.push(patient(
        "elderly-father",
        &nils,
        Some("Practitioner/gp-bodo"),
        &gp_bodo,
        false,
    ));
    ctx.push(related_person(
        "ola-for-nils",
        "elderly-father",
        &ola,
        &["SON", "POWATT"],
        None,
        &gp_bodo,
    ));
    ctx.push(
        Grant {
            id: "consent-proxy-nils".into(),
            kind: "proxy",
            patient: "Patient/elderly-father".into(),
            date_time: ctx.c.at(300, 18, 0),
            performer: "Patient/elderly-father".into(),
            actors: vec![("POWATT", "RelatedPerson/ola-for-nils".into())],
            action: Some("full"),
            ..Default::default()
        }
        .json(),
    );
    super::ola::ola_record(ctx, &gp_tromso);
    nils_record(ctx, &gp_bodo);
}

fn nils_record(ctx: &mut Ctx, gp_org: &str) {
    let nlsh = ctx.orgnr("org-nlsh");
    let kommune = ctx.orgnr("org-bodo-kommune");
    let p = "Patient/elderly-father";
    let gp = "Practitioner/gp-bodo";
    ctx.push(condition(
        "cond-elderly-copd",
        p,
        ICD10,
        "J44.9",
        "Kronisk obstruktiv lungesykdom (KOLS)",
        &ctx.c.date(8 * 365),
        gp,
        gp_org,
    ));
    ctx.push(condition(
        "cond-elderly-heart",
        p,
        ICD10,
        "I50.9",
        "Hjertesvikt",
        &ctx.c.date(2 * 365),
        "Practitioner/cardiologist",
        &nlsh,
    ));
    ctx.push(goal(
        "goal-elderly-weight",
        p,
        "Stabil vekt (innenfor 2 kg) uten økende hevelse i beina",
        "Practitioner/cardiologist",
        &ctx.c.date(300),
        &nlsh,
    ));
    ctx.push(goal(
        "goal-elderly-matters",
        p,
        "Det som er viktig for meg: å gå tur til båthavna og fiske med barnebarna",
        p,
        &ctx.c.date(300),
        gp_org,
    ));
    ctx.push(care_team(
        "careteam-elderly",
        p,
        "Behandlingsteam for Nils Pedersen",
        &[
            ("Fastlege", gp),
            ("Hjemmesykepleie", "Practitioner/home-nurse"),
            ("Kardiolog", "Practitioner/cardiologist"),
            ("Pårørende med fullmakt", "RelatedPerson/ola-for-nils"),
            ("Pasient", p),
        ],
        "Organization/org-gp-bodo",
        gp_org,
    ));
    ctx.push(care_plan(
        "careplan-elderly",
        p,
        "Behandlings- og egenbehandlingsplan",
        "Oppfølging av hjertesvikt og KOLS hjemme, med digital hjemmeoppfølging.",
        &ctx.c.date(300),
        gp,
        Some("CareTeam/careteam-elderly"),
        &[
            "Condition/cond-elderly-copd".into(),
            "Condition/cond-elderly-heart".into(),
        ],
        &[
            "Goal/goal-elderly-weight".into(),
            "Goal/goal-elderly-matters".into(),
        ],
        &[
            Measure {
                what: "Justere vanndrivende etter vekt",
                performer: "Practitioner/cardiologist",
            },
            Measure {
                what: "Ukentlig besøk av hjemmesykepleien",
                performer: "Practitioner/home-nurse",
            },
            Measure {
                what: "Veie meg hver morgen og sende målingen",
                performer: p,
            },
            Measure {
                what: "Måle oksygenmetning ved tung pust",
                performer: p,
            },
        ],
        gp_org,
    ));
    let owner = "Organization/org-bodo-kommune";
    for (id, name) in [
        ("device-elderly-bp", "Blodtrykksmåler"),
        ("device-elderly-scale", "Personvekt"),
        ("device-elderly-oximeter", "Pulsoksymeter"),
    ] {
        ctx.push(device(id, p, owner, name, &kommune));
    }
    for day in 1..=14i64 {
        let when = ctx.c.at(day, 7, 30);
        let wobble = ((day * 7) % 5) as f64 - 2.0;
        let vitals = [
            (
                "bp",
                "device-elderly-bp",
                Vital::BloodPressure(134.0 + wobble * 2.0, 80.0 + wobble),
            ),
            (
                "weight",
                "device-elderly-scale",
                Vital::Weight(82.0 + wobble * 0.3 + if day <= 3 { 1.5 } else { 0.0 }),
            ),
            (
                "spo2",
                "device-elderly-oximeter",
                Vital::SpO2(93.0 + wobble * 0.5),
            ),
        ];
        for (kind, dev, v) in vitals {
            ctx.push(vital(
                &format!("vital-elderly-{kind}-{day:02}"),
                p,
                &format!("Device/{dev}"),
                &when,
                v,
                &kommune,
            ));
        }
    }
    nils_hospital(ctx, gp_org, &nlsh);
}

fn nils_hospital(ctx: &mut Ctx, gp_org: &str, nlsh: &str) {
    let p = "Patient/elderly-father";
    for (i, (days, probnp)) in [(700, 2100.0), (360, 1500.0), (40, 1250.0)]
        .iter()
        .enumerate()
    {
        ctx.report(Report {
            id: format!("dr-elderly-lab-{}", i + 1),
            patient: p.into(),
            code: ("11502-2", "Laboratory report"),
            section: "LAB",
            effective: ctx.c.at(*days, 8, 0),
            issued: ctx.c.at(*days, 13, 0),
            performer: "Organization/org-nlsh-hjerte".into(),
            results: vec![
                Obs {
                    id: format!("obs-elderly-probnp-{}", i + 1),
                    finding: Finding::Quantity(NT_PROBNP, *probnp),
                },
                Obs {
                    id: format!("obs-elderly-creatinine-{}", i + 1),
                    finding: Finding::Quantity(CREATININE, 101.0 + i as f64 * 4.0),
                },
                Obs {
                    id: format!("obs-elderly-potassium-{}", i + 1),
                    finding: Finding::Quantity(POTASSIUM, 4.1),
                },
            ],
            source: nlsh.into(),
            ..Default::default()
        });
    }
    ctx.push(
        Encounter {
            id: "enc-elderly-1".into(),
            patient: p.into(),
            class: "IMP",
            what: "Innleggelse hjertesvikt".into(),
            start: ctx.c.at(706, 14, 0),
            end: ctx.c.at(700, 11, 0),
            provider: "Organization/org-nlsh-hjerte".into(),
            practitioner: "Practitioner/cardiologist".into(),
            based_on: None,
            source: nlsh.into(),
        }
        .json(),
    );
    let c = ctx.c;
    let hospital_doc = |id: &str,
                        days: i64,
                        kind: (&'static str, &'static str),
                        title: &str,
                        text: &str,
                        letter: bool| Doc {
        id: id.into(),
        patient: p.into(),
        date: c.at(days, 12, 30),
        kind,
        title: title.into(),
        author: "Practitioner/cardiologist".into(),
        custodian: "Organization/org-nlsh-hjerte".into(),
        source: nlsh.into(),
        text: text.into(),
        letter,
        ..Default::default()
    };
    let mut discharge = hospital_doc("doc-elderly-nlsh-1", 700, ("18842-5", "Discharge summary"), "Epikrise: hjertesvikt",
        "Innlagt med forverring av hjertesvikt. Diurese med furosemid. Utskrevet i stabil tilstand.", false);
    discharge.encounter = Some("Encounter/enc-elderly-1".into());
    discharge.pdf_binary = Some("bin-elderly-nlsh-1".into());
    ctx.doc(discharge);
    ctx.doc(hospital_doc(
        "doc-elderly-nlsh-2",
        40,
        ("11488-4", "Consult note"),
        "Poliklinisk notat: hjertesvikt",
        "Stabil. NT-proBNP fallende. Fortsetter dagens behandling og hjemmeoppfølging.",
        false,
    ));
    ctx.doc(hospital_doc(
        "letter-elderly-nlsh-1",
        10,
        ("51852-2", "Letter"),
        "Innkalling til kontroll ved hjertepoliklinikken",
        "Du er satt opp til kontroll ved hjertepoliklinikken. Ta med medisinlisten.",
        true,
    ));
    ctx.push(prescription(
        "medreq-elderly-furosemid",
        p,
        FUROSEMID,
        &ctx.c.at(700, 11, 0),
        "Practitioner/cardiologist",
        None,
        nlsh,
    ));
    ctx.push(prescription(
        "medreq-elderly-tiotropium",
        p,
        TIOTROPIUM,
        &ctx.c.at(1500, 11, 0),
        "Practitioner/gp-bodo",
        None,
        gp_org,
    ));
    ctx.push(immunization(
        "imm-elderly-1",
        p,
        V_INFLUENZA,
        &ctx.c.date(50),
        "Practitioner/gp-bodo",
        1,
        gp_org,
    ));
    ctx.push(immunization(
        "imm-elderly-2",
        p,
        V_PNEUMO,
        &ctx.c.date(900),
        "Practitioner/gp-bodo",
        1,
        gp_org,
    ));
    ctx.push(
        Appt {
            id: "appt-elderly-1".into(),
            patient: p.into(),
            date: weekday(ctx.c.today, 14),
            hour: 10,
            minute: 30,
            minutes: 30,
            status: "booked",
            practitioner: "Practitioner/cardiologist".into(),
            location: "Location/loc-nlsh-hjerte".into(),
            what: "Kontroll hjertesvikt".into(),
            based_on: None,
            slot: None,
            video: None,
            source: nlsh.into(),
        }
        .json(),
    );
    ctx.out.extend(schedule_with_slots(
        "gp-bodo",
        "gp-bodo",
        "org-gp-bodo",
        "Time hos fastlege",
        ctx.c.today,
        3,
        &[],
    ));
    let gp = "Organization/org-gp-bodo";
    message_thread(
        ctx,
        p,
        "Vektøkning",
        &[
            (
                "comm-elderly-1",
                4,
                "RelatedPerson/ola-for-nils",
                gp,
                "Far har gått opp 1,5 kg på tre dager. Skal han øke furosemid?",
                None,
            ),
            (
                "comm-elderly-2",
                3,
                "Practitioner/gp-bodo",
                "RelatedPerson/ola-for-nils",
                "Ja, ta en ekstra tablett i tre dager. Hjemmesykepleien følger opp.",
                Some(gp_org),
            ),
        ],
        None,
    );
}
