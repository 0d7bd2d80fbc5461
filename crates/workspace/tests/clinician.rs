//! The clinician workspace over HTTP on the demo region: opening a referral for a
//! parent and its effect on the parent's portal and the access log, early release of
//! a deferred result, emergency access, the purpose requirement and CSRF refusals.
use nordlys_synth::UNN_ORGNR;
use nordlys_testkit::portal::{table_rows, PortalDemo};
use nordlys_testkit::workspace::WorkspaceUser;
use reqwest::StatusCode;
use serde_json::Value;

/// Overlege Erik Strand, BUP Tromsø (UNN).
const WARD_DOCTOR_HPR: &str = "565501872";
/// Overlege Thomas Lie, medisinsk avdeling (UNN).
const MED_DOCTOR_HPR: &str = "8823410";
const BUP_REFERRAL: &str = "Henvisning til BUP: utredning";
const ASTHMA_REFERRAL: &str = "Henvisning til barneavdelingen: astma";

/// Consents of a patient as the API shows them to a treating UNN practitioner.
async fn consents(demo: &PortalDemo, patient: &str) -> Vec<Value> {
    let token = demo
        .server
        .practitioner_token(WARD_DOCTOR_HPR, UNN_ORGNR, Some("TREAT"))
        .await;
    let path = format!("/fhir/Consent?patient=Patient/{patient}&_count=500");
    let (status, bundle) = demo.server.get(&path, &token).await;
    assert_eq!(status, StatusCode::OK);
    bundle["entry"]
        .as_array()
        .map(|e| e.iter().map(|x| x["resource"].clone()).collect())
        .unwrap_or_default()
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn opening_bup_referral_for_the_mother_shows_it_in_her_portal_and_both_reads_in_the_log() {
    let demo = PortalDemo::start().await;
    let mother = demo.login("mother").await;
    mother.act_for("Kari").await;
    assert_eq!(
        mother.tile_titles("referrals").await,
        strs(&[ASTHMA_REFERRAL])
    );

    let doctor = WorkspaceUser::login(&demo.server, WARD_DOCTOR_HPR, UNN_ORGNR).await;
    let overview = doctor
        .open_patient(&demo.pid("child-13"), "TREAT", None)
        .await;
    assert!(overview.html.contains("Overlege Erik Strand"), "name shown");
    assert!(overview.html.contains(WARD_DOCTOR_HPR), "HPR shown");
    assert!(
        overview.html.contains("formål: Behandling"),
        "purpose shown"
    );
    let row = doctor.row(BUP_REFERRAL).await;
    assert_eq!(
        row.family,
        "Pasienten: åpent: 12–15 år · Lars Nilsen (forelder): stengt: 12–16-regelen (ikke åpnet) · \
         Ingrid Nilsen (forelder): stengt: 12–16-regelen (ikke åpnet)"
    );
    let parents = doctor.parents(&row.handle).await;
    let names: Vec<&str> = parents.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, vec!["Lars Nilsen", "Ingrid Nilsen"]);
    let before = consents(&demo, "child-13").await.len();

    // Without the recorded conversation nothing is written.
    let refused = doctor
        .post(
            "/clinician/act/parent-access",
            &[
                ("item", &row.handle),
                ("parent", &parents[1].0),
                ("level", "full"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.html.contains("samtalen med ungdommen"),
        "{}",
        refused.html
    );
    assert_eq!(consents(&demo, "child-13").await.len(), before);

    let done = doctor
        .post(
            "/clinician/act/parent-access",
            &[
                ("item", &row.handle),
                ("parent", &parents[1].0),
                ("level", "full"),
                ("conversation", "yes"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let all = consents(&demo, "child-13").await;
    assert_eq!(all.len(), before + 1);
    let new: Vec<&Value> = all
        .iter()
        .filter(|c| {
            c["category"][0]["coding"][0]["code"] == "parent-access"
                && c["provision"]["data"][0]["reference"]["reference"]
                    == "ServiceRequest/referral-1"
        })
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0]["verification"][0]["verified"], true);
    assert_eq!(
        new[0]["verification"][0]["verifiedWith"]["reference"],
        "Patient/child-13"
    );
    assert_eq!(
        new[0]["provision"]["actor"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        new[0]["performer"][0]["identifier"]["value"],
        WARD_DOCTOR_HPR
    );

    assert_eq!(
        mother.tile_titles("referrals").await,
        strs(&[BUP_REFERRAL, ASTHMA_REFERRAL])
    );
    let row = doctor.row(BUP_REFERRAL).await;
    assert_eq!(
        row.family,
        "Pasienten: åpent: 12–15 år · Lars Nilsen (forelder): stengt: 12–16-regelen (ikke åpnet) · \
         Ingrid Nilsen (forelder): åpent: henvisningen er åpnet for foreldre"
    );

    // Kari's access log: the clinician's reads and write, and her mother's views.
    let kari = demo.login("child-13").await;
    let log = kari.get("/tiles/accesslog").await;
    assert_eq!(log.status, StatusCode::OK);
    let rows = table_rows(&log.html);
    let count = |who: &str, what: &str, purpose: &str, behalf: &str| {
        rows.iter()
            .filter(|r| r[1] == who && r[4] == what && r[5] == purpose && r[6] == behalf)
            .count()
    };
    assert_eq!(
        count(
            "Erik Strand",
            "Registrerte: Personverninnstillinger",
            "Behandling",
            ""
        ),
        1
    );
    assert!(count("Erik Strand", "Åpnet: Henvisninger", "Behandling", "") >= 1);
    assert_eq!(
        count(
            "Ingrid Nilsen",
            "Så en oversikt: Henvisninger",
            "",
            "Kari Nilsen"
        ),
        2
    );
}

#[tokio::test]
async fn releasing_a_deferred_result_shows_it_to_the_patient_at_once() {
    let demo = PortalDemo::start().await;
    let ola = demo.login("adult").await;
    let before = ola.tile_titles("results").await;
    let doctor = WorkspaceUser::login(&demo.server, MED_DOCTOR_HPR, UNN_ORGNR).await;
    doctor.open_patient(&demo.pid("adult"), "TREAT", None).await;
    let rows = doctor.rows().await;
    let deferred: Vec<_> = rows
        .iter()
        .filter(|r| {
            r.family.starts_with("Pasienten: utsatt: til") && r.family.ends_with("(prøvesvar)")
        })
        .collect();
    assert_eq!(deferred.len(), 1, "{rows:?}");
    let done = doctor
        .post("/clinician/act/release", &[("item", &deferred[0].handle)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let after_row = doctor
        .rows()
        .await
        .into_iter()
        .find(|r| r.handle == deferred[0].handle)
        .expect("still listed");
    assert_eq!(after_row.family, "Pasienten: åpent: egen journal");
    let after = ola.tile_titles("results").await;
    assert_eq!(after.len(), before.len() + 1, "{before:?} → {after:?}");
}

#[tokio::test]
async fn emergency_access_warns_and_is_logged_as_emergency() {
    let demo = PortalDemo::start().await;
    // A GP in Bodø with no care relationship to Kari.
    let gp = WorkspaceUser::login(&demo.server, "3345120", &orgnr_of(&demo, "gp-bodo")).await;
    let no_reason = gp
        .post(
            "/clinician/find",
            &[("query", &demo.pid("child-13")), ("purpose", "ETREAT")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    let overview = gp
        .open_patient(
            &demo.pid("child-13"),
            "ETREAT",
            Some("Bevisstløs på legevakten"),
        )
        .await;
    assert!(
        overview.html.contains("class=\"banner emergency\""),
        "{}",
        overview.html
    );
    assert!(
        overview.html.contains("NØDRETT") && overview.html.contains("Bevisstløs på legevakten")
    );
    // Kari's access log: the emergency reads are marked as such.
    let kari = demo.login("child-13").await;
    let log = kari.get("/tiles/accesslog").await;
    let rows = table_rows(&log.html);
    let by_gp: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "Jon Karlsen").collect();
    let opened: Vec<&&Vec<String>> = by_gp
        .iter()
        .filter(|r| r[4] == "Åpnet: Personopplysninger")
        .collect();
    assert_eq!(opened.len(), 1, "{rows:?}");
    assert_eq!(opened[0][5], "Akutt behandling Nødtilgang");
    // Every entry of the emergency access is marked (or, about items Kari sees only
    // as metadata, shows no purpose at all); none as ordinary treatment.
    assert!(
        by_gp
            .iter()
            .all(|r| r[5] == "Akutt behandling Nødtilgang" || r[5].is_empty()),
        "{by_gp:?}"
    );
    assert!(log.html.contains("<tr class=\"emergency\">"));
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
async fn no_purpose_no_patient_and_forged_forms_write_nothing() {
    let demo = PortalDemo::start().await;
    let doctor = WorkspaceUser::login(&demo.server, WARD_DOCTOR_HPR, UNN_ORGNR).await;
    let refused = doctor
        .post("/clinician/find", &[("query", &demo.pid("child-13"))])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.html.contains("Velg formål"), "{}", refused.html);
    let overview = doctor.get("/clinician/patient").await;
    assert_eq!(
        overview.location.as_deref(),
        Some("/clinician"),
        "no patient open"
    );
    // Nor through the API: the login token (no purpose) may not search patient data.
    let token = demo
        .server
        .practitioner_token(WARD_DOCTOR_HPR, UNN_ORGNR, None)
        .await;
    let (status, _) = demo.server.get("/fhir/Patient?name=Kari", &token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    doctor
        .open_patient(&demo.pid("child-13"), "TREAT", None)
        .await;
    let row = doctor.row(BUP_REFERRAL).await;
    let parents = doctor.parents(&row.handle).await;
    let before = consents(&demo, "child-13").await.len();
    let forged = doctor
        .post(
            "/clinician/act/parent-access",
            &[
                ("_csrf", "0000"),
                ("item", &row.handle),
                ("parent", &parents[1].0),
                ("level", "full"),
                ("conversation", "yes"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let no_token = doctor
        .post("/clinician/act/emergency-lock", &[("_csrf", "")])
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(consents(&demo, "child-13").await.len(), before);
    let labels_before = doctor.row(BUP_REFERRAL).await.labels;
    let forged_label = doctor
        .post(
            "/clinician/act/label-set",
            &[
                ("_csrf", "x"),
                ("item", &row.handle),
                ("label", "NORN_FORANS"),
            ],
        )
        .await;
    assert_eq!(forged_label.status, StatusCode::FORBIDDEN);
    assert_eq!(doctor.row(BUP_REFERRAL).await.labels, labels_before);
}
