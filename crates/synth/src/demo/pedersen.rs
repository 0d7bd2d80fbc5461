//! Ola Pedersen (41) in Tromsø, with diabetes, and his father Nils (80) in Bodø, with
//! heart failure and COPD, who gave Ola a full proxy (fullmakt).
//!
//! Why: Ola carries the results cases — a lab history over two years, a result issued
//! yesterday (deferred), a pathology result released early by a clinician, a radiology
//! result deferred longer with NORU — plus a video appointment and a dialog with his GP.
//! Nils carries the shared care plan (DBEP), home measurements from a Device, and shows
//! a proxy reading and writing on someone's behalf.
use super::family::message_thread;
use super::{schedule_with_slots, weekday, Ctx, Who};
use crate::care::*;
use crate::codes::{ICD10, ICPC2};
use crate::items::{Appt, Doc, Encounter, Grant, Referral};
use crate::make::{patient, related_person, Address};
use crate::results::*;

pub(crate) fn proxy(ctx: &mut Ctx) {
    let tromso = Address::new("Skippergata 20", "9008", "Tromsø");
    let bodo = Address::new("Rønvikveien 8", "8012", "Bodø");
    let ola = ctx.person(Who {
        key: "adult", given: "Ola", family: "Pedersen", female: false, years: 41, days_since: 77, address: &tromso,
        role: "Adult with diabetes; full proxy for his father Nils", acts_for: &["elderly-father"], has_record: true,
    });
    let nils = ctx.person(Who {
        key: "elderly-father", given: "Nils", family: "Pedersen", female: false, years: 80, days_since: 222, address: &bodo,
        role: "Ola's father: heart failure and COPD, care plan and home measurements; gave Ola a proxy",
        acts_for: &[], has_record: true,
    });
    let gp_tromso = ctx.orgnr("org-gp-tromso");
    let gp_bodo = ctx.orgnr("org-gp-bodo");
    ctx.push(patient("adult", &ola, Some("Practitioner/gp-tromso"), &gp_tromso, false));
    ctx.push(patient("elderly-father", &nils, Some("Practitioner/gp-bodo"), &gp_bodo, false));
    ctx.push(related_person("ola-for-nils", "elderly-father", &ola, &["SON", "POWATT"], None, &gp_bodo));
    ctx.push(Grant {
        id: "consent-proxy-nils".into(), kind: "proxy", patient: "Patient/elderly-father".into(),
        date_time: ctx.c.at(300, 18, 0), performer: "Patient/elderly-father".into(),
        actors: vec![("POWATT", "RelatedPerson/ola-for-nils".into())], action: Some("full"), ..Default::default()
    }.json());
    ola_record(ctx, &gp_tromso);
    nils_record(ctx, &gp_bodo);
}

