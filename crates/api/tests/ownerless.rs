//! Items without an owner organisation, and work-item Tasks, over HTTP with real
//! (dev-issuer) tokens (review findings 1 and 3): a citizen's form draft is seen and
//! written by nobody but the citizen side — not a TREAT or emergency practitioner, not
//! a system; a person's notification preferences are read and written only by the
//! settings operation; a `measurement-threshold` Task joins its patient's record, so
//! another organisation's practitioner does not see it without a care relationship, a
//! hard block closes it, and every read of it is logged.
use nordlys_store::notify::Channels;
use nordlys_testkit::booking::{patient, person};
use nordlys_testkit::fixtures::{citizen, HOSPITAL_ORG, OTHER_ORG};
use nordlys_testkit::forms::{builtin, params, unit};
use nordlys_testkit::server::{entry_ids, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PREFS_CODE: &str = "https://nordlys.no/fhir/CodeSystem/basic-kind|notification-preferences";

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
async fn a_citizens_form_draft_is_nobody_elses() {
    let s = TestServer::start().await;
    let sys = s.system_token("dips-test", HOSPITAL_ORG).await;
    put(&s, &sys, unit("unn", HOSPITAL_ORG, "UNN Lungemedisin")).await;
    put(&s, &sys, builtin::triage("triage", "unn")).await;
    let (fnr, birth) = person(40, 1);
    put(&s, &sys, patient("kari", &fnr, birth)).await;
    let kari = s.citizen_token(&fnr).await;
    let partial = json!([{"linkId": "fever", "answer": [{"valueBoolean": true}]}]);
    let (status, draft) = s
        .send(
            Method::POST,
            "/fhir/QuestionnaireResponse/$draft",
            &kari,
            &params("kari", "triage", partial, None, None),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_str().unwrap_or_default().to_owned();
    let path = format!("/fhir/QuestionnaireResponse/{id}");

    // The citizen reads her own draft.
    let (status, _) = s.get(&path, &kari).await;
    assert_eq!(status, StatusCode::OK);
    for (hpr, org, purpose) in [
        ("565501872", HOSPITAL_ORG, "TREAT"),
        ("565501873", OTHER_ORG, "TREAT"),
        ("565501874", OTHER_ORG, "ETREAT"),
    ] {
        let prac = s.practitioner_token(hpr, org, Some(purpose)).await;
        let (status, _) = s.get(&path, &prac).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{org} {purpose} reads");
        let (status, bundle) = s
            .get("/fhir/QuestionnaireResponse?patient=kari", &prac)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(entry_ids(&bundle, None), Vec::<String>::new());
        let mut changed = draft.clone();
        changed["status"] = json!("completed");
        let (status, _) = s.send(Method::PUT, &path, &prac, &changed).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
            "{org} {purpose} writes: {status}"
        );
        // A delete of what one cannot see answers as for a missing item (204) and
        // changes nothing (checked below).
        let (status, _) = s.send(Method::DELETE, &path, &prac, &Value::Null).await;
        assert!(
            status == StatusCode::NO_CONTENT || status == StatusCode::FORBIDDEN,
            "{org} {purpose} deletes: {status}"
        );
    }
    let (status, _) = s.get(&path, &sys).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a system reads");
    // Untouched: still the citizen's draft, version 1.
    let (status, still) = s.get(&path, &kari).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(still["status"], "in-progress");
    assert_eq!(still["meta"]["versionId"], "1");
}

#[tokio::test]
async fn notification_preferences_are_written_only_by_the_settings_operation() {
    let s = TestServer::start().await;
    let sys = s.system_token("dips-test", HOSPITAL_ORG).await;
    let (fnr, birth) = person(40, 2);
    put(&s, &sys, patient("ola", &fnr, birth)).await;
    s.store
        .set_my_channels(
            &citizen(&fnr),
            Channels {
                email: false,
                sms: true,
            },
        )
        .await
        .expect("the citizen chooses");

    let prac = s
        .practitioner_token("565501872", HOSPITAL_ORG, Some("TREAT"))
        .await;
    // Nobody finds or reads the record through the ordinary paths.
    for token in [&prac, &sys] {
        let (status, bundle) = s
            .get(&format!("/fhir/Basic?code={PREFS_CODE}"), token)
            .await;
        assert_eq!(status, StatusCode::OK, "{bundle}");
        assert_eq!(entry_ids(&bundle, None), Vec::<String>::new());
        let (status, bundle) = s.get("/fhir/Basic", token).await;
        assert_eq!(status, StatusCode::OK, "{bundle}");
        assert_eq!(entry_ids(&bundle, None), Vec::<String>::new());
    }

    // Nobody writes one: not by the reserved id, not by the code, not in a bundle.
    let silence = |id: &str| {
        json!({"resourceType": "Basic", "id": id,
            "code": {"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/basic-kind", "code": "notification-preferences"}]},
            "extension": [{"url": "https://nordlys.no/fhir/StructureDefinition/notify-by-email", "valueBoolean": false},
                {"url": "https://nordlys.no/fhir/StructureDefinition/notify-by-sms", "valueBoolean": false}]})
    };
    for token in [&prac, &sys] {
        let (status, body) = s
            .send(
                Method::PUT,
                "/fhir/Basic/notification-preferences-0123456789abcdef",
                token,
                &silence("notification-preferences-0123456789abcdef"),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, body) = s
            .send(Method::PUT, "/fhir/Basic/quiet", token, &silence("quiet"))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let mut created = silence("x");
        created.as_object_mut().map(|o| o.remove("id"));
        let (status, body) = s.send(Method::POST, "/fhir/Basic", token, &created).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
            {"resource": silence("notification-preferences-abc"),
             "request": {"method": "PUT", "url": "Basic/notification-preferences-abc"}}]});
        let (status, body) = s.send(Method::POST, "/fhir", token, &bundle).await;
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::BAD_REQUEST,
            "{status} {body}"
        );
    }
    // The citizen's choice stands.
    assert_eq!(
        s.store.channels_of(&fnr).await.expect("read"),
        Channels {
            email: false,
            sms: true
        }
    );
}

