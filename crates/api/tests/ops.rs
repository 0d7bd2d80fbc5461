//! Operations endpoints and the CapabilityStatement.
use nordlys_testkit::server::{split, TestServer};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn health_reports_backend() {
    let s = TestServer::start().await;
    let r = s.client.get(s.url("/health")).send().await.expect("GET");
    let (status, v) = split(r).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["status"], "ok");
    assert_eq!(v["backend"], "sqlite");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let s = TestServer::start().await;
    for _ in 0..3 {
        s.client
            .get(s.url("/fhir/metadata"))
            .send()
            .await
            .expect("GET");
    }
    s.client
        .get(s.url("/fhir/Patient/x"))
        .send()
        .await
        .expect("GET");
    let text = s
        .client
        .get(s.url("/metrics"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains(
            "nordlys_http_requests_total{method=\"GET\",route=\"/fhir/metadata\",status=\"200\"} 3"
        ),
        "{text}"
    );
    assert!(text.contains("nordlys_http_requests_total{method=\"GET\",route=\"/fhir/{type}/{id}\",status=\"401\"} 1"), "{text}");
    assert!(
        text.contains("nordlys_http_request_duration_seconds_count{route=\"/fhir/metadata\"} 3"),
        "{text}"
    );
}

#[tokio::test]
async fn capability_statement_lists_types_params_and_includes() {
    let s = TestServer::start().await;
    let r = s
        .client
        .get(s.url("/fhir/metadata"))
        .send()
        .await
        .expect("GET");
    assert!(r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/fhir+json")));
    let (_, cs) = split(r).await;
    assert_eq!(cs["fhirVersion"], "4.0.1");
    let resources = cs["rest"][0]["resource"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        resources.len(),
        nordlys_fhir::definitions().resource_types().len()
    );
    assert!(
        resources.len() > 100,
        "R4 has ~146 resource types, got {}",
        resources.len()
    );
    let patient = resources
        .iter()
        .find(|r| r["type"] == "Patient")
        .cloned()
        .unwrap_or(Value::Null);
    let names: Vec<&str> = patient["searchParam"]
        .as_array()
        .map(|p| p.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    for want in ["birthdate", "identifier", "name", "_id", "_lastUpdated"] {
        assert!(
            names.contains(&want),
            "Patient searchParam lacks {want}: {names:?}"
        );
    }
    let revs: Vec<&str> = patient["searchRevInclude"]
        .as_array()
        .map(|p| p.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(revs.contains(&"Observation:subject"), "{revs:?}");
    assert_eq!(patient["operation"][0]["name"], "everything");
}
