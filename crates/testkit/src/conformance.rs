//! The storage conformance suite: every FHIR interaction against a [`FhirStore`],
//! with exact ids and counts. Each backend crate runs it with
//! `nordlys_testkit::conformance_tests!(async { /* a fresh, migrated FhirStore */ });`
//! so SQLite and PostgreSQL are held to the same behaviour, scenario by scenario.
use nordlys_store::{FhirStore, HistoryQuery, StoreError, WriteOutcome};
use serde_json::{json, Value};

use crate::fixtures::{self, hospital_system, other_system};

/// Generates one `#[tokio::test]` per scenario; `$make` is an expression producing a
/// future of a fresh, migrated `FhirStore`.
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance_tests!(@each $make;
            create_read_vread, update_if_match_and_create_on_update, conditional_create,
            delete_keeps_history, search_token_string_date, search_reference_quantity_missing_not,
            search_chain_and_has, search_sort_paging_total, search_include_revinclude_iterate,
            transaction_is_atomic_and_rewrites_urn_uuid, batch_reports_each_entry, history_since_and_type,
            everything_returns_compartment, import_is_idempotent, other_organisation_sees_nothing,
            bad_search_parameters_are_refused, access_is_logged_and_chained);
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store = $make.await;
                $crate::conformance::$name(&store).await;
            }
        )*
    };
}

fn ids(v: &[nordlys_store::StoredResource]) -> Vec<String> {
    v.iter()
        .map(|r| format!("{}/{}", r.resource_type, r.id))
        .collect()
}

