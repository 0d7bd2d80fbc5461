//! Kari Nilsen (13): the 12–15 case in full.
//!
//! Why each item: a referral to child psychiatry (BUP) her parents must not see, with
//! encounters, notes, a PDF, a letter, results and a message thread linked to it; an
//! onward referral three days old (inside the 10-day deferral); a note her parents are
//! refused (NORN_FORANS); an "only you" prescription; items from before her 12th
//! birthday that her parents do see, one older than electronic access (NORN_FOR); an
//! asthma referral the ward opened for both parents; and her mother's parental consent.
use super::family::{gp_doc, GP};
use super::{after, message_thread, schedule_with_slots, weekday, Ctx};
use crate::care::*;
use crate::items::{Appt, Doc, Encounter, Grant, Referral};
use crate::make::Person;
use crate::results::{Finding, Obs, Report, FERRITIN, HB, TSH};

pub(crate) fn kari_record(ctx: &mut Ctx, kari: &Person, gp_org: &str) {
    let unn = ctx.orgnr("org-unn");
    let p = "Patient/child-13";
    let bup = |ctx: &Ctx, id: &str, days: i64, title: &str, text: &str| Doc {
        id: id.into(),
        patient: p.into(),
        date: ctx.c.at(days, 11, 30),
        kind: ("11506-3", "Progress note"),
        title: title.into(),
        author: "Practitioner/ward-doctor".into(),
        custodian: "Organization/org-unn-bup".into(),
        source: unn.clone(),
        text: text.into(),
        related: vec!["ServiceRequest/referral-1".into()],
        ..Default::default()
    };
    // Before the 12th birthday (parents see these in full) and older than electronic access.
    ctx.doc(gp_doc(ctx, "doc-child-13-gp-1", "child-13", 5 * 365, "Konsultasjon: øreverk",
        "Kari har hatt øreverk i to dager. Rød trommehinne høyre side. Smertestillende, kontroll ved behov.", gp_org));
    let mut old = gp_doc(
        ctx,
        "doc-child-13-gp-2",
        "child-13",
        9 * 365,
        "Helsestasjon: 4-årskontroll",
        "Normal utvikling. Høyde og vekt følger kurven.",
        gp_org,
    );
    old.labels = vec!["NORN_FOR"];
    ctx.doc(old);
    ctx.doc(gp_doc(
        ctx,
        "doc-child-13-gp-3",
        "child-13",
        75,
        "Konsultasjon: hodepine og søvnvansker",
        "Kari forteller om tristhet, hodepine og dårlig søvn siste måneder. Henvises BUP.",
        gp_org,
    ));
    // The referral to child psychiatry and everything linked to it.
    ctx.push(
        Referral {
            id: "referral-1".into(),
            patient: p.into(),
            authored: ctx.c.at(68, 9, 15),
            requester: GP.into(),
            performer: "Organization/org-unn-bup".into(),
            what: "Henvisning til BUP: utredning".into(),
            reason: "Vedvarende tristhet, hodepine og søvnvansker".into(),
            status: "active",
            source: gp_org.into(),
            ..Default::default()
        }
        .json(),
    );
    ctx.doc(Doc {
        id: "letter-child-13-bup-1".into(), kind: ("51852-2", "Letter"), letter: true,
        title: "Innkalling til første samtale ved BUP".into(), date: ctx.c.at(60, 12, 0),
        text: "Hei Kari! Du er velkommen til en første samtale hos BUP Tromsø. Ta gjerne med en forelder.".into(),
        ..bup(ctx, "", 60, "", "")
    });
    for (n, days, class) in [(1, 45, "AMB"), (2, 30, "AMB")] {
        ctx.push(
            Encounter {
                id: format!("enc-child-13-bup-{n}"),
                patient: p.into(),
                class,
                what: "Poliklinisk samtale BUP".into(),
                start: ctx.c.at(days, 10, 0),
                end: ctx.c.at(days, 11, 0),
                provider: "Organization/org-unn-bup".into(),
                practitioner: "Practitioner/ward-doctor".into(),
                based_on: Some("ServiceRequest/referral-1".into()),
                source: unn.clone(),
            }
            .json(),
        );
        ctx.push(
            Appt {
                id: format!("appt-child-13-bup-{n}"),
                patient: p.into(),
                date: ctx.c.day(days),
                hour: 10,
                minute: 0,
                minutes: 60,
                status: "fulfilled",
                practitioner: "Practitioner/ward-doctor".into(),
                location: "Location/loc-unn-bup".into(),
                what: "Samtale ved BUP".into(),
                based_on: Some("ServiceRequest/referral-1".into()),
                slot: None,
                video: None,
                source: unn.clone(),
            }
            .json(),
        );
    }
    let mut first = bup(ctx, "doc-child-13-bup-1", 45, "Poliklinisk notat BUP: første samtale",
        "Første samtale med Kari og mor. Kari beskriver nedstemthet og søvnvansker. Plan: videre kartlegging.");
    first.encounter = Some("Encounter/enc-child-13-bup-1".into());
    ctx.doc(first);
    let mut alone = bup(ctx, "doc-child-13-bup-2", 30, "Samtale med Kari alene",
        "Kari ønsker at foreldrene ikke får vite innholdet i samtalen. Nektet innsyn for foreldre (pbrl. 3-4 tredje ledd).");
    alone.encounter = Some("Encounter/enc-child-13-bup-2".into());
    alone.labels = vec!["NORN_FORANS"];
    ctx.doc(alone);
    let mut form = bup(
        ctx,
        "doc-child-13-bup-3",
        30,
        "Kartlegging: spørreskjema (PDF)",
        "Spørreskjema om humør og søvn, fylt ut av Kari.\nSamlet skår tyder på moderat depresjon.",
    );
    form.pdf_binary = Some("bin-child-13-bup-3".into());
    ctx.doc(form);
    ctx.report(Report {
        id: "dr-child-13-lab-1".into(),
        patient: p.into(),
        code: ("11502-2", "Laboratory report"),
        section: "LAB",
        effective: ctx.c.at(40, 8, 30),
        issued: ctx.c.at(39, 14, 0),
        performer: "Organization/org-unn-lab".into(),
        results: vec![
            Obs {
                id: "obs-child-13-hb-1".into(),
                finding: Finding::Quantity(HB, 12.1),
            },
            Obs {
                id: "obs-child-13-ferritin-1".into(),
                finding: Finding::Quantity(FERRITIN, 9.0),
            },
            Obs {
                id: "obs-child-13-tsh-1".into(),
                finding: Finding::Quantity(TSH, 1.9),
            },
        ],
        based_on: Some("ServiceRequest/referral-1".into()),
        source: unn.clone(),
        ..Default::default()
    });
    ctx.push(prescription(
        "medreq-child-13-sertralin",
        p,
        SERTRALIN,
        &ctx.c.at(25, 13, 0),
        "Practitioner/ward-doctor",
        Some("only-youth"),
        &unn,
    ));
    // Onward referral three days ago: still inside the 10-day deferral for citizens.
    ctx.push(
        Referral {
            id: "referral-1-onward".into(),
            patient: p.into(),
            authored: ctx.c.at(3, 14, 10),
            requester: "Practitioner/ward-doctor".into(),
            performer: "Organization/org-unn-barn".into(),
            what: "Henvisning til barneavdelingen: somatisk utredning".into(),
            reason: "Vekttap og lav ferritin".into(),
            status: "active",
            based_on: Some("ServiceRequest/referral-1".into()),
            source: unn.clone(),
            ..Default::default()
        }
        .json(),
    );
    let next = weekday(ctx.c.today, 3);
    ctx.out.extend(schedule_with_slots(
        "unn-bup",
        "ward-doctor",
        "org-unn-bup",
        "Samtale ved BUP",
        ctx.c.today,
        4,
        &[("slot-unn-bup-busy-1", next, 14, 0)],
    ));
    ctx.push(
        Appt {
            id: "appt-child-13-bup-3".into(),
            patient: p.into(),
            date: next,
            hour: 14,
            minute: 0,
            minutes: 30,
            status: "booked",
            practitioner: "Practitioner/ward-doctor".into(),
            location: "Location/loc-unn-bup".into(),
            what: "Oppfølgingssamtale ved BUP".into(),
            based_on: Some("ServiceRequest/referral-1".into()),
            slot: Some("Slot/slot-unn-bup-busy-1".into()),
            video: None,
            source: unn.clone(),
        }
        .json(),
    );
    let thread = [
        (
            "comm-child-13-1",
            10,
            p,
            "Organization/org-unn-bup",
            "Hei! Kan jeg ta med mamma på neste time, eller må jeg komme alene?",
            None,
        ),
        (
            "comm-child-13-2",
            9,
            "Practitioner/ward-doctor",
            p,
            "Hei Kari. Det bestemmer du selv. Vi kan også snakke alene først.",
            Some(unn.as_str()),
        ),
        (
            "comm-child-13-3",
            9,
            p,
            "Organization/org-unn-bup",
            "Takk! Da kommer jeg alene først.",
            None,
        ),
    ];
    message_thread(
        ctx,
        p,
        "Spørsmål om neste time",
        &thread,
        Some("ServiceRequest/referral-1"),
    );
    kari_asthma(ctx, kari, gp_org, &unn);
}

