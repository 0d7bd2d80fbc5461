//! The care plan's sharing consent (`careplan-sharing`) and hand-over status in the
//! portal, on the real server with dev tokens: the patient gives the consent on the
//! plan page and the GP (another organisation in the plan's team, with a care
//! relationship) can read the plan over FHIR; withdrawn, the GP gets 404 again. A
//! parent may give it for a 13-year-old; a 16-year-old decides herself (her parent
//! cannot act for her, and the store refuses the parent's consent), and a
//! 13-year-old's own attempt is refused with the reason in plain words. A proposed and then accepted hand-over is shown in words.
//!
//! Why the effect is checked over FHIR with the GP's token: the portal only writes
//! the Consent; what the consent opens is decided by the policy, where it counts.
use nordlys_testkit::booking::{parent, patient, person};
use nordlys_testkit::careplan::{plan, put_ok, server_on, sharing_consent, GP_HPR, HOSPITAL_HPR};
use nordlys_testkit::fixtures::{HOSPITAL_ORG, OTHER_ORG};
use nordlys_testkit::portal::{attr_after, PortalUser};
use nordlys_testkit::server::{memory_store, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

struct Team {
    system: String,
    hospital: String,
    gp: String,
}

async fn team(s: &TestServer) -> Team {
    Team {
        system: s.system_token("dips-test", HOSPITAL_ORG).await,
        hospital: s
            .practitioner_token(HOSPITAL_HPR, HOSPITAL_ORG, Some("TREAT"))
            .await,
        gp: s.practitioner_token(GP_HPR, OTHER_ORG, Some("TREAT")).await,
    }
}

/// The hospital's plan for `patient_id`, created; its id.
async fn plan_for(s: &TestServer, t: &Team, patient_id: &str) -> String {
    let (status, body) = s
        .send(
            Method::POST,
            "/fhir/CarePlan",
            &t.hospital,
            &plan(patient_id),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap_or_default().to_owned()
}

async fn gp_reads(s: &TestServer, t: &Team, id: &str) -> StatusCode {
    s.get(&format!("/fhir/CarePlan/{id}"), &t.gp).await.0
}

/// The path of the only plan on the portal's care plan tile.
async fn plan_page(user: &PortalUser) -> String {
    let links = user.tile_links("careplan").await;
    assert_eq!(links.len(), 1, "{links:?}");
    format!("/tiles/careplan/{}", links[0].0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ola_shares_the_plan_in_the_portal_and_withdraws_it() {
    let (store, _guard) = memory_store().await;
    let s = server_on(store).await;
    let t = team(&s).await;
    let (fnr, birth) = person(45, 21);
    put_ok(&s, &t.system, patient("ola", &fnr, birth)).await;
    let id = plan_for(&s, &t, "ola").await;
    assert_eq!(gp_reads(&s, &t, &id).await, StatusCode::NOT_FOUND);

    let ola = PortalUser::login(&s, &fnr, "high").await;
    let path = plan_page(&ola).await;
    let page = ola.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Del planen med helsepersonell i teamet"));
    assert!(page.html.contains("Planen er ikke delt"), "{}", page.html);
    assert!(page.html.contains("action=\"/settings/careplan-sharing\""));

    let done = ola
        .post("/settings/careplan-sharing", &[("back", path.as_str())])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(done.location.as_deref(), Some(path.as_str()));
    let page = ola.get(&path).await;
    assert!(page.html.contains("Samtykket er gitt."), "{}", page.html);
    let settings = ola.get("/settings").await;
    assert!(
        settings.html.contains("Deling av behandlingsplan"),
        "{}",
        settings.html
    );
    assert!(page
        .html
        .contains("Planen er delt med helsepersonell i teamet."));
    assert_eq!(gp_reads(&s, &t, &id).await, StatusCode::OK);
    let (_, found) = s.get("/fhir/CarePlan?patient=ola", &t.gp).await;
    assert_eq!(found["total"], 1, "{found}");
    // The consent is Ola's own, as the contract's Consent.
    let (_, consents) = s
        .get("/fhir/Consent?patient=Patient/ola", &t.hospital)
        .await;
    assert_eq!(consents["total"], 1, "{consents}");
    let c = &consents["entry"][0]["resource"];
    assert_eq!(c["category"][0]["coding"][0]["code"], "careplan-sharing");
    assert_eq!(c["performer"][0]["reference"], "Patient/ola");
    assert_eq!(c["provision"]["type"], "permit");

    let rule = attr_after(&page.html, "name=\"rule\" value=\"").expect("withdraw form");
    let done = ola
        .post(
            "/settings/careplan-sharing-withdraw",
            &[("rule", rule.as_str()), ("back", path.as_str())],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(done.location.as_deref(), Some(path.as_str()));
    let page = ola.get(&path).await;
    assert!(
        page.html.contains("Samtykket er trukket tilbake."),
        "{}",
        page.html
    );
    assert!(page.html.contains("Planen er ikke delt"));
    assert_eq!(gp_reads(&s, &t, &id).await, StatusCode::NOT_FOUND);
    let (_, found) = s.get("/fhir/CarePlan?patient=ola", &t.gp).await;
    assert_eq!(found["total"], 0, "{found}");

    // A back field that is not a care plan page is ignored.
    let done = ola
        .post(
            "/settings/careplan-sharing",
            &[("back", "https://evil.example/")],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/settings"));
    assert_eq!(gp_reads(&s, &t, &id).await, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_shares_for_13_but_not_for_16() {
    let (store, _guard) = memory_store().await;
    let s = server_on(store).await;
    let t = team(&s).await;
    let (child_fnr, child_birth) = person(13, 22);
    put_ok(&s, &t.system, patient("nils", &child_fnr, child_birth)).await;
    let (teen_fnr, teen_birth) = person(16, 23);
    put_ok(&s, &t.system, patient("siri", &teen_fnr, teen_birth)).await;
    let (mother_fnr, mother_birth) = person(44, 24);
    put_ok(
        &s,
        &t.system,
        parent("mor-nils", "nils", &mother_fnr, mother_birth, child_birth),
    )
    .await;
    put_ok(
        &s,
        &t.system,
        parent("mor-siri", "siri", &mother_fnr, mother_birth, teen_birth),
    )
    .await;
    let nils_plan = plan_for(&s, &t, "nils").await;
    let siri_plan = plan_for(&s, &t, "siri").await;

    let mother = PortalUser::login(&s, &mother_fnr, "high").await;
    mother.act_for("nils").await;
    let settings = mother.get("/settings").await;
    assert!(settings
        .html
        .contains("action=\"/settings/careplan-sharing\""));
    let done = mother.post("/settings/careplan-sharing", &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(done.location.as_deref(), Some("/settings"));
    let settings = mother.get("/settings").await;
    assert!(
        settings.html.contains("Samtykket er gitt."),
        "{}",
        settings.html
    );
    // § 6: the parent of a 12–15-year-old does not see the child's Consents, so the
    // consent just given is not listed to her; the GP's access proves it is stored.
    assert_eq!(gp_reads(&s, &t, &nils_plan).await, StatusCode::OK);
    let (_, consents) = s
        .get("/fhir/Consent?patient=Patient/nils", &t.hospital)
        .await;
    assert_eq!(consents["total"], 1, "{consents}");
    assert_eq!(
        consents["entry"][0]["resource"]["performer"][0],
        json!({"identifier": {"system": nordlys_policy::FNR_SYSTEM, "value": mother_fnr}})
    );

    // A 16-year-old decides herself: her mother cannot act for her in the portal,
    // and the store refuses the same consent sent directly.
    let chooser = mother.chooser().await;
    assert!(!chooser.iter().any(|l| l.contains("siri")), "{chooser:?}");
    let mother_token = s.citizen_token(&mother_fnr).await;
    let mut by_mother = sharing_consent("siri");
    by_mother["performer"] =
        json!([{"identifier": {"system": nordlys_policy::FNR_SYSTEM, "value": mother_fnr}}]);
    let (status, body) = s
        .send(Method::POST, "/fhir/Consent", &mother_token, &by_mother)
        .await;
    // The policy's business rule (access-policy.md § 8): 422 business-rule.
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["issue"][0]["code"], "business-rule");
    assert_eq!(gp_reads(&s, &t, &siri_plan).await, StatusCode::NOT_FOUND);
    let (_, consents) = s
        .get("/fhir/Consent?patient=Patient/siri", &t.hospital)
        .await;
    assert_eq!(consents["total"], 0, "{consents}");

    // Nils himself (13) is refused in the portal, in plain words.
    let nils = PortalUser::login(&s, &child_fnr, "high").await;
    let refused = nils.post("/settings/careplan-sharing", &[]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.html
    );
    assert!(
        refused
            .html
            .contains("Fra 16 år bestemmer pasienten selv om planen skal deles"),
        "{}",
        refused.html
    );
    let (_, consents) = s
        .get("/fhir/Consent?patient=Patient/nils", &t.hospital)
        .await;
    assert_eq!(consents["total"], 1, "{consents}");
}

fn handover_to(orgnr: &str) -> Value {
    json!({"resourceType": "Parameters", "parameter": [{"name": "organization", "valueString": orgnr}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_shows_the_handover() {
    let (store, _guard) = memory_store().await;
    let s = server_on(store).await;
    let t = team(&s).await;
    let (fnr, birth) = person(45, 25);
    put_ok(&s, &t.system, patient("kari", &fnr, birth)).await;
    let id = plan_for(&s, &t, "kari").await;
    put_ok(
        &s,
        &t.system,
        json!({"resourceType": "Organization", "id": "gp-office", "name": "Fastlegekontoret",
            "identifier": [{"system": nordlys_policy::ORGNR_SYSTEM, "value": OTHER_ORG}]}),
    )
    .await;
    let kari = PortalUser::login(&s, &fnr, "high").await;
    let path = plan_page(&kari).await;
    let page = kari.get(&path).await;
    assert!(!page.html.contains("Ansvar for planen"));
    // The receiver answers only a plan it sees: Kari shares it first.
    let done = kari.post("/settings/careplan-sharing", &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);

    let (status, task) = s
        .send(
            Method::POST,
            &format!("/fhir/CarePlan/{id}/$handover"),
            &t.hospital,
            &handover_to(OTHER_ORG),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let page = kari.get(&path).await;
    assert!(
        page.html
            .contains("Ansvaret er foreslått overført til Fastlegekontoret."),
        "{}",
        page.html
    );
    let task_id = task["id"].as_str().unwrap_or_default();
    let (status, body) = s
        .send(
            Method::POST,
            &format!("/fhir/Task/{task_id}/$accept-handover"),
            &t.gp,
            &json!({"resourceType": "Parameters"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = kari.get(&path).await;
    assert!(
        page.html
            .contains("Ansvaret er overført til Fastlegekontoret."),
        "{}",
        page.html
    );
}
