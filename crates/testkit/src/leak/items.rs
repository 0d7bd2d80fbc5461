//! The items of one patient in a leak-test world: documents and letters (some with a
//! Binary), results (requisition, report, Observations), a referral chain with an
//! onward referral, encounter and linked documents, and one item of every other
//! category — each from a random organisation, with random labels.
use rand::Rng;
use serde_json::Value;

use super::build::{self, day, instant};
use super::grants::grants;
use super::world::{Gen, PatientCtx, CODES};

/// Items of every category for one patient, with referral chains and grants.
pub(super) fn items_of(g: &mut Gen, p: &PatientCtx) {
    let pat = p.reference.as_str();
    let id = |s: &str| format!("{}-{s}", p.id);
    let marked = |g: &mut Gen, v: Value, owner: &str| {
        let m = g.marks();
        g.push(m.apply(v), owner, Some(&p.id));
    };
    for k in 0..g.rng.random_range(1..=2) {
        let (owner, date) = (g.org(), g.item_day(p.birth));
        let bin = g.chance(35).then(|| id(&format!("bin{k}")));
        marked(
            g,
            build::document(
                &id(&format!("doc{k}")),
                pat,
                &instant(date, 12),
                false,
                None,
                None,
                bin.as_deref(),
            ),
            &owner,
        );
        if let Some(b) = bin {
            g.push(build::binary(&b, &id(&format!("doc{k}"))), &owner, None);
        }
    }
    if g.chance(70) {
        let (owner, date) = (g.org(), g.item_day(p.birth));
        marked(
            g,
            build::document(
                &id("letter"),
                pat,
                &instant(date, 9),
                true,
                None,
                None,
                None,
            ),
            &owner,
        );
    }
    let mut report = None;
    if g.chance(75) || p.showcase {
        let owner = g.org();
        let issued_ago = *g.pick(&[1, 5, 13, 15, 20, 60, 2000]);
        let issued = instant(g.ago(issued_ago), 10);
        g.push(
            build::service_request(
                &id("req"),
                pat,
                &issued,
                "Organization/org-a",
                true,
                None,
                None,
            ),
            &owner,
            Some(&p.id),
        );
        let obs: Vec<String> = (0..g.rng.random_range(1..=2))
            .map(|k| format!("Observation/{}", id(&format!("obs{k}"))))
            .collect();
        for o in &obs {
            let code = *g.pick(&CODES);
            let oid = o.trim_start_matches("Observation/");
            marked(g, build::observation(oid, pat, code, &issued), &owner);
        }
        marked(
            g,
            build::diagnostic_report(
                &id("dr"),
                pat,
                &issued,
                &format!("ServiceRequest/{}", id("req")),
                &obs,
            ),
            &owner,
        );
        report = Some(format!("DiagnosticReport/{}", id("dr")));
    }
    let referral = g.chance(75).then(|| referral_chain(g, p));
    simple_items(g, p, referral.as_deref());
    grants(g, p, referral.as_deref(), report.as_deref());
}

/// A referral, an onward referral (maybe replaced), an encounter and linked documents.
fn referral_chain(g: &mut Gen, p: &PatientCtx) -> String {
    let pat = p.reference.as_str();
    let id = |s: &str| format!("{}-{s}", p.id);
    let receiver = *g.pick(&[
        "Organization/org-a",
        "Organization/org-b",
        "Organization/org-paed",
    ]);
    let owner = g.org();
    let days = *g.pick(&[3, 40, 400]);
    let authored = instant(g.ago(days), 11);
    let r1 = id("ref1");
    let m = g.marks();
    g.push(
        m.apply(build::service_request(
            &r1, pat, &authored, receiver, false, None, None,
        )),
        &owner,
        Some(&p.id),
    );
    let mut last = format!("ServiceRequest/{r1}");
    if g.chance(60) {
        let owner = g.org();
        let r2 = id("ref2");
        g.push(
            build::service_request(
                &r2,
                pat,
                &authored,
                "Organization/org-a",
                false,
                Some(&last),
                None,
            ),
            &owner,
            Some(&p.id),
        );
        last = format!("ServiceRequest/{r2}");
        if g.chance(30) {
            let r3 = id("ref3");
            g.push(
                build::service_request(
                    &r3,
                    pat,
                    &authored,
                    "Organization/org-b",
                    false,
                    None,
                    Some(&last),
                ),
                &owner,
                Some(&p.id),
            );
            last = format!("ServiceRequest/{r3}");
        }
    }
    let owner = g.org();
    if g.chance(70) {
        let enc = id("enc");
        g.push(
            build::encounter(&enc, pat, &authored, &last),
            &owner,
            Some(&p.id),
        );
        let m = g.marks();
        let doc = build::document(
            &id("encdoc"),
            pat,
            &authored,
            false,
            None,
            Some(&format!("Encounter/{enc}")),
            None,
        );
        g.push(m.apply(doc), &owner, Some(&p.id));
    }
    if g.chance(60) {
        let m = g.marks();
        let doc = build::document(
            &id("refletter"),
            pat,
            &authored,
            true,
            Some(&format!("ServiceRequest/{r1}")),
            None,
            None,
        );
        g.push(m.apply(doc), &owner, Some(&p.id));
    }
    format!("ServiceRequest/{r1}")
}

/// Appointments, dialog, plans, medication, vaccination, critical info, measurements,
/// forms, and work-item Tasks of every kind.
fn simple_items(g: &mut Gen, p: &PatientCtx, referral: Option<&str>) {
    let pat = p.reference.as_str();
    let id = |s: &str| format!("{}-{s}", p.id);
    let add = |g: &mut Gen, percent: u32, v: Value| {
        if g.chance(percent) {
            let (owner, m) = (g.org(), g.marks());
            g.push(m.apply(v), &owner, Some(&p.id));
        }
    };
    let (start, end) = (instant(g.ago(-7), 9), instant(g.ago(-7), 10));
    let appt_based = if g.chance(50) { referral } else { None };
    add(
        g,
        60,
        build::appointment(&id("appt"), pat, &start, &end, appt_based),
    );
    let days = g.rng.random_range(1..100);
    let sent = instant(g.ago(days), 14);
    let from_patient = g.chance(50);
    add(
        g,
        60,
        build::communication(&id("msg"), pat, &sent, from_patient, "Practitioner/prac-a"),
    );
    add(g, 50, build::care_plan(&id("plan"), pat));
    add(g, 40, build::allergy(&id("allergy"), pat));
    let date = instant(g.item_day(p.birth), 10);
    add(g, 40, build::measurement(&id("pulse"), pat, &date));
    add(
        g,
        30,
        build::questionnaire_response(&id("form"), pat, &date),
    );
    let vacc_day = day(g.item_day(p.birth));
    add(g, 50, build::immunization(&id("vacc"), pat, &vacc_day));
    // Two work-item Tasks (each decided by its service's row); the kinds rotate with
    // the world's size so the default worlds hold every kind.
    for k in 0..2 {
        let (owner, m) = (g.org(), g.marks());
        let kinds = &nordlys_policy::TASK_KINDS;
        let kind = kinds[(g.item_count() + 3 * k) % kinds.len()].0;
        let v = build::work_item(&id(&format!("task{k}")), pat, kind, &owner, &date);
        g.push(m.apply(v), &owner, Some(&p.id));
    }
    if g.chance(60) {
        let owner = g.org();
        let mut m = g.marks();
        m.sharing = *g.pick(&[None, Some("shared"), Some("only-youth")]);
        g.push(
            m.apply(build::medication_statement(&id("med"), pat, &date)),
            &owner,
            Some(&p.id),
        );
    }
}
