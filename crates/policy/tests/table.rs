//! access-policy.md as a table: every row is (who × age × item × labels/grants/time →
//! level and reason). Sections follow the spec: § 6 table, § 6 opened referrals and
//! before-12, § 5 labels, § 7 deferral, § 8 grants, § 9 practitioners and systems,
//! § 3 relations and age bands.
mod common;

use common::*;
use nordlys_policy::Level::{Full as F, Metadata as M, None as N};
use nordlys_policy::{Category, Level};
use serde_json::json;

/// The § 6 table, cell by cell: (category, [self 16+, youth+consent, youth no consent,
/// parent child<12, parent youth, parent 16+, proxy full, proxy limited]).
#[rustfmt::skip]
const SECTION_6: &[(Category, [(Level, &str); 8])] = &[
    (Category::Documents,    [(F, "self.young"), (M, "youth.default-metadata"), (N, "youth.no-consent"), (F, "parent.child"), (N, "parent.youth.default-closed"), (N, "parent.16plus.closed"), (F, "proxy.full"), (N, "proxy.limited.closed")]),
    (Category::Letters,      [(F, "self.young"), (M, "youth.default-metadata"), (N, "youth.no-consent"), (F, "parent.child"), (N, "parent.youth.default-closed"), (N, "parent.16plus.closed"), (F, "proxy.full"), (F, "proxy.limited.open")]),
    (Category::Results,      [(F, "self.young"), (M, "youth.default-metadata"), (N, "youth.no-consent"), (F, "parent.child"), (N, "parent.youth.default-closed"), (N, "parent.16plus.closed"), (F, "proxy.full"), (N, "proxy.limited.closed")]),
    (Category::Referrals,    [(F, "self.young"), (F, "youth.full"),             (N, "youth.no-consent"), (F, "parent.child"), (N, "parent.youth.default-closed"), (N, "parent.16plus.closed"), (F, "proxy.full"), (F, "proxy.limited.open")]),
    (Category::Appointments, [(F, "self.young"), (F, "youth.full"),             (N, "youth.no-consent"), (F, "parent.child"), (N, "parent.youth.default-closed"), (N, "parent.16plus.closed"), (F, "proxy.full"), (F, "proxy.limited.open")]),
    (Category::Dialog,       [(F, "self.young"), (F, "youth.dialog.participant"), (N, "youth.no-consent"), (F, "parent.child"), (N, "parent.youth.default-closed"), (N, "parent.16plus.closed"), (F, "proxy.full"), (F, "proxy.limited.open")]),
    (Category::Forms,        [(F, "self.young"), (M, "youth.default-metadata"), (N, "youth.no-consent"), (F, "parent.child"), (N, "parent.youth.default-closed"), (N, "parent.16plus.closed"), (F, "proxy.full"), (N, "proxy.limited.closed")]),
    (Category::Plans,        [(F, "self.young"), (M, "youth.default-metadata"), (N, "youth.no-consent"), (F, "parent.child"), (N, "parent.youth.default-closed"), (N, "parent.16plus.closed"), (F, "proxy.full"), (N, "proxy.limited.closed")]),
    (Category::Measurements, [(F, "self.young"), (M, "youth.default-metadata"), (N, "youth.no-consent"), (F, "parent.child"), (N, "parent.youth.default-closed"), (N, "parent.16plus.closed"), (F, "proxy.full"), (N, "proxy.limited.closed")]),
    (Category::CriticalInfo, [(F, "self.young"), (M, "youth.default-metadata"), (N, "youth.no-consent"), (F, "parent.child"), (N, "parent.youth.default-closed"), (N, "parent.16plus.closed"), (F, "proxy.full"), (N, "proxy.limited.closed")]),
    (Category::Medication,   [(F, "self.young"), (F, "youth.register"),         (N, "youth.no-consent"), (F, "parent.child"), (N, "parent.youth.default-closed"), (N, "parent.16plus.closed"), (F, "proxy.full"), (N, "proxy.limited.closed")]),
    (Category::Vaccination,  [(F, "self.young"), (F, "youth.register"),         (N, "youth.no-consent"), (F, "parent.child"), (N, "parent.youth.default-closed"), (N, "parent.16plus.closed"), (F, "proxy.full"), (N, "proxy.limited.closed")]),
    // The access-log entry is about a plain document (see the audited-item rows below).
    (Category::AccessLog,    [(F, "self.young"), (M, "youth.access-log"),       (N, "youth.no-consent"), (F, "parent.child"), (N, "parent.youth.access-log"), (N, "parent.16plus.closed"), (F, "proxy.full"), (N, "proxy.limited.access-log")]),
    (Category::Demographics, [(F, "self.young"), (F, "youth.full"),             (F, "youth.no-consent.demographics"), (F, "parent.child"), (M, "parent.youth.name-age"), (N, "parent.16plus.closed"), (F, "proxy.full"), (M, "proxy.limited.name-only")]),
];

