//! The shared care plan suite (issue 6 § 3) over HTTP with real (dev-issuer) tokens:
//! the lost update (two writers, one 412), Provenance per change with the right agent,
//! one active plan per patient (also under a race), the sharing consent, the patient
//! editing their own goal and nothing else, and a parent of a 13-year-old. Each backend
//! runs it with `nordlys_testkit::careplan_tests!(async { store_and_guard })`.
use chrono::{Duration, Utc};
use nordlys_api::ApiConfig;
use nordlys_policy::{FNR_SYSTEM, GRANT_KIND_SYSTEM, HPR_SYSTEM, ORGNR_SYSTEM};
use nordlys_store::FhirStore;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::booking::{parent, patient, person};
use crate::fixtures::{HOSPITAL_ORG, OTHER_ORG};
use crate::server::TestServer;

/// Generates one `#[tokio::test]` per scenario over a server on `$make`'s store.
#[macro_export]
macro_rules! careplan_tests {
    ($make:expr) => {
        $crate::careplan_tests!(@each $make;
            lost_update_gives_one_412, second_active_plan_is_refused,
            sharing_consent_opens_the_plan_to_the_team, patient_edits_own_goal_only,
            handover_reject_then_accept, deleting_an_active_plan_frees_the_place,
            reserved_ids_are_the_servers, handover_needs_the_sharing_consent);
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _guard) = $make.await;
                let server = $crate::careplan::server_on(store).await;
                $crate::careplan::$name(&server).await;
            }
        )*
    };
}

/// HPR number of the hospital's physician (the test practitioner's number).
pub const HOSPITAL_HPR: &str = "565501872";
/// HPR number of the GP.
pub const GP_HPR: &str = "565501873";

/// The real server with dev auth over `store`.
pub async fn server_on(store: FhirStore) -> TestServer {
    let config = ApiConfig {
        dev_auth: true,
        ..ApiConfig::default()
    };
    let portal = nordlys_portal::PortalConfig {
        dev_login: true,
        ..nordlys_portal::PortalConfig::default()
    };
    TestServer::start_on(store, config, &[], portal).await
}

fn org(orgnr: &str) -> Value {
    json!({"identifier": {"system": ORGNR_SYSTEM, "value": orgnr}})
}

/// An active shared plan for `patient_id` by the hospital, with the GP in the team, one
/// clinician measure (the hospital's), one patient measure and one patient goal.
pub fn plan(patient_id: &str) -> Value {
    let me = format!("Patient/{patient_id}");
    json!({"resourceType": "CarePlan", "status": "active", "intent": "plan",
        "category": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/careplan-category",
            "code": "shared-plan", "display": "Delt behandlingsplan"}]}],
        "title": "Delt behandlingsplan", "description": "Leve godt hjemme med KOLS",
        "subject": {"reference": me},
        "author": org(HOSPITAL_ORG), "contributor": [org(HOSPITAL_ORG), org(OTHER_ORG)],
        "contained": [{"resourceType": "Goal", "id": "g1", "lifecycleStatus": "active",
            "description": {"text": "Gå til butikken selv"}, "subject": {"reference": me},
            "expressedBy": {"reference": me}}],
        "goal": [{"reference": "#g1"}],
        "activity": [
            {"detail": {"status": "in-progress", "description": "Inhalasjon morgen og kveld",
                "performer": [org(HOSPITAL_ORG)]}},
            {"detail": {"status": "in-progress", "description": "Gå tur hver dag",
                "performer": [{"reference": me}]}}]})
}

/// The patient's consent to sharing the plan with every organisation in its care team.
pub fn sharing_consent(patient_id: &str) -> Value {
    let now = Utc::now() - Duration::minutes(1);
    json!({"resourceType": "Consent", "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": GRANT_KIND_SYSTEM, "code": "careplan-sharing"}]}],
        "patient": {"reference": format!("Patient/{patient_id}")},
        "dateTime": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "performer": [{"reference": format!("Patient/{patient_id}")}],
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": {"type": "permit", "period": {"start": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)}}})
}

