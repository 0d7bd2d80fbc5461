//! `FhirStore::explain_many` (the batch behind the overview's "what the family sees")
//! on both stores, over the demo region: every answer equals the single `explain` for
//! the same item and person; items the caller may not see, unknown ones and other
//! patients' are left out; citizens may not ask; malformed references are refused.
use std::collections::BTreeMap;
use std::sync::Arc;

use nordlys_policy::{Principal, Purpose, SecurityLevel};
use nordlys_store::{FhirStore, RequestContext, StoreConfig, StoreError};
use nordlys_store_postgres::PostgresBackend;
use nordlys_store_sqlite::SqliteBackend;
use nordlys_synth::{demo_region, UNN_ORGNR};
use nordlys_testkit::postgres::fresh_database;
use serde_json::Value;

async fn load_demo(store: &FhirStore) -> BTreeMap<String, String> {
    store.migrate().await.expect("migrate");
    let region = demo_region(nordlys_policy::oslo_today(chrono::Utc::now()));
    let mut by_owner: BTreeMap<Option<String>, Vec<Value>> = BTreeMap::new();
    for r in &region.resources {
        let owner = nordlys_synth::source_orgnr(r).map(str::to_owned);
        by_owner.entry(owner).or_default().push(r.clone());
    }
    for (owner, resources) in by_owner {
        let report = store
            .unchecked_import(resources, owner.as_deref())
            .await
            .expect("import the demo region");
        assert!(report.failed.is_empty(), "{:?}", report.failed);
    }
    region
        .persons
        .iter()
        .map(|p| (p.key.clone(), p.pid.clone()))
        .collect()
}

fn citizen(pid: &str) -> Principal {
    Principal::Citizen {
        pid: pid.to_owned(),
        level: SecurityLevel::High,
    }
}

async fn scenario(store: FhirStore) {
    let pids = load_demo(&store).await;
    let doctor = RequestContext::new(Principal::Practitioner {
        hpr: "565501872".into(),
        orgnr: UNN_ORGNR.into(),
        purpose: Some(Purpose::Treat),
    });
    let items: Vec<String> = [
        "ServiceRequest/referral-1",
        "DocumentReference/doc-child-13-bup-2",
        "DiagnosticReport/dr-child-13-lab-1",
        "ServiceRequest/referral-1-onward",
        "DocumentReference/no-such-item",
        "DocumentReference/doc-mother-gp-1",
    ]
    .map(str::to_owned)
    .to_vec();
    let people = [
        citizen(&pids["child-13"]),
        citizen(&pids["mother"]),
        citizen(&pids["father"]),
    ];
    let answers = store
        .explain_many(&doctor, "child-13", &items, &people)
        .await
        .expect("explain_many");
    let asked: Vec<&str> = answers.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        asked,
        items[..4].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let mut codes = Vec::new();
    for (item, explanations) in &answers {
        assert_eq!(explanations.len(), 3);
        for (person, e) in people.iter().zip(explanations) {
            let single = store
                .explain(&doctor, "child-13", item, person.clone())
                .await
                .expect("explain");
            assert_eq!(e.decision, single.decision, "{item}");
            assert_eq!(e.opens_at, single.opens_at, "{item}");
            codes.push(e.decision.reason.prefix());
        }
    }
    assert_eq!(
        codes,
        vec![
            "youth.full",
            "parent.youth.default-closed",
            "parent.youth.default-closed",
            "youth.default-metadata",
            "label.NORN_FORANS",
            "label.NORN_FORANS",
            "youth.default-metadata",
            "parent.youth.default-closed",
            "parent.youth.default-closed",
            "deferred.paediatric.until",
            "parent.youth.default-closed",
            "parent.youth.default-closed",
        ]
    );

    // A caller who sees nothing gets nothing explained.
    let no_scope = RequestContext::new(Principal::System {
        client_id: "x".into(),
        orgnr: "999999999".into(),
        scopes: Vec::new(),
    });
    let none = store
        .explain_many(&no_scope, "child-13", &items, &people)
        .await
        .expect("empty");
    assert_eq!(none.len(), 0);
    let kari = RequestContext::new(citizen(&pids["child-13"]));
    let refused = store.explain_many(&kari, "child-13", &items, &people).await;
    assert!(
        matches!(refused, Err(StoreError::Forbidden(_))),
        "{refused:?}"
    );
    let bad = store
        .explain_many(&doctor, "child-13", &["referral-1".to_owned()], &people)
        .await;
    assert!(matches!(bad, Err(StoreError::BadRequest(_))), "{bad:?}");
}

#[tokio::test]
async fn explain_many_on_sqlite() {
    let backend = SqliteBackend::in_memory().expect("in-memory SQLite");
    scenario(FhirStore::new(Arc::new(backend), StoreConfig::default())).await;
}

#[tokio::test]
async fn explain_many_on_postgres() {
    let (url, _guard) = fresh_database().await;
    let backend = PostgresBackend::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e:?}"));
    scenario(FhirStore::new(Arc::new(backend), StoreConfig::default())).await;
}
