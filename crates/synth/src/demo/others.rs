//! Sara (10), a foster child with a confidential address, her foster parent Marit and
//! her birth mother Line; and Per (29), who lacks consent competence, with his mother
//! and guardian Anne.
//!
//! Why: these are the relations that do not come from parental responsibility at the
//! same address. Marit acts through a `foster-parent` grant; Line keeps parental
//! responsibility on paper but gets nothing (confidential address, not at the child's
//! address); Anne acts through a `lacks-capacity` grant at any age of Per.
use super::{after, weekday, Ctx, Who};
use crate::care::*;
use crate::codes::ICD10;
use crate::items::{Appt, Doc, Grant};
use crate::make::{patient, related_person, Address};
use crate::results::{Finding, Obs, Report, CRP};

pub(crate) fn foster(ctx: &mut Ctx) {
    let foster_home = Address::new("Kvaløyvegen 150", "9016", "Tromsø");
    let sara = ctx.person(Who {
        key: "foster-child",
        given: "Sara",
        family: "Mathisen",
        female: true,
        years: 10,
        days_since: 160,
        address: &foster_home,
        role: "Foster child under 12, confidential address",
        acts_for: &[],
        has_record: true,
    });
    let marit = ctx.person(Who {
        key: "foster-parent",
        given: "Marit",
        family: "Johansen",
        female: true,
        years: 52,
        days_since: 12,
        address: &foster_home,
        role: "Sara's foster parent (foster-parent grant); no own record",
        acts_for: &["foster-child"],
        has_record: false,
    });
    let line = ctx.person(Who {
        key: "birth-mother", given: "Line", family: "Mathisen", female: true, years: 33, days_since: 250,
        address: &Address::new("Sjøgata 3", "9405", "Harstad"),
        role: "Sara's birth mother: parental responsibility, but no access (confidential address, lives elsewhere)",
        acts_for: &[], has_record: false,
    });
    let gp = "Practitioner/gp-tromso";
    let gp_org = ctx.orgnr("org-gp-tromso");
    let p = "Patient/foster-child";
    ctx.push(patient("foster-child", &sara, Some(gp), &gp_org, true));
    ctx.push(related_person(
        "foster-parent",
        "foster-child",
        &marit,
        &["PRNFOST"],
        None,
        &gp_org,
    ));
    ctx.push(related_person(
        "birth-mother",
        "foster-child",
        &line,
        &["MTH"],
        Some(sara.birth),
        &gp_org,
    ));
    ctx.push(
        Grant {
            id: "consent-foster-parent-foster-child".into(),
            kind: "foster-parent",
            patient: p.into(),
            date_time: ctx.c.at(400, 11, 0),
            performer: gp.into(),
            actors: vec![("PRNFOST", "RelatedPerson/foster-parent".into())],
            action: Some("full"),
            source: Some(gp_org.clone()),
            ..Default::default()
        }
        .json(),
    );
    ctx.doc(Doc {
        id: "doc-foster-child-gp-1".into(),
        patient: p.into(),
        date: ctx.c.at(50, 9, 40),
        kind: ("11488-4", "Consult note"),
        title: "Konsultasjon: eksem".into(),
        author: gp.into(),
        custodian: "Organization/org-gp-tromso".into(),
        source: gp_org.clone(),
        text: "Tørr hud og kløe i albuebøyene. Fuktighetskrem og mild steroidkrem i en uke.".into(),
        ..Default::default()
    });
    ctx.push(
        Appt {
            id: "appt-foster-child-gp-1".into(),
            patient: p.into(),
            date: ctx.c.day(50),
            hour: 9,
            minute: 30,
            minutes: 20,
            status: "fulfilled",
            practitioner: gp.into(),
            location: "Location/loc-gp-tromso".into(),
            what: "Eksem".into(),
            based_on: None,
            slot: None,
            video: None,
            source: gp_org.clone(),
        }
        .json(),
    );
    for (i, (vaccine, months, dose)) in [(V_MMR, 15, 1), (V_DTAP_IPV, 84, 1)].iter().enumerate() {
        ctx.push(immunization(
            &format!("imm-foster-child-{}", i + 1),
            p,
            *vaccine,
            &after(sara.birth, *months, 5),
            gp,
            *dose,
            &gp_org,
        ));
    }
}