const COLUMNS: [&str; 8] =
    ["self 16+", "youth+consent", "youth no consent", "parent child<12", "parent youth", "parent 16+", "proxy full", "proxy limited"];

fn column(c: Case, i: usize) -> Case {
    match i {
        0 => c.age(Age::Young).who(Who::Myself),
        1 => c.age(Age::Youth).who(Who::Myself).consent(),
        2 => c.age(Age::Youth).who(Who::Myself),
        3 => c.age(Age::Child).who(Who::Mother),
        4 => c.age(Age::Youth).who(Who::Mother),
        5 => c.age(Age::Young).who(Who::Mother),
        6 => c.age(Age::Young).who(Who::ProxyFull),
        _ => c.age(Age::Young).who(Who::ProxyLimited),
    }
}

fn section_6_rows() -> Vec<Case> {
    let mut rows = Vec::new();
    for (cat, cells) in SECTION_6 {
        for (i, (level, reason)) in cells.iter().enumerate() {
            let mut c = case(format!("§6 {} × {}", cat.code(), COLUMNS[i])).item(cat_item(*cat));
            if *cat == Category::AccessLog {
                c = c.audited(doc());
            }
            rows.push(column(c, i).expect(*level, reason));
        }
    }
    rows
}

#[test]
fn section_6_every_cell() {
    assert_eq!(check(&section_6_rows()), 14 * 8);
}

