//! Digital forms over HTTP with real (dev-issuer) tokens (issue 6 § 2): a draft saved
//! and then sent, delivered as a `form-answer` Task with the triage priority in the
//! unit's inbox; an invalid answer refused with 422 naming the linkId and nothing
//! written; a parent sending for a child under 12 but not for a 16-year-old; a
//! `form-request` from a research system answered; the record system reading the
//! response and the Task through FHIR.
use nordlys_testkit::booking::{parent, patient, person};
use nordlys_testkit::fixtures::{HOSPITAL_ORG, OTHER_ORG};
use nordlys_testkit::forms::{
    builtin, feedback_answers, form_request, params, triage_answers, unit,
};
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

async fn op(s: &TestServer, token: &str, name: &str, p: &Value) -> (StatusCode, Value) {
    s.send(
        Method::POST,
        &format!("/fhir/QuestionnaireResponse/${name}"),
        token,
        p,
    )
    .await
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_string()
}

/// The hospital publishes the triage form (received by Organization/unn) and knows Kari.
async fn setup(s: &TestServer) -> (String, String) {
    let sys = s.system_token("dips-test", HOSPITAL_ORG).await;
    put(s, &sys, unit("unn", HOSPITAL_ORG, "UNN Lungemedisin")).await;
    put(s, &sys, builtin::triage("triage", "unn")).await;
    put(s, &sys, builtin::feedback("feedback", "unn")).await;
    let (fnr, birth) = person(40, 1);
    put(s, &sys, patient("kari", &fnr, birth)).await;
    (sys, s.citizen_token(&fnr).await)
}