pub(crate) fn guardian(ctx: &mut Ctx) {
    let home = Address::new("Hans Egedes gate 10", "9405", "Harstad");
    let per = ctx.person(Who {
        key: "lacks-capacity",
        given: "Per",
        family: "Olsen",
        female: false,
        years: 29,
        days_since: 40,
        address: &home,
        role: "Adult lacking consent competence; his guardian acts for him",
        acts_for: &[],
        has_record: true,
    });
    let anne = ctx.person(Who {
        key: "guardian",
        given: "Anne",
        family: "Olsen",
        female: true,
        years: 58,
        days_since: 300,
        address: &home,
        role: "Per's mother and guardian (lacks-capacity grant); no own record",
        acts_for: &["lacks-capacity"],
        has_record: false,
    });
    let gp = "Practitioner/gp-harstad";
    let gp_org = ctx.orgnr("org-gp-harstad");
    let p = "Patient/lacks-capacity";
    ctx.push(patient("lacks-capacity", &per, Some(gp), &gp_org, false));
    ctx.push(related_person(
        "guardian",
        "lacks-capacity",
        &anne,
        &["MTH", "GUARD"],
        None,
        &gp_org,
    ));
    ctx.push(
        Grant {
            id: "consent-lacks-capacity-per".into(),
            kind: "lacks-capacity",
            patient: p.into(),
            date_time: ctx.c.at(800, 10, 0),
            performer: gp.into(),
            actors: vec![("GUARD", "RelatedPerson/guardian".into())],
            action: Some("full"),
            source: Some(gp_org.clone()),
            ..Default::default()
        }
        .json(),
    );
    ctx.push(condition(
        "cond-per-1",
        p,
        ICD10,
        "F70",
        "Lett psykisk utviklingshemming",
        &ctx.c.date(20 * 365),
        gp,
        &gp_org,
    ));
    ctx.push(condition(
        "cond-per-2",
        p,
        ICD10,
        "G40.9",
        "Epilepsi, uspesifisert",
        &ctx.c.date(12 * 365),
        gp,
        &gp_org,
    ));
    ctx.push(prescription(
        "medreq-per-lamotrigin",
        p,
        LAMOTRIGIN,
        &ctx.c.at(300, 11, 0),
        gp,
        None,
        &gp_org,
    ));
    ctx.doc(Doc {
        id: "doc-per-gp-1".into(),
        patient: p.into(),
        date: ctx.c.at(90, 13, 15),
        kind: ("11488-4", "Consult note"),
        title: "Årskontroll epilepsi".into(),
        author: gp.into(),
        custodian: "Organization/org-gp-harstad".into(),
        source: gp_org.clone(),
        text: "Anfallsfri siste år. Mor (verge) til stede. Fortsetter Lamotrigin.".into(),
        ..Default::default()
    });
    ctx.report(Report {
        id: "dr-per-lab-1".into(),
        patient: p.into(),
        code: ("11502-2", "Laboratory report"),
        section: "LAB",
        effective: ctx.c.at(90, 8, 45),
        issued: ctx.c.at(90, 15, 30),
        performer: "Organization/org-gp-harstad".into(),
        results: vec![Obs {
            id: "obs-per-crp-1".into(),
            finding: Finding::Quantity(CRP, 3.0),
        }],
        source: gp_org.clone(),
        ..Default::default()
    });
    ctx.push(
        Appt {
            id: "appt-per-gp-1".into(),
            patient: p.into(),
            date: weekday(ctx.c.today, 8),
            hour: 11,
            minute: 0,
            minutes: 30,
            status: "booked",
            practitioner: gp.into(),
            location: "Location/loc-gp-harstad".into(),
            what: "Blodprøvekontroll".into(),
            based_on: None,
            slot: None,
            video: None,
            source: gp_org,
        }
        .json(),
    );
}
