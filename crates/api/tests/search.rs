//! Search over HTTP: searchset Bundles, totals, paging links, `_search` form posts,
//! `_include`/`_revinclude`, `_summary=count` and `_elements`.
use nordlys_testkit::fixtures::{observation, patient, HOSPITAL_ORG};
use nordlys_testkit::server::{entry_ids, split, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// One patient with three glucose results, stored through the API.
async fn arrange(s: &TestServer) -> String {
    let t = s.system_token("dips-unn", HOSPITAL_ORG).await;
    let p = patient("p1", "Nordmann", "Kari", "1972-09-13", "13097248022");
    assert_eq!(
        s.send(Method::PUT, "/fhir/Patient/p1", &t, &p).await.0,
        StatusCode::CREATED
    );
    for i in 1..=3 {
        let o = observation(
            &format!("o{i}"),
            "p1",
            "2345-7",
            5.0 + f64::from(i),
            &format!("2026-01-0{i}T08:00:00Z"),
        );
        assert_eq!(
            s.send(Method::PUT, &format!("/fhir/Observation/o{i}"), &t, &o)
                .await
                .0,
            StatusCode::CREATED
        );
    }
    t
}

fn link(bundle: &Value, rel: &str) -> Option<String> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == rel)?["url"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test]
async fn paging_with_total_and_links() {
    let s = TestServer::start().await;
    let t = arrange(&s).await;
    let (status, page1) = s
        .get(
            "/fhir/Observation?subject=Patient/p1&_sort=date&_count=2",
            &t,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page1}");
    assert_eq!(page1["type"], "searchset");
    assert_eq!(page1["total"], 3);
    assert_eq!(
        entry_ids(&page1, Some("match")),
        vec!["Observation/o1", "Observation/o2"]
    );
    assert_eq!(
        page1["entry"][0]["fullUrl"],
        format!("{}/fhir/Observation/o1", s.base)
    );
    let self_link = link(&page1, "self").expect("self");
    assert!(
        self_link.starts_with(&format!("{}/fhir/Observation?", s.base)),
        "{self_link}"
    );
    let next = link(&page1, "next").expect("next link");
    let (_, page2) = split(
        s.client
            .get(&next)
            .bearer_auth(&t)
            .send()
            .await
            .expect("next"),
    )
    .await;
    assert_eq!(entry_ids(&page2, Some("match")), vec!["Observation/o3"]);
    assert!(link(&page2, "next").is_none());
    assert!(link(&page2, "previous").is_some());
}

#[tokio::test]
async fn post_search_form_equals_get() {
    let s = TestServer::start().await;
    let t = arrange(&s).await;
    let r = s
        .client
        .post(s.url("/fhir/Observation/_search"))
        .bearer_auth(&t)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("subject=Patient%2Fp1&_sort=date")
        .send()
        .await
        .expect("POST _search");
    let (status, bundle) = split(r).await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    assert_eq!(
        entry_ids(&bundle, Some("match")),
        vec!["Observation/o1", "Observation/o2", "Observation/o3"]
    );
}

#[tokio::test]
async fn include_and_revinclude() {
    let s = TestServer::start().await;
    let t = arrange(&s).await;
    let (status, inc) = s
        .get("/fhir/Observation?_id=o2&_include=Observation:subject", &t)
        .await;
    assert_eq!(status, StatusCode::OK, "{inc}");
    assert_eq!(entry_ids(&inc, Some("match")), vec!["Observation/o2"]);
    assert_eq!(entry_ids(&inc, Some("include")), vec!["Patient/p1"]);
    let (status, rev) = s
        .get("/fhir/Patient?_id=p1&_revinclude=Observation:subject", &t)
        .await;
    assert_eq!(status, StatusCode::OK, "{rev}");
    assert_eq!(rev["total"], 1);
    assert_eq!(entry_ids(&rev, Some("match")), vec!["Patient/p1"]);
    let mut included = entry_ids(&rev, Some("include"));
    included.sort();
    assert_eq!(
        included,
        vec!["Observation/o1", "Observation/o2", "Observation/o3"]
    );
}

#[tokio::test]
async fn summary_count_and_elements() {
    let s = TestServer::start().await;
    let t = arrange(&s).await;
    let (status, count) = s
        .get("/fhir/Observation?subject=Patient/p1&_summary=count", &t)
        .await;
    assert_eq!(status, StatusCode::OK, "{count}");
    assert_eq!(count["total"], 3);
    assert!(count.get("entry").is_none(), "{count}");
    let (status, cut) = s.get("/fhir/Observation?_id=o1&_elements=status", &t).await;
    assert_eq!(status, StatusCode::OK, "{cut}");
    let r = &cut["entry"][0]["resource"];
    assert_eq!(r["status"], "final");
    assert!(r.get("valueQuantity").is_none(), "{r}");
    assert_eq!(r["meta"]["tag"][0]["code"], "SUBSETTED");
    let (status, read_cut) = s.get("/fhir/Patient/p1?_elements=birthDate", &t).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read_cut["birthDate"], "1972-09-13");
    assert!(read_cut.get("name").is_none());
}

#[tokio::test]
async fn pretty_output() {
    let s = TestServer::start().await;
    let t = arrange(&s).await;
    let r = s
        .client
        .get(s.url("/fhir/Patient/p1?_pretty=true&_format=json"))
        .bearer_auth(&t)
        .send()
        .await;
    let text = r.expect("GET").text().await.expect("text");
    assert!(text.contains("\n  \"resourceType\": \"Patient\""), "{text}");
}

/// `:identifier` on a reference parameter finds references that name their target
/// by identifier only (R4 search, reference `:identifier`).
#[tokio::test]
async fn reference_identifier_modifier() {
    let s = TestServer::start().await;
    let t = arrange(&s).await;
    let mut o = observation("by-id", "p1", "2345-7", 6.1, "2026-01-05T08:00:00Z");
    o["performer"] = serde_json::json!([{"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.4", "value": "565501872"}}]);
    assert_eq!(
        s.send(Method::PUT, "/fhir/Observation/by-id", &t, &o)
            .await
            .0,
        StatusCode::CREATED
    );
    let (status, found) = s
        .get(
            "/fhir/Observation?performer:identifier=urn:oid:2.16.578.1.12.4.1.4.4|565501872",
            &t,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(entry_ids(&found, Some("match")), vec!["Observation/by-id"]);
    let (_, none) = s
        .get("/fhir/Observation?performer:identifier=|565501872", &t)
        .await;
    assert_eq!(entry_ids(&none, Some("match")), Vec::<String>::new());
    let (_, other) = s
        .get("/fhir/Observation?performer:identifier=565501873", &t)
        .await;
    assert_eq!(entry_ids(&other, Some("match")), Vec::<String>::new());
}