fn body(r: &nordlys_store::StoredResource) -> Value {
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

async fn put(store: &FhirStore, resource: Value) -> nordlys_store::StoredResource {
    let ctx = hospital_system();
    let rt = resource["resourceType"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let id = resource["id"].as_str().unwrap_or_default().to_string();
    match store.update(&ctx, &rt, &id, resource, None).await {
        Ok(o) => o.stored().clone(),
        Err(e) => panic!("put {rt}/{id}: {e:?}"),
    }
}

async fn search(
    store: &FhirStore,
    rt: &str,
    query: &[(&str, &str)],
) -> nordlys_store::search::SearchResult {
    let pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let req = store
        .parse_search(rt, &pairs, false)
        .unwrap_or_else(|e| panic!("parse {rt}?{query:?}: {e:?}"));
    store
        .search(&hospital_system(), &req)
        .await
        .unwrap_or_else(|e| panic!("search {rt}?{query:?}: {e:?}"))
}

async fn search_ids(store: &FhirStore, rt: &str, query: &[(&str, &str)]) -> Vec<String> {
    ids(&search(store, rt, query).await.matches)
}

/// A small world: two patients, three observations, a referral chain.
async fn seed(store: &FhirStore) {
    put(
        store,
        fixtures::patient("p1", "Nordmann", "Kari", "1980-03-15", "15038010015"),
    )
    .await;
    put(
        store,
        fixtures::patient("p2", "Hansen", "Ola", "1990-01-01", "01019010046"),
    )
    .await;
    put(
        store,
        fixtures::observation("o1", "p1", "2345-7", 5.5, "2026-01-10T08:00:00Z"),
    )
    .await;
    put(
        store,
        fixtures::observation("o2", "p1", "2345-7", 7.2, "2026-03-10T08:00:00Z"),
    )
    .await;
    put(
        store,
        fixtures::observation("o3", "p2", "718-7", 140.0, "2026-02-01T08:00:00Z"),
    )
    .await;
    put(store, fixtures::referral("sr1", "p1", None)).await;
    put(store, fixtures::referral("sr2", "p1", Some("sr1"))).await;
    put(store, fixtures::referral("sr3", "p1", Some("sr2"))).await;
}

pub async fn create_read_vread(store: &FhirStore) {
    let ctx = hospital_system();
    let created = store
        .create(
            &ctx,
            fixtures::patient("ignored", "Berg", "Anne", "1970-05-05", "15038010015"),
            None,
        )
        .await;
    let Ok(WriteOutcome::Created(c)) = created else {
        panic!("create failed: {created:?}")
    };
    assert_eq!(c.version, 1);
    assert_ne!(c.id, "ignored", "create assigns the id");
    let read = store
        .read(&ctx, "Patient", &c.id)
        .await
        .unwrap_or_else(|e| panic!("read: {e:?}"));
    let b = body(&read);
    assert_eq!(b["id"], json!(c.id));
    assert_eq!(b["meta"]["versionId"], "1");
    assert_eq!(b["name"][0]["family"], "Berg");
    let v1 = store
        .vread(&ctx, "Patient", &c.id, 1)
        .await
        .unwrap_or_else(|e| panic!("vread: {e:?}"));
    assert_eq!(v1.version, 1);
    assert!(matches!(
        store.vread(&ctx, "Patient", &c.id, 2).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.read(&ctx, "Patient", "nope").await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.read(&ctx, "Nonsense", "x").await,
        Err(StoreError::UnknownType(_))
    ));
}

pub async fn update_if_match_and_create_on_update(store: &FhirStore) {
    let ctx = hospital_system();
    let first = store
        .update(
            &ctx,
            "Patient",
            "u1",
            fixtures::patient("u1", "A", "B", "1980-01-01", "15038010015"),
            None,
        )
        .await;
    assert!(
        matches!(first, Ok(WriteOutcome::Created(ref s)) if s.version == 1),
        "{first:?}"
    );
    let second = store
        .update(
            &ctx,
            "Patient",
            "u1",
            fixtures::patient("u1", "C", "B", "1980-01-01", "15038010015"),
            Some(1),
        )
        .await;
    assert!(
        matches!(second, Ok(WriteOutcome::Updated(ref s)) if s.version == 2),
        "{second:?}"
    );
    let stale = store
        .update(
            &ctx,
            "Patient",
            "u1",
            fixtures::patient("u1", "D", "B", "1980-01-01", "15038010015"),
            Some(1),
        )
        .await;
    assert!(
        matches!(stale, Err(StoreError::PreconditionFailed(_))),
        "{stale:?}"
    );
    let now = store
        .read(&ctx, "Patient", "u1")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (now.version, body(&now)["name"][0]["family"].clone()),
        (2, json!("C")),
        "the stale write changed nothing"
    );
    let mismatch = store
        .update(
            &ctx,
            "Patient",
            "u2",
            fixtures::patient("u1", "A", "B", "1980-01-01", "15038010015"),
            None,
        )
        .await;
    assert!(
        matches!(mismatch, Err(StoreError::BadRequest(_))),
        "{mismatch:?}"
    );
}

pub async fn conditional_create(store: &FhirStore) {
    let ctx = hospital_system();
    let cond = Some("identifier=urn:oid:2.16.578.1.12.4.1.4.1|12090810160");
    let p = fixtures::patient("x", "Lie", "Per", "2008-09-12", "12090810160");
    let a = store.create(&ctx, p.clone(), cond).await;
    let Ok(WriteOutcome::Created(a)) = a else {
        panic!("first conditional create: {a:?}")
    };
    let b = store.create(&ctx, p, cond).await;
    let Ok(WriteOutcome::Unchanged(b)) = b else {
        panic!("second conditional create: {b:?}")
    };
    assert_eq!(a.id, b.id);
    assert_eq!(
        search_ids(store, "Patient", &[("identifier", "12090810160")]).await,
        vec![format!("Patient/{}", a.id)]
    );
}

pub async fn delete_keeps_history(store: &FhirStore) {
    let ctx = hospital_system();
    put(
        store,
        fixtures::patient("d1", "Dahl", "Eva", "1960-01-01", "15038010015"),
    )
    .await;
    put(
        store,
        fixtures::patient("d1", "Dahl", "Eva M", "1960-01-01", "15038010015"),
    )
    .await;
    store
        .delete(&ctx, "Patient", "d1")
        .await
        .unwrap_or_else(|e| panic!("delete: {e:?}"));
    assert!(matches!(
        store.read(&ctx, "Patient", "d1").await,
        Err(StoreError::Gone { version: 3, .. })
    ));
    let h = store
        .history(
            &ctx,
            &HistoryQuery {
                resource_type: Some("Patient".into()),
                id: Some("d1".into()),
                since: None,
                count: 10,
                offset: 0,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("history: {e:?}"));
    assert_eq!(
        h.iter().map(|r| (r.version, r.deleted)).collect::<Vec<_>>(),
        vec![(3, true), (2, false), (1, false)]
    );
    assert_eq!(
        store
            .vread(&ctx, "Patient", "d1", 1)
            .await
            .map(|r| r.version)
            .ok(),
        Some(1)
    );
    assert!(search_ids(store, "Patient", &[("_id", "d1")])
        .await
        .is_empty());
    store
        .delete(&ctx, "Patient", "d1")
        .await
        .unwrap_or_else(|e| panic!("second delete: {e:?}"));
}

pub async fn search_token_string_date(store: &FhirStore) {
    seed(store).await;
    assert_eq!(
        search_ids(
            store,
            "Patient",
            &[("identifier", "urn:oid:2.16.578.1.12.4.1.4.1|15038010015")]
        )
        .await,
        vec!["Patient/p1"]
    );
    assert_eq!(
        search_ids(store, "Patient", &[("family", "nord")]).await,
        vec!["Patient/p1"]
    );
    assert_eq!(
        search_ids(store, "Patient", &[("family:exact", "Nordmann")]).await,
        vec!["Patient/p1"]
    );
    assert!(
        search_ids(store, "Patient", &[("family:exact", "nordmann")])
            .await
            .is_empty()
    );
    assert_eq!(
        search_ids(store, "Patient", &[("name:contains", "ANS")]).await,
        vec!["Patient/p2"]
    );
    assert_eq!(
        search_ids(store, "Patient", &[("birthdate", "ge1985-01-01")]).await,
        vec!["Patient/p2"]
    );
    assert_eq!(
        search_ids(store, "Patient", &[("birthdate", "1980-03")]).await,
        vec!["Patient/p1"]
    );
    assert_eq!(
        search_ids(store, "Patient", &[("birthdate", "lt1980-03-15")]).await,
        Vec::<String>::new()
    );
    assert_eq!(
        search_ids(store, "Patient", &[("birthdate", "le1980-03-15")]).await,
        vec!["Patient/p1"]
    );
    assert_eq!(
        search_ids(
            store,
            "Observation",
            &[("code", "http://loinc.org|2345-7"), ("_sort", "date")]
        )
        .await,
        vec!["Observation/o1", "Observation/o2"]
    );
    assert_eq!(
        search_ids(
            store,
            "Observation",
            &[("code", "2345-7,718-7"), ("_sort", "_id")]
        )
        .await,
        vec!["Observation/o1", "Observation/o2", "Observation/o3"]
    );
    assert_eq!(
        search_ids(store, "Observation", &[("date", "gt2026-02-15")]).await,
        vec!["Observation/o2"]
    );
}

pub async fn search_reference_quantity_missing_not(store: &FhirStore) {
    seed(store).await;
    assert_eq!(
        search_ids(store, "Observation", &[("subject", "Patient/p2")]).await,
        vec!["Observation/o3"]
    );
    assert_eq!(
        search_ids(store, "Observation", &[("patient", "p2")]).await,
        vec!["Observation/o3"]
    );
    assert_eq!(
        search_ids(
            store,
            "Observation",
            &[("value-quantity", "gt6"), ("_sort", "_id")]
        )
        .await,
        vec!["Observation/o2", "Observation/o3"]
    );
    assert_eq!(
        search_ids(
            store,
            "Observation",
            &[("value-quantity", "5.5|http://unitsofmeasure.org|mmol/L")]
        )
        .await,
        vec!["Observation/o1"]
    );
    assert_eq!(
        search_ids(store, "ServiceRequest", &[("based-on:missing", "true")]).await,
        vec!["ServiceRequest/sr1"]
    );
    assert_eq!(
        search_ids(
            store,
            "ServiceRequest",
            &[("based-on:missing", "false"), ("_sort", "_id")]
        )
        .await,
        vec!["ServiceRequest/sr2", "ServiceRequest/sr3"]
    );
    assert_eq!(
        search_ids(store, "Observation", &[("code:not", "2345-7")]).await,
        vec!["Observation/o3"]
    );
}

pub async fn search_chain_and_has(store: &FhirStore) {
    seed(store).await;
    assert_eq!(
        search_ids(
            store,
            "Observation",
            &[("subject:Patient.family", "Hansen")]
        )
        .await,
        vec!["Observation/o3"]
    );
    assert_eq!(
        search_ids(
            store,
            "Observation",
            &[("patient.identifier", "15038010015"), ("_sort", "_id")]
        )
        .await,
        vec!["Observation/o1", "Observation/o2"]
    );
    assert_eq!(
        search_ids(
            store,
            "Patient",
            &[("_has:Observation:subject:code", "718-7")]
        )
        .await,
        vec!["Patient/p2"]
    );
    assert_eq!(
        search_ids(
            store,
            "Patient",
            &[("_has:Observation:subject:code", "0000-0")]
        )
        .await,
        Vec::<String>::new()
    );
}

pub async fn search_sort_paging_total(store: &FhirStore) {
    seed(store).await;
    let page1 = search(store, "Observation", &[("_sort", "-date"), ("_count", "2")]).await;
    assert_eq!(
        ids(&page1.matches),
        vec!["Observation/o2", "Observation/o3"]
    );
    assert_eq!((page1.total, page1.has_next), (Some(3), true));
    let page2 = search(
        store,
        "Observation",
        &[("_sort", "-date"), ("_count", "2"), ("_offset", "2")],
    )
    .await;
    assert_eq!(ids(&page2.matches), vec!["Observation/o1"]);
    assert_eq!((page2.total, page2.has_next), (Some(3), false));
    let count = search(
        store,
        "Observation",
        &[("subject", "Patient/p1"), ("_summary", "count")],
    )
    .await;
    assert_eq!((count.total, count.matches.len()), (Some(2), 0));
}

pub async fn search_include_revinclude_iterate(store: &FhirStore) {
    seed(store).await;
    let r = search(
        store,
        "Observation",
        &[("_id", "o3"), ("_include", "Observation:subject")],
    )
    .await;
    assert_eq!(
        (ids(&r.matches), ids(&r.included)),
        (
            vec!["Observation/o3".into()],
            vec!["Patient/p2".to_string()]
        )
    );
    let r = search(
        store,
        "Patient",
        &[("_id", "p1"), ("_revinclude", "Observation:subject")],
    )
    .await;
    let mut inc = ids(&r.included);
    inc.sort();
    assert_eq!(inc, vec!["Observation/o1", "Observation/o2"]);
    let r = search(
        store,
        "ServiceRequest",
        &[
            ("_id", "sr3"),
            ("_include:iterate", "ServiceRequest:based-on"),
        ],
    )
    .await;
    let mut inc = ids(&r.included);
    inc.sort();
    assert_eq!(inc, vec!["ServiceRequest/sr1", "ServiceRequest/sr2"]);
    let r = search(
        store,
        "ServiceRequest",
        &[
            ("_id", "sr1"),
            ("_revinclude:iterate", "ServiceRequest:based-on"),
        ],
    )
    .await;
    let mut inc = ids(&r.included);
    inc.sort();
    assert_eq!(inc, vec!["ServiceRequest/sr2", "ServiceRequest/sr3"]);
}

pub async fn transaction_is_atomic_and_rewrites_urn_uuid(store: &FhirStore) {
    let ctx = hospital_system();
    let tx = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:6f1c0d52-1111-4c2b-9a43-000000000001",
         "resource": fixtures::patient("tmp", "Strand", "Siri", "1975-07-07", "15038010015"),
         "request": {"method": "POST", "url": "Patient"}},
        {"resource": {"resourceType": "Observation", "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
                      "subject": {"reference": "urn:uuid:6f1c0d52-1111-4c2b-9a43-000000000001"}},
         "request": {"method": "POST", "url": "Observation"}}
    ]});
    let resp = store
        .bundle(&ctx, tx)
        .await
        .unwrap_or_else(|e| panic!("transaction: {e:?}"));
    assert_eq!(resp["type"], "transaction-response");
    assert_eq!(resp["entry"][0]["response"]["status"], "201 Created");
    let pid = resp["entry"][0]["resource"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        resp["entry"][1]["resource"]["subject"]["reference"],
        json!(format!("Patient/{pid}"))
    );
    assert_eq!(
        search_ids(store, "Patient", &[("family", "Strand")]).await,
        vec![format!("Patient/{pid}")]
    );
    // Second entry invalid: nothing of the transaction is stored.
    let failing = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": fixtures::patient("tmp", "Fjell", "Tor", "1975-07-07", "15038010015"), "request": {"method": "POST", "url": "Patient"}},
        {"resource": {"resourceType": "Observation", "status": 42}, "request": {"method": "POST", "url": "Observation"}}
    ]});
    let err = store.bundle(&ctx, failing).await;
    assert!(matches!(err, Err(StoreError::Invalid(_))), "{err:?}");
    assert_eq!(
        search_ids(store, "Patient", &[("family", "Fjell")]).await,
        Vec::<String>::new()
    );
    // A stale If-Match inside a transaction rolls back the other entries.
    put(
        store,
        fixtures::patient("t1", "Vik", "Liv", "1975-07-07", "15038010015"),
    )
    .await;
    let stale = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": fixtures::patient("tmp", "Elv", "Ask", "1975-07-07", "15038010015"), "request": {"method": "POST", "url": "Patient"}},
        {"resource": fixtures::patient("t1", "Vik", "Liv2", "1975-07-07", "15038010015"), "request": {"method": "PUT", "url": "Patient/t1", "ifMatch": "W/\"9\""}}
    ]});
    let err = store.bundle(&ctx, stale).await;
    assert!(
        matches!(err, Err(StoreError::PreconditionFailed(_))),
        "{err:?}"
    );
    assert_eq!(
        search_ids(store, "Patient", &[("family", "Elv")]).await,
        Vec::<String>::new()
    );
}