fn kari_asthma(ctx: &mut Ctx, kari: &Person, gp_org: &str, unn: &str) {
    let p = "Patient/child-13";
    let r2 = "ServiceRequest/referral-2";
    ctx.push(
        Referral {
            id: "referral-2".into(),
            patient: p.into(),
            authored: ctx.c.at(240, 9, 0),
            requester: GP.into(),
            performer: "Organization/org-unn-barn".into(),
            what: "Henvisning til barneavdelingen: astma".into(),
            reason: "Tung pust ved anstrengelse".into(),
            status: "completed",
            source: gp_org.into(),
            ..Default::default()
        }
        .json(),
    );
    ctx.push(
        Encounter {
            id: "enc-child-13-barn-1".into(),
            patient: p.into(),
            class: "AMB",
            what: "Poliklinikk barn".into(),
            start: ctx.c.at(220, 9, 0),
            end: ctx.c.at(220, 10, 0),
            provider: "Organization/org-unn-barn".into(),
            practitioner: "Practitioner/paed-doctor".into(),
            based_on: Some(r2.into()),
            source: unn.into(),
        }
        .json(),
    );
    ctx.push(
        Appt {
            id: "appt-child-13-barn-1".into(),
            patient: p.into(),
            date: ctx.c.day(220),
            hour: 9,
            minute: 0,
            minutes: 60,
            status: "fulfilled",
            practitioner: "Practitioner/paed-doctor".into(),
            location: "Location/loc-unn-barn".into(),
            what: "Astmautredning".into(),
            based_on: Some(r2.into()),
            slot: None,
            video: None,
            source: unn.into(),
        }
        .json(),
    );
    let doc = |id: &str, days: i64, title: &str, text: &str, letter: bool| Doc {
        id: id.into(),
        patient: p.into(),
        date: ctx.c.at(days, 13, 0),
        kind: if letter {
            ("51852-2", "Letter")
        } else {
            ("11488-4", "Consult note")
        },
        title: title.into(),
        author: "Practitioner/paed-doctor".into(),
        custodian: "Organization/org-unn-barn".into(),
        source: unn.into(),
        text: text.into(),
        related: vec![r2.into()],
        letter,
        encounter: (!letter).then(|| "Encounter/enc-child-13-barn-1".to_string()),
        ..Default::default()
    };
    let note = doc("doc-child-13-barn-1", 220, "Poliklinisk notat: astma",
        "Spirometri med reversibilitet forenlig med anstrengelsesutløst astma. Ventoline ved behov.", false);
    let letter = doc("letter-child-13-barn-1", 218, "Svar på henvisning: astma",
        "Kari har lett astma. Hun kan bruke Ventoline før trening. Ny kontroll hos fastlegen om ett år.", true);
    ctx.doc(note);
    ctx.doc(letter);
    ctx.push(statement(
        "medst-child-13-ventoline",
        p,
        SALBUTAMOL,
        &ctx.c.date(220),
        &ctx.c.date(220),
        "Practitioner/paed-doctor",
        Some("shared"),
        unn,
    ));
    // The ward opened this referral for both parents after talking to Kari.
    ctx.push(
        Grant {
            id: "consent-parent-access-child-13-asthma".into(),
            kind: "parent-access",
            patient: p.into(),
            date_time: ctx.c.at(220, 10, 15),
            performer: "Practitioner/paed-doctor".into(),
            actors: vec![
                ("PRN", "RelatedPerson/mother".into()),
                ("PRN", "RelatedPerson/father".into()),
            ],
            action: Some("full"),
            data: vec![("related", r2.into())],
            source: Some(unn.into()),
            ..Default::default()
        }
        .json(),
    );
    // Her mother consented to the portal processing Kari's data, just after she turned 12.
    let twelve = kari
        .birth
        .checked_add_months(chrono::Months::new(144))
        .unwrap_or(kari.birth);
    let consent_day = (ctx.c.today - twelve).num_days() - 5;
    ctx.push(
        Grant {
            id: "consent-parental-consent-child-13".into(),
            kind: "parental-consent",
            patient: p.into(),
            date_time: ctx.c.at(consent_day, 19, 30),
            performer: "RelatedPerson/mother".into(),
            actors: vec![("ONESELF", p.into())],
            ..Default::default()
        }
        .json(),
    );
    for (i, (vaccine, months, dose)) in [
        (V_MMR, 15, 1),
        (V_DTAP_IPV, 84, 1),
        (V_MMR, 132, 2),
        (V_HPV, 146, 1),
    ]
    .iter()
    .enumerate()
    {
        ctx.push(immunization(
            &format!("imm-child-13-{}", i + 1),
            p,
            *vaccine,
            &after(kari.birth, *months, 3),
            GP,
            *dose,
            gp_org,
        ));
    }
}
