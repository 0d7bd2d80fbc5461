//! Digital dialog over HTTP with real (dev-issuer) tokens (issue 5 § 4, § 7): the
//! state machine (new → in progress → answered → back in progress → closed), read
//! receipts on both sides, the unit inbox as FHIR search, answers as Communications,
//! assignment and closing by `PUT Task` with `If-Match`, attachment limits and
//! sniffing with nothing written, the 12–15 rules and acting for a child, and the
//! "call instead" answers. Fixtures: `nordlys_testkit::dialog`.
use base64::Engine;
use nordlys_testkit::dialog::{
    load, open_referral_to_parent, put, reply, start_params, NO_DIALOG_UNIT, NURSE_HPR, WARD,
    WARD_PHONE,
};
use nordlys_testkit::fixtures::HOSPITAL_ORG;
use nordlys_testkit::server::{entry_ids, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const KIND: &str = "https://nordlys.no/fhir/CodeSystem/task-kind|dialog";

fn diagnostics(body: &Value) -> String {
    body["issue"][0]["diagnostics"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn business(task: &Value) -> String {
    task["businessStatus"]["coding"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn id(r: &Value) -> String {
    r["id"].as_str().unwrap_or_default().to_string()
}

async fn start(s: &TestServer, token: &str, patient: &str, text: &str) -> Value {
    let (status, task) = s
        .send(
            Method::POST,
            "/fhir/Task/$start-dialog",
            token,
            &start_params(patient, WARD, "Spørsmål om time", text),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    task
}

async fn messages(s: &TestServer, token: &str, task: &str) -> Vec<Value> {
    let (status, b) = s
        .get(
            &format!("/fhir/Communication?part-of=Task/{task}&_sort=sent"),
            token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    b["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["resource"].clone())
        .collect()
}

/// The whole life of a thread, from both sides.
#[tokio::test]
async fn thread_state_machine_and_read_receipts() {
    let s = TestServer::start().await;
    let fam = load(&s).await;
    let me = s.citizen_token(&fam.adult).await;
    let nurse = s
        .practitioner_token(NURSE_HPR, HOSPITAL_ORG, Some("TREAT"))
        .await;
    let sys = s.system_token("dips-test", HOSPITAL_ORG).await;

    let task = start(&s, &me, "d-adult", "Når får jeg svar på prøvene?").await;
    let t = id(&task);
    assert_eq!(business(&task), "new");
    assert_eq!(task["status"], "requested");
    assert_eq!(task["requester"]["reference"], "Patient/d-adult");
    assert_eq!(task["owner"]["reference"], format!("Organization/{WARD}"));
    assert!(
        task["extension"][0]["valueDateTime"].is_string(),
        "answer due"
    );

    // The unit inbox, as a record system searches it.
    let inbox = format!("/fhir/Task?owner=Organization/{WARD}&code={KIND}&business-status=new");
    let (_, b) = s.get(&inbox, &sys).await;
    assert_eq!(entry_ids(&b, Some("match")), [format!("Task/{t}")]);

    // Assign by PUT with If-Match: a stale version is refused, the right one taken.
    let mut assigned = task.clone();
    assigned["performerType"] = json!([{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/dialog-assignee", "code": NURSE_HPR, "display": "Sykepleier Siri"}]}]);
    assigned["businessStatus"] = json!({"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/dialog-status", "code": "in-progress"}]});
    assigned["status"] = json!("in-progress");
    let put_task = |v: &str| {
        s.client
            .put(s.url(&format!("/fhir/Task/{t}")))
            .bearer_auth(&sys)
            .header("content-type", "application/fhir+json")
            .header("if-match", format!("W/\"{v}\""))
    };
    let r = put_task("7")
        .body(assigned.to_string())
        .send()
        .await
        .expect("PUT");
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    let r = put_task("1")
        .body(assigned.to_string())
        .send()
        .await
        .expect("PUT");
    assert_eq!(r.status(), StatusCode::OK);
    let (_, b) = s
        .get(
            &format!("/fhir/Task?performer=https://nordlys.no/fhir/CodeSystem/dialog-assignee|{NURSE_HPR}"),
            &nurse,
        )
        .await;
    assert_eq!(entry_ids(&b, Some("match")), [format!("Task/{t}")]);

    // The nurse answers: a Communication partOf the thread moves it to answered.
    let (status, answer) = s
        .send(
            Method::POST,
            "/fhir/Communication",
            &nurse,
            &reply(&t, "Svarene er normale."),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["recipient"][0]["reference"], "Patient/d-adult");
    let (_, task) = s.get(&format!("/fhir/Task/{t}"), &me).await;
    assert_eq!(business(&task), "answered");
    let first_answer = task["extension"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["url"] == "https://nordlys.no/fhir/StructureDefinition/dialog-first-answer")
        .cloned();
    assert!(first_answer.is_some(), "{task}");

    // Read receipts: the citizen reads the answer, the unit reads the question.
    let (status, p) = s
        .send(
            Method::POST,
            &format!("/fhir/Task/{t}/$mark-read"),
            &me,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["parameter"][0]["valueInteger"], 1);
    let (_, p) = s
        .send(
            Method::POST,
            &format!("/fhir/Task/{t}/$mark-read"),
            &nurse,
            &json!({}),
        )
        .await;
    assert_eq!(p["parameter"][0]["valueInteger"], 1);
    let msgs = messages(&s, &me, &t).await;
    assert_eq!(msgs.len(), 2);
    assert!(msgs.iter().all(|m| m["received"].is_string()), "{msgs:?}");
    let (_, p) = s
        .send(
            Method::POST,
            &format!("/fhir/Task/{t}/$mark-read"),
            &me,
            &json!({}),
        )
        .await;
    assert_eq!(p["parameter"][0]["valueInteger"], 0, "nothing left to mark");

    // The citizen replies: the answered thread needs the unit again (assigned → in progress).
    let (status, _) = s
        .send(
            Method::POST,
            "/fhir/Communication",
            &me,
            &reply(&t, "Takk! Et spørsmål til."),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, task) = s.get(&format!("/fhir/Task/{t}"), &me).await;
    assert_eq!(business(&task), "in-progress");

    // The unit closes it; the citizen is told where to call, and nothing is written.
    let mut closed = task.clone();
    closed["businessStatus"] = json!({"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/dialog-status", "code": "closed"}]});
    closed["status"] = json!("completed");
    let version = task["meta"]["versionId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = put_task(&version)
        .body(closed.to_string())
        .send()
        .await
        .expect("PUT");
    assert_eq!(r.status(), StatusCode::OK);
    let (status, oo) = s
        .send(
            Method::POST,
            "/fhir/Communication",
            &me,
            &reply(&t, "Hallo?"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{oo}");
    assert!(
        diagnostics(&oo).contains("closed") && diagnostics(&oo).contains(WARD_PHONE),
        "{oo}"
    );
    assert_eq!(messages(&s, &me, &t).await.len(), 3);
}

/// Attachments: wrong type (415), bytes that lie about their type (415), too large
/// (413) — nothing written; a real PDF is stored and readable by the thread's
/// participants only.
#[tokio::test]
async fn attachments_are_limited_and_sniffed() {
    let s = TestServer::start().await;
    let fam = load(&s).await;
    let me = s.citizen_token(&fam.adult).await;
    let stranger = s.citizen_token(&fam.parent).await;
    let nurse = s
        .practitioner_token(NURSE_HPR, HOSPITAL_ORG, Some("TREAT"))
        .await;
    let t = id(&start(&s, &me, "d-adult", "Se vedlegg").await);
    let with = |ct: &str, bytes: &[u8]| {
        let mut c = reply(&t, "Vedlegg");
        if let Some(p) = c["payload"].as_array_mut() {
            p.push(
                json!({"contentAttachment": {"contentType": ct, "title": "skjema.pdf",
                "data": base64::engine::general_purpose::STANDARD.encode(bytes)}}),
            );
        }
        c
    };
    let (status, oo) = s
        .send(
            Method::POST,
            "/fhir/Communication",
            &me,
            &with("text/html", b"<html>"),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{oo}");
    let (status, oo) = s
        .send(
            Method::POST,
            "/fhir/Communication",
            &me,
            &with("application/pdf", b"MZ\x90\x00 not a pdf"),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{oo}");
    assert!(diagnostics(&oo).contains("not the type it claims"), "{oo}");
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(nordlys_store::MAX_ATTACHMENT_BYTES + 1, b' ');
    let (status, oo) = s
        .send(
            Method::POST,
            "/fhir/Communication",
            &me,
            &with("application/pdf", &big),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{oo}");
    assert_eq!(messages(&s, &me, &t).await.len(), 1, "nothing written");
    let (_, b) = s.get("/fhir/Binary?_summary=count", &nurse).await;
    assert_eq!(b["total"], 0, "no Binary written");

    let (status, sent) = s
        .send(
            Method::POST,
            "/fhir/Communication",
            &me,
            &with("application/pdf", b"%PDF-1.7 hello"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let url = sent["payload"][1]["contentAttachment"]["url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(url.starts_with("Binary/"), "{sent}");
    assert_eq!(sent["payload"][1]["contentAttachment"]["size"], 14);
    let (status, bin) = s.get(&format!("/fhir/{url}"), &nurse).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bin["contentType"], "application/pdf");
    let (status, _) = s.get(&format!("/fhir/{url}"), &me).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the sender reads their own attachment"
    );
    let (status, _) = s.get(&format!("/fhir/{url}"), &stranger).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a stranger does not");
}

/// The 12–15 rules: a youth writes to the treating unit; their parent does not see the
/// thread until the referral is opened to them; a parent writes for a child of 8.
#[tokio::test]
async fn youth_parent_and_child_rules() {
    let s = TestServer::start().await;
    let fam = load(&s).await;
    let youth = s.citizen_token(&fam.youth).await;
    let mother = s.citizen_token(&fam.parent).await;
    let nurse = s
        .practitioner_token(NURSE_HPR, HOSPITAL_ORG, Some("TREAT"))
        .await;

    let mut params = start_params("d-youth", WARD, "Til BUP", "Jeg vil snakke med noen.");
    if let Some(p) = params["parameter"].as_array_mut() {
        p.push(json!({"name": "referral", "valueReference": {"reference": "ServiceRequest/d-ref-youth"}}));
    }
    let (status, task) = s
        .send(Method::POST, "/fhir/Task/$start-dialog", &youth, &params)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let t = id(&task);
    assert_eq!(
        task["basedOn"][0]["reference"],
        "ServiceRequest/d-ref-youth"
    );
    let (status, _) = s.get(&format!("/fhir/Task/{t}"), &youth).await;
    assert_eq!(status, StatusCode::OK, "the youth sees their own thread");

    let (status, _) = s.get(&format!("/fhir/Task/{t}"), &mother).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "closed to the parent");
    let (_, b) = s
        .get("/fhir/Communication?subject=Patient/d-youth", &mother)
        .await;
    assert_eq!(entry_ids(&b, Some("match")), Vec::<String>::new());
    let (status, _) = s
        .send(
            Method::POST,
            "/fhir/Communication",
            &mother,
            &reply(&t, "Hva gjelder det?"),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "nor may the parent write in it"
    );

    put(
        &s,
        &nurse,
        &open_referral_to_parent("d-youth", "d-ref-youth"),
    )
    .await;
    let (status, _) = s.get(&format!("/fhir/Task/{t}"), &mother).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "on the opened referral the parent sees it"
    );
    assert_eq!(messages(&s, &mother, &t).await.len(), 1);

    // A parent writes for a child of 8: the requester is the parent's RelatedPerson.
    let (status, task) = s
        .send(
            Method::POST,
            "/fhir/Task/$start-dialog",
            &mother,
            &start_params("d-child", WARD, "Feber", "Hun har hatt feber i tre dager."),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    assert_eq!(
        task["requester"]["reference"],
        "RelatedPerson/d-child-mother"
    );
    let (status, _) = s.get(&format!("/fhir/Task/{}", id(&task)), &youth).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a sibling sees nothing");
}

/// Where dialog is not possible the citizen is told where to call; only units that
/// treat the patient can be written to; the unit alone changes a thread.
#[tokio::test]
async fn refusals_name_where_to_call() {
    let s = TestServer::start().await;
    let fam = load(&s).await;
    let me = s.citizen_token(&fam.adult).await;
    let youth = s.citizen_token(&fam.youth).await;
    let (status, oo) = s
        .send(
            Method::POST,
            "/fhir/Task/$start-dialog",
            &me,
            &start_params("d-adult", NO_DIALOG_UNIT, "Hei", "Hei"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{oo}");
    assert!(
        diagnostics(&oo).contains("does not offer digital dialog"),
        "{oo}"
    );
    assert!(diagnostics(&oo).contains(WARD_PHONE), "{oo}");

    let (status, oo) = s
        .send(
            Method::POST,
            "/fhir/Task/$start-dialog",
            &me,
            &start_params("d-youth", WARD, "Hei", "Hei"),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another person's record: {oo}"
    );
    let (status, _) = s
        .send(
            Method::POST,
            "/fhir/Task/$start-dialog",
            &youth,
            &start_params("d-youth", WARD, "", ""),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an empty message");
    let (_, b) = s
        .get(
            &format!("/fhir/Task?code={KIND}"),
            &s.system_token("dips-test", HOSPITAL_ORG).await,
        )
        .await;
    assert_eq!(
        entry_ids(&b, Some("match")),
        Vec::<String>::new(),
        "nothing written"
    );
}

/// The review's guards over HTTP: a thread is based only on the patient's own
/// referral to the unit; another organisation's Communication pointing at a thread's
/// attachment does not open it; a practitioner's message is from themself whatever
/// `sender` says.
#[tokio::test]
async fn referral_link_and_sender_guards() {
    let s = TestServer::start().await;
    let fam = load(&s).await;
    let me = s.citizen_token(&fam.adult).await;
    let nurse = s
        .practitioner_token(NURSE_HPR, HOSPITAL_ORG, Some("TREAT"))
        .await;
    let other = s
        .system_token("other-test", nordlys_testkit::fixtures::OTHER_ORG)
        .await;

    let mut params = start_params("d-adult", WARD, "Spørsmål", "Hei");
    if let Some(p) = params["parameter"].as_array_mut() {
        p.push(json!({"name": "referral", "valueReference": {"reference": "ServiceRequest/d-ref-child"}}));
        p.push(json!({"name": "attachment", "valueAttachment": {"contentType": "application/pdf",
            "title": "a.pdf", "data": base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.7 x")}}));
    }
    let (status, oo) = s
        .send(Method::POST, "/fhir/Task/$start-dialog", &me, &params)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{oo}");
    params["parameter"][4]["valueReference"]["reference"] = json!("ServiceRequest/d-ref-adult");
    let (status, task) = s
        .send(Method::POST, "/fhir/Task/$start-dialog", &me, &params)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let t = id(&task);
    let first = messages(&s, &me, &t).await;
    let url = first[0]["payload"][1]["contentAttachment"]["url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(url.starts_with("Binary/"), "{first:?}");

    let launder = json!({"resourceType": "Communication", "status": "completed",
        "subject": {"reference": "Patient/d-adult"},
        "payload": [{"contentAttachment": {"contentType": "application/pdf", "url": url}}]});
    let (status, b) = s
        .send(Method::POST, "/fhir/Communication", &other, &launder)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let (status, _) = s.get(&format!("/fhir/{url}"), &other).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a foreign link opens nothing"
    );
    let (status, _) = s.get(&format!("/fhir/{url}"), &nurse).await;
    assert_eq!(status, StatusCode::OK);

    let mut answer = reply(&t, "Svar");
    answer["sender"] = json!({"type": "Practitioner",
        "identifier": {"system": nordlys_policy::HPR_SYSTEM, "value": "100000001"}});
    let (status, sent) = s
        .send(Method::POST, "/fhir/Communication", &nurse, &answer)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["sender"]["identifier"]["value"], NURSE_HPR);
}