pub async fn batch_reports_each_entry(store: &FhirStore) {
    let ctx = hospital_system();
    let batch = json!({"resourceType": "Bundle", "type": "batch", "entry": [
        {"resource": fixtures::patient("b1", "Bakke", "Nina", "1975-07-07", "15038010015"), "request": {"method": "PUT", "url": "Patient/b1"}},
        {"resource": {"resourceType": "Patient", "birthDate": "not-a-date"}, "request": {"method": "POST", "url": "Patient"}},
        {"request": {"method": "GET", "url": "Patient/b1"}},
        {"request": {"method": "GET", "url": "Patient/missing"}}
    ]});
    let resp = store
        .bundle(&ctx, batch)
        .await
        .unwrap_or_else(|e| panic!("batch: {e:?}"));
    let statuses: Vec<String> = resp["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["response"]["status"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        statuses,
        vec![
            "201 Created",
            "422 Unprocessable Entity",
            "200 OK",
            "404 Not Found"
        ]
    );
    assert_eq!(
        search_ids(store, "Patient", &[("family", "Bakke")]).await,
        vec!["Patient/b1"]
    );
}

pub async fn history_since_and_type(store: &FhirStore) {
    let ctx = hospital_system();
    put(
        store,
        fixtures::patient("h1", "Holm", "A", "1970-01-01", "15038010015"),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let mark = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    put(
        store,
        fixtures::patient("h2", "Holm", "B", "1970-01-01", "15038010015"),
    )
    .await;
    put(
        store,
        fixtures::patient("h1", "Holm", "A2", "1970-01-01", "15038010015"),
    )
    .await;
    let q = HistoryQuery {
        resource_type: Some("Patient".into()),
        id: None,
        since: Some(mark),
        count: 10,
        offset: 0,
    };
    let h = store
        .history(&ctx, &q)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        h.iter()
            .map(|r| format!("{}/{}", r.id, r.version))
            .collect::<Vec<_>>(),
        vec!["h1/2", "h2/1"]
    );
}

