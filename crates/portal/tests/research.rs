//! Research consent over HTTP on the demo region (issue 6 § 6): a research system
//! registers a study through the FHIR API with its own token; Ingrid (the mother)
//! sees it under "Forskning" for Emma (8), consents — the study's system now reads
//! Emma's Observation (200) — and withdraws — 404 at once, ResearchSubject
//! `withdrawn`. A form without the CSRF token writes nothing; a 17-year-old (Jonas)
//! answers for himself, and his mother cannot act for him.
use nordlys_testkit::portal::{PortalDemo, PortalUser};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The research organisation (not one of the demo's).
const RESEARCH_ORG: &str = "999888771";

/// Every `name="study" value="…"` handle on a page, in order.
fn study_handles(html: &str) -> Vec<String> {
    html.split("name=\"study\" value=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect()
}

/// The part of the page under the "Samtykker som gjelder nå" heading.
fn given_section(html: &str) -> String {
    html.split("research-given")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or_default()
        .to_owned()
}

async fn research_page(user: &PortalUser) -> String {
    let page = user.get("/research").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    page.html
}

/// The first Observation of `patient` in the demo region.
fn observation_of(demo: &PortalDemo, patient: &str) -> String {
    demo.region
        .resources
        .iter()
        .find(|r| {
            r["resourceType"] == "Observation"
                && r["subject"]["reference"] == format!("Patient/{patient}").as_str()
        })
        .and_then(|r| r["id"].as_str())
        .unwrap_or_else(|| panic!("no Observation of {patient} in the demo"))
        .to_owned()
}

/// The status the research system gets reading `path`.
async fn reads(demo: &PortalDemo, path: &str, token: &str) -> StatusCode {
    demo.server.get(path, token).await.0
}

async fn subjects(demo: &PortalDemo, token: &str, study: &str) -> Vec<(String, String)> {
    let path = format!("/fhir/ResearchSubject?study=ResearchStudy/{study}");
    let (status, bundle) = demo.server.get(&path, token).await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    let mut out: Vec<(String, String)> = bundle["entry"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|e| {
            let r = &e["resource"];
            let who = r["individual"]["reference"].as_str().unwrap_or_default();
            (
                who.to_owned(),
                r["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_and_withdraw_through_the_portal() {
    let demo = PortalDemo::start().await;
    let research = demo
        .server
        .system_token("research-test", RESEARCH_ORG)
        .await;
    let study = json!({"resourceType": "ResearchStudy", "status": "active",
        "title": "Barnehjertestudien",
        "description": "Jeg samtykker til at Barnehjertestudien bruker prøvesvar fra journalen."});
    let (status, created) = demo
        .server
        .send(Method::POST, "/fhir/ResearchStudy", &research, &study)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let study_id = created["id"].as_str().expect("study id").to_owned();
    let obs = observation_of(&demo, "child-8");
    let obs_path = format!("/fhir/Observation/{obs}");
    assert_eq!(
        reads(&demo, &obs_path, &research).await,
        StatusCode::NOT_FOUND,
        "no consent yet"
    );

    let mother = demo.login("mother").await;
    mother.act_for("Emma").await;
    let html = research_page(&mother).await;
    assert!(html.contains("Barnehjertestudien"), "{html}");
    assert!(
        html.contains("bruker prøvesvar fra journalen"),
        "the consent text"
    );
    assert!(!given_section(&html).contains("Barnehjertestudien"));
    let handles = study_handles(&html);
    assert_eq!(handles.len(), 2, "consent and decline: {handles:?}");

    // A forged form writes nothing.
    let forged = mother
        .post(
            "/research/consent",
            &[("study", &handles[0]), ("_csrf", "wrong")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reads(&demo, &obs_path, &research).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(subjects(&demo, &research, &study_id).await, vec![]);

    let given = mother
        .post("/research/consent", &[("study", &handles[0])])
        .await;
    assert_eq!(given.status, StatusCode::SEE_OTHER, "{}", given.html);
    assert_eq!(given.location.as_deref(), Some("/research"));
    let html = research_page(&mother).await;
    assert!(html.contains("Samtykket er registrert."), "{html}");
    assert!(
        given_section(&html).contains("Barnehjertestudien"),
        "{html}"
    );
    assert!(given_section(&html).contains("Trekk samtykket"));
    assert_eq!(
        reads(&demo, &obs_path, &research).await,
        StatusCode::OK,
        "the study reads Emma's data"
    );
    let emma = vec![("Patient/child-8".to_owned(), "on-study".to_owned())];
    assert_eq!(subjects(&demo, &research, &study_id).await, emma);

    let withdraw = study_handles(&given_section(&html));
    assert_eq!(withdraw.len(), 1);
    let gone = mother
        .post("/research/withdraw", &[("study", &withdraw[0])])
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER, "{}", gone.html);
    assert_eq!(
        reads(&demo, &obs_path, &research).await,
        StatusCode::NOT_FOUND,
        "closed at once"
    );
    let emma = vec![("Patient/child-8".to_owned(), "withdrawn".to_owned())];
    assert_eq!(subjects(&demo, &research, &study_id).await, emma);
    let html = research_page(&mother).await;
    assert!(html.contains("Samtykket er trukket."), "{html}");
    assert!(!given_section(&html).contains("Barnehjertestudien"));
    // Withdrawing again is refused in plain words.
    let twice = mother
        .post("/research/withdraw", &[("study", &withdraw[0])])
        .await;
    assert_eq!(
        twice.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        twice.html
    );

    // Jonas (17) answers for himself; his mother cannot act for him.
    let jonas_doc = "/fhir/DocumentReference/doc-child-17-gp-1";
    assert_eq!(
        reads(&demo, jonas_doc, &research).await,
        StatusCode::NOT_FOUND
    );
    let jonas = demo.login("child-17").await;
    let html = research_page(&jonas).await;
    let his = study_handles(&html);
    assert_eq!(his.len(), 2, "{html}");
    let yes = jonas.post("/research/consent", &[("study", &his[0])]).await;
    assert_eq!(yes.status, StatusCode::SEE_OTHER, "{}", yes.html);
    assert_eq!(reads(&demo, jonas_doc, &research).await, StatusCode::OK);
    let mut both = vec![
        ("Patient/child-17".to_owned(), "on-study".to_owned()),
        ("Patient/child-8".to_owned(), "withdrawn".to_owned()),
    ];
    both.sort();
    assert_eq!(subjects(&demo, &research, &study_id).await, both);
    let listed: Value = json!(mother.chooser().await);
    assert!(
        !listed.to_string().contains("Jonas"),
        "a parent does not act for a 17-year-old here: {listed}"
    );
}