/// Parent of a youth (12–15) and the youth: opened referrals, before-12 items,
/// medication sharing, dialog participation, the access log's audited items.
fn opened_rows() -> Vec<Case> {
    let r = "ServiceRequest/r1";
    let youth = |n: &str| case(n).age(Age::Youth);
    let mother = |n: &str| youth(n).who(Who::Mother).with(referral().id("r1"));
    let pa = |lvl: &str| grant("parent-access").actor_role("PRN").action(lvl).related(r);
    let ya = |lvl: &str| grant("youth-access").action(lvl).related(r);
    vec![
        mother("parent-access full on R: document based on R").item(doc().based_on(r)).grant(pa("full")).expect(F, "parent.youth.opened-referral"),
        mother("parent-access metadata on R: document").item(doc().based_on(r)).grant(pa("metadata")).expect(M, "parent.youth.opened-referral"),
        mother("parent-access metadata: letter at metadata").item(letter().based_on(r)).grant(pa("metadata")).expect(M, "parent.youth.opened-referral"),
        mother("parent-access metadata: results at metadata").item(report().based_on(r)).grant(pa("metadata")).expect(M, "parent.youth.opened-referral"),
        mother("parent-access full: results full").item(report().based_on(r)).grant(pa("full")).expect(F, "parent.youth.opened-referral"),
        mother("parent-access metadata: the referral itself is full").item(referral().id("r1")).grant(pa("metadata")).expect(F, "parent.youth.opened-referral"),
        mother("parent-access metadata: appointment on R full").item(appt().based_on(r)).grant(pa("metadata")).expect(F, "parent.youth.opened-referral"),
        mother("parent-access: dialog on R full").item(msg().based_on(r)).grant(pa("metadata")).expect(F, "parent.youth.opened-referral"),
        mother("parent-access metadata: form at metadata").item(form().based_on(r)).grant(pa("metadata")).expect(M, "parent.youth.opened-referral"),
        mother("parent-access full: plan full").item(plan().based_on(r)).grant(pa("full")).expect(F, "parent.youth.opened-referral"),
        mother("parent-access full: measurement full").item(measure().based_on(r)).grant(pa("full")).expect(F, "parent.youth.opened-referral"),
        mother("parent-access metadata: critical info at metadata").item(allergy().based_on(r)).grant(pa("metadata")).expect(M, "parent.youth.opened-referral"),
        mother("parent-access: medication stays closed").item(med().based_on(r)).grant(pa("full")).expect(N, "parent.youth.default-closed"),
        mother("parent-access: vaccination stays closed").item(vacc().based_on(r)).grant(pa("full")).expect(N, "parent.youth.default-closed"),
        mother("parent-access: demographics stay name and age").item(Item::patient()).grant(pa("full")).expect(M, "parent.youth.name-age"),
        mother("parent-access on R: onward referral R2 basedOn R is linked")
            .with(referral().id("r2").based_on(r)).item(doc().based_on("ServiceRequest/r2")).grant(pa("full")).expect(F, "parent.youth.opened-referral"),
        mother("parent-access on R: R3 replaces R2 basedOn R is linked")
            .with(referral().id("r2").based_on(r)).with(referral().id("r3").set("replaces", json!([{"reference": "ServiceRequest/r2"}])))
            .item(doc().based_on("ServiceRequest/r3")).grant(pa("full")).expect(F, "parent.youth.opened-referral"),
        mother("parent-access on R: document of an encounter basedOn R")
            .with(Item::new(json!({"resourceType": "Encounter", "id": "e1", "basedOn": [{"reference": r}]})))
            .item(doc().set("context", json!({"encounter": [{"reference": "Encounter/e1"}]}))).grant(pa("full")).expect(F, "parent.youth.opened-referral"),
        mother("parent-access on R: document with context.related R")
            .item(doc().set("context", json!({"related": [{"reference": r}]}))).grant(pa("full")).expect(F, "parent.youth.opened-referral"),
        mother("parent-access on R: observation of a report basedOn R")
            .with(report().based_on(r).set("result", json!([{"reference": "Observation/obs"}]))).item(obs()).grant(pa("full")).expect(F, "parent.youth.opened-referral"),
        mother("parent-access on R: unlinked document stays closed").item(doc()).grant(pa("full")).expect(N, "parent.youth.default-closed"),
        mother("parent-access naming the mother opens for her").item(doc().based_on(r))
            .grant(grant("parent-access").actor_ref("RelatedPerson/mother").action("full").related(r)).expect(F, "parent.youth.opened-referral"),
        youth("parent-access naming the mother does not open for the father").who(Who::Father).with(referral().id("r1"))
            .patient("address", json!([{"use": "home", "line": ["Storgata 1"], "postalCode": "9008"}]))
            .item(doc().based_on(r)).grant(grant("parent-access").actor_ref("RelatedPerson/mother").action("full").related(r)).expect(N, "parent.youth.default-closed"),
        mother("parent-access without actor names nobody (stricter)").item(doc().based_on(r))
            .grant(grant("parent-access").action("full").related(r)).expect(N, "parent.youth.default-closed"),
        mother("parent-access without level opens at metadata (configurable)").item(doc().based_on(r))
            .grant(grant("parent-access").actor_role("PRN").related(r)).expect(M, "parent.youth.opened-referral"),
        mother("parent-access inactive (revoked)").item(doc().based_on(r)).grant(pa("full").inactive()).expect(N, "parent.youth.default-closed"),
        mother("parent-access period ended").item(doc().based_on(r)).grant(pa("full").period(Some("2026-01-01"), Some("2026-06-30"))).expect(N, "parent.youth.default-closed"),
        mother("parent-access on R does not open for the youth").who(Who::Myself).consent().item(doc().based_on(r)).grant(pa("full")).expect(M, "youth.default-metadata"),
        youth("youth-access full on R: document full").consent().with(referral().id("r1")).item(doc().based_on(r)).grant(ya("full")).expect(F, "youth.opened-referral"),
        youth("youth-access without level is full (§ 8)").consent().with(referral().id("r1")).item(report().based_on(r)).grant(grant("youth-access").related(r)).expect(F, "youth.opened-referral"),
        youth("youth-access metadata: stays metadata").consent().with(referral().id("r1")).item(doc().based_on(r)).grant(ya("metadata")).expect(M, "youth.default-metadata"),
        youth("youth-access full: plan full").consent().with(referral().id("r1")).item(plan().based_on(r)).grant(ya("full")).expect(F, "youth.opened-referral"),
        youth("youth-access needs the portal: no consent, none").with(referral().id("r1")).item(doc().based_on(r)).grant(ya("full")).expect(N, "youth.no-consent"),
        mother("youth-access does not open for parents").item(doc().based_on(r)).grant(ya("full")).expect(N, "parent.youth.default-closed"),
        mother("before 12th birthday: document full").item(doc().dated("2024-06-01")).expect(F, "parent.youth.before-12"),
        mother("before 12th birthday: letter full").item(letter().dated("2024-06-01")).expect(F, "parent.youth.before-12"),
        mother("before 12th birthday: results full").item(report().dated("2024-06-01")).expect(F, "parent.youth.before-12"),
        mother("before 12th birthday: day before birthday (Oslo) is before").item(doc().dated("2025-03-14")).expect(F, "parent.youth.before-12"),
        mother("before 12th birthday: on the birthday is after").item(doc().dated("2025-03-15")).expect(N, "parent.youth.default-closed"),
        mother("before 12th birthday: 23:30 Oslo the day before is before").item(doc().dated("2025-03-14T22:30:00Z")).expect(F, "parent.youth.before-12"),
        mother("before 12th birthday: 00:30 Oslo on the birthday is after").item(doc().dated("2025-03-14T23:30:00Z")).expect(N, "parent.youth.default-closed"),
        mother("before 12th birthday: referral is not opened by age").item(referral().dated("2024-06-01")).expect(N, "parent.youth.default-closed"),
        mother("before 12th birthday: plan is not opened by age").item(plan()).expect(N, "parent.youth.default-closed"),
        mother("undated document: stored time counts").item(doc().set("date", json!(null)).stored("2024-01-01T00:00:00Z")).expect(F, "parent.youth.before-12"),
        mother("medication shared with parents").item(med().tag("shared")).expect(F, "parent.youth.shared-medication"),
        mother("medication for the youth only").item(med().tag("only-youth")).expect(N, "parent.only-youth"),
        case("only-youth also closes for a parent of a child (stricter)").age(Age::Child).who(Who::Mother).item(med().tag("only-youth")).expect(N, "parent.only-youth"),
        youth("youth sees own medication marked only-youth").consent().item(med().tag("only-youth")).expect(F, "youth.register"),
        youth("dialog without the youth as participant (stricter)").consent().item(msg().set("recipient", json!([{"reference": "RelatedPerson/mother"}]))).expect(N, "youth.dialog.not-participant"),
        youth("dialog: youth as sender").consent().item(msg().set("recipient", json!([])).set("sender", json!({"reference": "Patient/p"}))).expect(F, "youth.dialog.participant"),
        youth("access log about a metadata item: metadata").consent().item(audit("DocumentReference/doc")).audited(doc()).expect(M, "youth.access-log"),
        youth("access log about a referral: full").consent().item(audit("ServiceRequest/ref")).audited(referral()).expect(F, "youth.access-log"),
        youth("access log about a withheld item: none").consent().item(audit("DocumentReference/doc")).audited(doc().label("NORN_FFL")).expect(N, "youth.access-log"),
        mother("access log about a before-12 item the parent sees: full").item(audit("DocumentReference/doc")).audited(doc().dated("2020-01-01")).expect(F, "parent.youth.access-log"),
        mother("access log about an opened item: its level").item(audit("DocumentReference/doc")).audited(doc().based_on(r)).grant(pa("metadata")).expect(M, "parent.youth.access-log"),
        mother("access log without the audited item: none").item(audit("DocumentReference/doc")).expect(N, "access-log.about-unknown"),
        case("proxy limited: access log about a letter").age(Age::Young).who(Who::ProxyLimited).item(audit("DocumentReference/letter")).audited(letter()).expect(F, "proxy.limited.access-log"),
        case("access log about a directory item").age(Age::Young).who(Who::ProxyLimited).item(audit("Organization/o")).audited(Item::new(json!({"resourceType": "Organization", "id": "o"}))).expect(F, "proxy.limited.access-log"),
        case("self 18+: adult code").item(doc()).expect(F, "self.adult"),
        youth("the youth's own rule (Consent) is full").consent().item(consent_item()).expect(F, "self.own-rule"),
        youth("own rules need the portal").item(consent_item()).expect(N, "youth.no-consent"),
        case("requisition is results: proxy limited none").age(Age::Young).who(Who::ProxyLimited).item(requisition()).expect(N, "proxy.limited.closed"),
        case("task of a requisition is results").age(Age::Young).who(Who::ProxyLimited).with(requisition())
            .item(Item::new(json!({"resourceType": "Task", "id": "t", "focus": {"reference": "ServiceRequest/req"}}))).grant(grant("self-deny-results")).expect(N, "self-deny-results"),
    ]
}

