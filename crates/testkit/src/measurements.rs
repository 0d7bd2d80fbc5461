//! Home measurements (DHO, issue 6 § 4) over HTTP with real tokens: a hub posts 1,000
//! Observations in one transaction Bundle, the treating unit's threshold (a Goal) turns
//! crossings into ONE `measurement-threshold` Task per code with the right priority, a
//! second burst adds no Task, and the patient sees their own readings. Each backend
//! runs it with `nordlys_testkit::measurement_tests!(async { store_and_guard })`; the
//! builders are shared with the ingest bench.
use chrono::{Duration, SecondsFormat, Utc};
use nordlys_policy::TASK_KIND_SYSTEM;
use nordlys_store::{THRESHOLD_CATEGORY_CODE, THRESHOLD_CATEGORY_SYSTEM};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::booking::{patient, person};
use crate::careplan::{put_ok, GP_HPR, HOSPITAL_HPR};
use crate::fixtures::{HOSPITAL_ORG, OTHER_ORG};
use crate::server::TestServer;

/// Organisation number of the home-monitoring hub's operator.
pub const HUB_ORG: &str = "889640782";
const LOINC: &str = "http://loinc.org";

/// Generates one `#[tokio::test]` per scenario over a server on `$make`'s store.
#[macro_export]
macro_rules! measurement_tests {
    ($make:expr) => {
        $crate::measurement_tests!(@each $make; bulk_bundle_thresholds_and_the_patient,
            a_blocked_unit_gets_no_alarm, a_worse_reading_racing_a_milder_one_is_raised);
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _guard) = $make.await;
                let server = $crate::careplan::server_on(store).await;
                $crate::measurements::$name(&server).await;
            }
        )*
    };
}

/// The patient's home-monitoring Device.
pub fn device(id: &str, patient_id: &str) -> Value {
    json!({"resourceType": "Device", "id": id, "status": "active",
        "deviceName": [{"name": "Hjemmemålingsenhet", "type": "user-friendly-name"}],
        "patient": {"reference": format!("Patient/{patient_id}")}})
}

fn quantity(v: f64, unit: &str, code: &str) -> Value {
    json!({"value": v, "unit": unit, "system": "http://unitsofmeasure.org", "code": code})
}

