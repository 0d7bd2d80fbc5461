//! The booking operations over HTTP with real (dev-issuer) tokens: `$book`,
//! `$reschedule`, `$cancel` with their statuses (201, 409 taken, 422 rule broken, 404
//! unknown), free-slot search as a citizen, a race over HTTP, and the
//! CapabilityStatement naming the operations. The full race (100 clients, 10 slots) on
//! both stores is `nordlys_testkit::booking` (store-sqlite/store-postgres tests).
use chrono::Duration;
use nordlys_testkit::booking::{person, schedule, slot};
use nordlys_testkit::fixtures::HOSPITAL_ORG;
use nordlys_testkit::server::{entry_ids, outcome_code, TestServer};
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

fn book_params(patient: &str, slot: &str) -> Value {
    json!({"resourceType": "Parameters", "parameter": [
        {"name": "patient", "valueReference": {"reference": format!("Patient/{patient}")}},
        {"name": "slot", "valueReference": {"reference": format!("Slot/{slot}")}}]})
}

fn patient(id: &str, fnr: &str, birth: chrono::NaiveDate) -> Value {
    json!({"resourceType": "Patient", "id": id,
        "identifier": [{"system": nordlys_policy::FNR_SYSTEM, "value": fnr}],
        "name": [{"family": "Nordmann", "given": [id]}],
        "birthDate": birth.format("%Y-%m-%d").to_string()})
}

