//! The subscription suite (docs/subscriptions.md), run on every backend by
//! `crates/store-sqlite/tests/subscriptions.rs` and
//! `crates/store-postgres/tests/subscriptions.rs`: the real server on 127.0.0.1:0
//! with real dev tokens, the delivery loop, and a rest-hook receiver.
//!
//! Each scenario gets a database location and a way to open a store on it, so the
//! restart scenario can stop everything and open the same database again.
use std::future::Future;
use std::time::Duration;

use chrono::Duration as Span;
use nordlys_api::subscriptions::{spawn, SubscriptionConfig};
use nordlys_store::subscriptions::EndpointRule;
use nordlys_store::FhirStore;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::booking::{patient as citizen_patient, person, schedule, slot};
use crate::fixtures::{patient, HOSPITAL_ORG, OTHER_ORG};
use crate::hook::{HookReceiver, Received};
use crate::server::TestServer;

mod endpoints;
pub use endpoints::{hook_endpoints_are_checked, redirect_is_not_followed};

/// Runs each named scenario as a test; `$fresh` gives `(location, guard)`, `$open`
/// opens a migrated store on a location.
#[macro_export]
macro_rules! subscription_tests {
    ($fresh:expr, $open:path) => {
        $crate::subscription_tests!(@each $fresh, $open;
            rest_hook_hears_what_the_owner_may_see, criteria_and_owners_are_checked,
            failing_endpoint_retries_then_errors, queued_event_survives_a_restart,
            websocket_pings_the_owning_client_only, ended_subscription_turns_off,
            hook_endpoints_are_checked, redirect_is_not_followed);
    };
    (@each $fresh:expr, $open:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (location, _guard) = $fresh.await;
                $crate::subscriptions::$name(location, |l: String| async move { $open(&l).await }).await;
            }
        )*
    };
}

/// Fast retries for tests.
pub fn test_config() -> SubscriptionConfig {
    SubscriptionConfig {
        interval: Duration::from_millis(50),
        backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(400),
        max_attempts: 3,
        timeout: Duration::from_secs(5),
    }
}

/// The server over `store` with its delivery loop running.
pub async fn server_with_delivery(store: FhirStore) -> (TestServer, tokio::task::JoinHandle<()>) {
    // The receiver listens on 127.0.0.1 over plain HTTP: the operator's opt-in.
    server_with_rule(store, EndpointRule::OPEN).await
}

/// The server over `store` with the given rest-hook endpoint rule and its delivery
/// loop running.
pub async fn server_with_rule(
    store: FhirStore,
    rule: EndpointRule,
) -> (TestServer, tokio::task::JoinHandle<()>) {
    let server = TestServer::start_on(
        store.with_subscription_endpoints(rule),
        nordlys_api::ApiConfig {
            dev_auth: true,
            ..nordlys_api::ApiConfig::default()
        },
        &[],
        nordlys_portal::PortalConfig::default(),
    )
    .await;
    let runner = spawn(
        server.store.clone(),
        server.subscriptions.clone(),
        test_config(),
    )
    .await
    .unwrap_or_else(|e| panic!("start subscription delivery: {e:?}"));
    (server, runner)
}

/// A rest-hook Subscription body.
pub fn rest_hook(criteria: &str, endpoint: &str, payload: bool) -> Value {
    let mut channel = json!({"type": "rest-hook", "endpoint": endpoint,
        "header": ["Authorization: Bearer hook-secret"]});
    if payload {
        channel["payload"] = json!("application/fhir+json");
    }
    json!({"resourceType": "Subscription", "status": "requested", "reason": "inbox",
        "criteria": criteria, "channel": channel})
}

/// A message from the unit to the patient.
pub fn communication(patient_id: &str, text: &str) -> Value {
    json!({"resourceType": "Communication", "status": "completed",
        "subject": {"reference": format!("Patient/{patient_id}")},
        "payload": [{"contentString": text}]})
}