/// Reading `n` of a patient: blood pressure (85354-9, systolic `sys`), weight, SpO2 and
/// glucose in turn; `effective` minutes ago.
pub fn reading(patient_id: &str, device_id: &str, n: usize, sys: f64, spo2: f64) -> Value {
    let at =
        (Utc::now() - Duration::minutes(n as i64 + 1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let coding = |code: &str, text: &str| json!({"coding": [{"system": LOINC, "code": code, "display": text}], "text": text});
    let mut o = json!({"resourceType": "Observation", "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "subject": {"reference": format!("Patient/{patient_id}")},
        "device": {"reference": format!("Device/{device_id}")},
        "effectiveDateTime": at});
    match n % 4 {
        0 => {
            o["code"] = coding("85354-9", "Blodtrykk");
            o["component"] = json!([
                {"code": coding("8480-6", "Systolisk"), "valueQuantity": quantity(sys, "mmHg", "mm[Hg]")},
                {"code": coding("8462-4", "Diastolisk"), "valueQuantity": quantity(80.0, "mmHg", "mm[Hg]")}]);
        }
        1 => {
            o["code"] = coding("29463-7", "Vekt");
            o["valueQuantity"] = quantity(82.5, "kg", "kg");
        }
        2 => {
            o["code"] = coding("59408-5", "Oksygenmetning");
            o["valueQuantity"] = quantity(spo2, "%", "%");
        }
        _ => {
            o["code"] = coding("2339-0", "Glukose");
            o["valueQuantity"] = quantity(6.1, "mmol/L", "mmol/L");
        }
    }
    o
}

/// A transaction Bundle of `readings`, each a POST.
pub fn bundle(readings: Vec<Value>) -> Value {
    let entry: Vec<Value> = readings
        .into_iter()
        .map(|r| json!({"resource": r, "request": {"method": "POST", "url": "Observation"}}))
        .collect();
    json!({"resourceType": "Bundle", "type": "transaction", "entry": entry})
}

/// The unit's threshold: systolic over 160 or under 90, SpO2 under 92.
pub fn threshold(patient_id: &str) -> Value {
    json!({"resourceType": "Goal", "lifecycleStatus": "active",
        "category": [{"coding": [{"system": THRESHOLD_CATEGORY_SYSTEM, "code": THRESHOLD_CATEGORY_CODE}]}],
        "description": {"text": "Grenser for hjemmemålinger"},
        "subject": {"reference": format!("Patient/{patient_id}")},
        "target": [
            {"measure": {"coding": [{"system": LOINC, "code": "8480-6"}]},
             "detailRange": {"low": {"value": 90}, "high": {"value": 160}}},
            {"measure": {"coding": [{"system": LOINC, "code": "59408-5"}]},
             "detailRange": {"low": {"value": 92}}}]})
}

async fn threshold_tasks(
    s: &TestServer,
    token: &str,
    patient_id: &str,
) -> Vec<(String, String, String)> {
    let (status, b) = s
        .get(
            &format!("/fhir/Task?patient={patient_id}&code={TASK_KIND_SYSTEM}|measurement-threshold&_count=100"),
            token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let mut v: Vec<(String, String, String)> = b["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let t = &e["resource"];
            (
                t["input"][0]["type"]["coding"][0]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                t["priority"].as_str().unwrap_or_default().to_string(),
                t["owner"]["identifier"]["value"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

async fn count(s: &TestServer, token: &str, query: &str) -> i64 {
    let (status, b) = s.get(&format!("/fhir/{query}&_summary=count"), token).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    b["total"].as_i64().unwrap_or(-1)
}

/// 1,000 readings in one Bundle, all stored; crossings → one Task per code in the
/// unit's inbox (systolic 190 of 160 → urgent, SpO2 85 of 92 → routine); a second burst
/// over the line adds no Task; the patient sees all their readings.
pub async fn bulk_bundle_thresholds_and_the_patient(s: &TestServer) {
    let hospital_sys = s.system_token("dips-test", HOSPITAL_ORG).await;
    let (fnr, birth) = person(70, 1);
    put_ok(s, &hospital_sys, patient("kari", &fnr, birth)).await;
    let unit = s
        .practitioner_token(HOSPITAL_HPR, HOSPITAL_ORG, Some("TREAT"))
        .await;
    put_ok(s, &unit, threshold("kari")).await;
    let hub = s.system_token("dho-hub", HUB_ORG).await;
    put_ok(s, &hub, device("hub-kari", "kari")).await;

    let readings: Vec<Value> = (0..1000)
        .map(|n| {
            let sys = match n {
                0 => 170.0,
                4 => 190.0,
                8 => 175.0,
                _ => 130.0,
            };
            let spo2 = if n == 2 { 85.0 } else { 96.0 };
            reading("kari", "hub-kari", n, sys, spo2)
        })
        .collect();
    let (status, resp) = s.send(Method::POST, "/fhir", &hub, &bundle(readings)).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert_eq!(resp["entry"].as_array().map(Vec::len), Some(1000));
    assert_eq!(count(s, &unit, "Observation?patient=kari").await, 1000);
    assert_eq!(
        threshold_tasks(s, &unit, "kari").await,
        vec![
            (
                "59408-5".to_string(),
                "routine".to_string(),
                HOSPITAL_ORG.to_string()
            ),
            (
                "8480-6".to_string(),
                "urgent".to_string(),
                HOSPITAL_ORG.to_string()
            ),
        ]
    );
    // A second burst over the line (not worse): still one Task per code.
    let more: Vec<Value> = (0..8)
        .map(|n| reading("kari", "hub-kari", n * 4, 165.0, 96.0))
        .collect();
    let (status, resp) = s.send(Method::POST, "/fhir", &hub, &bundle(more)).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert_eq!(threshold_tasks(s, &unit, "kari").await.len(), 2);

    // The patient sees their own measurements (and not the hub's Tasks).
    let me = s.citizen_token(&fnr).await;
    assert_eq!(count(s, &me, "Observation?patient=kari").await, 1008);
    // The hub does not see the unit's thresholds or Tasks.
    assert_eq!(count(s, &hub, "Goal?patient=kari").await, 0);
}

/// The patient's hard block of every practitioner of `orgnr`.
fn block_of(patient_id: &str, orgnr: &str) -> Value {
    let start = (Utc::now() - Duration::minutes(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    json!({"resourceType": "Consent", "id": format!("block-{orgnr}"), "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": nordlys_policy::GRANT_KIND_SYSTEM, "code": "block"}]}],
        "patient": {"reference": format!("Patient/{patient_id}")}, "dateTime": start,
        "performer": [{"reference": format!("Patient/{patient_id}")}],
        "provision": {"type": "deny", "period": {"start": start},
            "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "PROV"}]},
                "reference": {"identifier": {"system": nordlys_policy::ORGNR_SYSTEM, "value": orgnr}}}],
            "action": [{"coding": [{"system": nordlys_policy::ACCESS_LEVEL_SYSTEM, "code": "hard"}]}]}})
}

/// Review findings 5 and 11g: a unit gets a threshold Task only for a reading it may
/// see in full. The patient blocks the GP's organisation; both the hospital and the GP
/// set thresholds; a crossing raises the hospital's Tasks (found through
/// `Task?owner=Organization/{id}`) and none for the GP, whose inbox stays empty.
pub async fn a_blocked_unit_gets_no_alarm(s: &TestServer) {
    let hospital_sys = s.system_token("dips-test", HOSPITAL_ORG).await;
    let (fnr, birth) = person(70, 2);
    put_ok(s, &hospital_sys, patient("kari", &fnr, birth)).await;
    put_ok(s, &hospital_sys, json!({"resourceType": "Organization", "id": "unn",
        "identifier": [{"system": nordlys_policy::ORGNR_SYSTEM, "value": HOSPITAL_ORG}], "name": "UNN"}))
    .await;
    let kari = s.citizen_token(&fnr).await;
    put_ok(s, &kari, block_of("kari", OTHER_ORG)).await;
    let unit = s
        .practitioner_token(HOSPITAL_HPR, HOSPITAL_ORG, Some("TREAT"))
        .await;
    let gp = s.practitioner_token(GP_HPR, OTHER_ORG, Some("TREAT")).await;
    put_ok(s, &unit, threshold("kari")).await;
    put_ok(s, &gp, threshold("kari")).await;
    let hub = s.system_token("dho-hub", HUB_ORG).await;
    put_ok(s, &hub, device("hub-kari", "kari")).await;
    let readings = vec![reading("kari", "hub-kari", 0, 190.0, 96.0)];
    let (status, resp) = s.send(Method::POST, "/fhir", &hub, &bundle(readings)).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    let code = format!("code={TASK_KIND_SYSTEM}|measurement-threshold");
    assert_eq!(
        count(s, &unit, &format!("Task?owner=Organization/unn&{code}")).await,
        1
    );
    assert_eq!(
        threshold_tasks(s, &unit, "kari").await,
        vec![(
            "8480-6".to_string(),
            "urgent".to_string(),
            HOSPITAL_ORG.to_string()
        )]
    );
    assert_eq!(count(s, &gp, &format!("Task?{code}")).await, 0);
}

/// Review finding 6: a milder and a worse crossing posted at the same moment, for
/// several patients: whichever commits first, the Task ends at the worse priority (a
/// lost race re-reads the Task and retries instead of dropping the alarm).
pub async fn a_worse_reading_racing_a_milder_one_is_raised(s: &TestServer) {
    let hospital_sys = s.system_token("dips-test", HOSPITAL_ORG).await;
    let unit = s
        .practitioner_token(HOSPITAL_HPR, HOSPITAL_ORG, Some("TREAT"))
        .await;
    let hub = s.system_token("dho-hub", HUB_ORG).await;
    let ids = ["p-race-1", "p-race-2", "p-race-3"];
    for (n, id) in ids.iter().enumerate() {
        let (fnr, birth) = person(60, 10 + n as u16);
        put_ok(s, &hospital_sys, patient(id, &fnr, birth)).await;
        put_ok(s, &unit, threshold(id)).await;
        put_ok(s, &hub, device(&format!("hub-{id}"), id)).await;
    }
    for id in ids {
        let dev = format!("hub-{id}");
        let mild = bundle(vec![reading(id, &dev, 0, 165.0, 96.0)]);
        let worse = bundle(vec![reading(id, &dev, 4, 210.0, 96.0)]);
        let (a, b) = tokio::join!(
            s.send(Method::POST, "/fhir", &hub, &mild),
            s.send(Method::POST, "/fhir", &hub, &worse)
        );
        assert_eq!(
            (a.0, b.0),
            (StatusCode::OK, StatusCode::OK),
            "{} / {}",
            a.1,
            b.1
        );
        assert_eq!(
            threshold_tasks(s, &unit, id).await,
            vec![(
                "8480-6".to_string(),
                "asap".to_string(),
                HOSPITAL_ORG.to_string()
            )],
            "{id}"
        );
    }
}
