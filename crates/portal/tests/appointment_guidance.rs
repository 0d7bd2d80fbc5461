//! The appointment page in the portal: the unit's rules ("Før timen") for a
//! 70-year-old woman's mammography and none for a 30-year-old man's; a video
//! appointment's link only from 15 minutes before; the pre-check page.
use chrono::{Duration, Utc};
use nordlys_testkit::appointments::{
    mammography_appointment, mammography_setup, BRING_LIST, NO_DEODORANT,
};
use nordlys_testkit::fixtures::HOSPITAL_ORG;
use nordlys_testkit::portal::PortalUser;
use nordlys_testkit::server::TestServer;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn rules_show_on_the_right_appointment_page() {
    let server = TestServer::start().await;
    let (woman, man) = mammography_setup(&server.store).await;
    // A second rule of the unit for women: a form to fill in before the appointment.
    let form_rule = json!({"resourceType": "PlanDefinition", "id": "pd-form", "status": "active",
        "type": {"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/plan-kind", "code": "appointment-rule"}]},
        "useContext": [{"code": {"system": "http://terminology.hl7.org/CodeSystem/usage-context-type", "code": "gender"},
            "valueCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/administrative-gender", "code": "female"}]}}],
        "action": [{"title": "Svar på spørsmål om tidligere undersøkelser",
            "code": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/appointment-guidance", "code": "task"}]}],
            "definitionCanonical": "Questionnaire/q-before-mammo"}]});
    let report = server
        .store
        .unchecked_import(vec![form_rule], Some(HOSPITAL_ORG))
        .await
        .expect("import");
    assert!(report.failed.is_empty(), "{:?}", report.failed);

    let her = PortalUser::login(&server, &woman, "high").await;
    let page = her.open_item("appointments", "Mammografi").await;
    assert!(page.contains("Før timen"), "{page}");
    assert!(page.contains("Svar på spørsmål om tidligere undersøkelser"));
    assert_eq!(page.matches("<a href=\"/forms/").count(), 1, "{page}");
    assert!(page.contains("Fyll ut skjemaet"));
    assert_eq!(page.matches(NO_DEODORANT).count(), 1, "{page}");
    assert_eq!(page.matches(BRING_LIST).count(), 1);
    assert!(
        page.contains("href=\"https://www.kreftregisteret.no/screening/mammografiprogrammet/\"")
    );

    let him = PortalUser::login(&server, &man, "high").await;
    let page = him.open_item("appointments", "Mammografi").await;
    assert!(!page.contains("Før timen"), "{page}");
    assert!(!page.contains(NO_DEODORANT));
}

#[tokio::test]
async fn video_link_from_fifteen_minutes_before_and_the_pre_check() {
    let server = TestServer::start().await;
    let (woman, _) = mammography_setup(&server.store).await;
    let video = |id: &str, starts_in: Duration, what: &str| {
        let start = Utc::now() + starts_in;
        let mut a = mammography_appointment(id, "p-woman-70");
        a["appointmentType"] = json!({"text": "Video"});
        a["description"] = json!(what);
        a["start"] = json!(start.to_rfc3339());
        a["end"] = json!((start + Duration::minutes(30)).to_rfc3339());
        a["extension"] = json!([{"url": nordlys_policy::VIDEO_LINK_URL, "valueUrl": format!("https://video.example.no/m/{id}")}]);
        a
    };
    let report = server
        .store
        .unchecked_import(
            vec![
                video("v-soon", Duration::minutes(10), "Videotime snart"),
                video("v-later", Duration::days(2), "Videotime senere"),
            ],
            Some(HOSPITAL_ORG),
        )
        .await
        .expect("import");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let her = PortalUser::login(&server, &woman, "high").await;

    let soon = her.open_item("appointments", "Videotime snart").await;
    assert!(
        soon.contains("href=\"https://video.example.no/m/v-soon\""),
        "{soon}"
    );
    assert!(soon.contains("href=\"/video-check\""));
    let later = her.open_item("appointments", "Videotime senere").await;
    assert!(
        !later.contains("https://video.example.no/m/v-later"),
        "{later}"
    );
    assert!(later.contains("15 minutter før timen starter"), "{later}");
    assert!(later.contains("href=\"/video-check\""));

    let check = her.get("/video-check").await;
    assert_eq!(check.status, StatusCode::OK);
    assert!(check.html.contains("Klar for videotime?"));
    assert!(check.html.contains("Du har kontakt med oss"));
    assert!(check.html.contains("kan ikke måle hastigheten"));
}