fn ola_record(ctx: &mut Ctx, gp_org: &str) {
    let unn = ctx.orgnr("org-unn");
    let p = "Patient/adult";
    let gp = "Practitioner/gp-tromso";
    ctx.push(condition("cond-adult-diabetes", p, ICPC2, "T90", "Diabetes type 2", &ctx.c.date(3 * 365), gp, gp_org));
    ctx.push(allergy("allergy-adult-penicillin", p, "Penicillin", &ctx.c.date(2000), gp, gp_org));
    ctx.push(prescription("medreq-adult-metformin", p, METFORMIN, &ctx.c.at(900, 10, 0), gp, None, gp_org));
    ctx.push(prescription("medreq-adult-atorvastatin", p, ATORVASTATIN, &ctx.c.at(400, 10, 0), gp, None, gp_org));
    ctx.push(immunization("imm-adult-1", p, V_COVID, &ctx.c.date(400), gp, 3, gp_org));
    ctx.push(immunization("imm-adult-2", p, V_INFLUENZA, &ctx.c.date(60), gp, 1, gp_org));
    for (n, days) in [(1, 400), (2, 200)] {
        ctx.doc(Doc {
            id: format!("doc-adult-gp-{n}"), patient: p.into(), date: ctx.c.at(days, 14, 0),
            kind: ("11488-4", "Consult note"), title: "Konsultasjon: diabeteskontroll".into(), author: gp.into(),
            custodian: "Organization/org-gp-tromso".into(), source: gp_org.into(),
            text: "Kontroll av diabetes type 2. Kostholdsråd gitt. Nye blodprøver om tre måneder.".into(),
            ..Default::default()
        });
    }
    // Lab history: eight quarterly panels, HbA1c and lipids improving.
    let hba1c = [59.0, 57.0, 56.0, 54.0, 52.0, 51.0, 49.0, 48.0];
    let chol = [5.9, 5.8, 5.6, 5.3, 5.0, 4.9, 4.7, 4.6];
    let ldl = [3.8, 3.7, 3.5, 3.2, 2.9, 2.7, 2.5, 2.4];
    ctx.push(Referral {
        id: "req-adult-1".into(), patient: p.into(), authored: ctx.c.at(25, 9, 0), requester: gp.into(),
        performer: "Organization/org-unn-lab".into(), what: "Blodprøver: diabeteskontroll".into(),
        reason: "Diabetes type 2".into(), status: "completed", source: gp_org.into(), requisition: true,
        ..Default::default()
    }.json());
    for i in 0..8usize {
        let days = 20 + 91 * (7 - i) as i64;
        ctx.report(Report {
            id: format!("dr-adult-lab-{}", i + 1), patient: p.into(), code: ("11502-2", "Laboratory report"),
            section: "LAB", effective: ctx.c.at(days, 8, 15), issued: ctx.c.at(days, 15, 40),
            performer: "Organization/org-unn-lab".into(),
            results: vec![
                Obs { id: format!("obs-adult-hba1c-{}", i + 1), finding: Finding::Quantity(HBA1C, hba1c[i]) },
                Obs { id: format!("obs-adult-creatinine-{}", i + 1), finding: Finding::Quantity(CREATININE, 78.0 + i as f64) },
                Obs { id: format!("obs-adult-cholesterol-{}", i + 1), finding: Finding::Quantity(CHOLESTEROL, chol[i]) },
                Obs { id: format!("obs-adult-ldl-{}", i + 1), finding: Finding::Quantity(LDL, ldl[i]) },
            ],
            based_on: (i == 7).then(|| "ServiceRequest/req-adult-1".to_string()),
            source: unn.clone(), ..Default::default()
        });
    }
    // Issued yesterday: deferred for citizens (14 days by default).
    ctx.push(Referral {
        id: "req-adult-2".into(), patient: p.into(), authored: ctx.c.at(3, 9, 0), requester: "Practitioner/med-doctor".into(),
        performer: "Organization/org-unn-lab".into(), what: "Blodprøver før videokonsultasjon".into(),
        reason: "Diabetes type 2".into(), status: "completed", source: unn.clone(), requisition: true,
        ..Default::default()
    }.json());
    ctx.report(Report {
        id: "dr-adult-lab-deferred".into(), patient: p.into(), code: ("11502-2", "Laboratory report"), section: "LAB",
        effective: ctx.c.at(1, 8, 15), issued: ctx.c.at(1, 14, 5), performer: "Organization/org-unn-lab".into(),
        results: vec![
            Obs { id: "obs-adult-hba1c-deferred".into(), finding: Finding::Quantity(HBA1C, 47.0) },
            Obs { id: "obs-adult-glucose-deferred".into(), finding: Finding::Quantity(GLUCOSE, 6.8) },
            Obs { id: "obs-adult-ldl-deferred".into(), finding: Finding::Quantity(LDL, 2.3) },
        ],
        based_on: Some("ServiceRequest/req-adult-2".into()), source: unn.clone(), ..Default::default()
    });
    // Pathology issued three days ago, released early by the pathologist.
    ctx.report(Report {
        id: "dr-adult-pat-1".into(), patient: p.into(), code: ("11526-1", "Pathology study"), section: "SP",
        effective: ctx.c.at(12, 10, 0), issued: ctx.c.at(3, 11, 20), performer: "Practitioner/pathologist".into(),
        conclusion: Some("Hudbiopsi fra rygg: seboreisk keratose. Benign, ingen tegn til kreft.".into()),
        source: unn.clone(), ..Default::default()
    });
    ctx.push(Grant {
        id: "consent-release-adult-pat-1".into(), kind: "release", patient: p.into(), date_time: ctx.c.at(2, 9, 0),
        performer: "Practitioner/pathologist".into(), data: vec![("instance", "DiagnosticReport/dr-adult-pat-1".into())],
        source: Some(unn.clone()), ..Default::default()
    }.json());
    // Radiology the doctor wants to explain first: NORU until three weeks from now.
    ctx.report(Report {
        id: "dr-adult-rad-1".into(), patient: p.into(), code: ("18748-4", "Diagnostic imaging study"), section: "RAD",
        effective: ctx.c.at(4, 12, 0), issued: ctx.c.at(3, 10, 0), performer: "Practitioner/radiologist".into(),
        conclusion: Some("Ultralyd abdomen: lett fettinfiltrert lever. For øvrig normale funn.".into()),
        source: unn.clone(), deferred_until: Some(ctx.c.at(-21, 12, 0)), ..Default::default()
    });
    ola_hospital(ctx, gp_org, &unn);
}

