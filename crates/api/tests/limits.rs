//! Limits per principal: 429 with an OperationOutcome and Retry-After.
use nordlys_api::ApiConfig;
use nordlys_testkit::fixtures::{HOSPITAL_ORG, OTHER_ORG};
use nordlys_testkit::server::{outcome_code, split, TestServer};
use reqwest::StatusCode;

#[tokio::test]
async fn over_the_rate_limit_is_429_per_principal() {
    let s = TestServer::start_with(ApiConfig {
        dev_auth: true,
        rate_limit: Some(2),
        ..ApiConfig::default()
    })
    .await;
    let a = s.system_token("dips-unn", HOSPITAL_ORG).await;
    let b = s.system_token("other", OTHER_ORG).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = s
            .client
            .get(s.url("/fhir/Patient?_summary=count"))
            .bearer_auth(&a)
            .send()
            .await
            .expect("GET");
        statuses.push(r.status());
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(
                r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
                Some("1")
            );
            let (_, oo) = split(r).await;
            assert_eq!(outcome_code(&oo), "throttled");
        }
    }
    assert_eq!(
        statuses,
        vec![
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let (status, _) = s.get("/fhir/Patient?_summary=count", &b).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "another principal has its own budget"
    );
}