async fn post(server: &TestServer, token: &str, body: &Value) -> Value {
    let rt = body["resourceType"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (status, created) = server
        .send(Method::POST, &format!("/fhir/{rt}"), token, body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "POST {rt}: {created}");
    created
}

async fn put(server: &TestServer, token: &str, body: &Value) {
    let rt = body["resourceType"].as_str().unwrap_or_default();
    let id = body["id"].as_str().unwrap_or_default();
    let (status, out) = server
        .send(Method::PUT, &format!("/fhir/{rt}/{id}"), token, body)
        .await;
    assert!(status.is_success(), "PUT {rt}/{id}: {status} {out}");
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_string()
}

/// The `Type/id` part of each notification's event header, in order.
fn items(got: &[Received]) -> Vec<String> {
    got.iter()
        .filter(|r| r.accepted)
        .filter_map(|r| r.event.as_deref())
        .map(|e| e.split("/_history").next().unwrap_or(e).to_string())
        .collect()
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(600)).await;
}

/// A hospital record system subscribes to its messages, tasks, appointments, plans and
/// form answers: it hears about its own organisation's new Communication, Task, an
/// Appointment a citizen booked through `$book` on its slot, a shared CarePlan by its
/// clinician and a QuestionnaireResponse —
/// and not about another organisation's Communication for the same patient. Another
/// organisation's system hears only its own. A payload subscription receives the
/// resource by PUT at `{endpoint}/Type/id`.
pub async fn rest_hook_hears_what_the_owner_may_see<F, Fut>(location: String, open: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = FhirStore>,
{
    let (server, _runner) = server_with_delivery(open(location).await).await;
    let hook_a = HookReceiver::start().await;
    let hook_b = HookReceiver::start().await;
    let hook_full = HookReceiver::start().await;
    let a = server.system_token("ehr-a", HOSPITAL_ORG).await;
    let b = server.system_token("ehr-b", OTHER_ORG).await;
    let (fnr, birth) = person(40, 0);
    put(&server, &a, &citizen_patient("p-sub", &fnr, birth)).await;
    put(
        &server,
        &b,
        &patient("p-sub-b", "Hansen", "Kari", "1980-02-02", &person(41, 1).0),
    )
    .await;

    let sub_a = post(
        &server,
        &a,
        &rest_hook("Communication?subject=Patient/p-sub", &hook_a.url(), false),
    )
    .await;
    assert_eq!(sub_a["status"], "requested");
    post(
        &server,
        &a,
        &rest_hook("Task?owner=Organization/unit-a", &hook_a.url(), false),
    )
    .await;
    post(
        &server,
        &a,
        &rest_hook("Appointment?patient=Patient/p-sub", &hook_a.url(), false),
    )
    .await;
    for criteria in [
        "CarePlan?subject=Patient/p-sub",
        "QuestionnaireResponse?subject=Patient/p-sub",
    ] {
        post(&server, &a, &rest_hook(criteria, &hook_a.url(), false)).await;
    }
    post(
        &server,
        &b,
        &rest_hook("Communication", &hook_b.url(), false),
    )
    .await;
    post(
        &server,
        &a,
        &rest_hook(
            "Communication?subject=Patient/p-sub",
            &hook_full.url(),
            true,
        ),
    )
    .await;
    settle().await;
    let (status, sub) = server
        .get(&format!("/fhir/Subscription/{}", id_of(&sub_a)), &a)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        sub["status"], "active",
        "activated on the first check: {sub}"
    );

    let msg_a = id_of(&post(&server, &a, &communication("p-sub", "Svar på prøve")).await);
    // Another organisation writes for the same patient: A must not hear about it.
    let msg_b = id_of(&post(&server, &b, &communication("p-sub", "Fra annen enhet")).await);
    let task = id_of(
        &post(
            &server,
            &a,
            &json!({"resourceType": "Task", "status": "requested",
        "intent": "order", "for": {"reference": "Patient/p-sub"},
        "owner": {"reference": "Organization/unit-a"},
        "code": {"coding": [{"system": nordlys_policy::TASK_KIND_SYSTEM, "code": "dialog"}]}}),
        )
        .await,
    );
    // A task for another unit does not match the criteria.
    post(
        &server,
        &a,
        &json!({"resourceType": "Task", "status": "requested", "intent": "order",
        "for": {"reference": "Patient/p-sub"}, "owner": {"reference": "Organization/unit-z"}}),
    )
    .await;
    put(&server, &a, &schedule("sch-sub", None)).await;
    put(&server, &a, &slot("slot-sub", "sch-sub", Span::days(3))).await;
    let me = server.citizen_token(&fnr).await;
    let (status, booked) = server
        .send(
            Method::POST,
            "/fhir/Appointment/$book",
            &me,
            &json!({"resourceType": "Parameters",
            "parameter": [{"name": "patient", "valueReference": {"reference": "Patient/p-sub"}},
                          {"name": "slot", "valueReference": {"reference": "Slot/slot-sub"}}]}),
        )
        .await;
    assert!(status.is_success(), "book: {status} {booked}");
    let appt = id_of(&booked);
    // A shared care plan by the hospital's clinician, a form answer by its system.
    let clinician = server
        .practitioner_token(crate::careplan::HOSPITAL_HPR, HOSPITAL_ORG, Some("TREAT"))
        .await;
    let plan = id_of(&post(&server, &clinician, &crate::careplan::plan("p-sub")).await);
    let answer = id_of(
        &post(
            &server,
            &a,
            &json!({"resourceType": "QuestionnaireResponse",
        "status": "completed", "subject": {"reference": "Patient/p-sub"},
        "authored": "2026-12-01T10:00:00Z",
        "item": [{"linkId": "1", "answer": [{"valueString": "Bedre"}]}]}),
        )
        .await,
    );

    let want = vec![
        format!("Communication/{msg_a}"),
        format!("Task/{task}"),
        format!("Appointment/{appt}"),
        format!("CarePlan/{plan}"),
        format!("QuestionnaireResponse/{answer}"),
    ];
    hook_a
        .wait_for(Duration::from_secs(10), |r| items(r).len() >= want.len())
        .await;
    settle().await;
    let mut sorted = items(&hook_a.received());
    sorted.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(sorted, want_sorted, "A hears exactly its own five items");
    assert!(hook_a.received().iter().all(|r| r.method == "POST"
        && r.body.is_empty()
        && r.authorization.as_deref() == Some("Bearer hook-secret")));
    let got_b = hook_b
        .wait_for(Duration::from_secs(10), |r| !items(r).is_empty())
        .await;
    assert_eq!(
        items(&got_b),
        vec![format!("Communication/{msg_b}")],
        "B hears only its own"
    );
    let full = hook_full
        .wait_for(Duration::from_secs(10), |r| !r.is_empty())
        .await;
    assert_eq!(full.len(), 1);
    assert_eq!(full[0].method, "PUT");
    assert_eq!(full[0].path, format!("/hook/Communication/{msg_a}"));
    let body: Value = serde_json::from_str(&full[0].body).unwrap_or_default();
    assert_eq!(body["payload"][0]["contentString"], "Svar på prøve");
}

