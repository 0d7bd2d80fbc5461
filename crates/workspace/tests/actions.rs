//! The remaining clinician actions over HTTP on the demo region, each with its effect
//! on what the family sees (the overview's column, and the portal where it shows):
//! labels (NORN_FORANS, NORU with a date, lifted again; refused on another owner's
//! item), a referral opened for the youth and revoked, an emergency lock on a
//! referral, shielded results, and a guardian registered.
use nordlys_synth::UNN_ORGNR;
use nordlys_testkit::portal::PortalDemo;
use nordlys_testkit::workspace::WorkspaceUser;
use reqwest::StatusCode;
use serde_json::Value;

const WARD_DOCTOR_HPR: &str = "565501872";
const MED_DOCTOR_HPR: &str = "8823410";
const GP_BODO_HPR: &str = "3345120";
const BUP_REFERRAL: &str = "Henvisning til BUP: utredning";
const BUP_NOTE: &str = "Poliklinisk notat BUP: første samtale";
const ASTHMA_NOTE: &str = "Poliklinisk notat: astma";
const PARENTS_CLOSED: &str = "Lars Nilsen (forelder): stengt: 12–16-regelen (ikke åpnet) · \
                              Ingrid Nilsen (forelder): stengt: 12–16-regelen (ikke åpnet)";

async fn kari_open(demo: &PortalDemo) -> WorkspaceUser {
    let doctor = WorkspaceUser::login(&demo.server, WARD_DOCTOR_HPR, UNN_ORGNR).await;
    doctor
        .open_patient(&demo.pid("child-13"), "TREAT", None)
        .await;
    doctor
}

fn orgnr_of(demo: &PortalDemo, practitioner: &str) -> String {
    demo.region
        .practitioners
        .iter()
        .find(|p| p.key == practitioner)
        .map(|p| p.orgnr.clone())
        .expect("demo practitioner")
}