/// A unit's threshold alarm about Kari's reading, as the measurement service raises it.
fn threshold_task(id: &str) -> Value {
    json!({"resourceType": "Task", "id": id, "status": "requested", "intent": "order", "priority": "urgent",
        "code": {"coding": [{"system": nordlys_policy::TASK_KIND_SYSTEM, "code": "measurement-threshold"}]},
        "description": "Måling 8867-4 = 140 er over grensen 120",
        "for": {"reference": "Patient/kari"},
        "owner": {"identifier": {"system": nordlys_policy::ORGNR_SYSTEM, "value": HOSPITAL_ORG}},
        "authoredOn": "2026-12-01T10:00:00Z"})
}

#[tokio::test]
async fn every_work_item_task_is_in_its_patients_record() {
    let s = TestServer::start().await;
    let sys = s.system_token("dips-test", HOSPITAL_ORG).await;
    let (fnr, birth) = person(40, 3);
    put(&s, &sys, patient("kari", &fnr, birth)).await;
    put(&s, &sys, threshold_task("alarm-1")).await;
    let stored = s
        .store
        .read(
            &nordlys_testkit::fixtures::hospital_system(),
            "Task",
            "alarm-1",
        )
        .await
        .expect("stored");
    assert_eq!(stored.columns.patient_id.as_deref(), Some("kari"));

    let search =
        "/fhir/Task?code=https://nordlys.no/fhir/CodeSystem/task-kind|measurement-threshold";
    // Another organisation without a care relationship: nothing (it used to see all).
    let other = s.practitioner_token("565501873", OTHER_ORG, None).await;
    let (status, _) = s.get("/fhir/Task/alarm-1", &other).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let other_sys = s.system_token("other-ehr", OTHER_ORG).await;
    let (_, bundle) = s.get(search, &other_sys).await;
    assert_eq!(entry_ids(&bundle, None), Vec::<String>::new());

    // With TREAT it sees the Task, and the read is in Kari's access log.
    let treat = s
        .practitioner_token("565501874", OTHER_ORG, Some("TREAT"))
        .await;
    let (status, body) = s.get("/fhir/Task/alarm-1", &treat).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let kari = s.citizen_token(&fnr).await;
    let (status, log) = s
        .get("/fhir/AuditEvent?patient=kari&_count=100", &kari)
        .await;
    assert_eq!(status, StatusCode::OK);
    let logged = log["entry"].as_array().into_iter().flatten().any(|e| {
        e["resource"]["entity"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|x| x["what"]["reference"] == "Task/alarm-1")
            && e["resource"].to_string().contains("565501874")
    });
    assert!(logged, "the read of Task/alarm-1 is logged: {log}");
    // The citizen sees her own alarm under the measurements row.
    let (status, _) = s.get("/fhir/Task/alarm-1", &kari).await;
    assert_eq!(status, StatusCode::OK);

    // A hard block by Kari (all practitioners outside the producing organisation, the
    // shape of contract.md) closes it to the other organisation, TREAT or not.
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let block = json!({"resourceType": "Consent", "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": nordlys_policy::GRANT_KIND_SYSTEM, "code": "block"}]}],
        "patient": {"reference": "Patient/kari"}, "dateTime": now,
        "performer": [{"reference": "Patient/kari"}],
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTOUT"}]},
        "provision": {"type": "deny", "period": {"start": now},
            "action": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/access-level", "code": "hard"}]}]}});
    let (status, body) = s.send(Method::POST, "/fhir/Consent", &kari, &block).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = s.get("/fhir/Task/alarm-1", &treat).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a hard block closes the Task"
    );
}