fn diagnostics(body: &Value) -> String {
    body["issue"][0]["diagnostics"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Book, see the slot busy, be refused the same slot, move, cancel, be refused too
/// late; free slots searchable by the citizen; bad input explained.
#[tokio::test]
async fn book_reschedule_cancel_over_http() {
    let s = TestServer::start().await;
    let sys = s.system_token("dips-test", HOSPITAL_ORG).await;
    put(&s, &sys, schedule("gp", None)).await;
    put(&s, &sys, slot("a", "gp", Duration::days(3))).await;
    put(&s, &sys, slot("b", "gp", Duration::days(4))).await;
    put(&s, &sys, slot("soon", "gp", Duration::hours(3))).await;
    let (fnr, birth) = person(40, 1);
    put(&s, &sys, patient("kari", &fnr, birth)).await;
    let me = s.citizen_token(&fnr).await;

    let today = chrono::Utc::now().format("%Y-%m-%d");
    let (status, bundle) = s
        .get(
            &format!("/fhir/Slot?status=free&schedule=Schedule/gp&start=ge{today}&_sort=start"),
            &me,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    assert_eq!(entry_ids(&bundle, None), ["Slot/soon", "Slot/a", "Slot/b"]);

    let (status, appt) = s
        .send(
            Method::POST,
            "/fhir/Appointment/$book",
            &me,
            &book_params("kari", "a"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{appt}");
    assert_eq!(appt["status"], "booked");
    assert_eq!(appt["slot"][0]["reference"], "Slot/a");
    assert_eq!(appt["participant"][0]["actor"]["reference"], "Patient/kari");
    let first = appt["id"].as_str().unwrap_or_default().to_string();
    let (_, a) = s.get("/fhir/Slot/a", &me).await;
    assert_eq!(a["status"], "busy");

    let (status, oo) = s
        .send(
            Method::POST,
            "/fhir/Appointment/$book",
            &me,
            &book_params("kari", "a"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{oo}");
    assert!(diagnostics(&oo).contains("just taken"), "{oo}");

    let move_to_b = json!({"resourceType": "Parameters", "parameter": [{"name": "slot", "valueReference": {"reference": "Slot/b"}}]});
    let (status, moved) = s
        .send(
            Method::POST,
            &format!("/fhir/Appointment/{first}/$reschedule"),
            &me,
            &move_to_b,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{moved}");
    assert_eq!(moved["slot"][0]["reference"], "Slot/b");
    let (_, old) = s.get(&format!("/fhir/Appointment/{first}"), &me).await;
    assert_eq!(old["status"], "cancelled");
    let (_, a) = s.get("/fhir/Slot/a", &me).await;
    assert_eq!(a["status"], "free");

    let moved_id = moved["id"].as_str().unwrap_or_default().to_string();
    let reason = json!({"resourceType": "Parameters", "parameter": [{"name": "reason", "valueString": "Kan ikke komme"}]});
    let (status, cancelled) = s
        .send(
            Method::POST,
            &format!("/fhir/Appointment/{moved_id}/$cancel"),
            &me,
            &reason,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancelationReason"]["text"], "Kan ikke komme");

    let (status, soon) = s
        .send(
            Method::POST,
            "/fhir/Appointment/$book",
            &me,
            &book_params("kari", "soon"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{soon}");
    let soon_id = soon["id"].as_str().unwrap_or_default().to_string();
    let (status, late) = s
        .send(
            Method::POST,
            &format!("/fhir/Appointment/{soon_id}/$cancel"),
            &me,
            &reason,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{late}");
    assert_eq!(outcome_code(&late), "business-rule");
    assert!(diagnostics(&late).contains("too late"), "{late}");

    let (status, unknown) = s
        .send(
            Method::POST,
            "/fhir/Appointment/$book",
            &me,
            &book_params("kari", "nope"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
    let (status, bad) = s
        .send(
            Method::POST,
            "/fhir/Appointment/$book",
            &me,
            &json!({"resourceType": "Parameters"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert!(diagnostics(&bad).contains("'patient'"), "{bad}");
    // Citizens still cannot write an Appointment directly, and reads still route.
    let direct = json!({"resourceType": "Appointment", "id": "mine", "status": "booked",
        "participant": [{"actor": {"reference": "Patient/kari"}, "status": "accepted"}]});
    let (status, _) = s
        .send(Method::PUT, "/fhir/Appointment/mine", &me, &direct)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s.get(&format!("/fhir/Appointment/{soon_id}"), &me).await;
    assert_eq!(status, StatusCode::OK);
    // A stranger cannot book for Kari: she is unknown to them.
    let (other, ob) = person(50, 2);
    put(&s, &sys, patient("other", &other, ob)).await;
    let stranger = s.citizen_token(&other).await;
    let (status, _) = s
        .send(
            Method::POST,
            "/fhir/Appointment/$book",
            &stranger,
            &book_params("kari", "b"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Twenty citizens over HTTP for two slots: exactly two 201s, eighteen 409s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_race_two_slots() {
    let s = TestServer::start().await;
    let sys = s.system_token("dips-test", HOSPITAL_ORG).await;
    put(&s, &sys, schedule("gp", None)).await;
    put(&s, &sys, slot("x", "gp", Duration::days(3))).await;
    put(
        &s,
        &sys,
        slot("y", "gp", Duration::days(3) + Duration::hours(1)),
    )
    .await;
    let mut tokens = Vec::new();
    for i in 0..20u16 {
        let (fnr, birth) = person(30, i + 10);
        put(&s, &sys, patient(&format!("p{i}"), &fnr, birth)).await;
        tokens.push(s.citizen_token(&fnr).await);
    }
    let server = &s;
    let calls = tokens.iter().enumerate().map(|(i, t)| async move {
        let target = if i % 2 == 0 { "x" } else { "y" };
        let params = book_params(&format!("p{i}"), target);
        server
            .send(Method::POST, "/fhir/Appointment/$book", t, &params)
            .await
            .0
    });
    let statuses = futures_join(calls).await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (2, 18), "{statuses:?}");
}

/// Joins futures without an extra dependency.
async fn futures_join<F: std::future::Future<Output = StatusCode>>(
    calls: impl Iterator<Item = F>,
) -> Vec<StatusCode> {
    let mut set = Vec::new();
    for c in calls {
        set.push(Box::pin(c));
    }
    let mut out = Vec::new();
    // Poll all together: a select-free join by awaiting a joined future.
    let joined = std::future::poll_fn(move |cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if out.len() <= i {
                out.resize(i + 1, None);
            }
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(out.iter().flatten().copied().collect::<Vec<_>>())
        }
    });
    joined.await
}

/// The CapabilityStatement lists the three operations on Appointment.
#[tokio::test]
async fn capability_statement_names_booking_operations() {
    let s = TestServer::start().await;
    let (_, cs) = s.get("/fhir/metadata", "").await;
    let appt = cs["rest"][0]["resource"]
        .as_array()
        .and_then(|r| r.iter().find(|e| e["type"] == "Appointment"))
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = appt["operation"]
        .as_array()
        .map(|ops| ops.iter().filter_map(|o| o["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["book", "reschedule", "cancel", "guidance"]);
}