fn ola_hospital(ctx: &mut Ctx, gp_org: &str, unn: &str) {
    let p = "Patient/adult";
    let referral = "ServiceRequest/referral-adult-1";
    ctx.push(Referral {
        id: "referral-adult-1".into(), patient: p.into(), authored: ctx.c.at(150, 9, 30),
        requester: "Practitioner/gp-tromso".into(), performer: "Organization/org-unn-med".into(),
        what: "Henvisning til medisinsk poliklinikk".into(), reason: "Vurdering av diabetesbehandling".into(),
        status: "active", source: gp_org.into(), ..Default::default()
    }.json());
    ctx.push(Encounter {
        id: "enc-adult-1".into(), patient: p.into(), class: "AMB", what: "Diabetespoliklinikk".into(),
        start: ctx.c.at(110, 9, 0), end: ctx.c.at(110, 9, 45), provider: "Organization/org-unn-med".into(),
        practitioner: "Practitioner/med-doctor".into(), based_on: Some(referral.into()), source: unn.into(),
    }.json());
    ctx.push(Appt {
        id: "appt-adult-1".into(), patient: p.into(), date: ctx.c.day(110), hour: 9, minute: 0, minutes: 45,
        status: "fulfilled", practitioner: "Practitioner/med-doctor".into(), location: "Location/loc-unn-med".into(),
        what: "Diabetespoliklinikk".into(), based_on: Some(referral.into()), slot: None, video: None, source: unn.into(),
    }.json());
    ctx.doc(Doc {
        id: "doc-adult-med-1".into(), patient: p.into(), date: ctx.c.at(110, 10, 0), kind: ("11488-4", "Consult note"),
        title: "Poliklinisk notat: diabetes".into(), author: "Practitioner/med-doctor".into(),
        custodian: "Organization/org-unn-med".into(), source: unn.into(),
        text: "God effekt av metformin og kostomlegging. Ingen tegn til senkomplikasjoner.".into(),
        encounter: Some("Encounter/enc-adult-1".into()), related: vec![referral.into()], ..Default::default()
    });
    let video_day = weekday(ctx.c.today, 2);
    ctx.out.extend(schedule_with_slots("unn-med", "med-doctor", "org-unn-med", "Diabetespoliklinikk", ctx.c.today, 3,
        &[("slot-unn-med-busy-1", video_day, 11, 0)]));
    ctx.doc(Doc {
        id: "letter-adult-1".into(), patient: p.into(), date: ctx.c.at(5, 12, 0), kind: ("51852-2", "Letter"), letter: true,
        title: "Innkalling til videokonsultasjon".into(), author: "Practitioner/med-doctor".into(),
        custodian: "Organization/org-unn-med".into(), source: unn.into(),
        text: "Du har fått time til videokonsultasjon. Lenken finner du under timeavtaler.".into(),
        related: vec![referral.into()], ..Default::default()
    });
    ctx.push(Appt {
        id: "appt-adult-2".into(), patient: p.into(), date: video_day, hour: 11, minute: 0, minutes: 30, status: "booked",
        practitioner: "Practitioner/med-doctor".into(), location: "Location/loc-unn-med".into(),
        what: "Videokonsultasjon: diabetes".into(), based_on: Some(referral.into()),
        slot: Some("Slot/slot-unn-med-busy-1".into()), video: Some("https://video.nordlys.no/m/unn-med-7f3a9c".into()),
        source: unn.into(),
    }.json());
    let gp = "Organization/org-gp-tromso";
    message_thread(ctx, p, "Blodsukker om morgenen", &[
        ("comm-adult-1", 6, p, gp, "Blodsukkermåleren viser 9-10 om morgenen. Bør jeg endre dosen?", None),
        ("comm-adult-2", 5, "Practitioner/gp-tromso", p, "Takk for beskjed. Fortsett som før; vi ser på nye prøver.", Some(gp_org)),
        ("comm-adult-3", 5, p, gp, "Flott, takk!", None),
    ], None);
}