pub async fn everything_returns_compartment(store: &FhirStore) {
    seed(store).await;
    let all = store
        .everything(&hospital_system(), "p2")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(ids(&all), vec!["Patient/p2", "Observation/o3"]);
}

pub async fn import_is_idempotent(store: &FhirStore) {
    let batch = vec![
        fixtures::patient("i1", "Import", "A", "1970-01-01", "15038010015"),
        json!({"resourceType": "Patient", "id": "bad", "birthDate": 12}),
        fixtures::observation("io1", "i1", "2345-7", 4.0, "2026-01-01T00:00:00Z"),
    ];
    let first = store
        .unchecked_import(batch.clone(), Some(fixtures::HOSPITAL_ORG))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (
            first.written,
            first.unchanged,
            first.failed.iter().map(|f| f.0).collect::<Vec<_>>()
        ),
        (2, 0, vec![1])
    );
    let second = store
        .unchecked_import(batch, Some(fixtures::HOSPITAL_ORG))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!((second.written, second.unchanged), (0, 2));
    let r = store
        .read(&hospital_system(), "Patient", "i1")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(r.version, 1);
}

pub async fn other_organisation_sees_nothing(store: &FhirStore) {
    seed(store).await;
    let other = other_system();
    assert!(matches!(
        store.read(&other, "Patient", "p1").await,
        Err(StoreError::NotFound { .. })
    ));
    let req = store
        .parse_search("Observation", &[("_summary".into(), "count".into())], false)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let r = store
        .search(&other, &req)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(r.total, Some(0));
    let all = store.everything(&other, "p1").await;
    assert!(matches!(all, Err(StoreError::NotFound { .. })), "{all:?}");
}

