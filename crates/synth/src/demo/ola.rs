//! Ola Pedersen (41), with diabetes: the results cases.
//!
//! Why: a lab history over two years (eight quarterly panels), a result issued
//! yesterday (deferred for citizens), a pathology result released early by a
//! clinician (`release` grant), a radiology result deferred longer with NORU, a
//! requisition, a video appointment on a booked slot, a letter and a dialog with his GP.
use super::{message_thread, schedule_with_slots, weekday, Ctx};
use crate::care::*;
use crate::codes::ICPC2;
use crate::items::{Appt, Doc, Encounter, Grant, Referral};
use crate::results::*;

pub(crate) fn ola_record(ctx: &mut Ctx, gp_org: &str) {
    let unn = ctx.orgnr("org-unn");
    let p = "Patient/adult";
    let gp = "Practitioner/gp-tromso";
    ctx.push(condition(
        "cond-adult-diabetes",
        p,
        ICPC2,
        "T90",
        "Diabetes type 2",
        &ctx.c.date(3 * 365),
        gp,
        gp_org,
    ));
    ctx.push(allergy(
        "allergy-adult-penicillin",
        p,
        "Penicillin",
        &ctx.c.date(2000),
        gp,
        gp_org,
    ));
    ctx.push(prescription(
        "medreq-adult-metformin",
        p,
        METFORMIN,
        &ctx.c.at(900, 10, 0),
        gp,
        None,
        gp_org,
    ));
    ctx.push(prescription(
        "medreq-adult-atorvastatin",
        p,
        ATORVASTATIN,
        &ctx.c.at(400, 10, 0),
        gp,
        None,
        gp_org,
    ));
    ctx.push(immunization(
        "imm-adult-1",
        p,
        V_COVID,
        &ctx.c.date(400),
        gp,
        3,
        gp_org,
    ));
    ctx.push(immunization(
        "imm-adult-2",
        p,
        V_INFLUENZA,
        &ctx.c.date(60),
        gp,
        1,
        gp_org,
    ));
    for (n, days) in [(1, 400), (2, 200)] {
        ctx.doc(Doc {
            id: format!("doc-adult-gp-{n}"),
            patient: p.into(),
            date: ctx.c.at(days, 14, 0),
            kind: ("11488-4", "Consult note"),
            title: "Konsultasjon: diabeteskontroll".into(),
            author: gp.into(),
            custodian: "Organization/org-gp-tromso".into(),
            source: gp_org.into(),
            text: "Kontroll av diabetes type 2. Kostholdsråd gitt. Nye blodprøver om tre måneder."
                .into(),
            ..Default::default()
        });
    }
    // Lab history: eight quarterly panels, HbA1c and lipids improving.
    let hba1c = [59.0, 57.0, 56.0, 54.0, 52.0, 51.0, 49.0, 48.0];
    let chol = [5.9, 5.8, 5.6, 5.3, 5.0, 4.9, 4.7, 4.6];
    let ldl = [3.8, 3.7, 3.5, 3.2, 2.9, 2.7, 2.5, 2.4];
    ctx.push(
        Referral {
            id: "req-adult-1".into(),
            patient: p.into(),
            authored: ctx.c.at(25, 9, 0),
            requester: gp.into(),
            performer: "Organization/org-unn-lab".into(),
            what: "Blodprøver: diabeteskontroll".into(),
            reason: "Diabetes type 2".into(),
            status: "completed",
            source: gp_org.into(),
            requisition: true,
            ..Default::default()
        }
        .json(),
    );
    for i in 0..8usize {
        let days = 20 + 91 * (7 - i) as i64;
        ctx.report(Report {
            id: format!("dr-adult-lab-{}", i + 1),
            patient: p.into(),
            code: ("11502-2", "Laboratory report"),
            section: "LAB",
            effective: ctx.c.at(days, 8, 15),
            issued: ctx.c.at(days, 15, 40),
            performer: "Organization/org-unn-lab".into(),
            results: vec![
                Obs {
                    id: format!("obs-adult-hba1c-{}", i + 1),
                    finding: Finding::Quantity(HBA1C, hba1c[i]),
                },
                Obs {
                    id: format!("obs-adult-creatinine-{}", i + 1),
                    finding: Finding::Quantity(CREATININE, 78.0 + i as f64),
                },
                Obs {
                    id: format!("obs-adult-cholesterol-{}", i + 1),
                    finding: Finding::Quantity(CHOLESTEROL, chol[i]),
                },
                Obs {
                    id: format!("obs-adult-ldl-{}", i + 1),
                    finding: Finding::Quantity(LDL, ldl[i]),
                },
            ],
            based_on: (i == 7).then(|| "ServiceRequest/req-adult-1".to_string()),
            source: unn.clone(),
            ..Default::default()
        });
    }
    // Issued yesterday: deferred for citizens (14 days by default).
    ctx.push(
        Referral {
            id: "req-adult-2".into(),
            patient: p.into(),
            authored: ctx.c.at(3, 9, 0),
            requester: "Practitioner/med-doctor".into(),
            performer: "Organization/org-unn-lab".into(),
            what: "Blodprøver før videokonsultasjon".into(),
            reason: "Diabetes type 2".into(),
            status: "completed",
            source: unn.clone(),
            requisition: true,
            ..Default::default()
        }
        .json(),
    );
    ctx.report(Report {
        id: "dr-adult-lab-deferred".into(),
        patient: p.into(),
        code: ("11502-2", "Laboratory report"),
        section: "LAB",
        effective: ctx.c.at(1, 8, 15),
        issued: ctx.c.at(1, 14, 5),
        performer: "Organization/org-unn-lab".into(),
        results: vec![
            Obs {
                id: "obs-adult-hba1c-deferred".into(),
                finding: Finding::Quantity(HBA1C, 47.0),
            },
            Obs {
                id: "obs-adult-glucose-deferred".into(),
                finding: Finding::Quantity(GLUCOSE, 6.8),
            },
            Obs {
                id: "obs-adult-ldl-deferred".into(),
                finding: Finding::Quantity(LDL, 2.3),
            },
        ],
        based_on: Some("ServiceRequest/req-adult-2".into()),
        source: unn.clone(),
        ..Default::default()
    });
    // Pathology issued three days ago, released early by the pathologist.
    ctx.report(Report {
        id: "dr-adult-pat-1".into(),
        patient: p.into(),
        code: ("11526-1", "Pathology study"),
        section: "SP",
        effective: ctx.c.at(12, 10, 0),
        issued: ctx.c.at(3, 11, 20),
        performer: "Practitioner/pathologist".into(),
        conclusion: Some(
            "Hudbiopsi fra rygg: seboreisk keratose. Benign, ingen tegn til kreft.".into(),
        ),
        source: unn.clone(),
        ..Default::default()
    });
    ctx.push(
        Grant {
            id: "consent-release-adult-pat-1".into(),
            kind: "release",
            patient: p.into(),
            date_time: ctx.c.at(2, 9, 0),
            performer: "Practitioner/pathologist".into(),
            data: vec![("instance", "DiagnosticReport/dr-adult-pat-1".into())],
            source: Some(unn.clone()),
            ..Default::default()
        }
        .json(),
    );
    // Radiology the doctor wants to explain first: NORU until three weeks from now.
    ctx.report(Report {
        id: "dr-adult-rad-1".into(),
        patient: p.into(),
        code: ("18748-4", "Diagnostic imaging study"),
        section: "RAD",
        effective: ctx.c.at(4, 12, 0),
        issued: ctx.c.at(3, 10, 0),
        performer: "Practitioner/radiologist".into(),
        conclusion: Some(
            "Ultralyd abdomen: lett fettinfiltrert lever. For øvrig normale funn.".into(),
        ),
        source: unn.clone(),
        deferred_until: Some(ctx.c.at(-21, 12, 0)),
        ..Default::default()
    });
    ola_hospital(ctx, gp_org, &unn);
}

