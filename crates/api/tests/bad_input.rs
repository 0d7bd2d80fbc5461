//! Bad input over HTTP: each case gets the right status and an OperationOutcome,
//! nothing is stored, and the server keeps serving.
use nordlys_api::ApiConfig;
use nordlys_testkit::fixtures::{patient, HOSPITAL_ORG};
use nordlys_testkit::server::{outcome_code, split, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn system(s: &TestServer) -> String {
    s.system_token("dips-unn", HOSPITAL_ORG).await
}

/// Nothing of `resource_type` is visible to the writer, and the server is alive.
async fn nothing_stored(s: &TestServer, token: &str, resource_type: &str) {
    let (status, bundle) = s
        .get(&format!("/fhir/{resource_type}?_summary=count"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    assert_eq!(
        bundle["total"], 0,
        "{resource_type} must be empty: {bundle}"
    );
    let r = s.client.get(s.url("/health")).send().await.expect("health");
    assert_eq!(r.status(), StatusCode::OK);
}

fn assert_outcome(status: StatusCode, body: &Value, want: StatusCode, code: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(outcome_code(body), code, "{body}");
}

#[tokio::test]
async fn malformed_and_non_resource_json_is_400() {
    let s = TestServer::start().await;
    let t = system(&s).await;
    let bodies: Vec<&[u8]> = vec![
        b"{\"resourceType\": \"Patient\",",
        b"[1, 2, 3]",
        b"\"Patient\"",
        b"{\"name\": [{\"family\": \"X\"}]}",
        b"{\"resourceType\": 7}",
        b"",
        b"\xff\xfe{}",
    ];
    for body in bodies {
        let (status, oo) = s
            .send_raw(Method::POST, "/fhir/Patient", &t, body.to_vec())
            .await;
        assert_outcome(status, &oo, StatusCode::BAD_REQUEST, "invalid");
    }
    nothing_stored(&s, &t, "Patient").await;
}

#[tokio::test]
async fn deeply_nested_json_is_400_not_a_crash() {
    let s = TestServer::start().await;
    let t = system(&s).await;
    let depth = 100_000;
    let mut body = String::from("{\"resourceType\":\"Patient\",\"extension\":");
    body.push_str(&"[".repeat(depth));
    body.push_str(&"]".repeat(depth));
    body.push('}');
    let (status, oo) = s
        .send_raw(Method::POST, "/fhir/Patient", &t, body.into_bytes())
        .await;
    assert_outcome(status, &oo, StatusCode::BAD_REQUEST, "invalid");
    nothing_stored(&s, &t, "Patient").await;
}

#[tokio::test]
async fn wrong_resource_type_and_id_mismatch_are_400() {
    let s = TestServer::start().await;
    let t = system(&s).await;
    let p = patient("p1", "Nordmann", "Kari", "1972-09-13", "13097248022");
    let (status, oo) = s.send(Method::POST, "/fhir/Observation", &t, &p).await;
    assert_outcome(status, &oo, StatusCode::BAD_REQUEST, "invalid");
    let (status, oo) = s.send(Method::PUT, "/fhir/Observation/p1", &t, &p).await;
    assert_outcome(status, &oo, StatusCode::BAD_REQUEST, "invalid");
    let (status, oo) = s.send(Method::PUT, "/fhir/Patient/other-id", &t, &p).await;
    assert_outcome(status, &oo, StatusCode::BAD_REQUEST, "invalid");
    let mut no_id = p.clone();
    no_id.as_object_mut().map(|o| o.remove("id"));
    let (status, oo) = s.send(Method::PUT, "/fhir/Patient/p1", &t, &no_id).await;
    assert_outcome(status, &oo, StatusCode::BAD_REQUEST, "invalid");
    let (status, oo) = s.send(Method::PUT, "/fhir/Patient/bad$id", &t, &p).await;
    assert_outcome(status, &oo, StatusCode::BAD_REQUEST, "invalid");
    nothing_stored(&s, &t, "Patient").await;
    nothing_stored(&s, &t, "Observation").await;
}

#[tokio::test]
async fn wrongly_typed_elements_are_422_with_expression() {
    let s = TestServer::start().await;
    let t = system(&s).await;
    let mut p = patient("p1", "Nordmann", "Kari", "1972-09-13", "13097248022");
    p["gender"] = json!(["female"]);
    let (status, oo) = s.send(Method::PUT, "/fhir/Patient/p1", &t, &p).await;
    assert_outcome(status, &oo, StatusCode::UNPROCESSABLE_ENTITY, "structure");
    assert_eq!(oo["issue"][0]["expression"][0], "Patient.gender", "{oo}");
    nothing_stored(&s, &t, "Patient").await;
}

#[tokio::test]
async fn oversized_body_is_413_outcome() {
    let s = TestServer::start_with(ApiConfig {
        dev_auth: true,
        max_body: 2048,
        ..ApiConfig::default()
    })
    .await;
    let t = system(&s).await;
    let mut p = patient("p1", "Nordmann", "Kari", "1972-09-13", "13097248022");
    p["name"][0]["text"] = json!("x".repeat(4096));
    let (status, oo) = s.send(Method::PUT, "/fhir/Patient/p1", &t, &p).await;
    assert_outcome(status, &oo, StatusCode::PAYLOAD_TOO_LARGE, "too-long");
    let (status, oo) = s.send(Method::POST, "/fhir/Patient", &t, &p).await;
    assert_outcome(status, &oo, StatusCode::PAYLOAD_TOO_LARGE, "too-long");
    nothing_stored(&s, &t, "Patient").await;
}

#[tokio::test]
async fn unknown_resource_type_is_404_not_supported() {
    let s = TestServer::start().await;
    let t = system(&s).await;
    let (status, oo) = s.get("/fhir/Spaceship/1", &t).await;
    assert_outcome(status, &oo, StatusCode::NOT_FOUND, "not-supported");
    let (status, oo) = s.get("/fhir/Spaceship?name=x", &t).await;
    assert_outcome(status, &oo, StatusCode::NOT_FOUND, "not-supported");
    let (status, oo) = s
        .send(
            Method::POST,
            "/fhir/Spaceship",
            &t,
            &json!({"resourceType": "Spaceship"}),
        )
        .await;
    assert_outcome(status, &oo, StatusCode::NOT_FOUND, "not-supported");
}

#[tokio::test]
async fn unknown_search_parameter_is_400_unless_lenient() {
    let s = TestServer::start().await;
    let t = system(&s).await;
    let p = patient("p1", "Nordmann", "Kari", "1972-09-13", "13097248022");
    let (status, _) = s.send(Method::PUT, "/fhir/Patient/p1", &t, &p).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, oo) = s.get("/fhir/Patient?shoe-size=42", &t).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{oo}");
    assert_eq!(oo["resourceType"], "OperationOutcome");
    let r = s
        .client
        .get(s.url("/fhir/Patient?shoe-size=42"))
        .bearer_auth(&t)
        .header("prefer", "handling=lenient")
        .send()
        .await
        .expect("GET");
    let (status, bundle) = split(r).await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    assert_eq!(bundle["total"], 1, "{bundle}");
    assert_eq!(bundle["entry"][0]["resource"]["id"], "p1");
}

#[tokio::test]
async fn hostile_search_values_match_nothing() {
    let s = TestServer::start().await;
    let t = system(&s).await;
    let p = patient("p1", "Nordmann", "Kari", "1972-09-13", "13097248022");
    assert_eq!(
        s.send(Method::PUT, "/fhir/Patient/p1", &t, &p).await.0,
        StatusCode::CREATED
    );
    for q in [
        "name=%27%20OR%201%3D1--",
        "name=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "_id=p1%27%3B%20DROP%20TABLE%20x",
    ] {
        let (status, bundle) = s.get(&format!("/fhir/Patient?{q}"), &t).await;
        assert_eq!(status, StatusCode::OK, "{q}: {bundle}");
        assert_eq!(bundle["total"], 0, "{q}: {bundle}");
    }
    let (status, bundle) = s.get("/fhir/Patient?_summary=count", &t).await;
    assert_eq!(
        (status, bundle["total"].clone()),
        (StatusCode::OK, json!(1))
    );
}

#[tokio::test]
async fn xml_is_refused_with_outcomes() {
    let s = TestServer::start().await;
    let t = system(&s).await;
    let r = s
        .client
        .post(s.url("/fhir/Patient"))
        .bearer_auth(&t)
        .header("content-type", "application/fhir+xml")
        .body("<Patient xmlns=\"http://hl7.org/fhir\"/>")
        .send()
        .await
        .expect("POST");
    let (status, oo) = split(r).await;
    assert_outcome(
        status,
        &oo,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "not-supported",
    );
    let (status, oo) = s.get("/fhir/Patient/p1?_format=xml", &t).await;
    assert_outcome(status, &oo, StatusCode::NOT_ACCEPTABLE, "not-supported");
    let r = s
        .client
        .get(s.url("/fhir/metadata"))
        .header("accept", "application/fhir+xml")
        .send()
        .await;
    let (status, oo) = split(r.expect("GET")).await;
    assert_outcome(status, &oo, StatusCode::NOT_ACCEPTABLE, "not-supported");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_outcomes() {
    let s = TestServer::start().await;
    let t = system(&s).await;
    let (status, oo) = s.get("/nowhere", &t).await;
    assert_outcome(status, &oo, StatusCode::NOT_FOUND, "not-found");
    let (status, oo) = s
        .send(Method::PATCH, "/fhir/Patient/p1", &t, &json!({}))
        .await;
    assert_outcome(status, &oo, StatusCode::METHOD_NOT_ALLOWED, "not-supported");
    let (status, oo) = s.get("/fhir/Patient/p1/_history/abc", &t).await;
    assert_outcome(status, &oo, StatusCode::BAD_REQUEST, "invalid");
    let (status, oo) = s.get("/fhir/Patient/_history?_since=yesterday", &t).await;
    assert_outcome(status, &oo, StatusCode::BAD_REQUEST, "invalid");
}

#[tokio::test]
async fn non_bundle_to_base_is_400() {
    let s = TestServer::start().await;
    let t = system(&s).await;
    let p = patient("p1", "Nordmann", "Kari", "1972-09-13", "13097248022");
    let (status, oo) = s.send(Method::POST, "/fhir", &t, &p).await;
    assert_outcome(status, &oo, StatusCode::BAD_REQUEST, "invalid");
    let (status, oo) = s
        .send(
            Method::POST,
            "/fhir",
            &t,
            &json!({"resourceType": "Bundle", "type": "searchset"}),
        )
        .await;
    assert_outcome(status, &oo, StatusCode::BAD_REQUEST, "invalid");
    nothing_stored(&s, &t, "Patient").await;
}
