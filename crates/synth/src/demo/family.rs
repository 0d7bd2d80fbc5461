//! The Nilsen family in Tromsø: Ingrid (44) and Lars (46), both with parental
//! responsibility and at the children's address, and Emma (8), Kari (13) and Jonas (17).
//!
//! Why this family: it is the heart of the policy. Kari is the 12–15 case — a referral to
//! child psychiatry (BUP) that her parents must not see, an onward referral still inside
//! the 10-day deferral, a note her parents are refused (NORN_FORANS), a "only you"
//! prescription, old items from before her 12th birthday that her parents do see, an
//! asthma referral a clinician opened for her parents, and the parental consent that
//! opens the portal to her. Emma shows the under-12 case, Jonas the 16–17 case.
use super::{after, schedule_with_slots, weekday, Ctx, Who};
use crate::care::*;
use crate::items::{Appt, Doc};
use crate::make::{patient, related_person, Address, Person};
use crate::results::{Finding, Obs, Report, TSH};

pub(crate) const GP: &str = "Practitioner/gp-tromso";

pub(crate) fn nilsen(ctx: &mut Ctx) {
    let home = Address::new("Fjellvegen 12", "9011", "Tromsø");
    let children = ["child-8", "child-13", "child-17"];
    let mother = ctx.person(Who {
        key: "mother",
        given: "Ingrid",
        family: "Nilsen",
        female: true,
        years: 44,
        days_since: 53,
        address: &home,
        role: "Mother of Emma (8), Kari (13) and Jonas (17); parental responsibility, same address",
        acts_for: &children,
        has_record: true,
    });
    let father = ctx.person(Who {
        key: "father",
        given: "Lars",
        family: "Nilsen",
        female: false,
        years: 46,
        days_since: 201,
        address: &home,
        role: "Father of Emma (8), Kari (13) and Jonas (17); parental responsibility, same address",
        acts_for: &children,
        has_record: true,
    });
    let emma = ctx.person(Who {
        key: "child-8",
        given: "Emma",
        family: "Nilsen",
        female: true,
        years: 8,
        days_since: 97,
        address: &home,
        role: "Child under 12: her parents see everything",
        acts_for: &[],
        has_record: true,
    });
    let kari = ctx.person(Who {
        key: "child-13", given: "Kari", family: "Nilsen", female: true, years: 13, days_since: 131, address: &home,
        role: "Youth (12-15), parental consent given by her mother; referred to child psychiatry (BUP)",
        acts_for: &[], has_record: true,
    });
    let jonas = ctx.person(Who {
        key: "child-17",
        given: "Jonas",
        family: "Nilsen",
        female: false,
        years: 17,
        days_since: 45,
        address: &home,
        role: "Young (16-17): his parents see nothing",
        acts_for: &[],
        has_record: true,
    });
    let gp_org = ctx.orgnr("org-gp-tromso");
    for (id, p) in [
        ("mother", &mother),
        ("father", &father),
        ("child-8", &emma),
        ("child-13", &kari),
        ("child-17", &jonas),
    ] {
        ctx.push(patient(id, p, Some(GP), &gp_org, false));
    }
    for (child, p, m_id, f_id) in [
        ("child-8", &emma, "mother-child-8", "father-child-8"),
        ("child-13", &kari, "mother", "father"),
        ("child-17", &jonas, "mother-child-17", "father-child-17"),
    ] {
        ctx.push(related_person(
            m_id,
            child,
            &mother,
            &["MTH"],
            Some(p.birth),
            &gp_org,
        ));
        ctx.push(related_person(
            f_id,
            child,
            &father,
            &["FTH"],
            Some(p.birth),
            &gp_org,
        ));
    }
    parents(ctx, &gp_org);
    emma_record(ctx, &emma, &gp_org);
    super::kari::kari_record(ctx, &kari, &gp_org);
    jonas_record(ctx, &jonas, &gp_org);
}

pub(crate) fn gp_doc(
    ctx: &Ctx,
    id: &str,
    patient: &str,
    days_ago: i64,
    title: &str,
    text: &str,
    gp_org: &str,
) -> Doc {
    Doc {
        id: id.into(),
        patient: format!("Patient/{patient}"),
        date: ctx.c.at(days_ago, 10, 20),
        kind: ("11488-4", "Consult note"),
        title: title.into(),
        author: GP.into(),
        custodian: "Organization/org-gp-tromso".into(),
        source: gp_org.into(),
        text: text.into(),
        ..Default::default()
    }
}

fn parents(ctx: &mut Ctx, gp_org: &str) {
    let unn = ctx.orgnr("org-unn");
    ctx.doc(gp_doc(
        ctx,
        "doc-mother-gp-1",
        "mother",
        36,
        "Konsultasjon: kontroll stoffskifte",
        "Kontroll av lavt stoffskifte. Føler seg bra. Fortsetter Levaxin 50 mikrogram.",
        gp_org,
    ));
    for (i, (days, tsh)) in [(700, 4.8), (370, 3.1), (35, 2.2)].iter().enumerate() {
        ctx.report(Report {
            id: format!("dr-mother-lab-{}", i + 1),
            patient: "Patient/mother".into(),
            code: ("11502-2", "Laboratory report"),
            section: "LAB",
            effective: ctx.c.at(*days, 8, 10),
            issued: ctx.c.at(*days, 15, 0),
            performer: "Organization/org-unn-lab".into(),
            results: vec![Obs {
                id: format!("obs-mother-tsh-{}", i + 1),
                finding: Finding::Quantity(TSH, *tsh),
            }],
            source: unn.clone(),
            ..Default::default()
        });
    }
    ctx.push(statement(
        "medst-mother-levaxin",
        "Patient/mother",
        LEVOTHYROXIN,
        &ctx.c.date(690),
        &ctx.c.date(36),
        GP,
        None,
        gp_org,
    ));
    ctx.doc(gp_doc(
        ctx,
        "doc-father-gp-1",
        "father",
        120,
        "Konsultasjon: høyt blodtrykk",
        "Blodtrykk 152/94 ved gjentatte målinger. Starter Amlodipin 5 mg.",
        gp_org,
    ));
    ctx.push(prescription(
        "medreq-father-amlodipin",
        "Patient/father",
        AMLODIPIN,
        &ctx.c.at(120, 10, 40),
        GP,
        None,
        gp_org,
    ));
}

