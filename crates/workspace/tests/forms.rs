//! A received form in the workspace (issue 6 § 2): Ingrid answers her GP office's
//! request with a severe triage answer; Dr. Berg's inbox marks it "Snarest" and links
//! to the answer, which shows the priority, the score, the sender and every answer.
use nordlys_store::FormAnswer;
use nordlys_testkit::fixtures::citizen;
use nordlys_testkit::forms::triage_answers;
use nordlys_testkit::portal::PortalDemo;
use nordlys_testkit::workspace::WorkspaceUser;
use reqwest::StatusCode;

#[tokio::test]
async fn the_gp_sees_the_triage_priority_and_reads_the_answer() {
    let demo = PortalDemo::start().await;
    let answer = FormAnswer {
        patient_id: "mother".into(),
        questionnaire_id: "skjema-luftveier".into(),
        items: triage_answers(true),
        draft_id: None,
        request_id: Some("form-request-mother-1".into()),
    };
    let receipt = demo
        .server
        .store
        .submit_form(&citizen(&demo.pid("mother")), &answer)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(receipt.priority, Some("asap"));
    let gp = demo
        .region
        .practitioners
        .iter()
        .find(|p| p.key == "gp-tromso")
        .unwrap_or_else(|| panic!("no demo GP"));
    let berg = WorkspaceUser::login(&demo.server, &gp.hpr, &gp.orgnr).await;
    let inbox = berg.get("/clinician/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK);
    let links: Vec<&str> = inbox
        .html
        .split("href=\"/clinician/forms/")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .collect();
    assert_eq!(links.len(), 1, "{}", inbox.html);
    assert!(inbox.html.contains("Snarest"));
    let page = berg.get(&format!("/clinician/forms/{}", links[0])).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        "Snarest",
        "Poengsum (triage)",
        "Patient/mother",
        "38,9",
        "Paracet",
        "Ventoline",
        "Smerter i brystet",
    ] {
        assert!(page.html.contains(want), "{want} in {}", page.html);
    }
}