fn ola_hospital(ctx: &mut Ctx, gp_org: &str, unn: &str) {
    let p = "Patient/adult";
    let referral = "ServiceRequest/referral-adult-1";
    ctx.push(
        Referral {
            id: "referral-adult-1".into(),
            patient: p.into(),
            authored: ctx.c.at(150, 9, 30),
            requester: "Practitioner/gp-tromso".into(),
            performer: "Organization/org-unn-med".into(),
            what: "Henvisning til medisinsk poliklinikk".into(),
            reason: "Vurdering av diabetesbehandling".into(),
            status: "active",
            source: gp_org.into(),
            ..Default::default()
        }
        .json(),
    );
    ctx.push(
        Encounter {
            id: "enc-adult-1".into(),
            patient: p.into(),
            class: "AMB",
            what: "Diabetespoliklinikk".into(),
            start: ctx.c.at(110, 9, 0),
            end: ctx.c.at(110, 9, 45),
            provider: "Organization/org-unn-med".into(),
            practitioner: "Practitioner/med-doctor".into(),
            based_on: Some(referral.into()),
            source: unn.into(),
        }
        .json(),
    );
    ctx.push(
        Appt {
            id: "appt-adult-1".into(),
            patient: p.into(),
            date: ctx.c.day(110),
            hour: 9,
            minute: 0,
            minutes: 45,
            status: "fulfilled",
            practitioner: "Practitioner/med-doctor".into(),
            location: "Location/loc-unn-med".into(),
            what: "Diabetespoliklinikk".into(),
            based_on: Some(referral.into()),
            slot: None,
            video: None,
            source: unn.into(),
        }
        .json(),
    );
    ctx.doc(Doc {
        id: "doc-adult-med-1".into(),
        patient: p.into(),
        date: ctx.c.at(110, 10, 0),
        kind: ("11488-4", "Consult note"),
        title: "Poliklinisk notat: diabetes".into(),
        author: "Practitioner/med-doctor".into(),
        custodian: "Organization/org-unn-med".into(),
        source: unn.into(),
        text: "God effekt av metformin og kostomlegging. Ingen tegn til senkomplikasjoner.".into(),
        encounter: Some("Encounter/enc-adult-1".into()),
        related: vec![referral.into()],
        ..Default::default()
    });
    let video_day = weekday(ctx.c.today, 2);
    ctx.out.extend(schedule_with_slots(
        "unn-med",
        "med-doctor",
        "org-unn-med",
        "Diabetespoliklinikk",
        ctx.c.today,
        3,
        &[("slot-unn-med-busy-1", video_day, 11, 0)],
    ));
    ctx.doc(Doc {
        id: "letter-adult-1".into(),
        patient: p.into(),
        date: ctx.c.at(5, 12, 0),
        kind: ("51852-2", "Letter"),
        letter: true,
        title: "Innkalling til videokonsultasjon".into(),
        author: "Practitioner/med-doctor".into(),
        custodian: "Organization/org-unn-med".into(),
        source: unn.into(),
        text: "Du har fått time til videokonsultasjon. Lenken finner du under timeavtaler.".into(),
        related: vec![referral.into()],
        ..Default::default()
    });
    ctx.push(
        Appt {
            id: "appt-adult-2".into(),
            patient: p.into(),
            date: video_day,
            hour: 11,
            minute: 0,
            minutes: 30,
            status: "booked",
            practitioner: "Practitioner/med-doctor".into(),
            location: "Location/loc-unn-med".into(),
            what: "Videokonsultasjon: diabetes".into(),
            based_on: Some(referral.into()),
            slot: Some("Slot/slot-unn-med-busy-1".into()),
            video: Some("https://video.nordlys.no/m/unn-med-7f3a9c".into()),
            source: unn.into(),
        }
        .json(),
    );
    let gp = "Organization/org-gp-tromso";
    message_thread(
        ctx,
        p,
        "Blodsukker om morgenen",
        &[
            (
                "comm-adult-1",
                6,
                p,
                gp,
                "Blodsukkermåleren viser 9-10 om morgenen. Bør jeg endre dosen?",
                None,
            ),
            (
                "comm-adult-2",
                5,
                "Practitioner/gp-tromso",
                p,
                "Takk for beskjed. Fortsett som før; vi ser på nye prøver.",
                Some(gp_org),
            ),
            ("comm-adult-3", 5, p, gp, "Flott, takk!", None),
        ],
        None,
    );
}
