//! `GET /fhir/Appointment/{id}/$guidance` over HTTP: a unit's mammography rule gives
//! a 70-year-old woman's appointment its information text and task, and a 30-year-old
//! man's nothing; another organisation's rule never applies; a stranger gets 404.
//! On SQLite and PostgreSQL (the operation only reads and searches, through the same
//! store calls on both).
use std::sync::Arc;

use nordlys_store::{FhirStore, StoreConfig};
use nordlys_testkit::appointments::{mammography_setup, BRING_LIST, NO_DEODORANT};
use nordlys_testkit::server::TestServer;
use reqwest::StatusCode;
use serde_json::Value;

fn titles(group: &Value) -> Vec<(String, String)> {
    group["action"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x["code"][0]["coding"][0]["code"]
                            .as_str()
                            .unwrap_or("")
                            .to_owned(),
                        x["title"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn mammography_rule_by_age_and_sex_on_sqlite() {
    scenario(TestServer::start().await).await;
}

#[tokio::test]
async fn mammography_rule_by_age_and_sex_on_postgres() {
    let (url, _guard) = nordlys_testkit::postgres::fresh_database().await;
    let backend = nordlys_store_postgres::PostgresBackend::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e:?}"));
    let store = FhirStore::new(Arc::new(backend), StoreConfig::default());
    store.migrate().await.expect("migrate");
    let server = TestServer::start_on(
        store,
        nordlys_api::ApiConfig {
            dev_auth: true,
            ..nordlys_api::ApiConfig::default()
        },
        &[],
        Default::default(),
    )
    .await;
    scenario(server).await;
}

async fn scenario(server: TestServer) {
    let (woman, man) = mammography_setup(&server.store).await;

    let token = server.citizen_token(&woman).await;
    let (status, group) = server
        .get("/fhir/Appointment/appt-woman-70/$guidance", &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{group}");
    assert_eq!(group["resourceType"], "RequestGroup");
    assert_eq!(
        group["basedOn"][0]["reference"],
        "Appointment/appt-woman-70"
    );
    assert_eq!(group["subject"]["reference"], "Patient/p-woman-70");
    assert_eq!(
        group["instantiatesCanonical"],
        serde_json::json!(["PlanDefinition/pd-mammo"])
    );
    assert_eq!(
        titles(&group),
        vec![
            ("information".to_owned(), NO_DEODORANT.to_owned()),
            ("task".to_owned(), BRING_LIST.to_owned())
        ]
    );
    assert_eq!(
        group["action"][0]["documentation"][0]["url"],
        "https://www.kreftregisteret.no/screening/mammografiprogrammet/"
    );

    let token = server.citizen_token(&man).await;
    let (status, group) = server
        .get("/fhir/Appointment/appt-man-30/$guidance", &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{group}");
    assert_eq!(titles(&group), Vec::<(String, String)>::new());
    assert!(group.get("instantiatesCanonical").is_none());

    // The man does not see the woman's appointment: 404, as a read.
    let (status, _) = server
        .get("/fhir/Appointment/appt-woman-70/$guidance", &token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // No parameters taken.
    let (status, _) = server
        .get("/fhir/Appointment/appt-man-30/$guidance?x=1", &token)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
