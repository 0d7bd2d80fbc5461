//! Letters over HTTP (issue 5 § 5): the sending record system sees that a letter was
//! read — a completed `letter-read` Task found with `Task?focus=DocumentReference/x` —
//! once the citizen (here: a parent of a young child) has opened it over FHIR; reads
//! by the unit itself make no receipt; another organisation's system sees none.
use nordlys_testkit::fixtures::{HOSPITAL_ORG, OTHER_ORG};
use nordlys_testkit::letters::letter;
use nordlys_testkit::notify::{parent, patient, pid};
use nordlys_testkit::server::{entry_ids, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn put(s: &TestServer, token: &str, r: Value) {
    let path = format!(
        "/fhir/{}/{}",
        r["resourceType"].as_str().unwrap_or_default(),
        r["id"].as_str().unwrap_or_default()
    );
    let (status, body) = s.send(Method::PUT, &path, token, &r).await;
    assert!(status.is_success(), "PUT {path}: {status} {body}");
}

#[tokio::test]
async fn the_sender_sees_that_a_parent_read_the_letter() {
    let s = TestServer::start().await;
    let sys = s.system_token("dips-test", HOSPITAL_ORG).await;
    let (child, cb) = pid(7, 24);
    let (mother, mb) = pid(38, 3);
    put(
        &s,
        &sys,
        json!({"resourceType": "Organization", "id": "sykehuset", "name": "Testsykehuset",
            "identifier": [{"system": nordlys_policy::ORGNR_SYSTEM, "value": HOSPITAL_ORG}]}),
    )
    .await;
    put(&s, &sys, patient("liten", &child, cb)).await;
    put(&s, &sys, parent("mor", "liten", &mother, mb, cb)).await;
    let today = nordlys_testkit::notify::instant(chrono::Utc::now());
    put(
        &s,
        &sys,
        letter("brev-http", "liten", &today, Some("q-http")),
    )
    .await;
    let receipts = "/fhir/Task?focus=DocumentReference/brev-http";

    // The unit reading its own letter is no receipt.
    let (status, _) = s.get("/fhir/DocumentReference/brev-http", &sys).await;
    assert_eq!(status, StatusCode::OK);
    let (status, bundle) = s.get(receipts, &sys).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(entry_ids(&bundle, None), Vec::<String>::new());

    // The mother opens it: one receipt, however often she opens it.
    let mum = s.citizen_token(&mother).await;
    for _ in 0..2 {
        let (status, body) = s.get("/fhir/DocumentReference/brev-http", &mum).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, bundle) = s.get(receipts, &sys).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(entry_ids(&bundle, None), ["Task/letter-read-brev-http"]);
    let task = &bundle["entry"][0]["resource"];
    assert_eq!(task["status"], "completed");
    assert_eq!(task["meta"]["versionId"], "1");
    assert_eq!(task["code"]["coding"][0]["code"], "letter-read");
    assert_eq!(task["for"]["reference"], "Patient/liten");
    // The reader is named by her RelatedPerson, never by her national id (finding 11d).
    assert_eq!(
        task["output"][0]["valueReference"],
        json!({"reference": "RelatedPerson/mor"})
    );
    assert!(!task.to_string().contains(mother.as_str()));
    assert_eq!(task["owner"]["reference"], "Organization/sykehuset");
    // The unit's inbox query finds it.
    let (status, inbox) = s
        .get(
            "/fhir/Task?owner=Organization/sykehuset&code=letter-read",
            &sys,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(entry_ids(&inbox, None), ["Task/letter-read-brev-http"]);

    // Another organisation's system does not see the unit's receipt.
    let other = s.system_token("other-test", OTHER_ORG).await;
    let (status, bundle) = s.get(receipts, &other).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(entry_ids(&bundle, None), Vec::<String>::new());

    // A citizen cannot write a receipt themself (only the store's operation does).
    let mut forged = task.clone();
    forged["id"] = "forged".into();
    let (status, _) = s
        .send(Method::PUT, "/fhir/Task/forged", &mum, &forged)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