/// `PUT` (or `POST` without id) that must succeed; the stored body.
pub async fn put_ok(s: &TestServer, token: &str, r: Value) -> Value {
    let rt = r["resourceType"].as_str().unwrap_or_default().to_string();
    let (method, path) = match r["id"].as_str() {
        Some(id) => (Method::PUT, format!("/fhir/{rt}/{id}")),
        None => (Method::POST, format!("/fhir/{rt}")),
    };
    let (status, body) = s.send(method, &path, token, &r).await;
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// `PUT CarePlan/{id}` with `If-Match: W/"version"`.
pub async fn put_plan(
    s: &TestServer,
    token: &str,
    plan: &Value,
    version: &str,
) -> (StatusCode, Value) {
    let id = plan["id"].as_str().unwrap_or_default();
    let r = s
        .client
        .put(s.url(&format!("/fhir/CarePlan/{id}")))
        .bearer_auth(token)
        .header("content-type", "application/fhir+json")
        .header("if-match", format!("W/\"{version}\""))
        .body(plan.to_string())
        .send()
        .await
        .expect("PUT CarePlan");
    crate::server::split(r).await
}

/// The hospital's practitioner, the GP (another organisation, care relationship), the
/// hospital's record system; a 45-year-old patient `kari`; the plan, created.
struct World {
    hospital: String,
    gp: String,
    system: String,
    kari: String,
    plan: Value,
}

async fn world(s: &TestServer, patient_id: &str, n: u16) -> World {
    let system = s.system_token("dips-test", HOSPITAL_ORG).await;
    let (fnr, birth) = person(45, n);
    put_ok(s, &system, patient(patient_id, &fnr, birth)).await;
    let hospital = s
        .practitioner_token(HOSPITAL_HPR, HOSPITAL_ORG, Some("TREAT"))
        .await;
    let gp = s.practitioner_token(GP_HPR, OTHER_ORG, Some("TREAT")).await;
    let kari = s.citizen_token(&fnr).await;
    let (status, plan) = s
        .send(Method::POST, "/fhir/CarePlan", &hospital, &plan(patient_id))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    assert_eq!(plan["meta"]["versionId"], "1");
    World {
        hospital,
        gp,
        system,
        kari,
        plan,
    }
}

fn provenance_agents(bundle: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let p = &e["resource"];
            (
                p["target"][0]["reference"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                p["agent"][0]["who"]["identifier"]["value"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                p["activity"]["coding"][0]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Two writers read version 1 and both write with `If-Match: W/"1"` at once: exactly
/// one 200 and one 412; the loser's change is nowhere. Without If-Match: 428. Each
/// change has its Provenance naming the version and the agent; history has both.
pub async fn lost_update_gives_one_412(s: &TestServer) {
    let w = world(s, "kari", 1).await;
    put_ok(s, &w.kari, sharing_consent("kari")).await;
    let id = w.plan["id"].as_str().unwrap_or_default().to_string();
    let (status, seen) = s.get(&format!("/fhir/CarePlan/{id}"), &w.gp).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    let mut by_hospital = w.plan.clone();
    by_hospital["description"] = json!("Endret av sykehuset");
    let mut by_gp = seen.clone();
    by_gp["description"] = json!("Endret av fastlegen");
    let (a, b) = tokio::join!(
        put_plan(s, &w.hospital, &by_hospital, "1"),
        put_plan(s, &w.gp, &by_gp, "1")
    );
    let mut statuses = vec![a.0.as_u16(), b.0.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, vec![200, 412], "{} / {}", a.1, b.1);
    let (winner, winner_hpr) = if a.0 == StatusCode::OK {
        ("Endret av sykehuset", HOSPITAL_HPR)
    } else {
        ("Endret av fastlegen", GP_HPR)
    };
    let (_, now) = s.get(&format!("/fhir/CarePlan/{id}"), &w.hospital).await;
    assert_eq!(now["description"], winner);
    assert_eq!(now["meta"]["versionId"], "2");

    let mut blind = now.clone();
    blind["description"] = json!("Uten versjon");
    let (status, body) = s
        .send(
            Method::PUT,
            &format!("/fhir/CarePlan/{id}"),
            &w.hospital,
            &blind,
        )
        .await;
    assert_eq!(status.as_u16(), 428, "{body}");

    let (status, history) = s.get(&format!("/fhir/CarePlan/{id}/_history"), &w.gp).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert_eq!(history["entry"].as_array().map(Vec::len), Some(2));
    let (status, provs) = s
        .get("/fhir/Provenance?patient=kari&_count=50", &w.hospital)
        .await;
    assert_eq!(status, StatusCode::OK, "{provs}");
    assert_eq!(
        provenance_agents(&provs),
        vec![
            (
                format!("CarePlan/{id}/_history/1"),
                HOSPITAL_HPR.to_string(),
                "CREATE".to_string()
            ),
            (
                format!("CarePlan/{id}/_history/2"),
                winner_hpr.to_string(),
                "UPDATE".to_string()
            ),
        ]
    );
    let _ = w.system;
}

/// A second active plan for the same patient is refused (409), also when two are
/// posted at the same moment; a completed plan frees the place.
pub async fn second_active_plan_is_refused(s: &TestServer) {
    let w = world(s, "ola", 2).await;
    let (status, body) = s
        .send(Method::POST, "/fhir/CarePlan", &w.hospital, &plan("ola"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (fnr, birth) = person(50, 3);
    put_ok(s, &w.system, patient("per", &fnr, birth)).await;
    let per = plan("per");
    let (a, b) = tokio::join!(
        s.send(Method::POST, "/fhir/CarePlan", &w.hospital, &per),
        s.send(Method::POST, "/fhir/CarePlan", &w.system, &per)
    );
    let mut statuses = vec![a.0.as_u16(), b.0.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, vec![201, 409], "{} / {}", a.1, b.1);
    let (_, plans) = s.get("/fhir/CarePlan?patient=per", &w.hospital).await;
    assert_eq!(plans["total"], 1, "{plans}");
    // Completing the plan lets a new one be made.
    let mut done = w.plan.clone();
    done["status"] = json!("completed");
    let (status, body) = put_plan(s, &w.hospital, &done, "1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s
        .send(Method::POST, "/fhir/CarePlan", &w.hospital, &plan("ola"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// Without the patient's sharing consent the plan is the hospital's alone: the GP (care
/// relationship, in the team) neither finds, reads nor writes it. With it the GP reads
/// and writes; an organisation outside the team reads but does not write.
pub async fn sharing_consent_opens_the_plan_to_the_team(s: &TestServer) {
    let w = world(s, "kari", 4).await;
    let id = w.plan["id"].as_str().unwrap_or_default().to_string();
    let (status, _) = s.get(&format!("/fhir/CarePlan/{id}"), &w.gp).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, found) = s.get("/fhir/CarePlan?patient=kari", &w.gp).await;
    assert_eq!(found["total"], 0, "{found}");
    let (_, provs) = s.get("/fhir/Provenance?patient=kari", &w.gp).await;
    assert_eq!(provs["total"], 0, "{provs}");
    let (status, _) = s.get(&format!("/fhir/CarePlan/{id}"), &w.hospital).await;
    assert_eq!(status, StatusCode::OK);
    let mut change = w.plan.clone();
    change["description"] = json!("Fastlegen prøver");
    let (status, _) = put_plan(s, &w.gp, &change, "1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    put_ok(s, &w.kari, sharing_consent("kari")).await;
    let (_, found) = s.get("/fhir/CarePlan?patient=kari", &w.gp).await;
    assert_eq!(found["total"], 1, "{found}");
    let (status, body) = put_plan(s, &w.gp, &change, "1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Home care: a care relationship but not in the team.
    let outsider = s
        .practitioner_token(GP_HPR, "889640782", Some("TREAT"))
        .await;
    let (status, _) = s.get(&format!("/fhir/CarePlan/{id}"), &outsider).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = put_plan(s, &outsider, &body, "2").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

/// The patient changes their own goal (Provenance names them) but not the hospital's
/// measure (403); a parent of a 13-year-old sees the child's plan as metadata only and
/// cannot change it.
pub async fn patient_edits_own_goal_only(s: &TestServer) {
    let w = world(s, "kari", 5).await;
    let id = w.plan["id"].as_str().unwrap_or_default().to_string();
    let (status, mine) = s.get(&format!("/fhir/CarePlan/{id}"), &w.kari).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let mut goal = mine.clone();
    goal["contained"][0]["description"]["text"] = json!("Gå til hytta");
    let (status, body) = put_plan(s, &w.kari, &goal, "1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["contained"][0]["description"]["text"], "Gå til hytta");
    let mut measure = body.clone();
    measure["activity"][0]["detail"]["description"] = json!("Ingen inhalasjon");
    let (status, body) = put_plan(s, &w.kari, &measure, "2").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, provs) = s.get("/fhir/Provenance?patient=kari", &w.hospital).await;
    let agents = provenance_agents(&provs);
    assert_eq!(agents.len(), 2, "{provs}");
    let (_, kari) = s.get("/fhir/Patient/kari", &w.hospital).await;
    let fnr = kari["identifier"][0]["value"].as_str().unwrap_or_default();
    assert_eq!(
        agents[1],
        (
            format!("CarePlan/{id}/_history/2"),
            fnr.to_string(),
            "UPDATE".to_string()
        )
    );
    assert_eq!(kari["identifier"][0]["system"], FNR_SYSTEM);

    // A 13-year-old and their mother.
    let (child_fnr, child_birth) = person(13, 6);
    put_ok(s, &w.system, patient("nils", &child_fnr, child_birth)).await;
    let (mother_fnr, mother_birth) = person(44, 7);
    put_ok(
        s,
        &w.system,
        parent("mor", "nils", &mother_fnr, mother_birth, child_birth),
    )
    .await;
    let (status, child_plan) = s
        .send(Method::POST, "/fhir/CarePlan", &w.hospital, &plan("nils"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{child_plan}");
    let child_id = child_plan["id"].as_str().unwrap_or_default();
    let mother = s.citizen_token(&mother_fnr).await;
    let (status, seen) = s.get(&format!("/fhir/CarePlan/{child_id}"), &mother).await;
    // § 6 "plans", parent of a youth 12–15 without an opened referral: closed.
    assert_eq!(status, StatusCode::NOT_FOUND, "{seen}");
    let (status, _) = put_plan(s, &mother, &child_plan, "1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let _ = HPR_SYSTEM;
}

fn handover_to(orgnr: &str) -> Value {
    json!({"resourceType": "Parameters", "parameter": [{"name": "organization", "valueString": orgnr}]})
}

/// The hospital hands the plan over to the GP: only the responsible organisation
/// proposes, only the receiver answers; a rejection changes nothing, an acceptance
/// makes the GP responsible (a new plan version with its Provenance); an answered
/// hand-over cannot be answered again.
pub async fn handover_reject_then_accept(s: &TestServer) {
    let w = world(s, "kari", 8).await;
    put_ok(s, &w.kari, sharing_consent("kari")).await;
    let id = w.plan["id"].as_str().unwrap_or_default().to_string();
    let path = format!("/fhir/CarePlan/{id}/$handover");
    let (status, body) = s
        .send(Method::POST, &path, &w.gp, &handover_to(HOSPITAL_ORG))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, task) = s
        .send(Method::POST, &path, &w.hospital, &handover_to(OTHER_ORG))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    assert_eq!(task["owner"]["identifier"]["value"], OTHER_ORG);
    assert_eq!(task["focus"]["reference"], format!("CarePlan/{id}"));
    let task_id = task["id"].as_str().unwrap_or_default().to_string();
    let (_, inbox) = s
        .get(
            "/fhir/Task?code=https://nordlys.no/fhir/CodeSystem/task-kind|careplan-handover",
            &w.gp,
        )
        .await;
    assert_eq!(inbox["total"], 1, "{inbox}");
    let empty = json!({"resourceType": "Parameters"});
    let (status, _) = s
        .send(
            Method::POST,
            &format!("/fhir/Task/{task_id}/$accept-handover"),
            &w.hospital,
            &empty,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, rejected) = s
        .send(
            Method::POST,
            &format!("/fhir/Task/{task_id}/$reject-handover"),
            &w.gp,
            &empty,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rejected}");
    assert_eq!(rejected["status"], "rejected");
    let (_, plan) = s.get(&format!("/fhir/CarePlan/{id}"), &w.gp).await;
    assert_eq!(plan["meta"]["versionId"], "1");
    assert_eq!(plan["author"]["identifier"]["value"], HOSPITAL_ORG);

    let (_, task) = s
        .send(Method::POST, &path, &w.hospital, &handover_to(OTHER_ORG))
        .await;
    let task_id = task["id"].as_str().unwrap_or_default().to_string();
    let accept = format!("/fhir/Task/{task_id}/$accept-handover");
    let (status, done) = s.send(Method::POST, &accept, &w.gp, &empty).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "completed");
    let (_, plan) = s.get(&format!("/fhir/CarePlan/{id}"), &w.hospital).await;
    assert_eq!(plan["meta"]["versionId"], "2");
    assert_eq!(plan["author"]["identifier"]["value"], OTHER_ORG);
    let (_, provs) = s.get("/fhir/Provenance?patient=kari", &w.hospital).await;
    assert_eq!(
        provenance_agents(&provs)[1],
        (
            format!("CarePlan/{id}/_history/2"),
            GP_HPR.to_string(),
            "UPDATE".to_string()
        )
    );
    let (status, body) = s.send(Method::POST, &accept, &w.gp, &empty).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Now the GP is responsible: it may hand the plan back, the hospital may not.
    let (status, body) = s
        .send(Method::POST, &path, &w.hospital, &handover_to(OTHER_ORG))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = s
        .send(Method::POST, &path, &w.gp, &handover_to(HOSPITAL_ORG))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

fn transaction(entries: Vec<Value>) -> Value {
    json!({"resourceType": "Bundle", "type": "transaction", "entry": entries})
}

/// Review finding 7: DELETE of an active plan removes the one-active marker in the
/// same batch, so a new plan can be made at once; a transaction may not delete a plan.
pub async fn deleting_an_active_plan_frees_the_place(s: &TestServer) {
    let w = world(s, "ola", 10).await;
    let id = w.plan["id"].as_str().unwrap_or_default().to_string();
    let (status, body) = s
        .send(
            Method::POST,
            "/fhir",
            &w.hospital,
            &transaction(vec![
                json!({"request": {"method": "DELETE", "url": format!("CarePlan/{id}")}}),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = s
        .send(
            Method::DELETE,
            &format!("/fhir/CarePlan/{id}"),
            &w.hospital,
            &Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = s.get(&format!("/fhir/CarePlan/{id}"), &w.hospital).await;
    assert_eq!(status, StatusCode::GONE);
    let (status, body) = s
        .send(Method::POST, "/fhir/CarePlan", &w.hospital, &plan("ola"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The marker is decided as its plan: the GP, without the sharing consent, sees
    // neither the new plan nor anything of it among the patient's Basic items.
    let (_, basics) = s.get("/fhir/Basic?patient=ola", &w.gp).await;
    assert_eq!(basics["total"], 0, "{basics}");
    let (_, basics) = s.get("/fhir/Basic?patient=ola", &w.hospital).await;
    assert_eq!(basics["total"], 1, "{basics}");
    // The deletion has its Provenance.
    let (_, provs) = s.get("/fhir/Provenance?patient=ola", &w.hospital).await;
    assert!(
        provenance_agents(&provs).contains(&(
            format!("CarePlan/{id}/_history/2"),
            HOSPITAL_HPR.to_string(),
            "DELETE".to_string()
        )),
        "{provs}"
    );
}

/// Review finding 4: ids the server derives for its own items cannot be created by a
/// client (PUT, batch or transaction), and the marker and the preferences cannot be
/// written at all; nothing is stored.
pub async fn reserved_ids_are_the_servers(s: &TestServer) {
    let w = world(s, "kari", 11).await;
    let task = |id: &str| {
        json!({"resourceType": "Task", "id": id, "status": "completed", "intent": "order",
            "for": {"reference": "Patient/kari"}})
    };
    for id in ["mt-0123456789abcdef", "letter-read-brev-1"] {
        let (status, body) = s
            .send(
                Method::PUT,
                &format!("/fhir/Task/{id}"),
                &w.system,
                &task(id),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{id}: {body}");
        let entry = json!({"resource": task(id), "request": {"method": "PUT", "url": format!("Task/{id}")}});
        let (status, body) = s
            .send(
                Method::POST,
                "/fhir",
                &w.system,
                &transaction(vec![entry.clone()]),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{id}: {body}");
        let batch = json!({"resourceType": "Bundle", "type": "batch", "entry": [entry]});
        let (status, body) = s.send(Method::POST, "/fhir", &w.system, &batch).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            body["entry"][0]["response"]["status"], "403 Forbidden",
            "{body}"
        );
        let (status, _) = s.get(&format!("/fhir/Task/{id}"), &w.system).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
    }
    for (rt, id) in [
        ("Basic", "careplan-active-0123"),
        ("Basic", "notification-preferences-0123"),
    ] {
        let body = json!({"resourceType": rt, "id": id, "code": {"text": "x"}});
        let (status, out) = s
            .send(Method::PUT, &format!("/fhir/{rt}/{id}"), &w.hospital, &body)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{id}: {out}");
        let (status, out) = s
            .send(
                Method::DELETE,
                &format!("/fhir/{rt}/{id}"),
                &w.hospital,
                &Value::Null,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{id}: {out}");
    }
    // The plan made by `world` still holds its place.
    let (status, _) = s
        .send(Method::POST, "/fhir/CarePlan", &w.hospital, &plan("kari"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

/// Review finding 10: a hand-over needs the receiver covered by the patient's
/// careplan-sharing consent (the policy's `may_hand_over`), on proposal and on
/// acceptance.
pub async fn handover_needs_the_sharing_consent(s: &TestServer) {
    let w = world(s, "kari", 12).await;
    let id = w.plan["id"].as_str().unwrap_or_default().to_string();
    let path = format!("/fhir/CarePlan/{id}/$handover");
    let (status, body) = s
        .send(Method::POST, &path, &w.hospital, &handover_to(OTHER_ORG))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, tasks) = s
        .get(
            "/fhir/Task?code=https://nordlys.no/fhir/CodeSystem/task-kind|careplan-handover",
            &w.hospital,
        )
        .await;
    assert_eq!(tasks["total"], 0, "{tasks}");
    let consent = put_ok(s, &w.kari, sharing_consent("kari")).await;
    let (status, task) = s
        .send(Method::POST, &path, &w.hospital, &handover_to(OTHER_ORG))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    // The patient withdraws the consent before the GP answers: the acceptance is refused.
    let mut ended = consent.clone();
    ended["status"] = json!("inactive");
    let cid = consent["id"].as_str().unwrap_or_default();
    let (status, body) = s
        .send(
            Method::PUT,
            &format!("/fhir/Consent/{cid}"),
            &w.kari,
            &ended,
        )
        .await;
    assert!(status.is_success(), "{body}");
    let task_id = task["id"].as_str().unwrap_or_default();
    let (status, body) = s
        .send(
            Method::POST,
            &format!("/fhir/Task/{task_id}/$accept-handover"),
            &w.gp,
            &json!({"resourceType": "Parameters"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, plan) = s.get(&format!("/fhir/CarePlan/{id}"), &w.hospital).await;
    assert_eq!(plan["author"]["identifier"]["value"], HOSPITAL_ORG);
}