#[tokio::test]
async fn labels_close_and_defer_items_and_lifting_restores_them() {
    let demo = PortalDemo::start().await;
    let mother = demo.login("mother").await;
    mother.act_for("Kari").await;
    let before = mother.tile_titles("journal").await;
    assert!(before.iter().any(|t| t == ASTHMA_NOTE), "{before:?}");
    let doctor = kari_open(&demo).await;

    let note = doctor.row(ASTHMA_NOTE).await;
    let set = doctor
        .post(
            "/clinician/act/label-set",
            &[("item", &note.handle), ("label", "NORN_FORANS")],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.html);
    let row = doctor.row(ASTHMA_NOTE).await;
    assert_eq!(row.labels, "NORN_FORANS");
    assert_eq!(
        row.family,
        "Pasienten: bare at det finnes: 12–15 år: oversikt · \
         Lars Nilsen (forelder): stengt: foreldre nektet innsyn (NORN_FORANS) · \
         Ingrid Nilsen (forelder): stengt: foreldre nektet innsyn (NORN_FORANS)"
    );
    let closed: Vec<String> = before
        .iter()
        .filter(|t| *t != ASTHMA_NOTE)
        .cloned()
        .collect();
    assert_eq!(mother.tile_titles("journal").await, closed);
    let lift = doctor
        .post(
            "/clinician/act/label-lift",
            &[("item", &note.handle), ("label", "NORN_FORANS")],
        )
        .await;
    assert_eq!(lift.status, StatusCode::SEE_OTHER);
    assert_eq!(doctor.row(ASTHMA_NOTE).await.labels, "");
    assert_eq!(mother.tile_titles("journal").await, before);

    // NORU needs a date, and defers the item for the patient until it.
    let bup = doctor.row(BUP_NOTE).await;
    let no_date = doctor
        .post(
            "/clinician/act/label-set",
            &[("item", &bup.handle), ("label", "NORU")],
        )
        .await;
    assert_eq!(no_date.status, StatusCode::BAD_REQUEST);
    assert_eq!(doctor.row(BUP_NOTE).await.labels, "");
    let noru = doctor
        .post(
            "/clinician/act/label-set",
            &[
                ("item", &bup.handle),
                ("label", "NORU"),
                ("until", "2030-01-02"),
            ],
        )
        .await;
    assert_eq!(noru.status, StatusCode::SEE_OTHER);
    let row = doctor.row(BUP_NOTE).await;
    assert_eq!(row.labels, "NORU");
    assert_eq!(
        row.family,
        format!("Pasienten: utsatt: til 02.01.2030 (NORU) · {PARENTS_CLOSED}")
    );
    doctor
        .post(
            "/clinician/act/label-lift",
            &[("item", &bup.handle), ("label", "NORU")],
        )
        .await;
    let row = doctor.row(BUP_NOTE).await;
    assert_eq!(
        (row.labels.as_str(), row.family),
        (
            "",
            format!("Pasienten: bare at det finnes: 12–15 år: oversikt · {PARENTS_CLOSED}")
        )
    );

    // The referral is owned by the GP's office: the hospital cannot relabel it.
    let referral = doctor.row(BUP_REFERRAL).await;
    let refused = doctor
        .post(
            "/clinician/act/label-set",
            &[("item", &referral.handle), ("label", "NORN_FORANS")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .html
            .contains("Bare organisasjonen som eier elementet"),
        "{}",
        refused.html
    );
    assert_eq!(doctor.row(BUP_REFERRAL).await.labels, "");
}

/// The handle of the revoke button of the first grant of `kind` in force.
fn revoke_handle(html: &str, kind: &str) -> Option<String> {
    html.split("<tr>")
        .find(|r| {
            r.contains(&format!("<td class=\"kind\">{kind}</td>")) && r.contains("name=\"grant\"")
        })
        .and_then(|r| r.split("name=\"grant\" value=\"").nth(1))
        .and_then(|r| r.split('"').next())
        .map(str::to_owned)
}

#[tokio::test]
async fn youth_access_opens_the_referral_for_kari_until_revoked() {
    let demo = PortalDemo::start().await;
    let doctor = kari_open(&demo).await;
    let metadata = format!("Pasienten: bare at det finnes: 12–15 år: oversikt · {PARENTS_CLOSED}");
    assert_eq!(doctor.row(BUP_NOTE).await.family, metadata);
    let referral = doctor.row(BUP_REFERRAL).await;
    let done = doctor
        .post("/clinician/act/youth-access", &[("item", &referral.handle)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(
        doctor.row(BUP_NOTE).await.family,
        format!("Pasienten: åpent: henvisningen er åpnet for ungdommen · {PARENTS_CLOSED}")
    );
    let page = doctor.get("/clinician/patient").await;
    let handle = revoke_handle(&page.html, "youth-access").expect("revoke button");
    let revoked = doctor
        .post("/clinician/act/revoke", &[("grant", &handle)])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.html);
    assert_eq!(doctor.row(BUP_NOTE).await.family, metadata);
    let page = doctor.get("/clinician/patient").await;
    assert_eq!(revoke_handle(&page.html, "youth-access"), None);
    // Revoking is a new version: the history keeps the grant as it was.
    let token = demo
        .server
        .practitioner_token(WARD_DOCTOR_HPR, UNN_ORGNR, Some("TREAT"))
        .await;
    let (_, bundle) = demo
        .server
        .get(
            "/fhir/Consent?patient=Patient/child-13&category=youth-access&_count=50",
            &token,
        )
        .await;
    let all: Vec<&Value> = bundle["entry"].as_array().into_iter().flatten().collect();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["resource"]["status"], "inactive");
    assert_eq!(all[0]["resource"]["meta"]["versionId"], "2");
}

#[tokio::test]
async fn emergency_lock_on_a_referral_closes_it_to_every_citizen() {
    let demo = PortalDemo::start().await;
    let kari = demo.login("child-13").await;
    let before = kari.tile_titles("referrals").await;
    assert!(before.iter().any(|t| t == BUP_REFERRAL), "{before:?}");
    let doctor = kari_open(&demo).await;
    let referral = doctor.row(BUP_REFERRAL).await;
    let done = doctor
        .post(
            "/clinician/act/emergency-lock",
            &[("item", &referral.handle)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let locked = "Pasienten: stengt: akuttsperre · Lars Nilsen (forelder): stengt: akuttsperre · \
                  Ingrid Nilsen (forelder): stengt: akuttsperre";
    assert_eq!(doctor.row(BUP_NOTE).await.family, locked);
    assert_eq!(doctor.row(BUP_REFERRAL).await.family, locked);
    let after: Vec<String> = before
        .iter()
        .filter(|t| *t != BUP_REFERRAL)
        .cloned()
        .collect();
    assert_eq!(kari.tile_titles("referrals").await, after);
    // The asthma referral is not linked to the BUP referral and stays as it was.
    assert_eq!(
        doctor.row("Henvisning til barneavdelingen: astma").await.family,
        "Pasienten: åpent: 12–15 år · Lars Nilsen (forelder): åpent: henvisningen er åpnet for foreldre · \
         Ingrid Nilsen (forelder): åpent: henvisningen er åpnet for foreldre"
    );
}

#[tokio::test]
async fn shielded_results_are_closed_to_other_organisations_except_in_an_emergency() {
    let demo = PortalDemo::start().await;
    let gp_orgnr = orgnr_of(&demo, "gp-bodo");
    let count = |purpose: &'static str| {
        let demo = &demo;
        let gp_orgnr = gp_orgnr.clone();
        async move {
            let token = demo
                .server
                .practitioner_token(GP_BODO_HPR, &gp_orgnr, Some(purpose))
                .await;
            let (status, b) = demo
                .server
                .get(
                    "/fhir/DiagnosticReport?patient=Patient/adult&_summary=count",
                    &token,
                )
                .await;
            assert_eq!(status, StatusCode::OK);
            b["total"].as_u64().unwrap_or(u64::MAX)
        }
    };
    let before = count("TREAT").await;
    assert!(before > 0);
    let doctor = WorkspaceUser::login(&demo.server, MED_DOCTOR_HPR, UNN_ORGNR).await;
    doctor.open_patient(&demo.pid("adult"), "TREAT", None).await;
    let done = doctor
        .post("/clinician/act/shield", &[("strength", "soft")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(count("TREAT").await, 0);
    assert_eq!(count("ETREAT").await, before);
}

#[tokio::test]
async fn a_registered_guardian_can_act_for_the_patient_in_the_portal() {
    let demo = PortalDemo::start().await;
    let guardian = demo.login("mother").await;
    assert!(!guardian.chooser().await.iter().any(|p| p.contains("Ola")));
    let doctor = WorkspaceUser::login(&demo.server, MED_DOCTOR_HPR, UNN_ORGNR).await;
    doctor.open_patient(&demo.pid("adult"), "TREAT", None).await;
    let bad = doctor
        .post("/clinician/act/lacks-capacity", &[("pid", "12345678901")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let done = doctor
        .post(
            "/clinician/act/lacks-capacity",
            &[("pid", &demo.pid("mother"))],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let rows = doctor.rows().await;
    assert!(
        rows.iter().all(|r| r.family.contains(" · verge: ")),
        "{rows:?}"
    );
    // A new login computes whom the guardian may act for.
    let again = demo.login("mother").await;
    let chooser = again.chooser().await;
    assert_eq!(
        chooser.iter().filter(|p| p.contains("Ola")).count(),
        1,
        "{chooser:?}"
    );
}