#[test]
fn section_6_opened_referrals_before_12_and_sharing() {
    assert_eq!(check(&opened_rows()), 63);
}

/// § 5 item labels.
fn label_rows() -> Vec<Case> {
    let mut rows = Vec::new();
    for code in ["NORN_FFL", "NORN_KUT", "NORN_FFH", "NORN_FPB", "NORN_ALL", "NORN_ANG", "NORN_EPO"] {
        rows.push(case(format!("{code}: patient none")).item(doc().label(code)).expect(N, &format!("label.{code}")));
        rows.push(case(format!("{code}: parent of child none")).age(Age::Child).who(Who::Mother).item(doc().label(code)).expect(N, &format!("label.{code}")));
        rows.push(case(format!("{code}: full proxy none")).who(Who::ProxyFull).item(doc().label(code)).expect(N, &format!("label.{code}")));
        rows.push(case(format!("{code}: own organisation still full")).who(Who::Practitioner(ORG_A, None)).item(doc().label(code)).expect(F, "practitioner.own-org"));
    }
    rows.extend([
        case("N: nothing changes").item(doc().label("N")).expect(F, "self.adult"),
        case("NORN_FOR: patient metadata").item(doc().label("NORN_FOR")).expect(M, "label.NORN_FOR"),
        case("NORN_FOR: parent of child metadata").age(Age::Child).who(Who::Mother).item(doc().label("NORN_FOR")).expect(M, "label.NORN_FOR"),
        case("NORN_FOR: youth metadata stays metadata").age(Age::Youth).consent().item(doc().label("NORN_FOR")).expect(M, "youth.default-metadata"),
        case("NORN_FOR: parent of youth stays none").age(Age::Youth).who(Who::Mother).item(doc().label("NORN_FOR")).expect(N, "parent.youth.default-closed"),
        case("NORN_FORANS: mother of child none").age(Age::Child).who(Who::Mother).item(doc().label("NORN_FORANS")).expect(N, "label.NORN_FORANS"),
        case("NORN_FORANS: foster parent none").age(Age::Child).who(Who::Foster).item(doc().label("NORN_FORANS")).expect(N, "label.NORN_FORANS"),
        case("NORN_FORANS: guardian none").who(Who::Guardian).item(doc().label("NORN_FORANS")).expect(N, "label.NORN_FORANS"),
        case("NORN_FORANS: mother of youth, before-12 item none").age(Age::Youth).who(Who::Mother).item(doc().dated("2020-01-01").label("NORN_FORANS")).expect(N, "label.NORN_FORANS"),
        case("NORN_FORANS: patient unaffected").item(doc().label("NORN_FORANS")).expect(F, "self.adult"),
        case("NORN_FORANS: youth unaffected").age(Age::Youth).consent().item(referral().label("NORN_FORANS")).expect(F, "youth.full"),
        case("NORN_FORANS: proxy unaffected").who(Who::ProxyFull).item(doc().label("NORN_FORANS")).expect(F, "proxy.full"),
        case("NORN_UNGDOM: youth none").age(Age::Youth).consent().item(referral().label("NORN_UNGDOM")).expect(N, "label.NORN_UNGDOM"),
        case("NORN_UNGDOM: youth's medication none").age(Age::Youth).consent().item(med().label("NORN_UNGDOM")).expect(N, "label.NORN_UNGDOM"),
        case("NORN_UNGDOM: parents keep before-12 access").age(Age::Youth).who(Who::Mother).item(doc().dated("2020-01-01").label("NORN_UNGDOM")).expect(F, "parent.youth.before-12"),
        case("NORN_UNGDOM: only while a youth (16 sees it)").age(Age::Young).item(doc().label("NORN_UNGDOM")).expect(F, "self.young"),
        case("NORU with date: none until then").item(doc().noru("2026-12-24T00:00:00+01:00")).expect(N, "deferred.label.until:2026-12-24"),
        case("NORU with date: full after").item(doc().noru("2026-11-01T00:00:00+01:00")).expect(F, "self.adult"),
        case("NORU date only: opens at Oslo midnight").at("2026-12-23T23:30:00Z").item(doc().noru("2026-12-24")).expect(F, "self.adult"),
        case("NORU date only: closed before Oslo midnight").at("2026-12-23T22:30:00Z").item(doc().noru("2026-12-24")).expect(N, "deferred.label.until:2026-12-24"),
        case("NORU without date: closed").item(doc().label("NORU")).expect(N, "label.NORU"),
        case("NORU: parent of child closed too").age(Age::Child).who(Who::Mother).item(doc().noru("2026-12-24T00:00:00Z")).expect(N, "deferred.label.until"),
        case("NORU: own organisation not deferred").who(Who::Practitioner(ORG_A, None)).item(doc().noru("2026-12-24T00:00:00Z")).expect(F, "practitioner.own-org"),
        case("NORU: release does not end it").item(doc().noru("2026-12-24T00:00:00Z")).grant(grant("release").data("DocumentReference/doc")).expect(N, "deferred.label.until"),
        case("NORS: other organisation none").who(Who::Practitioner(ORG_B, Some("TREAT"))).item(doc().label("NORS")).expect(N, "label.NORS"),
        case("NORS: emergency cannot pass (hard)").who(Who::Practitioner(ORG_B, Some("ETREAT"))).item(doc().label("NORS")).expect(N, "label.NORS"),
        case("NORS: own organisation full").who(Who::Practitioner(ORG_A, Some("TREAT"))).item(doc().label("NORS")).expect(F, "practitioner.own-org"),
        case("NORS: patient full").item(doc().label("NORS")).expect(F, "self.adult"),
        case("unknown 9603 code: withheld (stricter)").item(doc().label("NORN_NEW")).expect(N, "label.unknown"),
        case("label on the report closes its observation")
            .with(report().label("NORN_FFL").set("result", json!([{"reference": "Observation/obs"}]))).item(obs()).expect(N, "label.NORN_FFL"),
    ]);
    rows
}