fn nils_record(ctx: &mut Ctx, gp_org: &str) {
    let nlsh = ctx.orgnr("org-nlsh");
    let kommune = ctx.orgnr("org-bodo-kommune");
    let p = "Patient/elderly-father";
    let gp = "Practitioner/gp-bodo";
    ctx.push(condition("cond-elderly-copd", p, ICD10, "J44.9", "Kronisk obstruktiv lungesykdom (KOLS)", &ctx.c.date(8 * 365), gp, gp_org));
    ctx.push(condition("cond-elderly-heart", p, ICD10, "I50.9", "Hjertesvikt", &ctx.c.date(2 * 365), "Practitioner/cardiologist", &nlsh));
    ctx.push(goal("goal-elderly-weight", p, "Stabil vekt (innenfor 2 kg) uten økende hevelse i beina", "Practitioner/cardiologist", &ctx.c.date(300), &nlsh));
    ctx.push(goal("goal-elderly-matters", p, "Det som er viktig for meg: å gå tur til båthavna og fiske med barnebarna", p, &ctx.c.date(300), gp_org));
    ctx.push(care_team("careteam-elderly", p, "Behandlingsteam for Nils Pedersen", &[
        ("Fastlege", gp), ("Hjemmesykepleie", "Practitioner/home-nurse"), ("Kardiolog", "Practitioner/cardiologist"),
        ("Pårørende med fullmakt", "RelatedPerson/ola-for-nils"), ("Pasient", p),
    ], "Organization/org-gp-bodo", gp_org));
    ctx.push(care_plan("careplan-elderly", p, "Behandlings- og egenbehandlingsplan",
        "Oppfølging av hjertesvikt og KOLS hjemme, med digital hjemmeoppfølging.", &ctx.c.date(300), gp,
        Some("CareTeam/careteam-elderly"),
        &["Condition/cond-elderly-copd".into(), "Condition/cond-elderly-heart".into()],
        &["Goal/goal-elderly-weight".into(), "Goal/goal-elderly-matters".into()],
        &[
            Measure { what: "Justere vanndrivende etter vekt", performer: "Practitioner/cardiologist" },
            Measure { what: "Ukentlig besøk av hjemmesykepleien", performer: "Practitioner/home-nurse" },
            Measure { what: "Veie meg hver morgen og sende målingen", performer: p },
            Measure { what: "Måle oksygenmetning ved tung pust", performer: p },
        ], gp_org));
    let owner = "Organization/org-bodo-kommune";
    for (id, name) in [("device-elderly-bp", "Blodtrykksmåler"), ("device-elderly-scale", "Personvekt"), ("device-elderly-oximeter", "Pulsoksymeter")] {
        ctx.push(device(id, p, owner, name, &kommune));
    }
    for day in 1..=14i64 {
        let when = ctx.c.at(day, 7, 30);
        let wobble = ((day * 7) % 5) as f64 - 2.0;
        let vitals = [
            ("bp", "device-elderly-bp", Vital::BloodPressure(134.0 + wobble * 2.0, 80.0 + wobble)),
            ("weight", "device-elderly-scale", Vital::Weight(82.0 + wobble * 0.3 + if day <= 3 { 1.5 } else { 0.0 })),
            ("spo2", "device-elderly-oximeter", Vital::SpO2(93.0 + wobble * 0.5)),
        ];
        for (kind, dev, v) in vitals {
            ctx.push(vital(&format!("vital-elderly-{kind}-{day:02}"), p, &format!("Device/{dev}"), &when, v, &kommune));
        }
    }
    nils_hospital(ctx, gp_org, &nlsh);
}