pub async fn bad_search_parameters_are_refused(store: &FhirStore) {
    let bad = [
        ("nonsense", "1"),
        ("birthdate", "yesterday"),
        ("_count", "-1"),
        ("family:sounds-like", "x"),
        ("subject:Device.name", "x"),
    ];
    for (k, v) in bad {
        let r = store.parse_search("Patient", &[(k.to_string(), v.to_string())], false);
        assert!(
            matches!(
                r,
                Err(StoreError::BadRequest(_)) | Err(StoreError::NotSupported(_))
            ),
            "{k}={v}: {r:?}"
        );
    }
    let lenient = store.parse_search("Patient", &[("nonsense".into(), "1".into())], true);
    assert!(lenient.is_ok_and(|r| r.plan.clauses.is_empty()));
}

pub async fn access_is_logged_and_chained(store: &FhirStore) {
    seed(store).await;
    let reader = fixtures::treating_practitioner();
    store
        .read(&reader, "Observation", "o3")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let find = |query: Vec<(&str, &str)>| {
        let pairs: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        // The patient reads their own access log (Ola Hansen, adult).
        let reader = fixtures::citizen("01019010046");
        async move {
            let req = store
                .parse_search("AuditEvent", &pairs, false)
                .unwrap_or_else(|e| panic!("{e:?}"));
            store
                .search(&reader, &req)
                .await
                .unwrap_or_else(|e| panic!("{e:?}"))
                .matches
        }
    };
    // p2 has two writes (Patient/p2, Observation/o3) and the read above.
    assert_eq!(find(vec![("patient", "Patient/p2")]).await.len(), 3);
    let reads = find(vec![("patient", "Patient/p2"), ("subtype", "read")]).await;
    assert_eq!(reads.len(), 1);
    let event = body(&reads[0]);
    assert_eq!(event["entity"][1]["what"]["reference"], "Observation/o3");
    assert_eq!(event["agent"][0]["who"]["identifier"]["value"], "565501872");
    assert_eq!(event["purposeOfEvent"][0]["coding"][0]["code"], "TREAT");
    let report = store
        .unchecked_verify_audit()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (report.events, report.broken.clone()),
        (9, None),
        "8 writes in seed + 1 read"
    );
    // Nobody writes the log through the API.
    let mut forged = event.clone();
    forged["outcome"] = json!("0");
    let id = reads[0].id.clone();
    assert!(matches!(
        store
            .update(&hospital_system(), "AuditEvent", &id, forged.clone(), None)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    // An edit (here through the operator's import path) breaks the chain, and verify says where.
    forged["outcomeDesc"] = json!("edited");
    store
        .unchecked_import(vec![forged], None)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let report = store
        .unchecked_verify_audit()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let Some((seq, why)) = report.broken else {
        panic!("the edit was not detected")
    };
    assert_eq!(seq, 9);
    assert!(why.contains(&id), "{why}");
}