#[tokio::test]
async fn draft_then_send_lands_in_the_unit_inbox_with_priority() {
    let s = TestServer::start().await;
    let (sys, kari) = setup(&s).await;

    // A draft may lack required answers; it is the citizen's and not delivered.
    let partial = json!([{"linkId": "fever", "answer": [{"valueBoolean": true}]}]);
    let (status, draft) = op(
        &s,
        &kari,
        "draft",
        &params("kari", "triage", partial, None, None),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["status"], "in-progress");
    assert_eq!(draft["item"][0]["text"], "Har du feber?");
    let draft_id = id(&draft);
    let (status, _) = s
        .get(&format!("/fhir/QuestionnaireResponse/{draft_id}"), &sys)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a draft is not the unit's");
    let (_, inbox) = s.get("/fhir/Task?owner=Organization/unn", &sys).await;
    assert_eq!(entry_ids(&inbox, None), Vec::<String>::new());

    // Updated once more, then sent: the same id, completed, and one Task in the inbox.
    let (status, again) = op(
        &s,
        &kari,
        "draft",
        &params(
            "kari",
            "triage",
            triage_answers(false),
            Some(&draft_id),
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let (status, sent) = op(
        &s,
        &kari,
        "submit",
        &params(
            "kari",
            "triage",
            triage_answers(true),
            Some(&draft_id),
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(id(&sent), draft_id);
    assert_eq!(sent["status"], "completed");
    assert_eq!(sent["author"]["reference"], "Patient/kari");
    assert_eq!(
        sent["questionnaire"],
        "https://nordlys.no/fhir/Questionnaire/triage|1"
    );

    // The record system reads both through FHIR.
    let (status, qr) = s
        .get(&format!("/fhir/QuestionnaireResponse/{draft_id}"), &sys)
        .await;
    assert_eq!(status, StatusCode::OK, "{qr}");
    assert_eq!(qr["item"][1]["answer"][0]["valueDecimal"], 38.9);
    let (_, inbox) = s.get("/fhir/Task?owner=Organization/unn&code=https://nordlys.no/fhir/CodeSystem/task-kind|form-answer", &sys).await;
    let tasks = entry_ids(&inbox, None);
    assert_eq!(tasks.len(), 1, "{inbox}");
    let task = &inbox["entry"][0]["resource"];
    assert_eq!(task["priority"], "asap");
    assert_eq!(task["extension"][0]["valueDecimal"], 7.0);
    assert_eq!(
        task["focus"]["reference"],
        format!("QuestionnaireResponse/{draft_id}")
    );
    assert_eq!(task["for"]["reference"], "Patient/kari");
    assert_eq!(task["requester"]["reference"], "Patient/kari");
    assert_eq!(task["status"], "requested");

    // A sent form is no draft any more.
    let (status, oo) = op(
        &s,
        &kari,
        "submit",
        &params(
            "kari",
            "triage",
            triage_answers(true),
            Some(&draft_id),
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{oo}");

    // A low score is routine.
    let (status, _) = op(
        &s,
        &kari,
        "submit",
        &params("kari", "triage", triage_answers(false), None, None),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, inbox) = s
        .get("/fhir/Task?owner=Organization/unn&priority=routine", &sys)
        .await;
    assert_eq!(entry_ids(&inbox, None).len(), 1, "{inbox}");
}

#[tokio::test]
async fn invalid_answers_are_refused_with_the_link_id_and_nothing_is_written() {
    let s = TestServer::start().await;
    let (sys, kari) = setup(&s).await;
    let mut answers = triage_answers(true);
    if let Some(a) = answers.as_array_mut() {
        a.remove(1); // temp: required when fever is yes
        a[1] = json!({"linkId": "breath", "answer": [{"valueCoding": {"code": "maybe"}}]});
    }
    let (status, oo) = op(
        &s,
        &kari,
        "submit",
        &params("kari", "triage", answers, None, None),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{oo}");
    let issues: Vec<(&str, &str)> = oo["issue"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i["code"].as_str().unwrap_or(""),
                i["expression"][0].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        issues,
        vec![
            (
                "required",
                "QuestionnaireResponse.item.where(linkId='temp')"
            ),
            ("value", "QuestionnaireResponse.item.where(linkId='breath')"),
        ]
    );
    assert!(oo["issue"][0]["diagnostics"]
        .as_str()
        .unwrap_or("")
        .contains("Hvor høy er temperaturen"));
    let (_, inbox) = s.get("/fhir/Task?owner=Organization/unn", &sys).await;
    assert_eq!(entry_ids(&inbox, None), Vec::<String>::new());
    let (_, mine) = s
        .get("/fhir/QuestionnaireResponse?subject=Patient/kari", &kari)
        .await;
    assert_eq!(entry_ids(&mine, None), Vec::<String>::new());

    // The CapabilityStatement names the operations.
    let (_, cs) = s.get("/fhir/metadata", &kari).await;
    let qr = cs["rest"][0]["resource"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["type"] == "QuestionnaireResponse")
        .cloned()
        .unwrap_or_default();
    assert_eq!(qr["operation"][0]["name"], "submit");
    assert_eq!(qr["operation"][1]["name"], "draft");

    // Only citizens use the operation; bad parameters are a 400.
    let (status, _) = op(
        &s,
        &sys,
        "submit",
        &params("kari", "triage", triage_answers(false), None, None),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = op(
        &s,
        &kari,
        "submit",
        &json!({"resourceType": "Parameters", "parameter": []}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = op(
        &s,
        &kari,
        "submit",
        &params("kari", "nope", json!([]), None, None),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn parents_send_for_children_under_twelve_only() {
    let s = TestServer::start().await;
    let (sys, _) = setup(&s).await;
    let (mother, mb) = person(40, 2);
    let (child, cb) = person(8, 3);
    let (teen, tb) = person(16, 4);
    put(&s, &sys, patient("child", &child, cb)).await;
    put(&s, &sys, patient("teen", &teen, tb)).await;
    put(
        &s,
        &sys,
        parent("mother-of-child", "child", &mother, mb, cb),
    )
    .await;
    put(&s, &sys, parent("mother-of-teen", "teen", &mother, mb, tb)).await;
    let mum = s.citizen_token(&mother).await;

    let (status, sent) = op(
        &s,
        &mum,
        "submit",
        &params("child", "triage", triage_answers(false), None, None),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["author"]["identifier"]["value"], mother.as_str());
    assert_eq!(sent["subject"]["reference"], "Patient/child");
    let (status, oo) = op(
        &s,
        &mum,
        "submit",
        &params("teen", "triage", triage_answers(false), None, None),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{oo}");
    let (_, inbox) = s.get("/fhir/Task?owner=Organization/unn", &sys).await;
    assert_eq!(entry_ids(&inbox, None).len(), 1);
}

#[tokio::test]
async fn a_research_system_requests_a_form_and_receives_the_answer() {
    let s = TestServer::start().await;
    let (sys, kari) = setup(&s).await;
    let study = s.system_token("study-system", OTHER_ORG).await;
    put(&s, &study, unit("study", OTHER_ORG, "Studie")).await;
    put(
        &s,
        &study,
        form_request("req-1", "kari", "feedback", "study", OTHER_ORG),
    )
    .await;

    // The citizen sees the request ("Skjema å fylle ut").
    let (_, requests) = s
        .get("/fhir/Task?patient=Patient/kari&status=requested", &kari)
        .await;
    assert_eq!(entry_ids(&requests, None), ["Task/req-1"]);

    let (status, sent) = op(
        &s,
        &kari,
        "submit",
        &params("kari", "feedback", feedback_answers(), None, Some("req-1")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let rid = id(&sent);
    // Delivered to the asking organisation, not to the form's publisher.
    let (status, _) = s
        .get(&format!("/fhir/QuestionnaireResponse/{rid}"), &study)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s
        .get(&format!("/fhir/QuestionnaireResponse/{rid}"), &sys)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, inbox) = s.get("/fhir/Task?owner=Organization/study&code=https://nordlys.no/fhir/CodeSystem/task-kind|form-answer", &study).await;
    assert_eq!(entry_ids(&inbox, None).len(), 1, "{inbox}");
    assert_eq!(
        inbox["entry"][0]["resource"]["basedOn"][0]["reference"],
        "Task/req-1"
    );
    assert_eq!(inbox["entry"][0]["resource"]["priority"], "routine");
    let (_, req) = s.get("/fhir/Task/req-1", &study).await;
    assert_eq!(req["status"], "completed");
    assert_eq!(
        req["output"][0]["valueReference"]["reference"],
        format!("QuestionnaireResponse/{rid}")
    );
    // Answered once only.
    let (status, _) = op(
        &s,
        &kari,
        "submit",
        &params("kari", "feedback", feedback_answers(), None, Some("req-1")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