fn nils_hospital(ctx: &mut Ctx, gp_org: &str, nlsh: &str) {
    let p = "Patient/elderly-father";
    for (i, (days, probnp)) in [(700, 2100.0), (360, 1500.0), (40, 1250.0)].iter().enumerate() {
        ctx.report(Report {
            id: format!("dr-elderly-lab-{}", i + 1), patient: p.into(), code: ("11502-2", "Laboratory report"),
            section: "LAB", effective: ctx.c.at(*days, 8, 0), issued: ctx.c.at(*days, 13, 0),
            performer: "Organization/org-nlsh-hjerte".into(),
            results: vec![
                Obs { id: format!("obs-elderly-probnp-{}", i + 1), finding: Finding::Quantity(NT_PROBNP, *probnp) },
                Obs { id: format!("obs-elderly-creatinine-{}", i + 1), finding: Finding::Quantity(CREATININE, 101.0 + i as f64 * 4.0) },
                Obs { id: format!("obs-elderly-potassium-{}", i + 1), finding: Finding::Quantity(POTASSIUM, 4.1) },
            ],
            source: nlsh.into(), ..Default::default()
        });
    }
    ctx.push(Encounter {
        id: "enc-elderly-1".into(), patient: p.into(), class: "IMP", what: "Innleggelse hjertesvikt".into(),
        start: ctx.c.at(706, 14, 0), end: ctx.c.at(700, 11, 0), provider: "Organization/org-nlsh-hjerte".into(),
        practitioner: "Practitioner/cardiologist".into(), based_on: None, source: nlsh.into(),
    }.json());
    let c = ctx.c;
    let hospital_doc = |id: &str, days: i64, kind: (&'static str, &'static str), title: &str, text: &str, letter: bool| Doc {
        id: id.into(), patient: p.into(), date: c.at(days, 12, 30), kind, title: title.into(),
        author: "Practitioner/cardiologist".into(), custodian: "Organization/org-nlsh-hjerte".into(), source: nlsh.into(),
        text: text.into(), letter, ..Default::default()
    };
    let mut discharge = hospital_doc("doc-elderly-nlsh-1", 700, ("18842-5", "Discharge summary"), "Epikrise: hjertesvikt",
        "Innlagt med forverring av hjertesvikt. Diurese med furosemid. Utskrevet i stabil tilstand.", false);
    discharge.encounter = Some("Encounter/enc-elderly-1".into());
    discharge.pdf_binary = Some("bin-elderly-nlsh-1".into());
    ctx.doc(discharge);
    ctx.doc(hospital_doc("doc-elderly-nlsh-2", 40, ("11488-4", "Consult note"), "Poliklinisk notat: hjertesvikt",
        "Stabil. NT-proBNP fallende. Fortsetter dagens behandling og hjemmeoppfølging.", false));
    ctx.doc(hospital_doc("letter-elderly-nlsh-1", 10, ("51852-2", "Letter"), "Innkalling til kontroll ved hjertepoliklinikken",
        "Du er satt opp til kontroll ved hjertepoliklinikken. Ta med medisinlisten.", true));
    ctx.push(prescription("medreq-elderly-furosemid", p, FUROSEMID, &ctx.c.at(700, 11, 0), "Practitioner/cardiologist", None, nlsh));
    ctx.push(prescription("medreq-elderly-tiotropium", p, TIOTROPIUM, &ctx.c.at(1500, 11, 0), "Practitioner/gp-bodo", None, gp_org));
    ctx.push(immunization("imm-elderly-1", p, V_INFLUENZA, &ctx.c.date(50), "Practitioner/gp-bodo", 1, gp_org));
    ctx.push(immunization("imm-elderly-2", p, V_PNEUMO, &ctx.c.date(900), "Practitioner/gp-bodo", 1, gp_org));
    ctx.push(Appt {
        id: "appt-elderly-1".into(), patient: p.into(), date: weekday(ctx.c.today, 14), hour: 10, minute: 30, minutes: 30,
        status: "booked", practitioner: "Practitioner/cardiologist".into(), location: "Location/loc-nlsh-hjerte".into(),
        what: "Kontroll hjertesvikt".into(), based_on: None, slot: None, video: None, source: nlsh.into(),
    }.json());
    ctx.out.extend(schedule_with_slots("gp-bodo", "gp-bodo", "org-gp-bodo", "Time hos fastlege", ctx.c.today, 3, &[]));
    let gp = "Organization/org-gp-bodo";
    message_thread(ctx, p, "Vektøkning", &[
        ("comm-elderly-1", 4, "RelatedPerson/ola-for-nils", gp, "Far har gått opp 1,5 kg på tre dager. Skal han øke furosemid?", None),
        ("comm-elderly-2", 3, "Practitioner/gp-bodo", "RelatedPerson/ola-for-nils", "Ja, ta en ekstra tablett i tre dager. Hjemmesykepleien følger opp.", Some(gp_org)),
    ], None);
}
