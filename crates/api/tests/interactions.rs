//! The REST interactions over HTTP as the owning organisation's record system:
//! create, read, update (If-Match), vread, delete, history, Prefer, conditional create.
use nordlys_testkit::fixtures::{observation, patient, HOSPITAL_ORG};
use nordlys_testkit::server::{outcome_code, split, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn create_read_update_vread_delete() {
    let s = TestServer::start().await;
    let t = s.system_token("dips-unn", HOSPITAL_ORG).await;
    let p = patient("ignored", "Nordmann", "Kari", "1972-09-13", "13097248022");

    // create: 201, server id, Location/ETag/Last-Modified, FHIR content type
    let r = s
        .client
        .post(s.url("/fhir/Patient"))
        .bearer_auth(&t)
        .json(&p)
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(header(&r, "etag"), "W/\"1\"");
    assert!(header(&r, "last-modified").ends_with(" GMT"));
    assert!(header(&r, "content-type").starts_with("application/fhir+json"));
    let location = header(&r, "location");
    let (_, created) = split(r).await;
    let id = created["id"].as_str().expect("id").to_owned();
    assert_ne!(id, "ignored", "create assigns the id");
    assert_eq!(location, format!("{}/fhir/Patient/{id}/_history/1", s.base));
    assert_eq!(created["meta"]["versionId"], "1");

    // read, and If-None-Match → 304
    let (status, read) = s.get(&format!("/fhir/Patient/{id}"), &t).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["name"][0]["family"], "Nordmann");
    let r = s
        .client
        .get(s.url(&format!("/fhir/Patient/{id}")))
        .bearer_auth(&t)
        .header("if-none-match", "W/\"1\"");
    assert_eq!(
        r.send().await.expect("GET").status(),
        StatusCode::NOT_MODIFIED
    );

    // update with the right If-Match → version 2; the stale one → 412
    let mut changed = read.clone();
    changed["name"][0]["family"] = json!("Hansen");
    let r = s
        .client
        .put(s.url(&format!("/fhir/Patient/{id}")))
        .bearer_auth(&t)
        .header("if-match", "W/\"1\"");
    let r = r.json(&changed).send().await.expect("PUT");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "etag"), "W/\"2\"");
    assert_eq!(
        header(&r, "location"),
        format!("{}/fhir/Patient/{id}/_history/2", s.base)
    );
    let r = s
        .client
        .put(s.url(&format!("/fhir/Patient/{id}")))
        .bearer_auth(&t)
        .header("if-match", "W/\"1\"");
    let (status, oo) = split(r.json(&changed).send().await.expect("PUT")).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{oo}");
    assert_eq!(outcome_code(&oo), "conflict");

    // vread of version 1 still has the old name
    let (status, v1) = s.get(&format!("/fhir/Patient/{id}/_history/1"), &t).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            v1["meta"]["versionId"].clone(),
            v1["name"][0]["family"].clone()
        ),
        (json!("1"), json!("Nordmann"))
    );

    // delete → 204; read → 410; history: DELETE, PUT, POST
    let r = s
        .client
        .delete(s.url(&format!("/fhir/Patient/{id}")))
        .bearer_auth(&t)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, oo) = s.get(&format!("/fhir/Patient/{id}"), &t).await;
    assert_eq!(status, StatusCode::GONE, "{oo}");
    let (status, hist) = s.get(&format!("/fhir/Patient/{id}/_history"), &t).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hist["type"], "history");
    let methods: Vec<&str> = hist["entry"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|x| x["request"]["method"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(methods, vec!["DELETE", "PUT", "POST"]);
    assert!(hist["entry"][0].get("resource").is_none());
    assert_eq!(hist["entry"][2]["resource"]["meta"]["versionId"], "1");
}

#[tokio::test]
async fn create_on_update_and_prefer() {
    let s = TestServer::start().await;
    let t = s.system_token("dips-unn", HOSPITAL_ORG).await;
    let p = patient("p-put", "Nordmann", "Ola", "1980-01-01", "13097248022");
    let r = s
        .client
        .put(s.url("/fhir/Patient/p-put"))
        .bearer_auth(&t)
        .header("prefer", "return=minimal");
    let r = r.json(&p).send().await.expect("PUT");
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(header(&r, "etag"), "W/\"1\"");
    assert!(
        r.bytes().await.expect("body").is_empty(),
        "return=minimal sends no body"
    );

    let mut p2 = p.clone();
    p2["gender"] = json!("male");
    let r = s
        .client
        .put(s.url("/fhir/Patient/p-put"))
        .bearer_auth(&t)
        .header("prefer", "return=OperationOutcome");
    let (status, oo) = split(r.json(&p2).send().await.expect("PUT")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(oo["resourceType"], "OperationOutcome");
    assert_eq!(oo["issue"][0]["severity"], "information");

    let (status, current) = s.get("/fhir/Patient/p-put", &t).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            current["meta"]["versionId"].clone(),
            current["gender"].clone()
        ),
        (json!("2"), json!("male"))
    );
}