#[test]
fn section_5_labels() {
    assert_eq!(check(&label_rows()), 28 + 30);
}

/// § 7 deferral.
fn deferral_rows() -> Vec<Case> {
    let recent = || report().set("issued", json!("2026-11-18T08:00:00Z"));
    let rp = || {
        referral()
            .id("rp")
            .set("performer", json!([{"reference": "Organization/paed"}]))
            .set("authoredOn", json!("2026-11-18"))
            .stored("2026-11-18T09:00:00Z")
    };
    let paed = |c: Case| {
        c.age(Age::Child).who(Who::Mother).config(|c| c.paediatric_units = vec!["Organization/paed".into()]).with(rp())
    };
    vec![
        case("results issued 3 days ago: patient none until issued + 14").item(recent()).expect(N, "deferred.results.until:2026-12-02"),
        case("results: full after 14 days").at("2026-12-02T08:00:00Z").item(recent()).expect(F, "self.adult"),
        case("results: a minute before opening still closed").at("2026-12-02T07:59:00Z").item(recent()).expect(N, "deferred.results.until"),
        case("results: 10 days configured").config(|c| c.result_deferral_days = 10).at("2026-11-28T08:00:00Z").item(recent()).expect(F, "self.adult"),
        case("results: 10 days configured, closed before").config(|c| c.result_deferral_days = 10).item(recent()).expect(N, "deferred.results.until:2026-11-28"),
        case("results: report without issued uses stored time").item(report().set("issued", json!(null)).stored("2026-11-20T10:00:00Z")).expect(N, "deferred.results.until:2026-12-04"),
        case("results: observation follows its report")
            .with(recent().set("result", json!([{"reference": "Observation/obs"}]))).item(obs()).expect(N, "deferred.results.until:2026-12-02"),
        case("results: standalone observation uses its own issued").item(obs().set("issued", json!("2026-11-20T08:00:00Z"))).expect(N, "deferred.results.until:2026-12-04"),
        case("results: parent of child deferred too").age(Age::Child).who(Who::Mother).item(recent()).expect(N, "deferred.results.until"),
        case("results: proxy deferred too").who(Who::ProxyFull).item(recent()).expect(N, "deferred.results.until"),
        case("results: release ends the deferral").item(recent()).grant(grant("release").data("DiagnosticReport/rep")).expect(F, "self.adult"),
        case("results: release of the report releases its observation")
            .with(recent().set("result", json!([{"reference": "Observation/obs"}]))).item(obs()).grant(grant("release").data("DiagnosticReport/rep")).expect(F, "self.adult"),
        case("results: release of another item does not").item(recent()).grant(grant("release").data("DiagnosticReport/other")).expect(N, "deferred.results.until"),
        case("results: revoked release").item(recent()).grant(grant("release").data("DiagnosticReport/rep").inactive()).expect(N, "deferred.results.until"),
        case("results: NORU later than the deferral wins").item(recent().noru("2027-01-15T00:00:00+01:00")).expect(N, "deferred.label.until:2027-01-15"),
        case("results: producing organisation never deferred").who(Who::Practitioner(ORG_A, None)).item(recent()).expect(F, "practitioner.own-org"),
        case("results: clinicians of other organisations never deferred").who(Who::Practitioner(ORG_B, Some("TREAT"))).item(recent()).expect(F, "practitioner.care-relationship"),
        case("results: deferral does not apply to documents").item(doc().dated("2026-11-20")).expect(F, "self.adult"),
        case("results: specimen is not deferred").item(Item::new(json!({"resourceType": "Specimen", "id": "sp"})).stored("2026-11-20T00:00:00Z")).expect(F, "self.adult"),
        paed(case("paediatric referral: the referral none for 10 days")).item(rp()).expect(N, "deferred.paediatric.until:2026-11-28"),
        paed(case("paediatric referral: linked document none")).item(doc().based_on("ServiceRequest/rp")).expect(N, "deferred.paediatric.until:2026-11-28"),
        paed(case("paediatric referral: open after 10 days")).at("2026-11-28T09:00:00Z").item(doc().based_on("ServiceRequest/rp")).expect(F, "parent.child"),
        paed(case("paediatric referral: unlinked document open")).item(doc()).expect(F, "parent.child"),
        paed(case("paediatric referral: release ends it")).item(doc().based_on("ServiceRequest/rp")).grant(grant("release").related("ServiceRequest/rp")).expect(F, "parent.child"),
        paed(case("paediatric referral: by identifier value")).config(|c| c.paediatric_units = vec!["4001031".into()])
            .with(referral().id("rq").set("performer", json!([{"identifier": {"value": "4001031"}}])).stored("2026-11-19T09:00:00Z"))
            .item(doc().based_on("ServiceRequest/rq")).expect(N, "deferred.paediatric.until:2026-11-29"),
        paed(case("paediatric referral: producing organisation sees it")).who(Who::Practitioner(ORG_A, None)).item(doc().based_on("ServiceRequest/rp")).expect(F, "practitioner.own-org"),
        paed(case("paediatric referral: receiving unit (referral holder) sees it")).who(Who::Practitioner(ORG_B, None)).refs("Organization/paed")
            .item(rp()).expect(F, "practitioner.referral-holder"),
    ]
}

#[test]
fn section_7_deferral() {
    assert_eq!(check(&deferral_rows()), 27);
}

/// The checker itself: a wrong expectation must fail (an empty or lenient checker
/// would make every section above pass).
#[test]
#[should_panic(expected = "1 of 2 rows failed")]
fn checker_reports_a_wrong_row() {
    check(&[
        case("right").item(doc()).expect(F, "self.adult"),
        case("wrong on purpose").age(Age::Youth).who(Who::Mother).item(doc()).expect(F, "parent.youth.default-closed"),
    ]);
}
