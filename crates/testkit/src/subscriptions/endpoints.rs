//! Where rest-hooks may send (docs/subscriptions.md, "Endpoints"): without the
//! operator's opt-in only `https://` to public hosts is accepted, and a redirect from
//! the receiver is never followed.
use std::future::Future;
use std::time::Duration;

use nordlys_store::subscriptions::EndpointRule;
use nordlys_store::FhirStore;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::{
    communication, id_of, post, rest_hook, server_with_delivery, server_with_rule, settle,
};
use crate::booking::person;
use crate::fixtures::{patient, HOSPITAL_ORG};
use crate::hook::HookReceiver;

/// A 400 whose OperationOutcome names the rule.
fn refused(status: StatusCode, body: &Value, what: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
    assert_eq!(body["resourceType"], "OperationOutcome", "{what}: {body}");
    assert!(
        body.to_string().contains("channel.endpoint"),
        "{what}: the outcome names the endpoint: {body}"
    );
}

/// On a server with the default rule: `http://` (public host), `127.0.0.1`, the
/// link-local metadata address and `localhost` are refused on create, and an update
/// to `http://` is refused too; `https://` to a public host is accepted.
pub async fn hook_endpoints_are_checked<F, Fut>(location: String, open: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = FhirStore>,
{
    let (server, _runner) = server_with_rule(open(location).await, EndpointRule::default()).await;
    let a = server.system_token("ehr-a", HOSPITAL_ORG).await;
    for endpoint in [
        "http://ehr.example.no/hook",
        "https://127.0.0.1:9/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://10.0.0.7/hook",
    ] {
        let (status, body) = server
            .send(
                Method::POST,
                "/fhir/Subscription",
                &a,
                &rest_hook("Communication", endpoint, false),
            )
            .await;
        refused(status, &body, endpoint);
    }
    let created = post(
        &server,
        &a,
        &rest_hook("Communication", "https://ehr.example.no/hook", false),
    )
    .await;
    assert_eq!(
        created["channel"]["endpoint"],
        "https://ehr.example.no/hook"
    );
    let mut downgraded = created.clone();
    downgraded["channel"]["endpoint"] = Value::from("http://ehr.example.no/hook");
    let path = format!("/fhir/Subscription/{}", id_of(&created));
    let (status, body) = server.send(Method::PUT, &path, &a, &downgraded).await;
    refused(status, &body, "update to http://");
    let (_, stored) = server.get(&path, &a).await;
    assert_eq!(stored["channel"]["endpoint"], "https://ehr.example.no/hook");
}

/// A receiver that answers 302 is not followed: each attempt reaches only the
/// endpoint itself, counts as a failure, and after `max_attempts` the subscription is
/// `error` naming the 302.
pub async fn redirect_is_not_followed<F, Fut>(location: String, open: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = FhirStore>,
{
    let (server, _runner) = server_with_delivery(open(location).await).await;
    let hook = HookReceiver::start().await;
    hook.redirect_all();
    let a = server.system_token("ehr-a", HOSPITAL_ORG).await;
    super::put(
        &server,
        &a,
        &patient("p-redirect", "Berg", "Kari", "1972-03-04", &person(51, 2).0),
    )
    .await;
    let sub = post(&server, &a, &rest_hook("Communication", &hook.url(), true)).await;
    settle().await;
    post(&server, &a, &communication("p-redirect", "hei")).await;
    hook.wait_for(Duration::from_secs(10), |r| r.len() >= 3)
        .await;
    settle().await;
    let got = hook.received();
    assert_eq!(got.len(), 3, "three attempts, no more: {got:?}");
    assert!(
        got.iter()
            .all(|r| r.path.starts_with("/hook/Communication/") && !r.accepted),
        "only the endpoint itself, never /redirected: {got:?}"
    );
    let (_, stored) = server
        .get(&format!("/fhir/Subscription/{}", id_of(&sub)), &a)
        .await;
    assert_eq!(stored["status"], "error", "{stored}");
    assert!(
        stored["error"].as_str().unwrap_or_default().contains("302"),
        "{stored}"
    );
}