#[tokio::test]
async fn conditional_create_returns_the_existing() {
    let s = TestServer::start().await;
    let t = s.system_token("dips-unn", HOSPITAL_ORG).await;
    let p = patient("x", "Nordmann", "Kari", "1972-09-13", "13097248022");
    let cond = "identifier=urn:oid:2.16.578.1.12.4.1.4.1|13097248022";
    let first = s
        .client
        .post(s.url("/fhir/Patient"))
        .bearer_auth(&t)
        .header("if-none-exist", cond);
    let (status, a) = split(first.json(&p).send().await.expect("POST")).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let second = s
        .client
        .post(s.url("/fhir/Patient"))
        .bearer_auth(&t)
        .header("if-none-exist", cond);
    let (status, b) = split(second.json(&p).send().await.expect("POST")).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(a["id"], b["id"]);
    let (_, count) = s.get("/fhir/Patient?_summary=count", &t).await;
    assert_eq!(count["total"], 1);
}

#[tokio::test]
async fn history_type_and_system_with_paging() {
    let s = TestServer::start().await;
    let t = s.system_token("dips-unn", HOSPITAL_ORG).await;
    let p = patient("p1", "Nordmann", "Kari", "1972-09-13", "13097248022");
    assert_eq!(
        s.send(Method::PUT, "/fhir/Patient/p1", &t, &p).await.0,
        StatusCode::CREATED
    );
    for (i, v) in [5.1, 5.2, 5.3].iter().enumerate() {
        let o = observation(
            &format!("o{i}"),
            "p1",
            "2345-7",
            *v,
            &format!("2026-01-0{}T08:00:00Z", i + 1),
        );
        assert_eq!(
            s.send(Method::PUT, &format!("/fhir/Observation/o{i}"), &t, &o)
                .await
                .0,
            StatusCode::CREATED
        );
    }
    let (status, types) = s.get("/fhir/Observation/_history", &t).await;
    assert_eq!(status, StatusCode::OK, "{types}");
    assert_eq!(types["entry"].as_array().map(Vec::len), Some(3));
    let (status, page) = s.get("/fhir/_history?_count=2", &t).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["entry"].as_array().map(Vec::len), Some(2));
    let next = page["link"]
        .as_array()
        .and_then(|l| l.iter().find(|x| x["relation"] == "next"))
        .map(|x| x["url"].clone());
    let next = next
        .and_then(|u| u.as_str().map(str::to_owned))
        .expect("next link");
    let r = s
        .client
        .get(&next)
        .bearer_auth(&t)
        .send()
        .await
        .expect("GET next");
    let (_, page2) = split(r).await;
    assert_eq!(page2["entry"].as_array().map(Vec::len), Some(2));
    let future = "/fhir/_history?_since=2999-01-01T00:00:00Z";
    let (_, none) = s.get(future, &t).await;
    assert!(none.get("entry").is_none(), "{none}");
}

#[tokio::test]
async fn transaction_and_everything() {
    let s = TestServer::start().await;
    let t = s.system_token("dips-unn", HOSPITAL_ORG).await;
    let pid = "urn:uuid:6f1c9a38-1111-4c5e-9d4f-000000000001";
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": pid, "resource": patient("x", "Nordmann", "Kari", "1972-09-13", "13097248022"),
         "request": {"method": "POST", "url": "Patient"}},
        {"resource": {"resourceType": "Observation", "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
                      "subject": {"reference": pid}},
         "request": {"method": "POST", "url": "Observation"}}
    ]});
    let (status, resp) = s.send(Method::POST, "/fhir", &t, &bundle).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert_eq!(resp["type"], "transaction-response");
    assert_eq!(resp["entry"].as_array().map(Vec::len), Some(2));
    let loc = resp["entry"][0]["response"]["location"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let patient_id = loc.split('/').nth(1).unwrap_or_default().to_owned();
    assert!(!patient_id.is_empty(), "{resp}");
    let (status, all) = s
        .get(&format!("/fhir/Patient/{patient_id}/$everything"), &t)
        .await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["total"], 2);
    let obs = all["entry"].as_array().and_then(|e| {
        e.iter()
            .find(|x| x["resource"]["resourceType"] == "Observation")
    });
    let subject = obs
        .map(|o| o["resource"]["subject"]["reference"].clone())
        .unwrap_or(Value::Null);
    assert_eq!(subject, json!(format!("Patient/{patient_id}")));
}