fn emma_record(ctx: &mut Ctx, emma: &Person, gp_org: &str) {
    let unn = ctx.orgnr("org-unn");
    let p = "Patient/child-8";
    ctx.doc(gp_doc(
        ctx,
        "doc-child-8-gp-1",
        "child-8",
        30,
        "Konsultasjon: sår hals og feber",
        "Emma har hatt feber og vondt i halsen i tre dager. Halsprøve tatt og sendt til dyrkning.",
        gp_org,
    ));
    ctx.report(Report {
        id: "dr-child-8-mikro-1".into(),
        patient: p.into(),
        code: ("18725-2", "Microbiology studies (set)"),
        section: "MB",
        effective: ctx.c.at(30, 10, 30),
        issued: ctx.c.at(28, 13, 0),
        performer: "Practitioner/microbiologist".into(),
        results: vec![Obs {
            id: "obs-child-8-throat-culture".into(),
            finding: Finding::Coded {
                loinc: "626-2",
                display: "Bacteria identified in Throat by Culture",
                value: crate::make::cc(crate::codes::SNOMED, "80166006", "Streptococcus pyogenes"),
            },
        }],
        conclusion: Some("Streptococcus pyogenes (gruppe A) påvist. Følsom for penicillin.".into()),
        source: unn,
        ..Default::default()
    });
    ctx.push(prescription(
        "medreq-child-8-penicillin",
        p,
        PENICILLIN,
        &ctx.c.at(28, 14, 0),
        GP,
        None,
        gp_org,
    ));
    for (i, (vaccine, months, dose)) in [
        (V_DTAP_IPV_HIB_HEPB, 3, 1),
        (V_DTAP_IPV_HIB_HEPB, 5, 2),
        (V_DTAP_IPV_HIB_HEPB, 12, 3),
        (V_MMR, 15, 1),
        (V_DTAP_IPV, 84, 1),
    ]
    .iter()
    .enumerate()
    {
        ctx.push(immunization(
            &format!("imm-child-8-{}", i + 1),
            p,
            *vaccine,
            &after(emma.birth, *months, 3),
            GP,
            *dose,
            gp_org,
        ));
    }
    let day = weekday(ctx.c.today, 1);
    ctx.out.extend(schedule_with_slots(
        "gp-tromso",
        "gp-tromso",
        "org-gp-tromso",
        "Time hos fastlege",
        ctx.c.today,
        10,
        &[
            ("slot-gp-tromso-busy-1", day, 10, 0),
            ("slot-gp-tromso-busy-2", weekday(ctx.c.today, 4), 10, 0),
        ],
    ));
    ctx.push(
        Appt {
            id: "appt-child-8-gp-1".into(),
            patient: p.into(),
            date: day,
            hour: 10,
            minute: 0,
            minutes: 30,
            status: "booked",
            practitioner: GP.into(),
            location: "Location/loc-gp-tromso".into(),
            what: "Kontroll etter halsbetennelse".into(),
            based_on: None,
            slot: Some("Slot/slot-gp-tromso-busy-1".into()),
            video: None,
            source: gp_org.into(),
        }
        .json(),
    );
}

fn jonas_record(ctx: &mut Ctx, jonas: &Person, gp_org: &str) {
    let unn = ctx.orgnr("org-unn");
    let p = "Patient/child-17";
    ctx.doc(gp_doc(
        ctx,
        "doc-child-17-gp-1",
        "child-17",
        26,
        "Legevakt: skade høyre håndledd",
        "Falt på ski. Smerter og hevelse over høyre håndledd. Henvist til røntgen.",
        gp_org,
    ));
    ctx.report(Report {
        id: "dr-child-17-rad-1".into(),
        patient: p.into(),
        code: ("18748-4", "Diagnostic imaging study"),
        section: "RAD",
        effective: ctx.c.at(26, 15, 0),
        issued: ctx.c.at(25, 9, 30),
        performer: "Practitioner/radiologist".into(),
        conclusion: Some(
            "Røntgen høyre håndledd: ingen sikker fraktur. Kontroll ved vedvarende smerter.".into(),
        ),
        source: unn,
        ..Default::default()
    });
    ctx.push(immunization(
        "imm-child-17-1",
        p,
        V_DTAP_IPV,
        &after(jonas.birth, 16 * 12 + 2, 0),
        GP,
        2,
        gp_org,
    ));
    ctx.push(
        Appt {
            id: "appt-child-17-gp-1".into(),
            patient: p.into(),
            date: weekday(ctx.c.today, 4),
            hour: 10,
            minute: 0,
            minutes: 30,
            status: "booked",
            practitioner: GP.into(),
            location: "Location/loc-gp-tromso".into(),
            what: "Kontroll håndledd".into(),
            based_on: None,
            slot: Some("Slot/slot-gp-tromso-busy-2".into()),
            video: None,
            source: gp_org.into(),
        }
        .json(),
    );
}