/// Bad criteria are a 400 like a bad search; only system clients subscribe; another
/// organisation cannot read a subscription (404); the server owns status, end and
/// the owner stamp.
pub async fn criteria_and_owners_are_checked<F, Fut>(location: String, open: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = FhirStore>,
{
    let (server, _runner) = server_with_delivery(open(location).await).await;
    let a = server.system_token("ehr-a", HOSPITAL_ORG).await;
    let b = server.system_token("ehr-b", OTHER_ORG).await;
    for bad in [
        "Communication?nonsense=1",
        "Communication?_count=5",
        "Nonsense",
        "AuditEvent",
    ] {
        let (status, _) = server
            .send(
                Method::POST,
                "/fhir/Subscription",
                &a,
                &rest_hook(bad, "http://127.0.0.1:9/hook", false),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let mut email = rest_hook("Communication", "http://127.0.0.1:9/hook", false);
    email["channel"]["type"] = json!("email");
    let (status, _) = server
        .send(Method::POST, "/fhir/Subscription", &a, &email)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let practitioner = server
        .practitioner_token("565501872", HOSPITAL_ORG, Some("TREAT"))
        .await;
    let (status, _) = server
        .send(
            Method::POST,
            "/fhir/Subscription",
            &practitioner,
            &rest_hook("Communication", "http://127.0.0.1:9/hook", false),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut forged = rest_hook("Communication", "http://127.0.0.1:9/hook", false);
    forged["status"] = json!("active");
    forged["end"] = json!("2099-01-01T00:00:00Z");
    forged["extension"] =
        json!([{"url": nordlys_store::subscriptions::CLIENT_EXTENSION, "valueString": "ehr-b"}]);
    let created = post(&server, &a, &forged).await;
    assert_eq!(created["status"], "requested");
    let end = created["end"].as_str().unwrap_or_default();
    let end =
        chrono::DateTime::parse_from_rfc3339(end).unwrap_or_else(|e| panic!("end {end}: {e}"));
    assert!(end.with_timezone(&chrono::Utc) <= chrono::Utc::now() + Span::hours(24));
    let clients: Vec<&Value> = created["extension"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["url"] == nordlys_store::subscriptions::CLIENT_EXTENSION)
        .collect();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0]["valueString"], "ehr-a");
    let path = format!("/fhir/Subscription/{}", id_of(&created));
    assert_eq!(server.get(&path, &b).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        server.get(&path, &practitioner).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, list) = server.get("/fhir/Subscription", &b).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list["total"].as_u64().unwrap_or(0),
        0,
        "B lists none of A's: {list}"
    );
}

/// An endpoint that keeps failing is tried `max_attempts` times with growing delays,
/// then the subscription is `error` with a reason, and nothing more is sent.
pub async fn failing_endpoint_retries_then_errors<F, Fut>(location: String, open: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = FhirStore>,
{
    let (server, _runner) = server_with_delivery(open(location).await).await;
    let hook = HookReceiver::start().await;
    hook.fail_next(1000);
    let a = server.system_token("ehr-a", HOSPITAL_ORG).await;
    put(
        &server,
        &a,
        &patient("p-fail", "Berg", "Ola", "1970-01-01", &person(50, 2).0),
    )
    .await;
    let sub = post(&server, &a, &rest_hook("Communication", &hook.url(), false)).await;
    settle().await;
    post(&server, &a, &communication("p-fail", "én")).await;
    post(&server, &a, &communication("p-fail", "to")).await;
    let got = hook
        .wait_for(Duration::from_secs(10), |r| r.len() >= 3)
        .await;
    settle().await;
    let got_after = hook.received();
    assert_eq!(got.len(), 3, "three attempts");
    assert_eq!(got_after.len(), 3, "and no more after the error");
    // In order: the first message held back the second.
    assert!(got.iter().all(|r| r.event == got[0].event));
    let (_, stored) = server
        .get(&format!("/fhir/Subscription/{}", id_of(&sub)), &a)
        .await;
    assert_eq!(stored["status"], "error", "{stored}");
    assert!(
        stored["error"].as_str().unwrap_or_default().contains("500"),
        "{stored}"
    );
}

/// An event queued but not delivered (the endpoint was down), and a write committed
/// while no delivery loop ran, are both delivered, in order, by a new server on the
/// same database.
pub async fn queued_event_survives_a_restart<F, Fut>(location: String, open: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = FhirStore>,
{
    let hook = HookReceiver::start().await;
    hook.fail_next(1);
    let (first, second);
    {
        let (server, runner) = server_with_delivery(open(location.clone()).await).await;
        let a = server.system_token("ehr-a", HOSPITAL_ORG).await;
        put(
            &server,
            &a,
            &patient("p-restart", "Lie", "Per", "1960-03-03", &person(60, 3).0),
        )
        .await;
        post(&server, &a, &rest_hook("Communication", &hook.url(), false)).await;
        settle().await;
        first = id_of(&post(&server, &a, &communication("p-restart", "før stopp")).await);
        hook.wait_for(Duration::from_secs(10), |r| !r.is_empty())
            .await;
        runner.abort();
        second = id_of(&post(&server, &a, &communication("p-restart", "mens stoppet")).await);
        settle().await;
        assert_eq!(
            hook.accepted().len(),
            0,
            "nothing delivered before the restart"
        );
    }
    let (_server, _runner) = server_with_delivery(open(location).await).await;
    let got = hook
        .wait_for(Duration::from_secs(10), |r| items(r).len() >= 2)
        .await;
    assert_eq!(
        items(&got),
        vec![
            format!("Communication/{first}"),
            format!("Communication/{second}")
        ]
    );
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `/fhir/$subscription-websocket` with a bearer token.
pub async fn open_socket(server: &TestServer, token: Option<&str>) -> Result<Socket, String> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!("ws://{}/fhir/$subscription-websocket", server.addr);
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    if let Some(t) = token {
        let value = format!("Bearer {t}")
            .parse()
            .map_err(|e: reqwest::header::InvalidHeaderValue| e.to_string())?;
        request.headers_mut().insert("authorization", value);
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(s, _)| s)
        .map_err(|e| e.to_string())
}

/// Sends one text frame (if any) and waits (up to `limit`) for the next text frame.
pub async fn say(socket: &mut Socket, text: Option<&str>, limit: Duration) -> Option<String> {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    if let Some(t) = text {
        let sent = socket.send(Message::text(t)).await;
        assert!(sent.is_ok(), "send {t}");
    }
    let next = async {
        while let Some(item) = socket.next().await {
            match item {
                Ok(Message::Text(t)) => return Some(t.to_string()),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
        None
    };
    tokio::time::timeout(limit, next).await.ok().flatten()
}

/// The websocket channel: the owning client binds and gets `ping {id}` per event;
/// another client of the same organisation is refused (`forbidden`), another
/// organisation's client does not find it (`not-found`), no token no socket.
pub async fn websocket_pings_the_owning_client_only<F, Fut>(location: String, open: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = FhirStore>,
{
    let (server, _runner) = server_with_delivery(open(location).await).await;
    let a = server.system_token("ehr-a", HOSPITAL_ORG).await;
    let a2 = server.system_token("ehr-a2", HOSPITAL_ORG).await;
    let b = server.system_token("ehr-b", OTHER_ORG).await;
    put(
        &server,
        &a,
        &patient("p-ws", "Vik", "Eva", "1990-04-04", &person(35, 4).0),
    )
    .await;
    let sub = json!({"resourceType": "Subscription", "status": "requested", "reason": "inbox",
        "criteria": "Communication?subject=Patient/p-ws", "channel": {"type": "websocket"}});
    let id = id_of(&post(&server, &a, &sub).await);
    let wait = Duration::from_secs(5);
    assert!(
        open_socket(&server, None).await.is_err(),
        "no token, no socket"
    );
    let mut mine = open_socket(&server, Some(&a))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let bind = format!("bind {id}");
    assert_eq!(
        say(&mut mine, Some(&bind), wait).await,
        Some(format!("bound {id}"))
    );
    let mut sibling = open_socket(&server, Some(&a2))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        say(&mut sibling, Some(&bind), wait).await,
        Some(format!("error {id} forbidden"))
    );
    let mut stranger = open_socket(&server, Some(&b))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        say(&mut stranger, Some(&bind), wait).await,
        Some(format!("error {id} not-found"))
    );
    post(&server, &a, &communication("p-ws", "Ny melding")).await;
    assert_eq!(say(&mut mine, None, wait).await, Some(format!("ping {id}")));
    let short = Duration::from_millis(500);
    assert_eq!(say(&mut sibling, None, short).await, None);
    assert_eq!(say(&mut stranger, None, short).await, None);
}

/// A subscription whose `end` has passed is turned `off` and hears nothing more (the
/// lease that bounds a revoked client's events).
pub async fn ended_subscription_turns_off<F, Fut>(location: String, open: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = FhirStore>,
{
    let (server, _runner) = server_with_delivery(open(location).await).await;
    let hook = HookReceiver::start().await;
    let a = server.system_token("ehr-a", HOSPITAL_ORG).await;
    put(
        &server,
        &a,
        &patient("p-end", "Dahl", "Siri", "1985-05-05", &person(40, 5).0),
    )
    .await;
    let mut body = rest_hook("Communication", &hook.url(), false);
    let end = chrono::Utc::now() + Span::milliseconds(800);
    body["end"] = json!(end.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    let sub = post(&server, &a, &body).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    post(&server, &a, &communication("p-end", "etter slutt")).await;
    settle().await;
    let (_, stored) = server
        .get(&format!("/fhir/Subscription/{}", id_of(&sub)), &a)
        .await;
    assert_eq!(stored["status"], "off", "{stored}");
    assert!(hook.received().is_empty(), "nothing after the end");
}
